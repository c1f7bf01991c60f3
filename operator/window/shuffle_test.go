package window

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/runnel/runnel/operator/watermark"
)

// timer is an event-time timer of the simulated operator.
type timer struct {
	at int64
	w  TimeWindow
}

// operator is the smallest event-time window operator: per-record
// watermarks from a bounded-out-of-orderness generator, an assigner, its
// default trigger, no allowed lateness, one key.
type operator struct {
	trigger  Trigger[TimeWindow]
	wm       int64
	timers   map[timer]bool
	contents map[TimeWindow][]int64
	fired    []string // "window: sorted timestamps"
	dropped  int      // late elements
}

// opContext is the trigger's view of the operator for one window.
type opContext struct {
	*operator
	w TimeWindow
}

func (c opContext) CurrentWatermark() int64           { return c.wm }
func (c opContext) CurrentProcessingTime() int64      { return 0 }
func (c opContext) RegisterEventTimeTimer(t int64)    { c.timers[timer{t, c.w}] = true }
func (c opContext) DeleteEventTimeTimer(t int64)      { delete(c.timers, timer{t, c.w}) }
func (c opContext) RegisterProcessingTimeTimer(int64) { panic("event-time operator") }
func (c opContext) DeleteProcessingTimeTimer(int64)   { panic("event-time operator") }
func (c opContext) Count() int64                      { return 0 }
func (c opContext) SetCount(int64)                    {}

// run feeds timestamps in the given order and returns the operator, its
// firings sorted, and the watermark after the last record.
func run(t *testing.T, a Assigner, bound time.Duration, tss []int64) (op *operator, final int64) {
	t.Helper()
	em, err := watermark.NewEmitter(watermark.BoundedOutOfOrderness(bound), 0)
	if err != nil {
		t.Fatal(err)
	}
	op = &operator{
		trigger: a.DefaultTrigger(), wm: watermark.MinWatermark,
		timers: map[timer]bool{}, contents: map[TimeWindow][]int64{},
	}
	var buf []TimeWindow
	for _, ts := range tss {
		if IsElementLate(true, ts, 0, op.wm) {
			op.dropped++
		} else {
			buf = a.AppendWindows(buf[:0], ts)
			for _, w := range buf {
				if IsWindowLate(true, w, 0, op.wm) {
					t.Fatalf("element %d on time, its window %v late at %d", ts, w, op.wm)
				}
				op.contents[w] = append(op.contents[w], ts)
				if op.trigger.OnElement(ts, w, opContext{op, w}).IsFire() {
					t.Fatalf("element %d on time fired %v at %d", ts, w, op.wm)
				}
			}
		}
		if s, changed := em.OnEvent(ts); changed {
			op.advance(s.Watermark)
		}
	}
	final = op.wm
	s, _ := em.EndOfInput()
	op.advance(s.Watermark)
	if len(op.contents) != 0 || len(op.timers) != 0 {
		t.Fatalf("left after the end: %v, timers %v", op.contents, op.timers)
	}
	slices.Sort(op.fired)
	return op, final
}

// advance fires the timers the watermark passed, in time order, and drops
// each window at its cleanup time, which is its end without lateness.
func (op *operator) advance(wm int64) {
	op.wm = wm
	due := slices.SortedFunc(maps.Keys(op.timers), func(a, b timer) int {
		return cmp.Or(cmp.Compare(a.at, b.at), compareWindows(a.w, b.w))
	})
	for _, tm := range due {
		if tm.at > wm {
			break
		}
		delete(op.timers, tm)
		if op.trigger.OnEventTime(tm.at, tm.w, opContext{op, tm.w}).IsFire() {
			op.fired = append(op.fired, fmt.Sprintf("%v: %v", tm.w, slices.Sorted(slices.Values(op.contents[tm.w]))))
		}
		if tm.at == CleanupTime(true, tm.w, 0) {
			delete(op.contents, tm.w)
		}
	}
}

// TestShuffleWithinBound: records reordered by no more than the
// out-of-orderness bound give the same windows, with the same contents,
// and the same final watermark, as in order; none is late.
func TestShuffleWithinBound(t *testing.T) {
	const bound = 20 // ms
	tumbling, _ := TumblingEventTime(10*ms, 0)
	shifted, _ := TumblingEventTime(7*ms, -3*ms)
	sliding, _ := SlidingEventTime(10*ms, 3*ms, ms)
	wide, _ := SlidingEventTime(25*ms, 10*ms, 0)
	assigners := []struct {
		name string
		a    Assigner
	}{{"tumbling", tumbling}, {"tumbling offset", shifted}, {"sliding offset", sliding}, {"sliding wide", wide}}
	for _, as := range assigners {
		a := as.a
		for seed := range uint64(5) {
			t.Run(fmt.Sprintf("%s/seed %d", as.name, seed), func(t *testing.T) {
				r := rand.New(rand.NewPCG(seed, 1))
				inOrder := make([]int64, 300)
				ts := int64(-1000) // crosses zero
				for i := range inOrder {
					ts += r.Int64N(8)
					inOrder[i] = ts
				}
				shuffled := shuffle(r, inOrder, bound)

				want, wantFinal := run(t, a, bound*ms, inOrder)
				got, gotFinal := run(t, a, bound*ms, shuffled)
				if got.dropped != 0 || want.dropped != 0 {
					t.Fatalf("late elements: %d shuffled, %d in order", got.dropped, want.dropped)
				}
				if !slices.Equal(got.fired, want.fired) {
					t.Fatalf("shuffled fired\n%v\nin order\n%v", got.fired, want.fired)
				}
				if gotFinal != wantFinal || wantFinal != inOrder[len(inOrder)-1]-bound-1 {
					t.Fatalf("final watermark %d shuffled, %d in order", gotFinal, wantFinal)
				}
				// A generator promising less than the shuffle needs drops
				// records and loses output: the comparison above has teeth.
				tight, _ := run(t, a, 2*ms, shuffled)
				if tight.dropped == 0 || slices.Equal(tight.fired, want.fired) {
					t.Fatalf("a 2ms bound dropped %d records of a %dms shuffle", tight.dropped, bound)
				}
			})
		}
	}
}

// shuffle reorders tss so that each element comes at most bound after one
// with a later timestamp: sorting by timestamp plus a random delay in
// [0, bound] does exactly that.
func shuffle(r *rand.Rand, tss []int64, bound int64) []int64 {
	type keyed struct{ key, ts int64 }
	ks := make([]keyed, len(tss))
	for i, ts := range tss {
		ks[i] = keyed{ts + r.Int64N(bound+1), ts}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	out := make([]int64, len(ks))
	maxSoFar, moved := tss[0], 0
	for i, k := range ks {
		out[i] = k.ts
		if k.ts < maxSoFar-bound {
			panic("shuffled beyond the bound")
		}
		if k.ts < maxSoFar {
			moved++
		}
		maxSoFar = max(maxSoFar, k.ts)
	}
	if moved == 0 {
		panic("shuffle left the order as it was")
	}
	return out
}
