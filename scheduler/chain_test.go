package scheduler

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
)

func TestChain(t *testing.T) {
	const (
		fwd  = jobgraph.Forward
		reb  = jobgraph.Rebalance
		hash = jobgraph.Hash
	)
	tests := []struct {
		name  string
		graph func() *jobgraph.JobGraph
		tasks []string // task names in plan order
		edges []string // "edge: source task -> target task"
	}{
		{
			name:  "linear forward pipeline is one task",
			graph: linear,
			tasks: []string{"Source: words -> Map -> Filter -> Sink: print"},
		},
		{
			name: "rebalance breaks the chain",
			graph: func() *jobgraph.JobGraph {
				g := newGraph("rebalance")
				s, m, k := g.source("src", 2), g.op("map", 2), g.sink("sink", 2)
				g.connect(s, m, reb)
				g.connect(m, k, fwd)
				return &g.JobGraph
			},
			tasks: []string{"src", "map -> sink"},
			edges: []string{"0: 0 -> 1"},
		},
		{
			name: "parallelism change breaks the chain",
			graph: func() *jobgraph.JobGraph {
				g := newGraph("rescale")
				return &g.pipe(jobgraph.Rescale, g.source("src", 2), g.sink("sink", 4)).JobGraph
			},
			tasks: []string{"src", "sink"},
			edges: []string{"0: 0 -> 1"},
		},
		{
			name: "rescale at equal parallelism breaks the chain",
			graph: func() *jobgraph.JobGraph {
				g := newGraph("rescale")
				return &g.pipe(jobgraph.Rescale, g.source("src", 2), g.sink("sink", 2)).JobGraph
			},
			tasks: []string{"src", "sink"},
			edges: []string{"0: 0 -> 1"},
		},
		{
			name: "hash edge breaks the chain",
			graph: func() *jobgraph.JobGraph {
				g := newGraph("hash")
				return &g.pipe(hash, g.source("src", 3), g.sink("sink", 3)).JobGraph
			},
			tasks: []string{"src", "sink"},
			edges: []string{"0: 0 -> 1"},
		},
		{
			name: "different slot-sharing group breaks the chain",
			graph: func() *jobgraph.JobGraph {
				g := newGraph("groups")
				return &g.pipe(fwd, g.source("src", 2), g.op("map", 2, group("heavy")), g.sink("sink", 2, group("heavy"))).JobGraph
			},
			tasks: []string{"src", "map -> sink"},
			edges: []string{"0: 0 -> 1"},
		},
		{
			name: "ChainHead starts a new chain that downstream joins",
			graph: func() *jobgraph.JobGraph {
				g := newGraph("head")
				return &g.pipe(fwd, g.source("src", 2), g.op("map", 2, chaining(jobgraph.ChainHead)), g.sink("sink", 2)).JobGraph
			},
			tasks: []string{"src", "map -> sink"},
			edges: []string{"0: 0 -> 1"},
		},
		{
			name: "ChainHead on a source changes nothing",
			graph: func() *jobgraph.JobGraph {
				g := newGraph("head-source")
				return &g.pipe(fwd, g.source("src", 2, chaining(jobgraph.ChainHead)), g.sink("sink", 2)).JobGraph
			},
			tasks: []string{"src -> sink"},
		},
		{
			name: "ChainNever isolates the vertex on both sides",
			graph: func() *jobgraph.JobGraph {
				g := newGraph("never")
				return &g.pipe(fwd, g.source("src", 2), g.op("map", 2, chaining(jobgraph.ChainNever)), g.sink("sink", 2)).JobGraph
			},
			tasks: []string{"src", "map", "sink"},
			edges: []string{"0: 0 -> 1", "1: 1 -> 2"},
		},
		{
			name: "ChainNever on a source keeps its downstream apart",
			graph: func() *jobgraph.JobGraph {
				g := newGraph("never-source")
				return &g.pipe(fwd, g.source("src", 2, chaining(jobgraph.ChainNever)), g.op("map", 2), g.sink("sink", 2)).JobGraph
			},
			tasks: []string{"src", "map -> sink"},
			edges: []string{"0: 0 -> 1"},
		},
		{
			name:  "union is never chained to its inputs",
			graph: union,
			tasks: []string{"Source: one", "Source: two", "Union -> Sink: out"},
			edges: []string{"0: 0 -> 2", "1: 1 -> 2"},
		},
		{
			name:  "forward fan-out chains every branch depth first",
			graph: fanOut,
			tasks: []string{"Source: s -> A -> A2 -> Sink: a -> B", "Sink: b"},
			edges: []string{"4: 0 -> 1"},
		},
		{
			name: "diamond chains the fan-out but not the join",
			graph: func() *jobgraph.JobGraph {
				g := newGraph("diamond")
				s, a, b, j := g.source("src", 2), g.op("a", 2), g.op("b", 2), g.sink("join", 2)
				g.connect(s, a, fwd)
				g.connect(s, b, fwd)
				g.connect(a, j, fwd)
				g.connect(b, j, fwd)
				return &g.JobGraph
			},
			tasks: []string{"src -> a -> b", "join"},
			edges: []string{"2: 0 -> 1", "3: 0 -> 1"},
		},
		{
			name:  "word count splits at the hash edge",
			graph: wordCount,
			tasks: []string{"Source: lines -> Split", "Count -> Sink: print"},
			edges: []string{"1: 0 -> 1"},
		},
		{
			name: "tasks come in topological order whatever the vertex ids",
			graph: func() *jobgraph.JobGraph {
				g := newGraph("backwards")
				k, m, s := g.sink("sink", 1), g.op("map", 2), g.source("src", 3)
				g.connect(m, k, reb)
				g.connect(s, m, reb)
				return &g.JobGraph
			},
			tasks: []string{"src", "map", "sink"},
			edges: []string{"0: 1 -> 2", "1: 0 -> 1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.graph()
			p, err := Chain(g)
			if err != nil {
				t.Fatalf("Chain: %v", err)
			}
			var tasks, edges []string
			for _, task := range p.Tasks {
				tasks = append(tasks, task.Name)
			}
			for _, e := range p.Edges {
				edges = append(edges, fmt.Sprintf("%d: %d -> %d", e.Edge, e.Source, e.Target))
			}
			if !slices.Equal(tasks, tt.tasks) {
				t.Errorf("tasks:\n got %q\nwant %q", tasks, tt.tasks)
			}
			if !slices.Equal(edges, tt.edges) {
				t.Errorf("edges:\n got %q\nwant %q", edges, tt.edges)
			}
			checkPlan(t, g, p)
		})
	}
}

// checkPlan checks what every plan must satisfy, whatever the graph.
func checkPlan(t *testing.T, g *jobgraph.JobGraph, p *Plan) {
	t.Helper()
	seen := make([]int, len(g.Vertices))
	pos := map[TaskID]int{}
	for i, task := range p.Tasks {
		if task.ID != TaskID(i) {
			t.Errorf("task %d has id %d", i, task.ID)
		}
		pos[task.ID] = i
		names := []string{}
		for _, v := range task.Vertices {
			seen[v]++
			vx := g.Vertices[v]
			names = append(names, vx.Name)
			if vx.Parallelism != task.Parallelism || vx.SlotSharingGroup != task.SlotSharingGroup {
				t.Errorf("task %d: vertex %s has parallelism %d group %q, task has %d %q",
					i, vx.Name, vx.Parallelism, vx.SlotSharingGroup, task.Parallelism, task.SlotSharingGroup)
			}
			if got := p.TaskOf(v); got != task.ID {
				t.Errorf("TaskOf(%d) = %d, want %d", v, got, task.ID)
			}
		}
		if want := strings.Join(names, " -> "); task.Name != want {
			t.Errorf("task %d name %q, want %q", i, task.Name, want)
		}
		if head := g.Vertices[task.Vertices[0]]; task.MaxParallelism != head.MaxParallelism {
			t.Errorf("task %d max parallelism %d, head has %d", i, task.MaxParallelism, head.MaxParallelism)
		}
	}
	for v, n := range seen {
		if n != 1 {
			t.Errorf("vertex %d is in %d tasks", v, n)
		}
	}
	for _, e := range p.Edges {
		if pos[e.Source] >= pos[e.Target] {
			t.Errorf("edge %d: task %d does not precede task %d", e.Edge, e.Source, e.Target)
		}
		ge := g.Edges[e.Edge]
		if p.TaskOf(ge.Source) != e.Source || p.TaskOf(ge.Target) != e.Target || ge.Partitioner != e.Partitioner {
			t.Errorf("task edge %+v does not match job graph edge %+v", e, ge)
		}
	}
	// A chained edge stays inside one task; an inter-task edge is listed.
	listed := map[jobgraph.EdgeID]bool{}
	for _, e := range p.Edges {
		listed[e.Edge] = true
	}
	for _, e := range g.Edges {
		if inside := p.TaskOf(e.Source) == p.TaskOf(e.Target); inside == listed[e.ID] {
			t.Errorf("edge %d: inside a task %v, listed %v", e.ID, inside, listed[e.ID])
		}
	}
}

func TestChainRejectsInvalidGraph(t *testing.T) {
	g := newGraph("bad")
	s, k := g.source("src", 2), g.sink("sink", 3)
	g.connect(s, k, jobgraph.Forward)
	_, err := Chain(&g.JobGraph)
	if err == nil || !strings.Contains(err.Error(), `job "bad"`) || !strings.Contains(err.Error(), "src -> sink") {
		t.Fatalf("Chain = %v, want an error naming the job and the edge", err)
	}
}

func TestTaskOfWithoutIndex(t *testing.T) {
	p, err := Chain(wordCount())
	if err != nil {
		t.Fatal(err)
	}
	// As if decoded: only the exported fields.
	q := &Plan{Tasks: p.Tasks, Edges: p.Edges, Groups: p.Groups}
	for v := range 4 {
		if got, want := q.TaskOf(jobgraph.VertexID(v)), p.TaskOf(jobgraph.VertexID(v)); got != want {
			t.Errorf("TaskOf(%d) = %d, want %d", v, got, want)
		}
	}
	if got := q.TaskOf(9); got != -1 {
		t.Errorf("TaskOf(unknown) = %d, want -1", got)
	}
	if got := p.TaskOf(-1); got != -1 {
		t.Errorf("TaskOf(-1) = %d, want -1", got)
	}
}

func TestGroups(t *testing.T) {
	tests := []struct {
		name   string
		graph  func() *jobgraph.JobGraph
		groups []Group
		slots  int
	}{
		{"one group takes the widest task", wordCount, []Group{{"default", 4}}, 4},
		{"groups add up, sorted by name", twoGroups, []Group{{"a", 2}, {"b", 3}}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Chain(tt.graph())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Groups, tt.groups) {
				t.Errorf("groups %v, want %v", p.Groups, tt.groups)
			}
			if got := p.SlotsNeeded(); got != tt.slots {
				t.Errorf("SlotsNeeded = %d, want %d", got, tt.slots)
			}
		})
	}
}
