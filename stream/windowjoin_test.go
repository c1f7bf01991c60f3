package stream

import (
	"fmt"
	"iter"
	"slices"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// windowJoinChain joins orders and payments per key in tumbling 10 ms
// windows with what build adds, and returns the chain of the two mapping
// sources' successor, the window vertex, with a writer on its output.
func windowJoinChain(t *testing.T, build func(*WindowedJoin[reading, payment, string]) *DataStream[string]) (operator.Chain, *fakeWriter) {
	t.Helper()
	p := mustBuild(t, 1, func(env *Env) error {
		orders := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "orders")
		payments := FromSource(env, &sliceSource[payment]{log: &eventLog{}}, "payments")
		j := Join(orders, payments, func(r reading) string { return r.Key }, func(p payment) string { return p.Order })
		SinkTo(build(j.Window(tumbling10(t))).Rebalance(), &collectSink[string]{log: &eventLog{}}, "out")
		return nil
	})
	g := p.Graph()
	if len(g.Vertices) != 6 || g.Vertices[4].Name != "Window(Join)" && g.Vertices[4].Name != "Window(CoGroup)" {
		t.Fatalf("vertices %v", g.Vertices)
	}
	// Each source chains with its Map; the window vertex has two hash inputs.
	for _, e := range g.Inputs(4) {
		if e.Partitioner != jobgraph.Hash {
			t.Fatalf("window input %d is %s", e.ID, e.Partitioner)
		}
	}
	w := newFakeWriter(1)
	c := newChain(t, p, ids(4), map[jobgraph.EdgeID]operator.RecordWriter{4: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	return c, w
}

// pushTagged feeds the window vertex as the Maps before it would: edge 2
// from the orders' Map, edge 3 from the payments'.
func pushTagged(t *testing.T, c operator.Chain, ts int64, u taggedUnion[reading, payment]) {
	t.Helper()
	e := jobgraph.EdgeID(2)
	if u.Second {
		e = 3
	}
	if err := c.PushRecord(e, ts, encode(t, u)); err != nil {
		t.Fatal(err)
	}
}

func TestWindowJoin(t *testing.T) {
	c, w := windowJoinChain(t, func(wj *WindowedJoin[reading, payment, string]) *DataStream[string] {
		return WindowJoin(wj, func(o reading, p payment) string { return fmt.Sprintf("%s:%d+%d", o.Key, o.N, p.Amount) })
	})
	pushTagged(t, c, 1, taggedUnion[reading, payment]{One: reading{"a", 1}})
	pushTagged(t, c, 2, taggedUnion[reading, payment]{One: reading{"a", 2}})
	pushTagged(t, c, 3, taggedUnion[reading, payment]{Two: payment{"a", 10}, Second: true})
	pushTagged(t, c, 4, taggedUnion[reading, payment]{Two: payment{"a", 20}, Second: true})
	pushTagged(t, c, 5, taggedUnion[reading, payment]{One: reading{"b", 3}})                 // no payment: no pair
	pushTagged(t, c, 12, taggedUnion[reading, payment]{Two: payment{"a", 30}, Second: true}) // next window
	pushWatermark(t, c, operator.MaxWatermark)
	got := decodeAll[string](t, w.emitted[0])
	slices.Sort(got)
	if want := []string{"a:1+10", "a:1+20", "a:2+10", "a:2+20"}; !slices.Equal(got, want) {
		t.Fatalf("joined %v, want %v", got, want)
	}
	if ts := w.timestamps[0]; len(ts) != 4 || ts[0] != 9 {
		t.Fatalf("timestamps %v, want the window's last, 9", ts)
	}
}

func TestWindowCoGroup(t *testing.T) {
	c, w := windowJoinChain(t, func(wj *WindowedJoin[reading, payment, string]) *DataStream[string] {
		return WindowCoGroup(wj, func(orders iter.Seq[reading], payments iter.Seq[payment], out operator.Collector[string]) error {
			n, paid := 0, 0
			for o := range orders {
				n += o.N
			}
			for p := range payments {
				paid += p.Amount
			}
			out.Collect(fmt.Sprintf("%d/%d", n, paid))
			return nil
		})
	})
	pushTagged(t, c, 1, taggedUnion[reading, payment]{One: reading{"a", 1}})
	pushTagged(t, c, 3, taggedUnion[reading, payment]{Two: payment{"a", 10}, Second: true})
	pushTagged(t, c, 5, taggedUnion[reading, payment]{One: reading{"b", 3}})
	pushTagged(t, c, 6, taggedUnion[reading, payment]{Two: payment{"c", 7}, Second: true})
	pushWatermark(t, c, operator.MaxWatermark)
	got := decodeAll[string](t, w.emitted[0])
	slices.Sort(got)
	if want := []string{"0/7", "1/10", "3/0"}; !slices.Equal(got, want) {
		t.Fatalf("co-grouped %v, want %v", got, want)
	}
}

func TestWindowJoinNilKey(t *testing.T) {
	_, err := buildProgram("test", 1, func(env *Env) error {
		orders := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "orders")
		WindowJoin(Join(orders, orders, func(r reading) string { return r.Key }, nil).Window(tumbling10(t)),
			func(a, b reading) int { return a.N + b.N })
		return nil
	})
	if err == nil {
		t.Fatal("a nil key selector was accepted")
	}
}
