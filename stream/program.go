package stream

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// program implements operator.Program: the JobGraph and, per vertex and
// edge, the typed closures that instantiate it.
type program struct {
	graph *jobgraph.JobGraph
	nodes []*node     // by VertexID
	edges []*edgeSpec // by EdgeID
	// rebuild runs the job's build function again, for fresh user
	// functions per chain (see the package doc).
	rebuild func() (*program, error)
}

// buildProgram runs build on a new Env of the given default parallelism
// and resolves it into the job's program.
func buildProgram(name string, parallelism int, build func(*Env) error) (*program, error) {
	p, err := buildOnce(name, parallelism, build)
	if err != nil {
		return nil, err
	}
	p.rebuild = func() (*program, error) { return buildOnce(name, parallelism, build) }
	return p, nil
}

// buildOnce turns a panic in the build function into an error: Build
// runs on the coordinator, and a bad job must fail its submission, not
// the node.
func buildOnce(name string, parallelism int, build func(*Env) error) (p *program, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("build function panicked: %v", r)
		}
	}()
	env := newEnv(parallelism)
	if err := build(env); err != nil {
		return nil, err
	}
	g, edges, err := env.build(name)
	if err != nil {
		return nil, err
	}
	return &program{graph: g, nodes: env.nodes, edges: edges}, nil
}

// Graph returns the job's graph; callers must not modify it.
func (p *program) Graph() *jobgraph.JobGraph { return p.graph }

// NewChain checks spec against the graph, rebuilds the job for fresh user
// functions and wires them into a chain.
func (p *program) NewChain(spec operator.ChainSpec) (operator.Chain, error) {
	if err := p.checkChain(spec); err != nil {
		return nil, fmt.Errorf("job %q: chain %v: %w", p.graph.Name, spec.Vertices, err)
	}
	fresh, err := p.rebuild()
	if err != nil {
		return nil, fmt.Errorf("job %q: rebuild for chain %v: %w", p.graph.Name, spec.Vertices, err)
	}
	if !reflect.DeepEqual(fresh.graph, p.graph) {
		return nil, fmt.Errorf("job %q: the build function is not deterministic: it built a different graph", p.graph.Name)
	}
	c, err := fresh.instantiate(spec)
	if err != nil {
		return nil, err
	}
	if err := c.restore(spec.Restore); err != nil {
		for _, op := range c.ops {
			_ = closeOp(op) // release what the built operators hold; the restore error is the one to report
		}
		return nil, err
	}
	return c, nil
}

// checkChain rejects a chain the executor should not have asked for: the
// typed wiring below relies on every rule checked here.
func (p *program) checkChain(spec operator.ChainSpec) error {
	g := p.graph
	if len(spec.Vertices) == 0 {
		return errors.New("no vertices")
	}
	pos := make(map[jobgraph.VertexID]int, len(spec.Vertices))
	for i, v := range spec.Vertices {
		if v < 0 || int(v) >= len(g.Vertices) {
			return fmt.Errorf("unknown vertex %d", v)
		}
		if _, dup := pos[v]; dup {
			return fmt.Errorf("vertex %d appears twice", v)
		}
		if i > 0 && g.Vertices[v].Kind == jobgraph.Source {
			return fmt.Errorf("source %s is not the head", g.Vertices[v].Name)
		}
		pos[v] = i
	}
	head := g.Vertices[spec.Vertices[0]]
	if p := spec.Context.Parallelism; p != 0 && p != head.Parallelism {
		return fmt.Errorf("context parallelism %d, but %s has %d", p, head.Name, head.Parallelism)
	}
	if s := spec.Context.Subtask; s < 0 || s >= head.Parallelism {
		return fmt.Errorf("subtask %d out of range for parallelism %d", s, head.Parallelism)
	}
	for _, e := range g.Edges {
		si, srcIn := pos[e.Source]
		ti, dstIn := pos[e.Target]
		src, dst := g.Vertices[e.Source], g.Vertices[e.Target]
		switch {
		case srcIn && dstIn && ti <= si:
			return fmt.Errorf("edge %d runs from %s back to %s", e.ID, src.Name, dst.Name)
		case srcIn && dstIn && e.Partitioner != jobgraph.Forward:
			return fmt.Errorf("edge %d (%s -> %s) is %s; only forward edges chain", e.ID, src.Name, dst.Name, e.Partitioner)
		case dstIn && !srcIn && ti > 0:
			return fmt.Errorf("%s has input edge %d from outside the chain; only the head may", dst.Name, e.ID)
		case srcIn && !dstIn:
			if err := checkWriter(e, dst, spec.Outputs[e.ID]); err != nil {
				return err
			}
		}
	}
	for id := range spec.Outputs {
		if id < 0 || int(id) >= len(g.Edges) {
			return fmt.Errorf("writer for unknown edge %d", id)
		}
		_, srcIn := pos[g.Edges[id].Source]
		_, dstIn := pos[g.Edges[id].Target]
		if !srcIn || dstIn {
			return fmt.Errorf("writer for edge %d, which does not leave the chain", id)
		}
	}
	return nil
}

// checkWriter checks the writer of an edge leaving the chain. Forward
// writes to its one same-index receiver; Hash must reach every receiver,
// since key groups are assigned over the receiver's full parallelism.
func checkWriter(e jobgraph.Edge, dst jobgraph.Vertex, w operator.RecordWriter) error {
	if w == nil {
		return fmt.Errorf("edge %d to %s leaves the chain but has no writer", e.ID, dst.Name)
	}
	n := w.NumChannels()
	switch {
	case n < 1:
		return fmt.Errorf("edge %d to %s: writer has %d channels", e.ID, dst.Name, n)
	case e.Partitioner == jobgraph.Forward && n != 1:
		return fmt.Errorf("forward edge %d to %s: writer has %d channels, want 1", e.ID, dst.Name, n)
	case e.Partitioner == jobgraph.Hash && n != dst.Parallelism:
		return fmt.Errorf("hash edge %d to %s: writer has %d channels, want its parallelism %d", e.ID, dst.Name, n, dst.Parallelism)
	}
	return nil
}

// watermarkEmitter is an operator that emits watermarks and idleness
// downstream of itself on its own (a timestamp assigner).
type watermarkEmitter interface {
	setEmit(emit func(wm int64) error, emitIdle func(idle bool) error)
}

// instantiate wires one subtask's chain tail to head: each vertex's
// output collector joins the input collectors of its chained successors
// (already built) and a network output per edge leaving the chain.
func (p *program) instantiate(spec operator.ChainSpec) (*chain, error) {
	g := p.graph
	c := &chain{
		ops:        make([]chainedOp, len(spec.Vertices)),
		decoders:   make([]func([]byte) error, len(g.Edges)),
		opened:     len(spec.Vertices),
		succ:       make([][]int, len(spec.Vertices)),
		netOuts:    make([][]operator.RecordWriter, len(spec.Vertices)),
		handlers:   make([]operator.WatermarkHandler, len(spec.Vertices)),
		generators: make([]operator.WatermarkGenerator, len(spec.Vertices)),
	}
	c.watermark.Store(operator.MinWatermark)
	pos := make(map[jobgraph.VertexID]int, len(spec.Vertices))
	for i, v := range spec.Vertices {
		pos[v] = i
	}
	ins := make([]any, len(spec.Vertices))
	opIDs := g.OperatorIDs()
	for i := len(spec.Vertices) - 1; i >= 0; i-- {
		vx := g.Vertices[spec.Vertices[i]]
		n := p.nodes[vx.ID]
		ctx := new(operator.Context)
		*ctx = spec.Context
		ctx.OperatorName = vx.Name
		ctx.Parallelism = vx.Parallelism
		ctx.MaxParallelism = vx.MaxParallelism
		var out any
		env := &opEnv{ctx: ctx, run: &c.run}
		if n.fanOut != nil {
			var outs []any
			sideOuts := map[string][]any{}
			for _, e := range g.Outputs(vx.ID) {
				var o any
				if j, chained := pos[e.Target]; chained {
					o = ins[j]
					c.succ[i] = append(c.succ[i], j)
				} else {
					o = p.edges[e.ID].newOutput(e.Partitioner, spec.Outputs[e.ID], g.Vertices[e.Target].MaxParallelism, &c.run, ctx)
					c.netOuts[i] = append(c.netOuts[i], spec.Outputs[e.ID])
				}
				if e.Tag == "" {
					outs = append(outs, o)
				} else {
					sideOuts[e.Tag] = append(sideOuts[e.Tag], o)
				}
			}
			out = n.fanOut(outs)
			if len(sideOuts) > 0 {
				env.sides = map[string]any{}
				for tag, os := range sideOuts {
					env.sides[tag] = n.sides[tag].fanOut(os)
				}
			}
		}
		in, lc, poll, err := n.newInstance(env, out)
		if err != nil {
			for _, op := range c.ops[i+1:] {
				_ = op.lc.Close() // release what the built operators hold; the creation error is the one to report
			}
			return nil, fmt.Errorf("%s: %w", ctx, err)
		}
		ins[i] = in
		c.ops[i] = chainedOp{lc: lc, ctx: ctx, id: opIDs[vx.ID]}
		c.handlers[i], _ = lc.(operator.WatermarkHandler)
		c.generators[i], _ = lc.(operator.WatermarkGenerator)
		if h, ok := lc.(operator.ProcessingTimeHandler); ok {
			c.procTime = append(c.procTime, h)
		}
		if a, ok := lc.(watermarkEmitter); ok {
			from := i
			a.setEmit(func(wm int64) error { return c.watermarkFrom(from, wm) }, func(idle bool) error { return c.idleFrom(from, idle) })
		}
		if i == 0 {
			c.poll = poll
		}
	}
	if head := spec.Vertices[0]; c.poll == nil {
		for _, e := range g.Inputs(head) {
			c.decoders[e.ID] = p.edges[e.ID].decoder(ins[0], &c.run)
		}
	}
	return c, nil
}
