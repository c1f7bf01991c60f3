package timer

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/runnel/runnel/jobgraph"
)

// refTimer is a timer of the reference and its registration order.
type refTimer struct {
	t   tm
	seq int
}

// reference is the naive timer service the randomized test checks
// Service against: a slice per domain, scanned for duplicates and for
// the earliest timer.
type reference struct {
	domains [2][]refTimer // event time, processing time
	seq     int
}

func (r *reference) register(d int, t tm) {
	if slices.ContainsFunc(r.domains[d], func(x refTimer) bool { return x.t == t }) {
		return
	}
	r.domains[d] = append(r.domains[d], refTimer{t: t, seq: r.seq})
	r.seq++
}

func (r *reference) delete(d int, t tm) {
	r.domains[d] = slices.DeleteFunc(r.domains[d], func(x refTimer) bool { return x.t == t })
}

func (r *reference) advance(d int, until int64, fire func(tm) error) error {
	for {
		ts := r.domains[d]
		if len(ts) == 0 {
			return nil
		}
		i := 0
		for j, x := range ts {
			if x.t.Time < ts[i].t.Time || (x.t.Time == ts[i].t.Time && x.seq < ts[i].seq) {
				i = j
			}
		}
		if ts[i].t.Time > until {
			return nil
		}
		t := ts[i].t
		r.domains[d] = slices.Delete(ts, i, i+1)
		if err := fire(t); err != nil {
			return err
		}
	}
}

// restored renumbers the registration order as a restore of every key
// group in ascending order does: by key group, then firing order.
func (r *reference) restored(maxP int) {
	for d := range r.domains {
		slices.SortFunc(r.domains[d], func(a, b refTimer) int {
			return cmp.Or(cmp.Compare(jobgraph.KeyGroup(hashString(a.t.Key), maxP), jobgraph.KeyGroup(hashString(b.t.Key), maxP)),
				cmp.Compare(a.t.Time, b.t.Time), cmp.Compare(a.seq, b.seq))
		})
		for i := range r.domains[d] {
			r.domains[d][i].seq = r.seq
			r.seq++
		}
	}
}

// sut is the service under test, as the reference's operations.
type sut struct{ s *Service[string, window] }

func (u sut) register(d int, t tm) {
	if d == 0 {
		u.s.RegisterEventTimeTimer(t.Key, t.Namespace, t.Time)
	} else {
		u.s.RegisterProcessingTimeTimer(t.Key, t.Namespace, t.Time)
	}
}

func (u sut) delete(d int, t tm) {
	if d == 0 {
		u.s.DeleteEventTimeTimer(t.Key, t.Namespace, t.Time)
	} else {
		u.s.DeleteProcessingTimeTimer(t.Key, t.Namespace, t.Time)
	}
}

func (u sut) advance(d int, until int64, fire func(tm) error) error {
	if d == 0 {
		return u.s.AdvanceWatermark(until, fire)
	}
	return u.s.AdvanceProcessingTime(until, fire)
}

type ops interface {
	register(d int, t tm)
	delete(d int, t tm)
	advance(d int, until int64, fire func(tm) error) error
}

var errFire = errors.New("fire failed")

// onFire is what the operator does with a fired timer, the same for the
// service and the reference: a function of the timer, so both do the
// same as long as they fire the same timers. Timers of the first
// generations (Namespace.Start) register a later generation, some at
// times already reached; some delete a timer; a few fail.
func onFire(o ops, d int, fired *[]tm) func(tm) error {
	return func(t tm) error {
		*fired = append(*fired, t)
		h := hashString(fmt.Sprint(t))
		if t.Namespace.Start < 3 {
			next := tm{Time: t.Time - 3 + int64(h%12), Key: t.Key, Namespace: window{t.Namespace.Start + 1, t.Namespace.End}}
			o.register(d, next)
		}
		if h%7 == 0 {
			o.delete(d, tm{Time: t.Time + 1, Key: t.Key, Namespace: t.Namespace})
		}
		if h%23 == 0 {
			return errFire
		}
		return nil
	}
}

// TestRandomAgainstReference runs random registrations, deletions,
// advances and snapshot round trips on Service and on the naive
// reference, and compares what fires, in order, and what is left. Times
// spread over 60 ms make buckets of a few timers; over 3 ms, some
// buckets outgrow a scan and get indexed.
func TestRandomAgainstReference(t *testing.T) {
	for seed := range uint64(30) {
		spread := int64(60)
		if seed%3 == 0 {
			spread = 3
		}
		t.Run(fmt.Sprint("seed=", seed, ",spread=", spread), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0x7133))
			u := sut{newTestService()}
			ref := &reference{}
			var now [2]int64
			random := func(d int) tm {
				return tm{
					Time:      now[d] - spread/12 + rng.Int64N(spread),
					Key:       fmt.Sprint("k", rng.IntN(25)),
					Namespace: window{0, rng.Int64N(3)},
				}
			}
			for step := range 2000 {
				d := 0
				if rng.IntN(3) == 0 {
					d = 1
				}
				var got, want []tm
				var gotErr, wantErr error
				switch p := rng.IntN(100); {
				case p < 45:
					x := random(d)
					u.register(d, x)
					ref.register(d, x)
				case p < 60:
					x := random(d)
					if ts := ref.domains[d]; len(ts) > 0 && rng.IntN(2) == 0 {
						x = ts[rng.IntN(len(ts))].t // one that is registered
					}
					u.delete(d, x)
					ref.delete(d, x)
				case p < 98:
					now[d] += rng.Int64N(max(spread/5, 3)) - 1 // now and then backwards
					gotErr = u.advance(d, now[d], onFire(u, d, &got))
					wantErr = ref.advance(d, now[d], onFire(ref, d, &want))
				default:
					u.s = roundTrip(t, u.s)
					ref.restored(testMaxP)
				}
				if !slices.Equal(got, want) || gotErr != wantErr {
					t.Fatalf("step %d: fired %v, %v; want %v, %v", step, got, gotErr, want, wantErr)
				}
				checkLeft(t, step, u.s, ref)
			}
		})
	}
}

func checkLeft(t *testing.T, step int, s *Service[string, window], ref *reference) {
	t.Helper()
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
	if s.NumEventTimeTimers() != len(ref.domains[0]) || s.NumProcessingTimeTimers() != len(ref.domains[1]) {
		t.Fatalf("step %d: %d and %d timers, want %d and %d", step, s.NumEventTimeTimers(), s.NumProcessingTimeTimers(),
			len(ref.domains[0]), len(ref.domains[1]))
	}
	next, ok := s.NextProcessingTime()
	var wantNext int64
	if len(ref.domains[1]) > 0 {
		wantNext = slices.MinFunc(ref.domains[1], func(a, b refTimer) int { return cmp.Compare(a.t.Time, b.t.Time) }).t.Time
	}
	if ok != (len(ref.domains[1]) > 0) || next != wantNext {
		t.Fatalf("step %d: next processing time %d %v, want %d", step, next, ok, wantNext)
	}
}

// roundTrip snapshots every key group of s and restores them, in
// ascending order, into a new service with s's watermark.
func roundTrip(t *testing.T, s *Service[string, window]) *Service[string, window] {
	t.Helper()
	var buf bytes.Buffer
	for kg := range testMaxP {
		if err := s.Snapshot(kg, &buf); err != nil {
			t.Fatal(err)
		}
	}
	r := newTestService()
	for kg := range testMaxP {
		if err := r.Restore(kg, &buf); err != nil {
			t.Fatal(err)
		}
	}
	r.watermark = s.watermark
	return r
}
