package jobgraph

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// VertexID identifies a vertex within its graph: its index in Vertices.
type VertexID int

// EdgeID identifies an edge within its graph: its index in Edges.
type EdgeID int

// Kind says what a vertex does with records.
type Kind uint8

const (
	// Operator vertices consume and produce records.
	Operator Kind = iota
	// Source vertices have no input edges and produce records.
	Source
	// Sink vertices consume records and have no output edges.
	Sink
)

func (k Kind) String() string {
	switch k {
	case Operator:
		return "operator"
	case Source:
		return "source"
	case Sink:
		return "sink"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Chaining says whether a vertex may share a task with its neighbours.
type Chaining uint8

const (
	// ChainAlways chains with the upstream and downstream vertex where the
	// chaining rules allow.
	ChainAlways Chaining = iota
	// ChainHead starts a new chain at this vertex (Flink's startNewChain):
	// it never chains to its upstream, but downstream may chain to it.
	ChainHead
	// ChainNever keeps the vertex alone in its task (disableChaining).
	ChainNever
)

func (c Chaining) String() string {
	switch c {
	case ChainAlways:
		return "always"
	case ChainHead:
		return "head"
	case ChainNever:
		return "never"
	}
	return fmt.Sprintf("Chaining(%d)", uint8(c))
}

// Partitioner says how an edge routes records from the sender subtasks to
// the receiver subtasks, as Flink's partitioners do.
type Partitioner uint8

const (
	// Forward sends subtask i's records to subtask i; needs equal
	// parallelism. The only partitioner that allows chaining.
	Forward Partitioner = iota
	// Rebalance sends records round robin to all receivers.
	Rebalance
	// Rescale sends round robin to a subset of receivers chosen so that
	// each sender talks to as few receivers as possible.
	Rescale
	// Shuffle sends each record to a random receiver.
	Shuffle
	// Broadcast sends every record to every receiver.
	Broadcast
	// Hash sends each record to the receiver owning its key's key group.
	Hash
)

var partitionerNames = [...]string{"FORWARD", "REBALANCE", "RESCALE", "SHUFFLE", "BROADCAST", "HASH"}

func (p Partitioner) String() string {
	if int(p) < len(partitionerNames) {
		return partitionerNames[p]
	}
	return fmt.Sprintf("Partitioner(%d)", uint8(p))
}

// Vertex is one operator of a job.
type Vertex struct {
	ID   VertexID `msgpack:"id"`
	Name string   `msgpack:"name"`
	// UID is a stable id for the operator's state across job versions;
	// empty means derived from the position in the graph.
	UID  string `msgpack:"uid,omitempty"`
	Kind Kind   `msgpack:"kind"`
	// Parallelism is the number of subtasks, at least 1.
	Parallelism int `msgpack:"p"`
	// MaxParallelism is the number of key groups, fixed for the life of
	// the job's state; Parallelism may not exceed it.
	MaxParallelism int `msgpack:"maxp"`
	// SlotSharingGroup names the group whose subtasks may share slots.
	SlotSharingGroup string   `msgpack:"ssg"`
	Chaining         Chaining `msgpack:"chain"`
}

// Edge connects two vertices.
type Edge struct {
	ID          EdgeID      `msgpack:"id"`
	Source      VertexID    `msgpack:"src"`
	Target      VertexID    `msgpack:"dst"`
	Partitioner Partitioner `msgpack:"part"`
	// Tag names the side output of Source the edge carries (Flink's
	// OutputTag); empty for the main output.
	Tag string `msgpack:"tag,omitempty"`
}

// JobGraph is the logical dataflow of a job.
type JobGraph struct {
	Name     string   `msgpack:"name"`
	Vertices []Vertex `msgpack:"vertices"`
	Edges    []Edge   `msgpack:"edges"`
	// WatermarkInterval is how often watermark generators emit (Flink's
	// auto-watermark interval); 0 emits after every record.
	WatermarkInterval time.Duration `msgpack:"wmi"`
	// Checkpoint and Restart are the job's own settings; a submission's
	// settings override them.
	Checkpoint CheckpointConfig `msgpack:"checkpoint,omitempty"`
	Restart    RestartStrategy  `msgpack:"restart,omitempty"`
}

// Fingerprint identifies the graph's content. Deployments carry it, so a
// node whose binary builds a different graph from the same spec (another
// version, a build function that is not deterministic) refuses to run it
// rather than wiring its tasks wrongly.
func (g *JobGraph) Fingerprint() string {
	b, err := msgpack.Marshal(g)
	if err != nil {
		// A JobGraph is plain data; encoding cannot fail.
		panic(fmt.Sprintf("encode job graph: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// Inputs returns the edges into v, in edge order.
func (g *JobGraph) Inputs(v VertexID) []Edge {
	var out []Edge
	for _, e := range g.Edges {
		if e.Target == v {
			out = append(out, e)
		}
	}
	return out
}

// Outputs returns the edges out of v, in edge order.
func (g *JobGraph) Outputs(v VertexID) []Edge {
	var out []Edge
	for _, e := range g.Edges {
		if e.Source == v {
			out = append(out, e)
		}
	}
	return out
}

// Validate checks the graph and names the first bad vertex or edge.
func (g *JobGraph) Validate() error {
	if len(g.Vertices) == 0 {
		return errors.New("job graph has no vertices")
	}
	if g.WatermarkInterval < 0 {
		return fmt.Errorf("watermark interval %s: must be 0 or more", g.WatermarkInterval)
	}
	ids := map[string]VertexID{}
	for i, id := range g.OperatorIDs() {
		if other, dup := ids[id]; dup {
			return fmt.Errorf("vertex %d (%s): operator id %q already used by vertex %d", i, g.Vertices[i].Name, id, other)
		}
		ids[id] = VertexID(i)
	}
	for i, v := range g.Vertices {
		switch {
		case v.ID != VertexID(i):
			return fmt.Errorf("vertex %d (%s): id %d does not match its position", i, v.Name, v.ID)
		case v.Name == "":
			return fmt.Errorf("vertex %d: empty name", i)
		case v.Parallelism < 1:
			return fmt.Errorf("vertex %d (%s): parallelism %d, want at least 1", i, v.Name, v.Parallelism)
		case v.MaxParallelism < 1 || v.MaxParallelism > MaxKeyGroups:
			return fmt.Errorf("vertex %d (%s): max parallelism %d, want 1 to %d", i, v.Name, v.MaxParallelism, MaxKeyGroups)
		case v.Parallelism > v.MaxParallelism:
			return fmt.Errorf("vertex %d (%s): parallelism %d exceeds max parallelism %d", i, v.Name, v.Parallelism, v.MaxParallelism)
		case v.Kind > Sink:
			return fmt.Errorf("vertex %d (%s): unknown kind %d", i, v.Name, v.Kind)
		case v.Chaining > ChainNever:
			return fmt.Errorf("vertex %d (%s): unknown chaining %d", i, v.Name, v.Chaining)
		}
	}
	for i, e := range g.Edges {
		switch {
		case e.ID != EdgeID(i):
			return fmt.Errorf("edge %d: id %d does not match its position", i, e.ID)
		case e.Source < 0 || int(e.Source) >= len(g.Vertices) || e.Target < 0 || int(e.Target) >= len(g.Vertices):
			return fmt.Errorf("edge %d: connects unknown vertices %d -> %d", i, e.Source, e.Target)
		case e.Source == e.Target:
			return fmt.Errorf("edge %d: vertex %d feeds itself", i, e.Source)
		case e.Partitioner > Hash:
			return fmt.Errorf("edge %d: unknown partitioner %d", i, e.Partitioner)
		}
		src, dst := g.Vertices[e.Source], g.Vertices[e.Target]
		switch {
		case src.Kind == Sink:
			return fmt.Errorf("edge %d: sink %s has an output", i, src.Name)
		case dst.Kind == Source:
			return fmt.Errorf("edge %d: source %s has an input", i, dst.Name)
		case e.Partitioner == Forward && src.Parallelism != dst.Parallelism:
			return fmt.Errorf("edge %d (%s -> %s): forward needs equal parallelism, have %d and %d; use rebalance or rescale",
				i, src.Name, dst.Name, src.Parallelism, dst.Parallelism)
		}
	}
	for _, v := range g.Vertices {
		ins := len(g.Inputs(v.ID)) // sources with inputs were refused above
		if v.Kind != Source && ins == 0 {
			return fmt.Errorf("vertex %d (%s): %s without inputs", v.ID, v.Name, v.Kind)
		}
	}
	return g.checkAcyclic()
}

// checkAcyclic rejects cycles: iterations are not supported.
func (g *JobGraph) checkAcyclic() error {
	state := make([]uint8, len(g.Vertices)) // 0 new, 1 on stack, 2 done
	var visit func(v VertexID) error
	visit = func(v VertexID) error {
		switch state[v] {
		case 1:
			return fmt.Errorf("job graph has a cycle through vertex %d (%s)", v, g.Vertices[v].Name)
		case 2:
			return nil
		}
		state[v] = 1
		for _, e := range g.Outputs(v) {
			if err := visit(e.Target); err != nil {
				return err
			}
		}
		state[v] = 2
		return nil
	}
	for i := range g.Vertices {
		if err := visit(VertexID(i)); err != nil {
			return err
		}
	}
	return nil
}

// OperatorIDs returns, by vertex, the id that the vertex's state is kept
// under in checkpoints and savepoints: its UID, or one derived from its
// name and how many vertices of the same name come before it ("Map#1"),
// which a new build of the same job gives again whatever the parallelism.
// Flink hashes the graph's topology instead; a name-derived id survives
// more edits and can be read in a checkpoint's metadata.
func (g *JobGraph) OperatorIDs() []string {
	ids := make([]string, len(g.Vertices))
	seen := map[string]int{}
	for i, v := range g.Vertices {
		if v.UID != "" {
			ids[i] = v.UID
			continue
		}
		ids[i] = fmt.Sprintf("%s#%d", v.Name, seen[v.Name])
		seen[v.Name]++
	}
	return ids
}
