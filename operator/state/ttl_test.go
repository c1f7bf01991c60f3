package state

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"
	"unsafe"
)

const ttl = time.Minute

func TestNoTTLNoTimestamp(t *testing.T) {
	if got := unsafe.Sizeof(entry[int64, noStamp]{}); got != 8 {
		t.Fatalf("an int64 entry without TTL takes %d bytes", got)
	}
	if got := unsafe.Sizeof(entry[int64, stamp]{}); got != 16 {
		t.Fatalf("an int64 entry with TTL takes %d bytes", got)
	}
}

// A value written at 0 is read at 0.6, 1.2, 1.2, 3.2 and 3.2 TTL. A read
// restarts the TTL under OnReadAndWrite only; an expired value is seen
// once under ReturnExpiredIfNotCleanedUp, never under NeverReturnExpired.
func TestTTLValue(t *testing.T) {
	reads := []float64{0.6, 1.2, 1.2, 3.2, 3.2}
	tests := []struct {
		name       string
		update     UpdateType
		visibility Visibility
		found      []bool
	}{
		{"write/never", OnCreateAndWrite, NeverReturnExpired, []bool{true, false, false, false, false}},
		{"write/if not cleaned up", OnCreateAndWrite, ReturnExpiredIfNotCleanedUp, []bool{true, true, false, false, false}},
		{"read and write/never", OnReadAndWrite, NeverReturnExpired, []bool{true, true, true, false, false}},
		{"read and write/if not cleaned up", OnReadAndWrite, ReturnExpiredIfNotCleanedUp, []bool{true, true, true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			start := clock.t
			b := newTestBackend(clock)
			s := must(GetValueState[VoidNamespace](b, ValueStateDescriptor[int64]{
				Name: "v", Default: -1, TTL: TTLConfig{TTL: ttl, Update: tt.update, Visibility: tt.visibility},
			}))
			setKey(t, b, "a")
			s.Update(5)
			for i, at := range reads {
				clock.t = start.Add(time.Duration(at * float64(ttl)))
				want := int64(-1)
				if tt.found[i] {
					want = 5
				}
				if v, ok := s.Value(); ok != tt.found[i] || v != want {
					t.Fatalf("read %d at %v TTL: %d, %v, want %d, %v", i, at, v, ok, want, tt.found[i])
				}
			}
		})
	}
}

func TestTTLWriteRestarts(t *testing.T) {
	clock := newFakeClock()
	b := newTestBackend(clock)
	s := must(GetReducingState[VoidNamespace](b, ReducingStateDescriptor[int64]{
		Name: "r", Reduce: func(a, b int64) int64 { return a + b }, TTL: TTLConfig{TTL: ttl},
	}))
	setKey(t, b, "a")
	s.Add(1)
	clock.add(ttl / 2)
	s.Add(2)
	clock.add(ttl * 3 / 4)
	if v, ok := s.Get(); !ok || v != 3 {
		t.Fatalf("Get() after a write restarted the TTL = %d, %v", v, ok)
	}
	clock.add(ttl)
	s.Add(10) // an expired accumulator is not added to
	if v, ok := s.Get(); !ok || v != 10 {
		t.Fatalf("Get() after adding to an expired value = %d, %v", v, ok)
	}
}

// List elements expire one by one.
func TestTTLList(t *testing.T) {
	for _, vis := range []Visibility{NeverReturnExpired, ReturnExpiredIfNotCleanedUp} {
		clock := newFakeClock()
		b := newTestBackend(clock)
		s := must(GetListState[VoidNamespace](b, ListStateDescriptor[int64]{
			Name: "l", TTL: TTLConfig{TTL: ttl, Visibility: vis},
		}))
		setKey(t, b, "a")
		s.Add(1)
		clock.add(ttl / 2)
		s.Add(2)
		clock.add(ttl * 3 / 4)
		first := []int64{2}
		if vis == ReturnExpiredIfNotCleanedUp {
			first = []int64{1, 2}
		}
		if got := slices.Collect(s.Get()); !slices.Equal(got, first) {
			t.Fatalf("%v: first Get() = %v, want %v", vis, got, first)
		}
		if got := slices.Collect(s.Get()); !slices.Equal(got, []int64{2}) {
			t.Fatalf("%v: second Get() = %v, want [2]", vis, got)
		}
		clock.add(ttl)
		s.Get()
		if slices.Contains(slices.Collect(Keys(s, VoidNamespace{})), "a") {
			t.Fatalf("%v: a list of expired elements is still an entry", vis)
		}
	}
}

func TestTTLListReadRefreshes(t *testing.T) {
	clock := newFakeClock()
	b := newTestBackend(clock)
	s := must(GetListState[VoidNamespace](b, ListStateDescriptor[int64]{
		Name: "l", TTL: TTLConfig{TTL: ttl, Update: OnReadAndWrite},
	}))
	setKey(t, b, "a")
	s.Update([]int64{1, 2})
	for range 5 {
		clock.add(ttl / 2)
		if got := slices.Collect(s.Get()); !slices.Equal(got, []int64{1, 2}) {
			t.Fatalf("Get() = %v", got)
		}
	}
}

// Map entries expire per user key; a read restarts one user key's TTL.
func TestTTLMap(t *testing.T) {
	clock := newFakeClock()
	b := newTestBackend(clock)
	s := must(GetMapState[VoidNamespace](b, MapStateDescriptor[string, int64]{
		Name: "m", TTL: TTLConfig{TTL: ttl, Update: OnReadAndWrite},
	}))
	setKey(t, b, "a")
	s.Put("x", 1)
	s.Put("y", 2)
	clock.add(ttl / 2)
	s.Get("x")
	s.Put("z", 3)
	clock.add(ttl * 3 / 4)
	if got, want := maps.Collect(s.Entries()), map[string]int64{"x": 1, "z": 3}; !maps.Equal(got, want) {
		t.Fatalf("Entries() = %v, want %v", got, want)
	}
	if s.Contains("y") {
		t.Fatal("an expired user key is contained")
	}
	clock.add(2 * ttl)
	if !s.IsEmpty() {
		t.Fatal("a map of expired entries is not empty")
	}
	if slices.Contains(slices.Collect(Keys(s, VoidNamespace{})), "a") {
		t.Fatal("a map of expired entries is still an entry")
	}
}

// Incremental cleanup removes expired entries of other keys while one key
// is accessed, cleanupSize per access.
func TestTTLIncrementalCleanup(t *testing.T) {
	clock := newFakeClock()
	b := newTestBackend(clock)
	s := must(GetValueState[VoidNamespace](b, ValueStateDescriptor[int64]{Name: "v", TTL: TTLConfig{TTL: ttl}}))
	tab := &s.cells.(*cells[string, VoidNamespace, int64, stamp]).t
	const n = 1000
	for i := range n {
		setKey(t, b, fmt.Sprint("k", i))
		s.Update(int64(i))
	}
	clock.add(2 * ttl)
	setKey(t, b, "live")
	s.Update(1)
	if got := stored(tab); got < n+1-cleanupSize {
		t.Fatalf("one access removed %d entries, more than %d", n+1-got, cleanupSize)
	}
	for i := 1; stored(tab) > 1; i++ {
		if i > 50*n {
			t.Fatalf("%d entries left after %d accesses", stored(tab), i)
		}
		s.Value()
	}
	if v, ok := s.Value(); !ok || v != 1 {
		t.Fatalf("cleanup removed the live entry: %d, %v", v, ok)
	}
}

func TestTTLSnapshotLeavesOutExpired(t *testing.T) {
	clock := newFakeClock()
	b := newTestBackend(clock)
	s := must(GetValueState[VoidNamespace](b, ValueStateDescriptor[int64]{Name: "v", TTL: TTLConfig{TTL: ttl}}))
	tab := &s.cells.(*cells[string, VoidNamespace, int64, stamp]).t
	setKey(t, b, "old")
	s.Update(1)
	clock.add(ttl)
	setKey(t, b, "new")
	s.Update(2)
	old, new := b.keyGroup("old"), b.keyGroup("new")
	var snap bytes.Buffer
	for kg := range testMaxP {
		if err := b.Snapshot(kg, &snap); err != nil {
			t.Fatal(err)
		}
	}
	if n := stored(tab); n != 1 {
		t.Fatalf("%d entries after the snapshot's full cleanup, want 1", n)
	}

	// Restored with their timestamps: "new" expires a TTL after its write.
	r := newTestBackend(clock)
	for kg := range testMaxP {
		if err := r.Restore(kg, &snap); err != nil {
			t.Fatal(err)
		}
	}
	rs := must(GetValueState[VoidNamespace](r, ValueStateDescriptor[int64]{Name: "v", TTL: TTLConfig{TTL: ttl}}))
	setKey(t, r, "old")
	if _, ok := rs.Value(); ok {
		t.Fatalf("an expired entry was snapshotted (key groups %d, %d)", old, new)
	}
	setKey(t, r, "new")
	clock.add(ttl - 1)
	if v, ok := rs.Value(); !ok || v != 2 {
		t.Fatalf("restored value = %d, %v", v, ok)
	}
	clock.add(1)
	if _, ok := rs.Value(); ok {
		t.Fatal("the restored entry did not keep its timestamp")
	}
}
