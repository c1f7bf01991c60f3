package state

import (
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"
)

// hashString and hashInt64 are stable key hashes for the tests, FNV-1a
// and murmur3's finalizer as stream.KeyHash, which this package may not
// import.
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

// fakeClock is processing time that moves only when told.
type fakeClock struct{ t time.Time }

func newFakeClock() *fakeClock           { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }
func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }

const testMaxP = 32

// newTestBackend owns every key group of testMaxP.
func newTestBackend(clock *fakeClock) *Backend[string] {
	if clock == nil {
		clock = newFakeClock()
	}
	return NewBackend(hashString, testMaxP, jobgraph.KeyGroupRange{Start: 0, End: testMaxP - 1}, clock.now)
}

// must returns v; a test that cannot register its state panics, which
// fails it.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func setKey[K comparable](t testing.TB, b *Backend[K], k K) {
	t.Helper()
	if err := b.SetCurrentKey(k); err != nil {
		t.Fatal(err)
	}
}

// stored counts a table's entries, expired or not.
func stored[K, N comparable, E any](t *table[K, N, E]) int {
	n := 0
	for g := range t.groups {
		for range t.stored(g) {
			n++
		}
	}
	return n
}
