package scheduler

import "github.com/runnel/runnel/jobgraph"

// graph builds job graphs for tests: vertices default to max parallelism
// 128, group "default" and ChainAlways.
type graph struct{ jobgraph.JobGraph }

func newGraph(name string) *graph { return &graph{jobgraph.JobGraph{Name: name}} }

type vertexOpt func(*jobgraph.Vertex)

func group(name string) vertexOpt { return func(v *jobgraph.Vertex) { v.SlotSharingGroup = name } }

func chaining(c jobgraph.Chaining) vertexOpt { return func(v *jobgraph.Vertex) { v.Chaining = c } }

func (g *graph) add(kind jobgraph.Kind, name string, p int, opts ...vertexOpt) jobgraph.VertexID {
	v := jobgraph.Vertex{
		ID:               jobgraph.VertexID(len(g.Vertices)),
		Name:             name,
		Kind:             kind,
		Parallelism:      p,
		MaxParallelism:   128,
		SlotSharingGroup: "default",
	}
	for _, o := range opts {
		o(&v)
	}
	g.Vertices = append(g.Vertices, v)
	return v.ID
}

func (g *graph) source(name string, p int, opts ...vertexOpt) jobgraph.VertexID {
	return g.add(jobgraph.Source, name, p, opts...)
}

func (g *graph) op(name string, p int, opts ...vertexOpt) jobgraph.VertexID {
	return g.add(jobgraph.Operator, name, p, opts...)
}

func (g *graph) sink(name string, p int, opts ...vertexOpt) jobgraph.VertexID {
	return g.add(jobgraph.Sink, name, p, opts...)
}

func (g *graph) connect(src, dst jobgraph.VertexID, part jobgraph.Partitioner) {
	g.Edges = append(g.Edges, jobgraph.Edge{
		ID: jobgraph.EdgeID(len(g.Edges)), Source: src, Target: dst, Partitioner: part,
	})
}

// pipe connects vs in a line with one partitioner.
func (g *graph) pipe(part jobgraph.Partitioner, vs ...jobgraph.VertexID) *graph {
	for i := 1; i < len(vs); i++ {
		g.connect(vs[i-1], vs[i], part)
	}
	return g
}

// Graphs shared by the chaining, golden and assignment tests.

func linear() *jobgraph.JobGraph {
	g := newGraph("linear")
	return &g.pipe(jobgraph.Forward, g.source("Source: words", 2), g.op("Map", 2), g.op("Filter", 2), g.sink("Sink: print", 2)).JobGraph
}

func wordCount() *jobgraph.JobGraph {
	g := newGraph("wordcount")
	src, split := g.source("Source: lines", 2), g.op("Split", 2)
	count, sink := g.op("Count", 4), g.sink("Sink: print", 4)
	g.connect(src, split, jobgraph.Forward)
	g.connect(split, count, jobgraph.Hash)
	g.connect(count, sink, jobgraph.Forward)
	return &g.JobGraph
}

func twoGroups() *jobgraph.JobGraph {
	g := newGraph("two-groups")
	src, m := g.source("Source: events", 2, group("a")), g.op("Map", 2, group("a"))
	agg, sink := g.op("Aggregate", 3, group("b")), g.sink("Sink: out", 3, group("b"))
	g.connect(src, m, jobgraph.Forward)
	g.connect(m, agg, jobgraph.Rebalance)
	g.connect(agg, sink, jobgraph.Forward)
	return &g.JobGraph
}

func fanOut() *jobgraph.JobGraph {
	g := newGraph("fan-out")
	src, a, a2, b := g.source("Source: s", 2), g.op("A", 2), g.op("A2", 2), g.op("B", 2)
	sa, sb := g.sink("Sink: a", 2), g.sink("Sink: b", 2)
	g.connect(src, a, jobgraph.Forward)
	g.connect(src, b, jobgraph.Forward)
	g.connect(a, a2, jobgraph.Forward)
	g.connect(a2, sa, jobgraph.Forward)
	g.connect(b, sb, jobgraph.Rebalance)
	return &g.JobGraph
}

func union() *jobgraph.JobGraph {
	g := newGraph("union")
	s1, s2 := g.source("Source: one", 2), g.source("Source: two", 2)
	u, sink := g.op("Union", 2), g.sink("Sink: out", 2)
	g.connect(s1, u, jobgraph.Forward)
	g.connect(s2, u, jobgraph.Forward)
	g.connect(u, sink, jobgraph.Forward)
	return &g.JobGraph
}
