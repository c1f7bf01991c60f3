package timer

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
)

// hashString is a stable key hash for the tests, FNV-1a and murmur3's
// finalizer as stream.KeyHash, which this package may not import.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return fmix(h)
}

func hashInt64(v int64) uint64 { return fmix(uint64(v)) }

func fmix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// window is a namespace as a time window is one.
type window struct{ Start, End int64 }

const testMaxP = 32

type tm = Timer[string, window]

// newTestService owns every key group of testMaxP.
func newTestService() *Service[string, window] {
	return NewService[string, window](hashString, testMaxP, jobgraph.KeyGroupRange{Start: 0, End: testMaxP - 1})
}

// collect returns a fire callback that appends to *fired.
func collect(fired *[]tm) func(tm) error {
	return func(t tm) error {
		*fired = append(*fired, t)
		return nil
	}
}

func times(ts []tm) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.Time
	}
	return out
}

func noErr(t *testing.T, s *Service[string, window], err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
}

func TestDeduplicated(t *testing.T) {
	s := newTestService()
	w := window{0, 10}
	for range 2 {
		s.RegisterEventTimeTimer("a", w, 9)
		s.RegisterProcessingTimeTimer("a", w, 9)
	}
	s.RegisterEventTimeTimer("a", window{10, 20}, 9) // another namespace
	s.RegisterEventTimeTimer("b", w, 9)              // another key
	s.RegisterEventTimeTimer("a", w, 8)              // another time
	if n, p := s.NumEventTimeTimers(), s.NumProcessingTimeTimers(); n != 4 || p != 1 {
		t.Fatalf("%d event-time and %d processing-time timers, want 4 and 1", n, p)
	}
	var fired []tm
	noErr(t, s, s.AdvanceWatermark(100, collect(&fired)))
	noErr(t, s, s.AdvanceProcessingTime(100, collect(&fired)))
	want := []tm{{8, "a", w}, {9, "a", w}, {9, "a", window{10, 20}}, {9, "b", w}, {9, "a", w}}
	if !slices.Equal(fired, want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	// A fired timer is gone: registering it again makes a new one.
	s.RegisterEventTimeTimer("a", w, 9)
	if n := s.NumEventTimeTimers(); n != 1 {
		t.Fatalf("%d timers after re-registering a fired one", n)
	}
}

// A window's timers, more than a scan would take, fire and leave their
// bucket's index to the next window's: every key of that one is found in
// it, its first key too.
func TestDeduplicatedInAReusedBucket(t *testing.T) {
	s := newTestService()
	w1, w2 := window{0, 10}, window{10, 20}
	for i := range 3 * scanMax {
		s.RegisterEventTimeTimer(fmt.Sprint("k", i), w1, 9)
	}
	noErr(t, s, s.AdvanceWatermark(9, collect(new([]tm))))
	for range 2 {
		s.RegisterEventTimeTimer("a", w2, 19)
		s.RegisterEventTimeTimer("b", w2, 19)
	}
	var fired []tm
	noErr(t, s, s.AdvanceWatermark(19, collect(&fired)))
	if want := []tm{{19, "a", w2}, {19, "b", w2}}; !slices.Equal(fired, want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
}

func TestDelete(t *testing.T) {
	s := newTestService()
	w := window{0, 10}
	for _, ts := range []int64{5, 6, 7} {
		s.RegisterEventTimeTimer("a", w, ts)
		s.RegisterProcessingTimeTimer("a", w, ts)
	}
	s.DeleteEventTimeTimer("a", w, 6)
	s.DeleteEventTimeTimer("a", w, 6)            // twice
	s.DeleteEventTimeTimer("a", window{1, 2}, 5) // not registered
	s.DeleteEventTimeTimer("zz", w, 5)           // not registered
	s.DeleteProcessingTimeTimer("a", w, 5)       // only the processing-time one
	s.DeleteProcessingTimeTimer("a", w, 1<<40)   // not registered
	var fired, firedProc []tm
	noErr(t, s, s.AdvanceWatermark(10, collect(&fired)))
	noErr(t, s, s.AdvanceProcessingTime(10, collect(&firedProc)))
	if !slices.Equal(times(fired), []int64{5, 7}) || !slices.Equal(times(firedProc), []int64{6, 7}) {
		t.Fatalf("fired %v and %v", fired, firedProc)
	}
	s.DeleteEventTimeTimer("a", w, 5) // fired already: nothing happens
	if s.NumEventTimeTimers() != 0 || s.NumProcessingTimeTimers() != 0 {
		t.Fatal("timers left")
	}
}

func TestFiringOrder(t *testing.T) {
	s := newTestService()
	if wm := s.CurrentWatermark(); wm != math.MinInt64 {
		t.Fatalf("initial watermark %d", wm)
	}
	w := window{}
	// Equal times fire in registration order, whatever the keys.
	for i, ts := range []int64{30, 10, 20, 10, 40, 10, math.MinInt64, 20} {
		s.RegisterEventTimeTimer(fmt.Sprint("k", i), w, ts)
	}
	var fired []tm
	noErr(t, s, s.AdvanceWatermark(25, collect(&fired)))
	if s.CurrentWatermark() != 25 {
		t.Fatalf("watermark %d", s.CurrentWatermark())
	}
	want := []tm{{math.MinInt64, "k6", w}, {10, "k1", w}, {10, "k3", w}, {10, "k5", w}, {20, "k2", w}, {20, "k7", w}}
	if !slices.Equal(fired, want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	if s.NumEventTimeTimers() != 2 {
		t.Fatalf("%d timers left, want 2", s.NumEventTimeTimers())
	}
	// A timer at or before the watermark fires with the next advance.
	s.RegisterEventTimeTimer("late", w, 3)
	fired = nil
	noErr(t, s, s.AdvanceWatermark(25, collect(&fired)))
	noErr(t, s, s.AdvanceWatermark(30, collect(&fired)))
	if !slices.Equal(fired, []tm{{3, "late", w}, {30, "k0", w}}) {
		t.Fatalf("fired %v", fired)
	}
}

func TestRegisterWhileFiring(t *testing.T) {
	s := newTestService()
	w := window{}
	s.RegisterEventTimeTimer("a", w, 10)
	s.RegisterEventTimeTimer("b", w, 20)
	var fired []tm
	err := s.AdvanceWatermark(20, func(tr tm) error {
		fired = append(fired, tr)
		if len(fired) == 1 {
			s.RegisterEventTimeTimer("a", w, 10) // itself again: fires again
			s.RegisterEventTimeTimer("c", w, 15) // before b
			s.RegisterEventTimeTimer("d", w, 20) // after b, at the watermark
			s.RegisterEventTimeTimer("e", w, 21) // later
			s.DeleteEventTimeTimer("b", w, 20)   // deleted before it fires
			s.RegisterEventTimeTimer("a", w, 10) // deduplicated
			s.RegisterEventTimeTimer("a", w, 20) // another time
		}
		return nil
	})
	noErr(t, s, err)
	want := []tm{{10, "a", w}, {10, "a", w}, {15, "c", w}, {20, "d", w}, {20, "a", w}}
	if !slices.Equal(fired, want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	fired = nil
	noErr(t, s, s.AdvanceWatermark(21, collect(&fired)))
	if !slices.Equal(fired, []tm{{21, "e", w}}) {
		t.Fatalf("then fired %v", fired)
	}
}

func TestFireErrorStops(t *testing.T) {
	for _, proc := range []bool{false, true} {
		t.Run(fmt.Sprint("processing=", proc), func(t *testing.T) {
			s := newTestService()
			advance, register := s.AdvanceWatermark, s.RegisterEventTimeTimer
			num := s.NumEventTimeTimers
			if proc {
				advance, register = s.AdvanceProcessingTime, s.RegisterProcessingTimeTimer
				num = s.NumProcessingTimeTimers
			}
			for i := range 5 {
				register(fmt.Sprint("k", i), window{}, int64(i))
			}
			boom := errors.New("boom")
			var fired []tm
			err := advance(10, func(tr tm) error {
				fired = append(fired, tr)
				if tr.Time == 1 {
					return boom
				}
				return nil
			})
			if !errors.Is(err, boom) {
				t.Fatalf("error %v, want boom", err)
			}
			// The failing timer was removed before it fired; the rest stay.
			if !slices.Equal(times(fired), []int64{0, 1}) || num() != 3 {
				t.Fatalf("fired %v, %d left", fired, num())
			}
			fired = nil
			noErr(t, s, advance(10, collect(&fired)))
			if !slices.Equal(times(fired), []int64{2, 3, 4}) {
				t.Fatalf("then fired %v", fired)
			}
		})
	}
}

func TestProcessingTime(t *testing.T) {
	s := newTestService()
	if _, ok := s.NextProcessingTime(); ok {
		t.Fatal("next processing time of no timers")
	}
	w := window{}
	s.RegisterProcessingTimeTimer("a", w, 300)
	s.RegisterProcessingTimeTimer("b", w, 100)
	s.RegisterProcessingTimeTimer("c", w, 200)
	s.RegisterEventTimeTimer("d", w, 50) // other domain: neither fires nor schedules
	next := func() int64 {
		t.Helper()
		n, ok := s.NextProcessingTime()
		if !ok {
			t.Fatal("no next processing time")
		}
		return n
	}
	if n := next(); n != 100 {
		t.Fatalf("next %d, want 100", n)
	}
	s.DeleteProcessingTimeTimer("b", w, 100)
	if n := next(); n != 200 {
		t.Fatalf("next after delete %d, want 200", n)
	}
	var fired []tm
	noErr(t, s, s.AdvanceProcessingTime(250, collect(&fired)))
	if !slices.Equal(fired, []tm{{200, "c", w}}) || next() != 300 {
		t.Fatalf("fired %v, next %d", fired, next())
	}
	if s.CurrentWatermark() != math.MinInt64 || s.NumEventTimeTimers() != 1 {
		t.Fatal("processing time moved event time")
	}
	noErr(t, s, s.AdvanceProcessingTime(300, collect(&fired)))
	if _, ok := s.NextProcessingTime(); ok || len(fired) != 2 {
		t.Fatalf("fired %v, still a next processing time", fired)
	}
}

func TestKeyGroupViolation(t *testing.T) {
	// The first half of the key groups.
	s := NewService[string, window](hashString, testMaxP, jobgraph.Range(testMaxP, 2, 0))
	var in, out string
	for i := 0; in == "" || out == ""; i++ {
		k := fmt.Sprint("key-", i)
		if s.groups.Contains(jobgraph.KeyGroup(hashString(k), testMaxP)) {
			in = k
		} else {
			out = k
		}
	}
	s.RegisterEventTimeTimer(in, window{}, 1)
	s.RegisterEventTimeTimer(out, window{}, 1)
	s.RegisterProcessingTimeTimer(out, window{}, 1)
	if s.NumEventTimeTimers() != 1 || s.NumProcessingTimeTimers() != 0 {
		t.Fatal("a timer of another subtask's key group was registered")
	}
	err := s.Err()
	if err == nil || !strings.Contains(err.Error(), out) || !strings.Contains(err.Error(), "0-15") {
		t.Fatalf("error %v", err)
	}
	s.DeleteEventTimeTimer(out, window{}, 1)
	if s.Err() != err {
		t.Fatal("Err is not the first misuse")
	}
	var fired []tm
	if err := s.AdvanceWatermark(1, collect(&fired)); err != nil || !slices.Equal(fired, []tm{{1, in, window{}}}) {
		t.Fatalf("fired %v, %v", fired, err)
	}
	// Deleting is a misuse too, as in Flink.
	s2 := NewService[string, window](hashString, testMaxP, jobgraph.Range(testMaxP, 2, 0))
	s2.DeleteProcessingTimeTimer(out, window{}, 1)
	if s2.Err() == nil {
		t.Fatal("no error for deleting a timer of another key group")
	}
}

func TestNewServicePanics(t *testing.T) {
	for _, c := range []struct {
		maxP   int
		groups jobgraph.KeyGroupRange
	}{{0, jobgraph.KeyGroupRange{}}, {8, jobgraph.KeyGroupRange{Start: 0, End: 8}}, {8, jobgraph.KeyGroupRange{Start: 5, End: 4}},
		{jobgraph.MaxKeyGroups + 1, jobgraph.KeyGroupRange{}}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic for %d %+v", c.maxP, c.groups)
				}
			}()
			NewService[string, window](hashString, c.maxP, c.groups)
		}()
	}
}

// TestSteadyStateAllocs pins that registering and firing allocate nothing
// once the service has grown.
func TestSteadyStateAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	s := NewService[int64, window](hashInt64, 128, jobgraph.Range(128, 1, 0))
	const n = 1 << 12
	fire := func(Timer[int64, window]) error { return nil }
	round := func() {
		for i := range int64(n) {
			s.RegisterEventTimeTimer(i, window{0, i}, s.CurrentWatermark()+1+i*7919%n)
		}
		if err := s.AdvanceWatermark(s.CurrentWatermark()+n, fire); err != nil {
			t.Fatal(err)
		}
	}
	s.watermark = 0
	// Go's maps reuse deleted slots only once enough of them pile up, so
	// the map of buckets takes a few rounds to reach its size.
	testing.AllocsPerRun(100, round)
	if a := testing.AllocsPerRun(20, round); a != 0 {
		t.Fatalf("%v allocations per round of %d timers", a, n)
	}
}
