package stream

import (
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/window"
)

var lateReadings = NewOutputTag[reading]("late")

func tumbling10(t testing.TB) window.Assigner {
	a, err := window.TumblingEventTime(10*time.Millisecond, 0)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// windowChain builds keyBy → window(reduce sums N) with the given allowed
// lateness and late side output, and returns the chain of the window
// vertex with writers on its main and late outputs.
func windowChain(t *testing.T, lateness time.Duration) (operator.Chain, *fakeWriter, *fakeWriter) {
	t.Helper()
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "readings")
		sums := WindowReduce(Window(KeyBy(src, func(r reading) string { return r.Key }), tumbling10(t)).
			AllowedLateness(lateness).SideOutputLateData(lateReadings),
			func(a, b reading) reading { return reading{Key: a.Key, N: a.N + b.N} })
		SinkTo(sums.Rebalance(), &collectSink[reading]{log: &eventLog{}}, "sums")
		SinkTo(GetSideOutput(sums, lateReadings).Rebalance(), &collectSink[reading]{log: &eventLog{}}, "late")
		return nil
	})
	main, late := newFakeWriter(1), newFakeWriter(1)
	c := newChain(t, p, ids(1), map[jobgraph.EdgeID]operator.RecordWriter{1: main, 2: late})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	return c, main, late
}

func pushReading(t *testing.T, c operator.Chain, key string, n int, ts int64) {
	t.Helper()
	if err := c.PushRecord(0, ts, encode(t, reading{Key: key, N: n})); err != nil {
		t.Fatal(err)
	}
}

func pushWatermark(t *testing.T, c operator.Chain, wm int64) {
	t.Helper()
	if err := c.PushWatermark(wm); err != nil {
		t.Fatal(err)
	}
}

// TestTumblingWindowFiresAtTheWatermark: a window [0, 10) fires when the
// watermark reaches 9, its result stamped 9; an element for it after that
// is late (no lateness) and goes to the side output.
func TestTumblingWindowFiresAtTheWatermark(t *testing.T) {
	c, main, late := windowChain(t, 0)
	pushReading(t, c, "a", 1, 1)
	pushReading(t, c, "a", 5, 5)
	pushReading(t, c, "b", 7, 7)
	pushReading(t, c, "a", 12, 12)
	pushWatermark(t, c, 8)
	if len(main.emitted[0]) != 0 {
		t.Fatal("window fired before the watermark reached its end - 1")
	}
	pushWatermark(t, c, 9)
	got := decodeAll[reading](t, main.emitted[0])
	slices.SortFunc(got, func(x, y reading) int { return strings.Compare(x.Key, y.Key) })
	if want := []reading{{"a", 6}, {"b", 7}}; !slices.Equal(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	if !slices.Equal(main.timestamps[0], []int64{9, 9}) {
		t.Fatalf("result timestamps %v, want the window's last timestamp 9", main.timestamps[0])
	}
	pushReading(t, c, "a", 3, 3)
	if got := decodeAll[reading](t, late.emitted[0]); !slices.Equal(got, []reading{{"a", 3}}) {
		t.Fatalf("late output %v", got)
	}
	pushWatermark(t, c, 19)
	if got := decodeAll[reading](t, main.emitted[0]); got[len(got)-1] != (reading{"a", 12}) {
		t.Fatalf("second window fired %v", got)
	}
}

// TestAllowedLatenessRefiresAndThenDrops: with 5 ms of lateness a late
// element joins its window and fires it again at once; after the cleanup
// time (end - 1 + lateness) the window is gone and elements are late.
func TestAllowedLatenessRefiresAndThenDrops(t *testing.T) {
	c, main, late := windowChain(t, 5*time.Millisecond)
	pushReading(t, c, "a", 1, 1)
	pushReading(t, c, "a", 5, 5)
	pushWatermark(t, c, 9)
	pushReading(t, c, "a", 3, 3)
	if got := decodeAll[reading](t, main.emitted[0]); !slices.Equal(got, []reading{{"a", 6}, {"a", 9}}) {
		t.Fatalf("fired %v, want the window and its late refire", got)
	}
	pushWatermark(t, c, 14)
	pushReading(t, c, "a", 4, 4)
	if got := decodeAll[reading](t, late.emitted[0]); !slices.Equal(got, []reading{{"a", 4}}) {
		t.Fatalf("late output %v", got)
	}
	if got := decodeAll[reading](t, main.emitted[0]); len(got) != 2 {
		t.Fatalf("the cleaned-up window fired again: %v", got)
	}
}

// windowProcessChain builds keyBy → window(assigner) → fn and returns the
// window vertex's chain with a writer on its output.
func windowProcessChain(t *testing.T, assigner window.Assigner, fn ProcessWindowFunction[string, reading, string]) (operator.Chain, *fakeWriter) {
	t.Helper()
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "readings")
		out := WindowProcess(Window(KeyBy(src, func(r reading) string { return r.Key }), assigner), fn)
		SinkTo(out.Rebalance(), &collectSink[string]{log: &eventLog{}}, "out")
		return nil
	})
	w := newFakeWriter(1)
	c := newChain(t, p, ids(1), map[jobgraph.EdgeID]operator.RecordWriter{1: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	return c, w
}

// TestSlidingWindowProcess sees every element of each sliding window with
// the window.
func TestSlidingWindowProcess(t *testing.T) {
	sliding, err := window.SlidingEventTime(10*time.Millisecond, 5*time.Millisecond, 0)
	if err != nil {
		t.Fatal(err)
	}
	c, w := windowProcessChain(t, sliding, func(key string, w window.TimeWindow, rs iter.Seq[reading], out operator.Collector[string]) error {
		var ns []int
		for r := range rs {
			ns = append(ns, r.N)
		}
		slices.Sort(ns)
		out.Collect(fmt.Sprintf("%s[%d,%d)%v", key, w.Start, w.End, ns))
		return nil
	})
	pushReading(t, c, "a", 1, 1)
	pushReading(t, c, "a", 6, 6)
	pushReading(t, c, "a", 11, 11)
	pushWatermark(t, c, operator.MaxWatermark)
	got := decodeAll[string](t, w.emitted[0])
	want := []string{"a[-5,5)[1]", "a[0,10)[1 6]", "a[5,15)[6 11]", "a[10,20)[11]"}
	if !slices.Equal(got, want) {
		t.Fatalf("windows %v, want %v", got, want)
	}
}

// TestSessionWindowsMerge: sessions with a 10 ms gap merge as elements
// bridge them (windows that only touch merge too), fire when the watermark
// passes the merged window's end - 1, and report the merged window.
func TestSessionWindowsMerge(t *testing.T) {
	session, err := window.EventTimeSession(10 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	c, w := windowProcessChain(t, session, func(key string, w window.TimeWindow, rs iter.Seq[reading], out operator.Collector[string]) error {
		sum := 0
		for r := range rs {
			sum += r.N
		}
		out.Collect(fmt.Sprintf("%s[%d,%d)=%d", key, w.Start, w.End, sum))
		return nil
	})
	pushReading(t, c, "a", 1, 1)
	pushReading(t, c, "a", 2, 5)
	pushReading(t, c, "a", 4, 30)
	pushReading(t, c, "b", 8, 3)
	pushWatermark(t, c, 13)
	if got := decodeAll[string](t, w.emitted[0]); !slices.Equal(got, []string{"b[3,13)=8"}) {
		t.Fatalf("at watermark 13: %v", got)
	}
	pushWatermark(t, c, 14)
	pushReading(t, c, "a", 16, 20) // [20,30) touches [30,40): one session
	pushWatermark(t, c, 39)
	want := []string{"b[3,13)=8", "a[1,15)=3", "a[20,40)=20"}
	if got := decodeAll[string](t, w.emitted[0]); !slices.Equal(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
}
