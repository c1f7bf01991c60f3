package stream

import (
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

var negatives = NewOutputTag[int]("negatives")

// splitSigns passes non-negative readings on and sets negative ones aside.
type splitSigns struct{}

func (splitSigns) ProcessElement(r reading, ctx *KeyedContext[string], out operator.Collector[reading]) error {
	if r.N < 0 {
		Output(ctx, negatives, r.N)
		return nil
	}
	out.Collect(r)
	return nil
}

func TestKeyedProcessSideOutput(t *testing.T) {
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "readings")
		main := KeyedProcess(KeyBy(src, func(r reading) string { return r.Key }), splitSigns{})
		SinkTo(main.Rebalance(), &collectSink[reading]{log: &eventLog{}}, "main")
		SinkTo(GetSideOutput(main, negatives).Rebalance(), &collectSink[int]{log: &eventLog{}}, "negatives")
		return nil
	})
	g := p.Graph()
	if len(g.Edges) != 3 || g.Edges[2].Tag != "negatives" || g.Edges[1].Tag != "" {
		t.Fatalf("edges %+v", g.Edges)
	}
	mainW, sideW := newFakeWriter(1), newFakeWriter(1)
	c := newChain(t, p, ids(1), map[jobgraph.EdgeID]operator.RecordWriter{1: mainW, 2: sideW})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	for _, r := range []reading{{"a", 1}, {"b", -2}, {"a", -3}, {"c", 4}} {
		if err := c.PushRecord(0, 7, encode(t, r)); err != nil {
			t.Fatal(err)
		}
	}
	if got := decodeAll[reading](t, mainW.emitted[0]); !slices.Equal(got, []reading{{"a", 1}, {"c", 4}}) {
		t.Fatalf("main output %v", got)
	}
	if got := decodeAll[int](t, sideW.emitted[0]); !slices.Equal(got, []int{-2, -3}) {
		t.Fatalf("side output %v", got)
	}
	if sideW.timestamps[0][0] != 7 {
		t.Fatalf("side output lost the record's timestamp: %v", sideW.timestamps[0])
	}
	if err := c.PushWatermark(10); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sideW.watermarks, []int64{10}) || !slices.Equal(mainW.watermarks, []int64{10}) {
		t.Fatalf("watermarks main %v side %v", mainW.watermarks, sideW.watermarks)
	}
}

func TestSideOutputMisuse(t *testing.T) {
	_, err := buildProgram("test", 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "readings")
		main := KeyedProcess(KeyBy(src, func(r reading) string { return r.Key }), splitSigns{})
		SinkTo(GetSideOutput(main, negatives), &collectSink[int]{log: &eventLog{}}, "a")
		SinkTo(GetSideOutput(main, NewOutputTag[string]("negatives")), &collectSink[string]{log: &eventLog{}}, "b")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), `side output "negatives" read as int and as string`) {
		t.Fatalf("err = %v", err)
	}
}
