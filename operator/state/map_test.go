package state

import (
	"maps"
	"slices"
	"testing"
)

func TestMapState(t *testing.T) {
	w1, w2 := window{0, 10}, window{10, 20}
	type ms = MapState[string, window, string, int64]
	tests := []struct {
		name string
		do   func(b *Backend[string], s *ms)
		want map[string]int64
	}{
		{"empty", func(*Backend[string], *ms) {}, map[string]int64{}},
		{"put", func(b *Backend[string], s *ms) { s.Put("x", 1); s.Put("y", 2) }, map[string]int64{"x": 1, "y": 2}},
		{"put over", func(b *Backend[string], s *ms) { s.Put("x", 1); s.Put("x", 2) }, map[string]int64{"x": 2}},
		{"put all", func(b *Backend[string], s *ms) {
			s.Put("x", 1)
			s.PutAll(map[string]int64{"x": 3, "z": 4})
		}, map[string]int64{"x": 3, "z": 4}},
		{"remove", func(b *Backend[string], s *ms) { s.Put("x", 1); s.Put("y", 2); s.Remove("x"); s.Remove("q") }, map[string]int64{"y": 2}},
		{"remove last", func(b *Backend[string], s *ms) { s.Put("x", 1); s.Remove("x") }, map[string]int64{}},
		{"clear", func(b *Backend[string], s *ms) { s.Put("x", 1); s.Clear() }, map[string]int64{}},
		{"other namespace", func(b *Backend[string], s *ms) { s.SetNamespace(w2); s.Put("x", 1); s.SetNamespace(w1) }, map[string]int64{}},
		{"other key", func(b *Backend[string], s *ms) { at(t, b, s, "b", w1); s.Put("x", 1); at(t, b, s, "a", w1) }, map[string]int64{}},
		{"remove while ranging", func(b *Backend[string], s *ms) {
			s.PutAll(map[string]int64{"x": 1, "y": 2, "z": 3})
			for uk, uv := range s.Entries() {
				if uv%2 == 1 {
					s.Remove(uk)
				}
			}
		}, map[string]int64{"y": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newTestBackend(nil)
			s := must(GetMapState[window](b, MapStateDescriptor[string, int64]{Name: "m"}))
			at(t, b, s, "a", w1)
			tt.do(b, s)
			if got := maps.Collect(s.Entries()); !maps.Equal(got, tt.want) {
				t.Fatalf("Entries() = %v, want %v", got, tt.want)
			}
			if s.IsEmpty() != (len(tt.want) == 0) {
				t.Fatalf("IsEmpty() = %v with %v", s.IsEmpty(), tt.want)
			}
			keys, values := slices.Sorted(s.Keys()), slices.Sorted(s.Values())
			if !slices.Equal(keys, slices.Sorted(maps.Keys(tt.want))) || !slices.Equal(values, slices.Sorted(maps.Values(tt.want))) {
				t.Fatalf("Keys() = %v, Values() = %v, want %v", keys, values, tt.want)
			}
			for uk, uv := range tt.want {
				if got, ok := s.Get(uk); !ok || got != uv || !s.Contains(uk) {
					t.Fatalf("Get(%q) = %d, %v, want %d", uk, got, ok, uv)
				}
			}
			if _, ok := s.Get("absent"); ok || s.Contains("absent") {
				t.Fatal("Get of an absent user key found it")
			}
			if len(tt.want) == 0 && slices.Contains(slices.Collect(Keys(s, w1)), "a") {
				t.Fatal("an empty map is an entry")
			}
		})
	}
}
