package stream

import (
	"fmt"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/window"
)

// windowFuncChain builds keyBy(key) → window(assigner) → what build adds
// and returns the window vertex's chain with a writer on its output.
func windowFuncChain[U comparable](t *testing.T, assigner window.Assigner, build func(*WindowedStream[reading, string]) *DataStream[U]) (operator.Chain, *fakeWriter) {
	t.Helper()
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "readings")
		out := build(Window(KeyBy(src, func(r reading) string { return r.Key }), assigner))
		SinkTo(out.Rebalance(), &collectSink[U]{log: &eventLog{}}, "out")
		return nil
	})
	w := newFakeWriter(1)
	c := newChain(t, p, ids(1), map[jobgraph.EdgeID]operator.RecordWriter{1: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	return c, w
}

// average is an AggregateFunction: the mean of readings' N, as text.
type average struct{}

type sumCount struct{ Sum, Count int }

func (average) CreateAccumulator() sumCount { return sumCount{} }
func (average) Add(r reading, acc sumCount) sumCount {
	return sumCount{acc.Sum + r.N, acc.Count + 1}
}
func (average) GetResult(acc sumCount) string { return fmt.Sprintf("%d/%d", acc.Sum, acc.Count) }
func (average) Merge(a, b sumCount) sumCount  { return sumCount{a.Sum + b.Sum, a.Count + b.Count} }

func TestWindowAggregate(t *testing.T) {
	session, err := window.EventTimeSession(10 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		assigner window.Assigner
		want     []string
	}{
		{"tumbling", tumbling10(t), []string{"3/2", "4/1", "16/1"}},
		// [1,11) and [5,15) merge; [20,30) is bridged to [12,22) by 12.
		{"session merges accumulators", session, []string{"7/3", "16/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, w := windowFuncChain(t, tt.assigner, func(ws *WindowedStream[reading, string]) *DataStream[string] {
				return WindowAggregate(ws, average{})
			})
			pushReading(t, c, "a", 1, 1)
			pushReading(t, c, "a", 2, 5)
			pushReading(t, c, "a", 4, 12)
			pushReading(t, c, "b", 16, 3)
			pushWatermark(t, c, operator.MaxWatermark)
			got := decodeAll[string](t, w.emitted[0])
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("results %v, want %v", got, want)
			}
		})
	}
}

// TestIncrementalWithProcess: the process function gets the one
// incremental result with its key and window.
func TestIncrementalWithProcess(t *testing.T) {
	describe := func(key string, w window.TimeWindow, rs iter.Seq[string], out operator.Collector[string]) error {
		for r := range rs {
			out.Collect(fmt.Sprintf("%s[%d,%d)=%s", key, w.Start, w.End, r))
		}
		return nil
	}
	t.Run("aggregate", func(t *testing.T) {
		c, w := windowFuncChain(t, tumbling10(t), func(ws *WindowedStream[reading, string]) *DataStream[string] {
			return WindowAggregateProcess(ws, average{}, describe)
		})
		pushReading(t, c, "a", 1, 1)
		pushReading(t, c, "a", 3, 7)
		pushWatermark(t, c, 9)
		if got := decodeAll[string](t, w.emitted[0]); !slices.Equal(got, []string{"a[0,10)=4/2"}) {
			t.Fatalf("fired %v", got)
		}
	})
	t.Run("reduce", func(t *testing.T) {
		c, w := windowFuncChain(t, tumbling10(t), func(ws *WindowedStream[reading, string]) *DataStream[string] {
			return WindowReduceProcess(ws, func(a, b reading) reading { return reading{a.Key, max(a.N, b.N)} },
				func(key string, w window.TimeWindow, rs iter.Seq[reading], out operator.Collector[string]) error {
					for r := range rs {
						out.Collect(fmt.Sprintf("%s[%d,%d) max %d", key, w.Start, w.End, r.N))
					}
					return nil
				})
		})
		pushReading(t, c, "a", 5, 11)
		pushReading(t, c, "a", 2, 12)
		pushWatermark(t, c, 19)
		if got := decodeAll[string](t, w.emitted[0]); !slices.Equal(got, []string{"a[10,20) max 5"}) {
			t.Fatalf("fired %v", got)
		}
	})
}

// TestCountWindow: a key's window fires every third element with those
// three only (purged), and a key's last partial window never fires.
func TestCountWindow(t *testing.T) {
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "readings")
		sums := WindowReduce(CountWindow(KeyBy(src, func(r reading) string { return r.Key }), 3),
			func(a, b reading) reading { return reading{a.Key, a.N + b.N} })
		SinkTo(sums.Rebalance(), &collectSink[reading]{log: &eventLog{}}, "out")
		return nil
	})
	w := newFakeWriter(1)
	c := newChain(t, p, ids(1), map[jobgraph.EdgeID]operator.RecordWriter{1: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 7; i++ {
		pushReading(t, c, "a", i, operator.NoTimestamp)
		pushReading(t, c, "b", 10*i, operator.NoTimestamp)
	}
	pushWatermark(t, c, operator.MaxWatermark)
	got := decodeAll[reading](t, w.emitted[0])
	want := []reading{{"a", 6}, {"b", 60}, {"a", 15}, {"b", 150}}
	if !slices.Equal(got, want) {
		t.Fatalf("count windows %v, want %v", got, want)
	}
}

// TestCustomTrigger: a count trigger on a tumbling window replaces the
// event-time trigger: the window fires (without purging) every second
// element, not at the watermark, and its state ends at its cleanup time.
func TestCustomTrigger(t *testing.T) {
	c, w := windowFuncChain(t, tumbling10(t), func(ws *WindowedStream[reading, string]) *DataStream[reading] {
		return WindowReduce(ws.Trigger(window.CountTrigger[window.TimeWindow]{MaxCount: 2}),
			func(a, b reading) reading { return reading{a.Key, a.N + b.N} })
	})
	for i, ts := range []int64{1, 2, 3, 4, 5} {
		pushReading(t, c, "a", i+1, ts)
	}
	pushWatermark(t, c, 9)
	pushReading(t, c, "a", 100, 12)
	pushReading(t, c, "a", 200, 13)
	got := decodeAll[reading](t, w.emitted[0])
	want := []reading{{"a", 3}, {"a", 10}, {"a", 300}}
	if !slices.Equal(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
}

// TestLateRecordsDroppedAreCounted: without a late-data side output, an
// element too late for all its windows is dropped and counted.
func TestLateRecordsDroppedAreCounted(t *testing.T) {
	c, w := windowFuncChain(t, tumbling10(t), func(ws *WindowedStream[reading, string]) *DataStream[reading] {
		return WindowReduce(ws, func(a, b reading) reading { return reading{a.Key, a.N + b.N} })
	})
	pushReading(t, c, "a", 1, 1)
	pushWatermark(t, c, 10)
	pushReading(t, c, "a", 2, 2)
	pushReading(t, c, "a", 3, 9)
	pushReading(t, c, "a", 4, 10)
	if got := c.Metrics().LateRecordsDropped; got != 2 {
		t.Fatalf("late records dropped %d, want 2", got)
	}
	if got := decodeAll[reading](t, w.emitted[0]); !slices.Equal(got, []reading{{"a", 1}}) {
		t.Fatalf("fired %v", got)
	}
}
