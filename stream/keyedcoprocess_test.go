package stream

import (
	"fmt"
	"slices"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
)

// payment is what pays for an order: a reading of the same key.
type payment struct {
	Order  string
	Amount int
}

// matcher pairs orders (readings) with their payments, whichever comes
// first, in keyed state; an order unpaid 10 ms of event time after it
// came is reported when its timer fires.
type matcher struct {
	order *state.ValueState[string, state.VoidNamespace, int]
	paid  *state.ValueState[string, state.VoidNamespace, int]
}

func (m *matcher) Open(ctx *KeyedRuntimeContext[string]) error {
	var err error
	if m.order, err = state.GetValueState[state.VoidNamespace](ctx.State, state.ValueStateDescriptor[int]{Name: "order"}); err != nil {
		return err
	}
	m.paid, err = state.GetValueState[state.VoidNamespace](ctx.State, state.ValueStateDescriptor[int]{Name: "paid"})
	return err
}

func (m *matcher) ProcessElement1(r reading, ctx *KeyedContext[string], out operator.Collector[string]) error {
	if amount, ok := m.paid.Value(); ok {
		out.Collect(fmt.Sprintf("%s: %d paid %d", ctx.CurrentKey(), r.N, amount))
		m.paid.Clear()
		return nil
	}
	m.order.Update(r.N)
	ts, _ := ctx.Timestamp()
	ctx.RegisterEventTimeTimer(ts + 10)
	return nil
}

func (m *matcher) ProcessElement2(p payment, ctx *KeyedContext[string], out operator.Collector[string]) error {
	if n, ok := m.order.Value(); ok {
		out.Collect(fmt.Sprintf("%s: %d paid %d", ctx.CurrentKey(), n, p.Amount))
		m.order.Clear()
		return nil
	}
	m.paid.Update(p.Amount)
	return nil
}

func (m *matcher) OnTimer(t int64, ctx *KeyedContext[string], out operator.Collector[string]) error {
	if n, ok := m.order.Value(); ok {
		out.Collect(fmt.Sprintf("%s: %d unpaid at %d", ctx.CurrentKey(), n, t))
		m.order.Clear()
	}
	return nil
}

// TestKeyedCoProcessSharesStateAndTimers: both inputs of one key see the
// same keyed state, and timers set from one input fire OnTimer.
func TestKeyedCoProcessSharesStateAndTimers(t *testing.T) {
	p := mustBuild(t, 1, func(env *Env) error {
		orders := KeyBy(FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "orders"), func(r reading) string { return r.Key })
		payments := KeyBy(FromSource(env, &sliceSource[payment]{log: &eventLog{}}, "payments"), func(p payment) string { return p.Order })
		matched := KeyedCoProcess(orders, payments, &matcher{})
		SinkTo(matched.Rebalance(), &collectSink[string]{log: &eventLog{}}, "out")
		return nil
	})
	g := p.Graph()
	for _, e := range g.Inputs(2) {
		if e.Partitioner != jobgraph.Hash {
			t.Fatalf("input edge %d is %s, want hash", e.ID, e.Partitioner)
		}
	}
	w := newFakeWriter(1)
	c := newChain(t, p, ids(2), map[jobgraph.EdgeID]operator.RecordWriter{2: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	push := func(e jobgraph.EdgeID, ts int64, rec []byte) {
		t.Helper()
		if err := c.PushRecord(e, ts, rec); err != nil {
			t.Fatal(err)
		}
	}
	push(0, 1, encode(t, reading{"a", 10}))
	push(1, 2, encode(t, payment{"b", 7}))
	push(1, 3, encode(t, payment{"a", 10}))
	push(0, 4, encode(t, reading{"b", 7}))
	push(0, 5, encode(t, reading{"c", 3}))
	pushWatermark(t, c, 20)
	want := []string{"a: 10 paid 10", "b: 7 paid 7", "c: 3 unpaid at 15"}
	if got := decodeAll[string](t, w.emitted[0]); !slices.Equal(got, want) {
		t.Fatalf("emitted %v, want %v", got, want)
	}
}

func TestKeyedCoProcessNilKey(t *testing.T) {
	_, err := buildProgram("test", 1, func(env *Env) error {
		orders := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "orders")
		payments := FromSource(env, &sliceSource[payment]{log: &eventLog{}}, "payments")
		KeyedCoProcess[reading, payment, string, string](KeyBy(orders, func(r reading) string { return r.Key }), KeyBy[payment, string](payments, nil), &matcher{})
		return nil
	})
	if err == nil {
		t.Fatal("a nil key selector was accepted")
	}
}
