package stream

import (
	"fmt"
	"slices"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
)

type reading struct {
	Key string
	N   int
}

// countUntil counts readings per key in ValueState and, 10 ms of event
// time after a key's first reading, emits "key=count@time".
type countUntil struct {
	count *state.ValueState[string, state.VoidNamespace, int]
}

func (c *countUntil) Open(ctx *KeyedRuntimeContext[string]) error {
	var err error
	c.count, err = state.GetValueState[state.VoidNamespace](ctx.State, state.ValueStateDescriptor[int]{Name: "count"})
	return err
}

func (c *countUntil) ProcessElement(r reading, ctx *KeyedContext[string], _ operator.Collector[string]) error {
	n, seen := c.count.Value()
	if !seen {
		ts, _ := ctx.Timestamp()
		ctx.RegisterEventTimeTimer(ts + 10)
	}
	c.count.Update(n + 1)
	return nil
}

func (c *countUntil) OnTimer(t int64, ctx *KeyedContext[string], out operator.Collector[string]) error {
	n, _ := c.count.Value()
	out.Collect(fmt.Sprintf("%s=%d@%d", ctx.CurrentKey(), n, t))
	c.count.Clear()
	return nil
}

// TestKeyedProcessStateAndEventTimeTimers pushes timestamped records and
// watermarks into a KeyedProcess chain: state is per key, timers fire when
// the watermark passes them, in time order, and what OnTimer emits
// carries the timer's time as its timestamp.
func TestKeyedProcessStateAndEventTimeTimers(t *testing.T) {
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "readings")
		counts := KeyedProcess(KeyBy(src, func(r reading) string { return r.Key }), &countUntil{})
		SinkTo(counts.Rebalance(), &collectSink[string]{log: &eventLog{}}, "out").SetParallelism(1)
		return nil
	})
	w := newFakeWriter(1)
	c := newChain(t, p, ids(1), map[jobgraph.EdgeID]operator.RecordWriter{1: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	push := func(key string, ts int64) {
		t.Helper()
		if err := c.PushRecord(0, ts, encode(t, reading{Key: key})); err != nil {
			t.Fatal(err)
		}
	}
	push("a", 100)
	push("b", 103)
	push("a", 104)
	if err := c.PushWatermark(109); err != nil {
		t.Fatal(err)
	}
	if len(w.emitted[0]) != 0 {
		t.Fatal("a timer fired before the watermark reached it")
	}
	push("a", 111)
	if err := c.PushWatermark(200); err != nil {
		t.Fatal(err)
	}
	got := decodeAll[string](t, w.emitted[0])
	if want := []string{"a=3@110", "b=1@113"}; !slices.Equal(got, want) {
		t.Fatalf("emitted %v, want %v", got, want)
	}
	if want := []int64{110, 113}; !slices.Equal(w.timestamps[0], want) {
		t.Fatalf("timestamps %v, want %v", w.timestamps[0], want)
	}
	if want := []int64{109, 200}; !slices.Equal(w.watermarks, want) {
		t.Fatalf("forwarded watermarks %v, want %v", w.watermarks, want)
	}
}
