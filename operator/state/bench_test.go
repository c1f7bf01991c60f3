package state

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"
)

const benchKeys = 1 << 20

// stringKey is an 8-byte key: "k" and 7 digits.
func stringKey(i int) string {
	var buf [8]byte
	b := strconv.AppendInt(append(buf[:0], 'k'), int64(10_000_000+i), 10)
	return string(b[:1]) + string(b[2:])
}

// BenchmarkStateBytesPerKey measures the heap a ValueState[int64] in a
// window namespace takes per key, the key's own bytes included, for 1M
// keys over all key groups of a default max parallelism.
func BenchmarkStateBytesPerKey(b *testing.B) {
	b.Run("key=string8", func(b *testing.B) { benchBytesPerKey(b, hashString, stringKey) })
	b.Run("key=int64", func(b *testing.B) {
		benchBytesPerKey(b, hashInt64, func(i int) int64 { return int64(i) })
	})
	b.Run("key=string8,ttl", func(b *testing.B) {
		benchBytesPerKey(b, hashString, stringKey, TTLConfig{TTL: time.Hour})
	})
}

func benchBytesPerKey[K comparable](b *testing.B, hash func(K) uint64, key func(int) K, ttl ...TTLConfig) {
	var cfg TTLConfig
	if len(ttl) > 0 {
		cfg = ttl[0]
	}
	maxP := jobgraph.DefaultMaxParallelism(1)
	var perKey float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		be := NewBackend(hash, maxP, jobgraph.Range(maxP, 1, 0), nil)
		s := must(GetValueState[window](be, ValueStateDescriptor[int64]{Name: "v", TTL: cfg}))
		s.SetNamespace(window{Start: 1_700_000_000_000, End: 1_700_000_060_000})
		for i := range benchKeys {
			if err := be.SetCurrentKey(key(i)); err != nil {
				b.Fatal(err)
			}
			s.Update(int64(i))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perKey = float64(after.HeapAlloc-before.HeapAlloc) / benchKeys
		runtime.KeepAlive(be)
	}
	b.ReportMetric(perKey, "B/key")
}

// BenchmarkValueStateUpdate sets the current key and updates its value,
// for keys that have one: 1Ki keys stay in cache, 64Ki keys mostly do not
// (a plain Go map of the same entries costs about as much).
func BenchmarkValueStateUpdate(b *testing.B) {
	for _, n := range []int{1 << 10, 1 << 16} {
		for _, ttl := range []time.Duration{0, time.Hour} {
			b.Run(fmt.Sprintf("keys=%d,ttl=%v", n, ttl > 0), func(b *testing.B) { benchUpdate(b, n, TTLConfig{TTL: ttl}) })
		}
	}
}

func benchUpdate(b *testing.B, n int, ttl TTLConfig) {
	maxP := jobgraph.DefaultMaxParallelism(1)
	be := NewBackend(hashString, maxP, jobgraph.Range(maxP, 1, 0), nil)
	s := must(GetValueState[window](be, ValueStateDescriptor[int64]{Name: "v", TTL: ttl}))
	s.SetNamespace(window{Start: 0, End: 60_000})
	keys := make([]string, n)
	for i := range keys {
		keys[i] = stringKey(i)
		setKey(b, be, keys[i])
		s.Update(0)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = be.SetCurrentKey(keys[i&(n-1)])
		s.Update(int64(i))
		i++
	}
}
