package jobgraph

import (
	"slices"
	"strings"
	"testing"
)

// valid is source -> map -> sink, all forward at parallelism 2.
func valid() *JobGraph {
	v := func(id VertexID, name string, kind Kind) Vertex {
		return Vertex{ID: id, Name: name, Kind: kind, Parallelism: 2, MaxParallelism: 128, SlotSharingGroup: "default"}
	}
	return &JobGraph{
		Name:     "job",
		Vertices: []Vertex{v(0, "src", Source), v(1, "map", Operator), v(2, "sink", Sink)},
		Edges: []Edge{
			{ID: 0, Source: 0, Target: 1, Partitioner: Forward},
			{ID: 1, Source: 1, Target: 2, Partitioner: Forward},
		},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(g *JobGraph)
		err    string // substring; empty means valid
	}{
		{"valid pipeline", func(*JobGraph) {}, ""},
		{"rebalance between different parallelisms", func(g *JobGraph) {
			g.Vertices[1].Parallelism = 3
			g.Edges[0].Partitioner = Rebalance
			g.Edges[1].Partitioner = Rescale
		}, ""},
		{"parallelism equal to max parallelism", func(g *JobGraph) {
			for i := range g.Vertices {
				g.Vertices[i].Parallelism, g.Vertices[i].MaxParallelism = MaxKeyGroups, MaxKeyGroups
			}
		}, ""},
		{"distinct uids", func(g *JobGraph) { g.Vertices[0].UID, g.Vertices[1].UID = "a", "b" }, ""},
		{"operator without outputs", func(g *JobGraph) { g.Edges = g.Edges[:1]; g.Vertices = g.Vertices[:2] }, ""},
		{"diamond", func(g *JobGraph) {
			g.Vertices = append(g.Vertices, Vertex{ID: 3, Name: "other", Kind: Operator, Parallelism: 2, MaxParallelism: 128})
			g.Edges = append(g.Edges, Edge{ID: 2, Source: 0, Target: 3}, Edge{ID: 3, Source: 3, Target: 2})
		}, ""},

		{"no vertices", func(g *JobGraph) { g.Vertices, g.Edges = nil, nil }, "job graph has no vertices"},
		{"vertex id off its position", func(g *JobGraph) { g.Vertices[1].ID = 5 }, "vertex 1 (map): id 5 does not match its position"},
		{"empty vertex name", func(g *JobGraph) { g.Vertices[1].Name = "" }, "vertex 1: empty name"},
		{"zero parallelism", func(g *JobGraph) { g.Vertices[1].Parallelism = 0 }, "vertex 1 (map): parallelism 0, want at least 1"},
		{"zero max parallelism", func(g *JobGraph) { g.Vertices[1].MaxParallelism = 0 }, "vertex 1 (map): max parallelism 0, want 1 to 32768"},
		{"max parallelism above key groups", func(g *JobGraph) { g.Vertices[1].MaxParallelism = MaxKeyGroups + 1 }, "vertex 1 (map): max parallelism 32769, want 1 to 32768"},
		{"parallelism above max parallelism", func(g *JobGraph) {
			for i := range g.Vertices {
				g.Vertices[i].Parallelism = 129
			}
		}, "vertex 0 (src): parallelism 129 exceeds max parallelism 128"},
		{"unknown kind", func(g *JobGraph) { g.Vertices[1].Kind = 7 }, "vertex 1 (map): unknown kind 7"},
		{"unknown chaining", func(g *JobGraph) { g.Vertices[1].Chaining = 9 }, "vertex 1 (map): unknown chaining 9"},
		{"duplicate uid", func(g *JobGraph) { g.Vertices[0].UID, g.Vertices[2].UID = "u", "u" }, `vertex 2 (sink): operator id "u" already used by vertex 0`},
		{"uid taking a derived id", func(g *JobGraph) { g.Vertices[2].UID = g.OperatorIDs()[0] }, `operator id`},
		{"edge id off its position", func(g *JobGraph) { g.Edges[1].ID = 0 }, "edge 1: id 0 does not match its position"},
		{"edge from a negative vertex", func(g *JobGraph) { g.Edges[0].Source = -1 }, "edge 0: connects unknown vertices -1 -> 1"},
		{"edge to a missing vertex", func(g *JobGraph) { g.Edges[1].Target = 3 }, "edge 1: connects unknown vertices 1 -> 3"},
		{"self loop", func(g *JobGraph) { g.Edges[1].Target = 1 }, "edge 1: vertex 1 feeds itself"},
		{"unknown partitioner", func(g *JobGraph) { g.Edges[0].Partitioner = 6 }, "edge 0: unknown partitioner 6"},
		{"sink with an output", func(g *JobGraph) {
			g.Vertices = append(g.Vertices, Vertex{ID: 3, Name: "after", Kind: Sink, Parallelism: 2, MaxParallelism: 128})
			g.Edges = append(g.Edges, Edge{ID: 2, Source: 2, Target: 3})
		}, "edge 2: sink sink has an output"},
		{"source with an input", func(g *JobGraph) { g.Edges[1].Target = 0 }, "edge 1: source src has an input"},
		{"forward between different parallelisms", func(g *JobGraph) { g.Vertices[2].Parallelism = 3 },
			"edge 1 (map -> sink): forward needs equal parallelism, have 2 and 3; use rebalance or rescale"},
		{"operator without inputs", func(g *JobGraph) { g.Edges = g.Edges[1:]; g.Edges[0].ID = 0 }, "vertex 1 (map): operator without inputs"},
		{"sink without inputs", func(g *JobGraph) { g.Edges = g.Edges[:1] }, "vertex 2 (sink): sink without inputs"},
		{"cycle", func(g *JobGraph) {
			g.Vertices = append(g.Vertices, Vertex{ID: 3, Name: "loop", Kind: Operator, Parallelism: 2, MaxParallelism: 128})
			g.Edges = append(g.Edges, Edge{ID: 2, Source: 1, Target: 3}, Edge{ID: 3, Source: 3, Target: 1})
		}, "job graph has a cycle through vertex 1 (map)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := valid()
			tt.mutate(g)
			err := g.Validate()
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.err != "" && err == nil:
				t.Fatalf("Validate = nil, want %q", tt.err)
			case tt.err != "" && !strings.Contains(err.Error(), tt.err):
				t.Fatalf("Validate = %q, want %q", err, tt.err)
			}
		})
	}
}

func TestInputsOutputs(t *testing.T) {
	g := valid()
	g.Vertices = append(g.Vertices, Vertex{ID: 3, Name: "side", Kind: Sink, Parallelism: 2, MaxParallelism: 128})
	g.Edges = append(g.Edges, Edge{ID: 2, Source: 1, Target: 3}, Edge{ID: 3, Source: 0, Target: 3, Partitioner: Broadcast})
	ids := func(es []Edge) []EdgeID {
		var out []EdgeID
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	tests := []struct {
		name string
		got  []EdgeID
		want []EdgeID
	}{
		{"outputs of a fan-out, in edge order", ids(g.Outputs(1)), []EdgeID{1, 2}},
		{"inputs of a join, in edge order", ids(g.Inputs(3)), []EdgeID{2, 3}},
		{"no inputs of a source", ids(g.Inputs(0)), nil},
		{"no outputs of a sink", ids(g.Outputs(2)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{Source.String(), "source"},
		{Kind(9).String(), "Kind(9)"},
		{ChainHead.String(), "head"},
		{Chaining(9).String(), "Chaining(9)"},
		{Hash.String(), "HASH"},
		{Rescale.String(), "RESCALE"},
		{Partitioner(9).String(), "Partitioner(9)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestOperatorIDs(t *testing.T) {
	g := &JobGraph{Vertices: []Vertex{{Name: "Map"}, {Name: "Map", UID: "mine"}, {Name: "Map"}, {Name: "Sink: out"}}}
	want := []string{"Map#0", "mine", "Map#1", "Sink: out#0"}
	if got := g.OperatorIDs(); !slices.Equal(got, want) {
		t.Fatalf("operator ids %q, want %q", got, want)
	}
}
