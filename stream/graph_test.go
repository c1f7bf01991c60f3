package stream

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

func strs(xs ...string) *sliceSource[string] { return &sliceSource[string]{records: xs} }

func TestGraphWordCount(t *testing.T) {
	p := mustBuild(t, 0, func(env *Env) error {
		lines := FromSource(env, strs("a b", "b"), "lines")
		words := FlatMap(lines, func(line string, out operator.Collector[string]) {
			for _, w := range strings.Fields(line) {
				out.Collect(w)
			}
		})
		pairs := Map(words, func(w string) wordCount { return wordCount{w, 1} })
		counts := Reduce(KeyBy(pairs, func(c wordCount) string { return c.Word }),
			func(a, b wordCount) wordCount { return wordCount{a.Word, a.Count + b.Count} })
		SinkTo(counts, &collectSink[wordCount]{}, "out")
		return nil
	})
	g := p.Graph()
	if g.Name != "test" {
		t.Errorf("name %q", g.Name)
	}
	wantNames := []string{"Source: lines", "Flat Map", "Map", "Keyed Reduce", "Sink: out"}
	wantKinds := []jobgraph.Kind{jobgraph.Source, jobgraph.Operator, jobgraph.Operator, jobgraph.Operator, jobgraph.Sink}
	for i, v := range g.Vertices {
		if v.Name != wantNames[i] || v.Kind != wantKinds[i] || v.Parallelism != 1 || v.MaxParallelism != 128 ||
			v.SlotSharingGroup != "default" || v.Chaining != jobgraph.ChainAlways || v.ID != jobgraph.VertexID(i) {
			t.Errorf("vertex %d = %+v", i, v)
		}
	}
	wantParts := []jobgraph.Partitioner{jobgraph.Forward, jobgraph.Forward, jobgraph.Hash, jobgraph.Forward}
	if len(g.Edges) != len(wantParts) {
		t.Fatalf("edges %+v", g.Edges)
	}
	for i, e := range g.Edges {
		if e.Source != jobgraph.VertexID(i) || e.Target != jobgraph.VertexID(i+1) || e.Partitioner != wantParts[i] {
			t.Errorf("edge %d = %+v", i, e)
		}
	}
}

func TestGraphParallelismAndPartitionerDefaults(t *testing.T) {
	p := mustBuild(t, 2, func(env *Env) error {
		if env.Parallelism() != 2 {
			t.Errorf("env parallelism %d, want the spec's 2", env.Parallelism())
		}
		src := FromSource(env, strs(), "in").SetParallelism(1)
		m := Map(src, strings.ToUpper)                              // 1 -> 2: rebalance
		f := Filter(m, func(string) bool { return true })           // 2 -> 2: forward
		s := Filter(f.Shuffle(), func(string) bool { return true }) // explicit
		r := Map(s.Rescale(), strings.ToLower).SetParallelism(4)
		b := Map(r.Broadcast(), strings.TrimSpace).SetParallelism(4)
		SinkTo(b.Forward(), &collectSink[string]{}, "out").SetParallelism(4)
		return nil
	})
	g := p.Graph()
	wantP := []int{1, 2, 2, 2, 4, 4, 4}
	for i, v := range g.Vertices {
		if v.Parallelism != wantP[i] {
			t.Errorf("%s parallelism %d, want %d", v.Name, v.Parallelism, wantP[i])
		}
	}
	wantParts := []jobgraph.Partitioner{jobgraph.Rebalance, jobgraph.Forward, jobgraph.Shuffle, jobgraph.Rescale, jobgraph.Broadcast, jobgraph.Forward}
	for i, e := range g.Edges {
		if e.Partitioner != wantParts[i] {
			t.Errorf("edge %d: %s, want %s", i, e.Partitioner, wantParts[i])
		}
	}
}

func TestGraphMaxParallelism(t *testing.T) {
	p := mustBuild(t, 200, func(env *Env) error {
		src := FromSource(env, strs(), "in")
		SinkTo(src, &collectSink[string]{}, "out").SetMaxParallelism(1000)
		return nil
	})
	if got := p.Graph().Vertices[0].MaxParallelism; got != jobgraph.DefaultMaxParallelism(200) || got != 512 {
		t.Errorf("default max parallelism %d, want 512", got)
	}
	if got := p.Graph().Vertices[1].MaxParallelism; got != 1000 {
		t.Errorf("set max parallelism %d", got)
	}

	p = mustBuild(t, 1, func(env *Env) error {
		env.SetMaxParallelism(256)
		src := FromSource(env, strs(), "in")
		SinkTo(src, &collectSink[string]{}, "out").SetMaxParallelism(64)
		return nil
	})
	if a, b := p.Graph().Vertices[0].MaxParallelism, p.Graph().Vertices[1].MaxParallelism; a != 256 || b != 64 {
		t.Errorf("max parallelism %d, %d; want the env's 256 and the sink's 64", a, b)
	}
}

func TestGraphSlotSharingInheritance(t *testing.T) {
	p := mustBuild(t, 1, func(env *Env) error {
		a := FromSource(env, strs(), "a").SlotSharingGroup("ga")
		a2 := Map(a, strings.ToUpper) // inherits ga
		b := FromSource(env, strs(), "b")
		u := Map(Union(a2, b), strings.ToLower)                                        // mixed: default
		c := Map(FromSource(env, strs(), "c").SlotSharingGroup("gc"), strings.ToLower) // gc
		SinkTo(Union(c, c), &collectSink[string]{}, "out")                             // gc
		SinkTo(u, &collectSink[string]{}, "u").SlotSharingGroup("gs")
		return nil
	})
	want := map[string]string{
		"Source: a": "ga", "Source: b": "default", "Source: c": "gc",
		"Sink: out": "gc", "Sink: u": "gs",
	}
	g := p.Graph()
	for _, v := range g.Vertices {
		if w, ok := want[v.Name]; ok && v.SlotSharingGroup != w {
			t.Errorf("%s in group %q, want %q", v.Name, v.SlotSharingGroup, w)
		}
	}
	if g.Vertices[1].SlotSharingGroup != "ga" || g.Vertices[3].SlotSharingGroup != "default" || g.Vertices[5].SlotSharingGroup != "gc" {
		t.Errorf("maps in groups %q, %q, %q; want ga, default, gc",
			g.Vertices[1].SlotSharingGroup, g.Vertices[3].SlotSharingGroup, g.Vertices[5].SlotSharingGroup)
	}
}

func TestGraphUnionEdges(t *testing.T) {
	p := mustBuild(t, 2, func(env *Env) error {
		a := FromSource(env, strs(), "a")
		b := FromSource(env, strs(), "b")
		c := FromSource(env, strs(), "c").SetParallelism(1)
		m := Map(Union(a.Rebalance(), b, c), strings.ToUpper)
		SinkTo(Union(m, a).Broadcast(), &collectSink[string]{}, "out")
		return nil
	})
	g := p.Graph()
	if len(g.Vertices) != 5 {
		t.Fatalf("union added a vertex: %+v", g.Vertices)
	}
	want := []jobgraph.Edge{
		{ID: 0, Source: 0, Target: 3, Partitioner: jobgraph.Rebalance},
		{ID: 1, Source: 1, Target: 3, Partitioner: jobgraph.Forward},
		{ID: 2, Source: 2, Target: 3, Partitioner: jobgraph.Rebalance}, // 1 -> 2
		{ID: 3, Source: 3, Target: 4, Partitioner: jobgraph.Broadcast},
		{ID: 4, Source: 0, Target: 4, Partitioner: jobgraph.Broadcast},
	}
	if !slices.Equal(g.Edges, want) {
		t.Errorf("edges\n got %+v\nwant %+v", g.Edges, want)
	}
}

func TestGraphOperatorSettings(t *testing.T) {
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, strs(), "in").Name("reader").UID("src-1").DisableChaining()
		m := Map(src, strings.ToUpper).StartNewChain()
		SinkTo(m, &collectSink[string]{}, "out").Name("writer").UID("sink-1").StartNewChain().DisableChaining()
		return nil
	})
	g := p.Graph()
	want := []struct {
		name, uid string
		chain     jobgraph.Chaining
	}{{"reader", "src-1", jobgraph.ChainNever}, {"Map", "", jobgraph.ChainHead}, {"writer", "sink-1", jobgraph.ChainNever}}
	for i, w := range want {
		v := g.Vertices[i]
		if v.Name != w.name || v.UID != w.uid || v.Chaining != w.chain {
			t.Errorf("vertex %d = %+v, want %+v", i, v, w)
		}
	}
}

func TestGraphErrors(t *testing.T) {
	sink := &collectSink[string]{}
	tests := []struct {
		name  string
		build func(env *Env) error
		want  string
	}{
		{"forward between parallelisms", func(env *Env) error {
			m := Map(FromSource(env, strs(), "in"), strings.ToUpper).SetParallelism(2)
			SinkTo(Filter(m.Forward(), func(string) bool { return true }), sink, "out")
			return nil
		}, "vertex 2 (Filter): forward partitioning from Map needs equal parallelism, have 2 and 1"},
		{"nil map", func(env *Env) error {
			SinkTo(Map[string, string](FromSource(env, strs(), "in"), nil), sink, "out")
			return nil
		}, "vertex 1 (Map): nil function"},
		{"nil filter named later", func(env *Env) error {
			SinkTo(Filter(FromSource(env, strs(), "in"), nil).Name("keep"), sink, "out")
			return nil
		}, "vertex 1 (keep): nil function"},
		{"nil flat map", func(env *Env) error {
			SinkTo(FlatMap[string, string](FromSource(env, strs(), "in"), nil), sink, "out")
			return nil
		}, "vertex 1 (Flat Map): nil function"},
		{"nil process", func(env *Env) error {
			SinkTo(Process[string, string](FromSource(env, strs(), "in"), ProcessFunc[string, string](nil)), sink, "out")
			return nil
		}, "vertex 1 (Process): nil function"},
		{"nil key", func(env *Env) error {
			SinkTo(Reduce(KeyBy[string, string](FromSource(env, strs(), "in"), nil), func(a, b string) string { return a }), sink, "out")
			return nil
		}, "vertex 1 (Keyed Reduce): nil key selector"},
		{"nil reduce", func(env *Env) error {
			SinkTo(Reduce(KeyBy(FromSource(env, strs(), "in"), strings.ToLower), nil), sink, "out")
			return nil
		}, "vertex 1 (Keyed Reduce): nil function"},
		{"nil source", func(env *Env) error {
			SinkTo(FromSource[string](env, nil, "in"), sink, "out")
			return nil
		}, "vertex 0 (Source: in): nil source"},
		{"nil sink", func(env *Env) error {
			SinkTo(FromSource(env, strs(), "in"), nil, "out")
			return nil
		}, "vertex 1 (Sink: out): nil sink"},
		{"parallelism 0", func(env *Env) error {
			SinkTo(FromSource(env, strs(), "in").SetParallelism(0), sink, "out")
			return nil
		}, "vertex 0 (Source: in): parallelism 0, want 1 to 32768"},
		{"sink max parallelism", func(env *Env) error {
			SinkTo(FromSource(env, strs(), "in"), sink, "out").SetMaxParallelism(1 << 16)
			return nil
		}, "vertex 1 (Sink: out): max parallelism 65536, want 1 to 32768"},
		{"env parallelism", func(env *Env) error {
			env.SetParallelism(-1)
			SinkTo(FromSource(env, strs(), "in"), sink, "out")
			return nil
		}, "env: parallelism -1"},
		{"env max parallelism", func(env *Env) error {
			env.SetMaxParallelism(0)
			SinkTo(FromSource(env, strs(), "in"), sink, "out")
			return nil
		}, "env: max parallelism 0"},
		{"parallelism above max", func(env *Env) error {
			SinkTo(FromSource(env, strs(), "in").SetParallelism(8).SetMaxParallelism(4).Rebalance(), sink, "out")
			return nil
		}, "vertex 0 (Source: in): parallelism 8 exceeds max parallelism 4"},
		{"union setting", func(env *Env) error {
			u := Union(FromSource(env, strs(), "a"), FromSource(env, strs(), "b")).SetParallelism(2)
			SinkTo(u, sink, "out")
			return nil
		}, "Union: SetParallelism: a union has no operator of its own"},
		{"union across envs", func(env *Env) error {
			other := newEnv(1)
			SinkTo(Union(FromSource(env, strs(), "a"), FromSource(other, strs(), "b")), sink, "out")
			return nil
		}, "Union: input 1 belongs to another Env"},
		{"duplicate uid", func(env *Env) error {
			SinkTo(FromSource(env, strs(), "in").UID("x"), sink, "out").UID("x")
			return nil
		}, `operator id "x" already used`},
		{"empty name", func(env *Env) error {
			SinkTo(FromSource(env, strs(), "in").Name(""), sink, "out")
			return nil
		}, "vertex 0 (Source: in): empty name"},
		{"no operators", func(env *Env) error { return nil }, "job graph has no vertices"},
		{"panic", func(env *Env) error {
			var s *DataStream[string]
			SinkTo(s, sink, "out")
			return nil
		}, "build function panicked: runtime error: invalid memory address"},
		{"first error wins", func(env *Env) error {
			SinkTo(Map[string, string](FromSource(env, strs(), "in").SetParallelism(0), nil), sink, "out")
			return nil
		}, "parallelism 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := buildErr(t, tt.build)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestGraphBuildFuncError(t *testing.T) {
	boom := errors.New("boom")
	if err := buildErr(t, func(*Env) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
}
