package state

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestNamespacesComeAndGo runs random writes, reads and clears over a few
// keys and windows against a plain map, so that namespaces go from one
// entry to many and back to none, and their maps are reused by others.
func TestNamespacesComeAndGo(t *testing.T) {
	b := newTestBackend(nil)
	v := must(GetValueState[window](b, ValueStateDescriptor[int64]{Name: "v"}))
	type at struct {
		key string
		w   window
	}
	want := map[at]int64{}
	rng := rand.New(rand.NewPCG(3, 4))
	for step := range 20_000 {
		a := at{key: fmt.Sprint("k", rng.IntN(200)), w: window{0, int64(rng.IntN(6))}}
		setKey(t, b, a.key)
		v.SetNamespace(a.w)
		switch p := rng.IntN(10); {
		case p < 5:
			v.Update(int64(step))
			want[a] = int64(step)
		case p < 8:
			v.Clear()
			delete(want, a)
		default:
			got, ok := v.Value()
			if w, wok := want[a]; ok != wok || got != w {
				t.Fatalf("step %d: %v = %d, %v; want %d, %v", step, a, got, ok, w, wok)
			}
		}
	}
	for end := range int64(6) {
		w := window{0, end}
		var keys []string
		for a := range want {
			if a.w == w {
				keys = append(keys, a.key)
			}
		}
		got := slices.Collect(Keys(v, w))
		slices.Sort(got)
		slices.Sort(keys)
		if !slices.Equal(got, keys) {
			t.Fatalf("Keys(%v) = %v, want %v", w, got, keys)
		}
	}
	if n := stored(&v.cells.(*cells[string, window, int64, noStamp]).t); n != len(want) {
		t.Fatalf("%d entries stored, want %d", n, len(want))
	}
}

// Clearing a window while ranging over its keys, and filling the next
// window meanwhile, as a window operator firing by Keys would: a map the
// clearing drops must not come back, holding the next window's keys,
// into the range.
func TestKeysWhileTheNextWindowFills(t *testing.T) {
	b := newTestBackend(nil)
	v := must(GetValueState[window](b, ValueStateDescriptor[int64]{Name: "v"}))
	w1, w2, w3 := window{0, 10}, window{10, 20}, window{20, 30}
	for i := range 300 {
		setKey(t, b, fmt.Sprint("a", i))
		v.SetNamespace(w1)
		v.Update(1)
		v.SetNamespace(w2) // a window whose maps are dropped first
		v.Update(2)
	}
	for i := range 300 {
		setKey(t, b, fmt.Sprint("a", i))
		v.SetNamespace(w2)
		v.Clear()
	}
	seen := map[string]bool{}
	i := 0
	for k := range Keys(v, w1) {
		if seen[k] {
			t.Fatalf("key %q twice", k)
		}
		seen[k] = true
		setKey(t, b, k)
		v.SetNamespace(w1)
		v.Clear()
		for range 3 {
			setKey(t, b, fmt.Sprint("b", i))
			i++
			v.SetNamespace(w3)
			v.Update(3)
		}
	}
	want := map[string]bool{}
	for i := range 300 {
		want[fmt.Sprint("a", i)] = true
	}
	if !maps.Equal(seen, want) {
		t.Fatalf("Keys(w1) saw %d keys, want the 300 of w1", len(seen))
	}
	if n := len(slices.Collect(Keys(v, w3))); n != i {
		t.Fatalf("%d keys in w3, want %d", n, i)
	}
}
