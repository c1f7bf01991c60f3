package stream

import (
	"fmt"
	"slices"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// labeler joins numbers with the latest label it has seen.
type labeler struct{ label string }

func (l *labeler) ProcessElement1(v int, out operator.Collector[string]) error {
	out.Collect(fmt.Sprintf("%s%d", l.label, v))
	return nil
}

func (l *labeler) ProcessElement2(label string, _ operator.Collector[string]) error {
	l.label = label
	return nil
}

func TestCoProcessSeesBothInputs(t *testing.T) {
	p := mustBuild(t, 1, func(env *Env) error {
		nums := FromSource(env, &sliceSource[int]{log: &eventLog{}}, "numbers")
		labels := FromSource(env, &sliceSource[string]{log: &eventLog{}}, "labels")
		joined := CoProcess(Connect(nums, labels), &labeler{})
		SinkTo(joined.Rebalance(), &collectSink[string]{log: &eventLog{}}, "out")
		return nil
	})
	g := p.Graph()
	if len(g.Inputs(2)) != 2 || g.Vertices[2].Name != "Co-Process" {
		t.Fatalf("graph %+v", g)
	}
	w := newFakeWriter(1)
	c := newChain(t, p, ids(2), map[jobgraph.EdgeID]operator.RecordWriter{2: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	push := func(e jobgraph.EdgeID, rec []byte) {
		t.Helper()
		if err := c.PushRecord(e, operator.NoTimestamp, rec); err != nil {
			t.Fatal(err)
		}
	}
	push(0, encode(t, 1))
	push(1, encode(t, "a"))
	push(0, encode(t, 2))
	push(1, encode(t, "b"))
	push(0, encode(t, 3))
	if got := decodeAll[string](t, w.emitted[0]); !slices.Equal(got, []string{"1", "a2", "b3"}) {
		t.Fatalf("emitted %v", got)
	}
}

func TestCoProcessNilFunction(t *testing.T) {
	_, err := buildProgram("test", 1, func(env *Env) error {
		nums := FromSource(env, &sliceSource[int]{log: &eventLog{}}, "numbers")
		CoProcess[int, int, int](Connect(nums, nums), nil)
		return nil
	})
	if err == nil {
		t.Fatal("a nil CoProcessFunction was accepted")
	}
}
