package stream

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

var latePayments = NewOutputTag[payment]("late-payments")

// intervalJoinChain joins orders (left) with payments (right) of the same
// key within [lower, upper] and returns the join's chain, its operator and
// writers on its main and late-payment outputs.
func intervalJoinChain(t *testing.T, build func(*IntervalJoin[reading, payment, string]) *IntervalJoined[reading, payment, string]) (operator.Chain, *intervalJoinOp[string, reading, payment, string], *fakeWriter, *fakeWriter) {
	t.Helper()
	p := mustBuild(t, 1, func(env *Env) error {
		orders := KeyBy(FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "orders"), func(r reading) string { return r.Key })
		payments := KeyBy(FromSource(env, &sliceSource[payment]{log: &eventLog{}}, "payments"), func(p payment) string { return p.Order })
		joined := IntervalJoinProcess(build(IntervalJoinOf(orders, payments)).SideOutputRightLateData(latePayments),
			func(o reading, p payment, ctx JoinContext, out operator.Collector[string]) error {
				out.Collect(fmt.Sprintf("%s: %d@%d paid %d@%d", o.Key, o.N, ctx.LeftTimestamp, p.Amount, ctx.RightTimestamp))
				return nil
			})
		SinkTo(joined.Rebalance(), &collectSink[string]{log: &eventLog{}}, "out")
		SinkTo(GetSideOutput(joined, latePayments).Rebalance(), &collectSink[payment]{log: &eventLog{}}, "late")
		return nil
	})
	main, late := newFakeWriter(1), newFakeWriter(1)
	c := newChain(t, p, ids(2), map[jobgraph.EdgeID]operator.RecordWriter{2: main, 3: late})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	return c, c.(*chain).ops[0].lc.(*intervalJoinOp[string, reading, payment, string]), main, late
}

func pushOrder(t *testing.T, c operator.Chain, key string, n int, ts int64) {
	t.Helper()
	if err := c.PushRecord(0, ts, encode(t, reading{key, n})); err != nil {
		t.Fatal(err)
	}
}

func pushPayment(t *testing.T, c operator.Chain, key string, amount int, ts int64) {
	t.Helper()
	if err := c.PushRecord(1, ts, encode(t, payment{key, amount})); err != nil {
		t.Fatal(err)
	}
}

// TestIntervalJoin: an order at 10 joins the payments of its key in
// [8, 13], whichever arrives first; pairs carry the later timestamp.
func TestIntervalJoin(t *testing.T) {
	c, _, main, _ := intervalJoinChain(t, func(j *IntervalJoin[reading, payment, string]) *IntervalJoined[reading, payment, string] {
		return j.Between(-2*time.Millisecond, 3*time.Millisecond)
	})
	pushPayment(t, c, "a", 1, 7)
	pushPayment(t, c, "a", 2, 8)
	pushPayment(t, c, "b", 3, 9)
	pushOrder(t, c, "a", 100, 10)
	pushPayment(t, c, "a", 4, 13)
	pushPayment(t, c, "a", 5, 14)
	want := []string{"a: 100@10 paid 2@8", "a: 100@10 paid 4@13"}
	if got := decodeAll[string](t, main.emitted[0]); !slices.Equal(got, want) {
		t.Fatalf("joined %v, want %v", got, want)
	}
	if !slices.Equal(main.timestamps[0], []int64{10, 13}) {
		t.Fatalf("timestamps %v, want the later of each pair", main.timestamps[0])
	}
}

// TestIntervalJoinExclusiveBounds leaves both ends of the interval out.
func TestIntervalJoinExclusiveBounds(t *testing.T) {
	c, _, main, _ := intervalJoinChain(t, func(j *IntervalJoin[reading, payment, string]) *IntervalJoined[reading, payment, string] {
		return j.Between(-2*time.Millisecond, 3*time.Millisecond).LowerBoundExclusive().UpperBoundExclusive()
	})
	pushOrder(t, c, "a", 100, 10)
	for ts := int64(7); ts <= 14; ts++ {
		pushPayment(t, c, "a", int(ts), ts)
	}
	want := []string{"a: 100@10 paid 9@9", "a: 100@10 paid 10@10", "a: 100@10 paid 11@11", "a: 100@10 paid 12@12"}
	if got := decodeAll[string](t, main.emitted[0]); !slices.Equal(got, want) {
		t.Fatalf("joined %v, want %v", got, want)
	}
}

// TestIntervalJoinCleanupAndLateness: a buffered element stays until the
// watermark passes the last time a partner could come, then is dropped;
// an element behind the watermark is late and goes to its side output.
func TestIntervalJoinCleanupAndLateness(t *testing.T) {
	c, op, main, late := intervalJoinChain(t, func(j *IntervalJoin[reading, payment, string]) *IntervalJoined[reading, payment, string] {
		return j.Between(-2*time.Millisecond, 3*time.Millisecond)
	})
	buffered := func() (orders, payments int) {
		t.Helper()
		if err := op.keyed.backend.SetCurrentKey("a"); err != nil {
			t.Fatal(err)
		}
		for range op.left.buffer.Keys() {
			orders++
		}
		for range op.right.buffer.Keys() {
			payments++
		}
		return orders, payments
	}
	pushOrder(t, c, "a", 100, 10) // kept until watermark 13
	pushPayment(t, c, "a", 1, 11) // kept until watermark 13 (11 + 2)
	pushWatermark(t, c, 12)
	if o, p := buffered(); o != 1 || p != 1 {
		t.Fatalf("at watermark 12: %d orders and %d payments buffered, want 1 and 1", o, p)
	}
	pushPayment(t, c, "a", 2, 12) // still joins the order at 10
	pushWatermark(t, c, 13)
	if o, p := buffered(); o != 0 || p != 1 {
		t.Fatalf("at watermark 13: %d orders and %d payments buffered, want 0 and 1", o, p)
	}
	pushPayment(t, c, "a", 3, 12) // behind the watermark: late
	want := []string{"a: 100@10 paid 1@11", "a: 100@10 paid 2@12"}
	if got := decodeAll[string](t, main.emitted[0]); !slices.Equal(got, want) {
		t.Fatalf("joined %v, want %v", got, want)
	}
	if got := decodeAll[payment](t, late.emitted[0]); !slices.Equal(got, []payment{{"a", 3}}) {
		t.Fatalf("late payments %v", got)
	}
}

func TestIntervalJoinBadBounds(t *testing.T) {
	_, err := buildProgram("test", 1, func(env *Env) error {
		orders := KeyBy(FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "orders"), func(r reading) string { return r.Key })
		IntervalJoinProcess(IntervalJoinOf(orders, orders).Between(time.Millisecond, 0),
			func(reading, reading, JoinContext, operator.Collector[int]) error { return nil })
		return nil
	})
	if err == nil {
		t.Fatal("a lower bound above the upper bound was accepted")
	}
}
