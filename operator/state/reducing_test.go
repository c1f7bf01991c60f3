package state

import "testing"

func TestReducingState(t *testing.T) {
	w1, w2, w3 := window{0, 10}, window{10, 20}, window{20, 30}
	type rs = ReducingState[string, window, int64]
	tests := []struct {
		name   string
		do     func(b *Backend[string], s *rs)
		want   int64
		wantOK bool
	}{
		{"empty", func(*Backend[string], *rs) {}, 0, false},
		{"add", func(b *Backend[string], s *rs) { s.Add(3); s.Add(4) }, 7, true},
		{"clear", func(b *Backend[string], s *rs) { s.Add(3); s.Clear() }, 0, false},
		{"other namespace", func(b *Backend[string], s *rs) { s.SetNamespace(w2); s.Add(3); s.SetNamespace(w1) }, 0, false},
		{"other key", func(b *Backend[string], s *rs) { at(t, b, s, "b", w1); s.Add(3); at(t, b, s, "a", w1) }, 0, false},
		{"merge", func(b *Backend[string], s *rs) {
			s.Add(1)
			s.SetNamespace(w2)
			s.Add(20)
			s.SetNamespace(w3)
			s.Add(300)
			s.MergeNamespaces(w1, []window{w1, w2, w3, {30, 40}})
			if v, ok := s.Get(); ok {
				t.Errorf("a merged source still holds %d", v)
			}
			s.SetNamespace(w1)
		}, 321, true},
		{"merge into empty", func(b *Backend[string], s *rs) {
			s.SetNamespace(w2)
			s.Add(20)
			s.MergeNamespaces(w1, []window{w2})
			s.SetNamespace(w1)
		}, 20, true},
		{"merge nothing", func(b *Backend[string], s *rs) { s.MergeNamespaces(w1, []window{w2, w3}) }, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newTestBackend(nil)
			s := must(GetReducingState[window](b, ReducingStateDescriptor[int64]{
				Name: "r", Reduce: func(a, b int64) int64 { return a + b },
			}))
			at(t, b, s, "a", w1)
			tt.do(b, s)
			if got, ok := s.Get(); got != tt.want || ok != tt.wantOK {
				t.Fatalf("Get() = %d, %v, want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
