package stream

import (
	"cmp"
	"fmt"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/watermark"
)

// defaultSlotSharingGroup is Flink's name for the group of operators that
// set none and inherit none.
const defaultSlotSharingGroup = "default"

// Env is Flink's StreamExecutionEnvironment: the job under construction.
// A build function receives one; Build turns it into the JobGraph.
type Env struct {
	parallelism       int
	maxParallelism    int // 0: each operator's default
	watermarkInterval time.Duration
	checkpoint        jobgraph.CheckpointConfig
	restart           jobgraph.RestartStrategy
	nodes             []*node
	// errs are rendered at Build, so that they name operators by the
	// name they end up with (Name may be called after the mistake).
	errs []func() error
}

// newEnv starts a job whose default parallelism is the spec's, with 0
// meaning 1 as Flink's parallelism.default.
func newEnv(parallelism int) *Env {
	return &Env{parallelism: max(parallelism, 1), watermarkInterval: watermark.DefaultInterval}
}

// SetAutoWatermarkInterval sets how often timestamp assigners emit
// watermarks (default 200 ms). Unlike Flink, where 0 turns periodic
// watermarks off, 0 here emits a watermark after every record.
func (e *Env) SetAutoWatermarkInterval(d time.Duration) *Env {
	if d < 0 {
		e.failf("env: watermark interval %s, want 0 or more", d)
		return e
	}
	e.watermarkInterval = d
	return e
}

// EnableCheckpointing takes a checkpoint every interval (Flink's
// enableCheckpointing), in exactly-once mode; a submission's settings may
// change it. Off by default.
func (e *Env) EnableCheckpointing(interval time.Duration) *Env {
	c := e.checkpoint
	c.Interval = interval
	if err := c.Validate(); err != nil {
		e.failf("env: %v", err)
		return e
	}
	e.checkpoint = c
	return e
}

// SetCheckpointConfig sets all of the job's checkpointing at once.
func (e *Env) SetCheckpointConfig(c jobgraph.CheckpointConfig) *Env {
	if err := c.Validate(); err != nil {
		e.failf("env: %v", err)
		return e
	}
	e.checkpoint = c
	return e
}

// SetRestartStrategy chooses how the job restarts after failures (default
// exponential-delay, as Flink's with checkpoints).
func (e *Env) SetRestartStrategy(r jobgraph.RestartStrategy) *Env {
	if err := r.Validate(); err != nil {
		e.failf("env: %v", err)
		return e
	}
	e.restart = r
	return e
}

// SetParallelism sets the parallelism of every operator that sets none.
func (e *Env) SetParallelism(n int) *Env {
	if n < 1 || n > jobgraph.MaxKeyGroups {
		e.failf("env: parallelism %d, want 1 to %d", n, jobgraph.MaxKeyGroups)
		return e
	}
	e.parallelism = n
	return e
}

// Parallelism is the default parallelism of the job's operators.
func (e *Env) Parallelism() int { return e.parallelism }

// SetMaxParallelism sets the max parallelism (the number of key groups)
// of every operator that sets none; without it each operator gets
// jobgraph.DefaultMaxParallelism of its parallelism.
func (e *Env) SetMaxParallelism(n int) *Env {
	if n < 1 || n > jobgraph.MaxKeyGroups {
		e.failf("env: max parallelism %d, want 1 to %d", n, jobgraph.MaxKeyGroups)
		return e
	}
	e.maxParallelism = n
	return e
}

func (e *Env) failf(format string, args ...any) {
	err := fmt.Errorf(format, args...)
	e.errs = append(e.errs, func() error { return err })
}

// node is one operator under construction: the settings that become its
// Vertex, its input edges, and the typed closures with which a Program
// instantiates it without knowing its types.
type node struct {
	env              *Env
	id               jobgraph.VertexID
	kind             jobgraph.Kind
	name             string
	uid              string
	parallelism      int    // 0: the env's
	maxParallelism   int    // 0: the env's, else the default for the parallelism
	slotSharingGroup string // "": inherited from the inputs
	chaining         jobgraph.Chaining
	inputs           []*edgeSpec

	// newInstance creates one subtask's instance, emitting to out (an
	// operator.Collector of the node's output type; nil for a sink). It
	// returns the instance's input (an operator.Collector of its input
	// type; nil for a source), its lifecycle, and for a source the poll
	// function. Nil when the node is bad (Build then fails).
	newInstance func(op *opEnv, out any) (in any, lc operator.Lifecycle, poll func() (operator.InputStatus, error), err error)
	// fanOut joins the collectors of the node's outgoing edges into one;
	// nil for a sink.
	fanOut func(outs []any) any
	// sides holds, by tag id, the fan-out of each side output a
	// GetSideOutput reads, typed on the side output's type, and the name
	// of that type (one tag id, one type).
	sides map[string]sideOutput
}

// opEnv is what one subtask's operator instance gets besides its main
// output: its context, the chain's shared state, and its side outputs
// (operator.Collector values by tag id).
type opEnv struct {
	ctx   *operator.Context
	run   *chainState
	sides map[string]any
}

// sideOutput is a side output some operator downstream reads.
type sideOutput struct {
	fanOut   func(outs []any) any
	typeName string
}

// edgeSpec is one input edge of a node, as the user asked for it.
type edgeSpec struct {
	from *node
	tag  string // the side output the edge reads; "" for the main output
	// decoder makes the function that decodes a network record of the
	// edge's type and passes it to the receiving instance's input for
	// this edge (in is that instance's input value).
	decoder     func(in any, run *chainState) func(record []byte) error
	partitioner jobgraph.Partitioner
	explicit    bool // false: Forward or Rebalance, decided at Build
	// newOutput creates the sender's collector for this edge, typed on
	// the sender's output type.
	newOutput func(part jobgraph.Partitioner, w operator.RecordWriter, targetMaxParallelism int, run *chainState, ctx *operator.Context) any
}

func (e *Env) add(kind jobgraph.Kind, name string) *node {
	n := &node{env: e, id: jobgraph.VertexID(len(e.nodes)), kind: kind, name: name}
	e.nodes = append(e.nodes, n)
	return n
}

func (n *node) failf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	n.env.errs = append(n.env.errs, func() error {
		return fmt.Errorf("vertex %d (%s): %s", n.id, n.name, msg)
	})
}

func (n *node) setParallelism(p int) {
	if p < 1 || p > jobgraph.MaxKeyGroups {
		n.failf("parallelism %d, want 1 to %d", p, jobgraph.MaxKeyGroups)
		return
	}
	n.parallelism = p
}

func (n *node) setMaxParallelism(p int) {
	if p < 1 || p > jobgraph.MaxKeyGroups {
		n.failf("max parallelism %d, want 1 to %d", p, jobgraph.MaxKeyGroups)
		return
	}
	n.maxParallelism = p
}

func (n *node) setName(name string) {
	if name == "" {
		n.failf("empty name")
		return
	}
	n.name = name
}

func (n *node) setUID(uid string) {
	if uid == "" {
		n.failf("empty uid")
		return
	}
	n.uid = uid
}

func (n *node) setSlotSharingGroup(group string) {
	if group == "" {
		n.failf("empty slot sharing group")
		return
	}
	n.slotSharingGroup = group
}

// build resolves the settings into the validated JobGraph and returns the
// edge specs in EdgeID order. Nodes are in creation order, so every input
// is resolved before the node that reads it.
func (e *Env) build(name string) (*jobgraph.JobGraph, []*edgeSpec, error) {
	if len(e.errs) > 0 {
		return nil, nil, e.errs[0]()
	}
	g := &jobgraph.JobGraph{Name: name, WatermarkInterval: e.watermarkInterval, Checkpoint: e.checkpoint, Restart: e.restart}
	var edges []*edgeSpec
	for _, n := range e.nodes {
		v := jobgraph.Vertex{
			ID:               n.id,
			Name:             n.name,
			UID:              n.uid,
			Kind:             n.kind,
			Parallelism:      cmp.Or(n.parallelism, e.parallelism),
			SlotSharingGroup: n.slotSharingGroup,
			Chaining:         n.chaining,
		}
		v.MaxParallelism = cmp.Or(n.maxParallelism, e.maxParallelism, jobgraph.DefaultMaxParallelism(v.Parallelism))
		if v.SlotSharingGroup == "" {
			v.SlotSharingGroup = inheritedGroup(g, n)
		}
		for _, in := range n.inputs {
			src := g.Vertices[in.from.id]
			part := in.partitioner
			switch {
			case !in.explicit && src.Parallelism == v.Parallelism:
				part = jobgraph.Forward
			case !in.explicit:
				part = jobgraph.Rebalance
			case part == jobgraph.Forward && src.Parallelism != v.Parallelism:
				return nil, nil, fmt.Errorf("vertex %d (%s): forward partitioning from %s needs equal parallelism, have %d and %d; use Rebalance or Rescale",
					v.ID, v.Name, src.Name, src.Parallelism, v.Parallelism)
			}
			g.Edges = append(g.Edges, jobgraph.Edge{ID: jobgraph.EdgeID(len(g.Edges)), Source: src.ID, Target: v.ID, Partitioner: part, Tag: in.tag})
			edges = append(edges, in)
		}
		g.Vertices = append(g.Vertices, v)
	}
	if err := g.Validate(); err != nil {
		return nil, nil, err
	}
	return g, edges, nil
}

// inheritedGroup is Flink's rule: the inputs' group if they all share
// one, else the default group.
func inheritedGroup(g *jobgraph.JobGraph, n *node) string {
	group := ""
	for i, in := range n.inputs {
		s := g.Vertices[in.from.id].SlotSharingGroup
		if i > 0 && s != group {
			return defaultSlotSharingGroup
		}
		group = s
	}
	if group == "" {
		return defaultSlotSharingGroup
	}
	return group
}
