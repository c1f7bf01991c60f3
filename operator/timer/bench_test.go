package timer

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"

	"github.com/runnel/runnel/jobgraph"
)

const benchTimers = 1 << 20

// stringKey is an 8-byte key: "k" and 7 digits.
func stringKey(i int) string {
	var buf [8]byte
	b := strconv.AppendInt(append(buf[:0], 'k'), int64(10_000_000+i), 10)
	return string(b[:1]) + string(b[2:])
}

func benchKeys[K any](n int, key func(int) K) []K {
	keys := make([]K, n)
	for i := range keys {
		keys[i] = key(i)
	}
	return keys
}

// benchDelays are uniform in [1, 2n], so that with the watermark
// advancing by one per registration about n timers are live, and each
// advance fires one on average.
func benchDelays(n int) []int64 {
	rng := rand.New(rand.NewPCG(1, 2))
	d := make([]int64, n)
	for i := range d {
		d[i] = 1 + rng.Int64N(int64(2*n))
	}
	return d
}

func newBenchService[K comparable](hash func(K) uint64) *Service[K, window] {
	maxP := jobgraph.DefaultMaxParallelism(1)
	return NewService[K, window](hash, maxP, jobgraph.Range(maxP, 1, 0))
}

// BenchmarkRegisterAdvance registers a timer and advances the watermark
// by one ms, firing one timer on average, with about 1M (or, for
// comparison, 1Ki, which stay in cache) timers live over the 128 key
// groups of a default max parallelism: the cost per timer of a window
// operator in steady state.
func BenchmarkRegisterAdvance(b *testing.B) {
	for _, n := range []int{1 << 10, benchTimers} {
		b.Run(fmt.Sprintf("live=%d,key=int64", n), func(b *testing.B) {
			benchRegisterAdvance(b, n, hashInt64, func(i int) int64 { return int64(i) })
		})
		b.Run(fmt.Sprintf("live=%d,key=string8", n), func(b *testing.B) { benchRegisterAdvance(b, n, hashString, stringKey) })
	}
}

func benchRegisterAdvance[K comparable](b *testing.B, n int, hash func(K) uint64, key func(int) K) {
	s := newBenchService(hash)
	keys, delays := benchKeys(n, key), benchDelays(n)
	ns := window{0, 60_000}
	for i, k := range keys {
		s.RegisterEventTimeTimer(k, ns, delays[i])
	}
	s.watermark = 0
	fired := 0
	fire := func(Timer[K, window]) error { fired++; return nil }
	i := 0
	step := func() {
		j := i & (n - 1)
		wm := s.CurrentWatermark() + 1
		s.RegisterEventTimeTimer(keys[j], ns, wm+delays[j])
		if err := s.AdvanceWatermark(wm, fire); err != nil {
			b.Fatal(err)
		}
		i++
	}
	// Warm up until the arena and the maps have their steady size.
	for range 4 * n {
		step()
	}
	fired = 0
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
	b.ReportMetric(float64(s.NumEventTimeTimers()), "live")
	b.ReportMetric(float64(fired)/float64(b.N), "fired/op")
}

// BenchmarkBatch registers 1M timers at random times, then fires them all
// with one advance of the watermark: the heap's worst case, a full sift
// down per timer.
func BenchmarkBatch(b *testing.B) {
	s := newBenchService(hashInt64)
	keys, delays := benchKeys(benchTimers, func(i int) int64 { return int64(i) }), benchDelays(benchTimers)
	ns := window{0, 60_000}
	s.watermark = 0
	fire := func(Timer[int64, window]) error { return nil }
	round := func() {
		base := s.CurrentWatermark()
		for i, k := range keys {
			s.RegisterEventTimeTimer(k, ns, base+delays[i])
		}
		if err := s.AdvanceWatermark(base+2*benchTimers, fire); err != nil {
			b.Fatal(err)
		}
	}
	for range 3 {
		round()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rounds := 0
	for b.Loop() {
		round()
		rounds++
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	timers := float64(rounds * benchTimers)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/timers, "ns/timer")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/timers, "allocs/timer")
}

// BenchmarkRegisterDuplicate registers a timer that is registered
// already, as a window trigger does for every element of its window.
func BenchmarkRegisterDuplicate(b *testing.B) {
	s := newBenchService(hashInt64)
	ns := window{0, 60_000}
	for i := range int64(benchTimers) {
		s.RegisterEventTimeTimer(i, ns, 60_000)
	}
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		s.RegisterEventTimeTimer(i&(benchTimers-1), ns, 60_000)
		i++
	}
}

// BenchmarkBytesPerTimer measures the heap a timer takes, 1M of them
// with int64 keys over the key groups of a default max parallelism: all
// in one window at its end (a window operator's timers), and each at a
// time of its own (a process function's timeouts).
func BenchmarkBytesPerTimer(b *testing.B) {
	ns := window{0, 60_000}
	b.Run("one-window", func(b *testing.B) {
		benchBytesPerTimer(b, func(s *Service[int64, window], k int64) { s.RegisterEventTimeTimer(k, ns, 59_999) })
	})
	b.Run("own-times", func(b *testing.B) {
		benchBytesPerTimer(b, func(s *Service[int64, window], k int64) { s.RegisterEventTimeTimer(k, ns, k) })
	})
}

func benchBytesPerTimer(b *testing.B, register func(s *Service[int64, window], k int64)) {
	var perTimer float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := newBenchService(hashInt64)
		for k := range int64(benchTimers) {
			register(s, k)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perTimer = float64(after.HeapAlloc-before.HeapAlloc) / benchTimers
		runtime.KeepAlive(s)
	}
	b.ReportMetric(perTimer, "B/timer")
}
