package state

import (
	"slices"
	"testing"
)

func TestListState(t *testing.T) {
	w1, w2, w3 := window{0, 10}, window{10, 20}, window{20, 30}
	type ls = ListState[string, window, int64]
	tests := []struct {
		name string
		do   func(b *Backend[string], s *ls)
		want []int64
	}{
		{"empty", func(*Backend[string], *ls) {}, nil},
		{"add", func(b *Backend[string], s *ls) { s.Add(1); s.Add(2) }, []int64{1, 2}},
		{"add all", func(b *Backend[string], s *ls) { s.Add(1); s.AddAll([]int64{2, 3}) }, []int64{1, 2, 3}},
		{"add none", func(b *Backend[string], s *ls) { s.AddAll(nil) }, nil},
		{"update", func(b *Backend[string], s *ls) { s.Add(1); s.Update([]int64{4, 5}) }, []int64{4, 5}},
		{"update empty clears", func(b *Backend[string], s *ls) { s.Add(1); s.Update(nil) }, nil},
		{"clear", func(b *Backend[string], s *ls) { s.Add(1); s.Clear() }, nil},
		{"update copies", func(b *Backend[string], s *ls) {
			vs := []int64{1, 2}
			s.Update(vs)
			vs[0] = 9
		}, []int64{1, 2}},
		{"other namespace", func(b *Backend[string], s *ls) { s.SetNamespace(w2); s.Add(1); s.SetNamespace(w1) }, nil},
		{"other key", func(b *Backend[string], s *ls) { at(t, b, s, "b", w1); s.Add(1); at(t, b, s, "a", w1) }, nil},
		{"merge", func(b *Backend[string], s *ls) {
			s.Add(1)
			s.SetNamespace(w2)
			s.Add(2)
			s.SetNamespace(w3)
			s.Add(3)
			s.MergeNamespaces(w1, []window{w2, w1, w3, {30, 40}})
			if got := slices.Collect(s.Get()); got != nil {
				t.Errorf("a merged source still holds %v", got)
			}
			s.SetNamespace(w1)
		}, []int64{1, 2, 3}},
		{"merge into empty", func(b *Backend[string], s *ls) {
			s.SetNamespace(w2)
			s.Add(2)
			s.MergeNamespaces(w1, []window{w2})
			s.SetNamespace(w1)
		}, []int64{2}},
		{"add while ranging", func(b *Backend[string], s *ls) {
			s.Update([]int64{1, 2})
			var seen []int64
			for v := range s.Get() {
				seen = append(seen, v)
				s.Add(v * 10)
			}
			if !slices.Equal(seen, []int64{1, 2}) {
				t.Errorf("the range saw %v", seen)
			}
		}, []int64{1, 2, 10, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newTestBackend(nil)
			s := must(GetListState[window](b, ListStateDescriptor[int64]{Name: "l"}))
			at(t, b, s, "a", w1)
			tt.do(b, s)
			if got := slices.Collect(s.Get()); !slices.Equal(got, tt.want) {
				t.Fatalf("Get() = %v, want %v", got, tt.want)
			}
			if len(tt.want) == 0 && slices.Contains(slices.Collect(Keys(s, w1)), "a") {
				t.Fatal("an empty list is an entry")
			}
		})
	}
}
