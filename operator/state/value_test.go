package state

import "testing"

func TestValueState(t *testing.T) {
	w1, w2 := window{0, 10}, window{10, 20}
	type vs = ValueState[string, window, int64]
	tests := []struct {
		name   string
		do     func(b *Backend[string], s *vs)
		key    string
		ns     window
		want   int64
		wantOK bool
	}{
		{"absent is the default", func(*Backend[string], *vs) {}, "a", w1, -1, false},
		{"update", func(b *Backend[string], s *vs) { at(t, b, s, "a", w1); s.Update(5) }, "a", w1, 5, true},
		{"update twice", func(b *Backend[string], s *vs) {
			at(t, b, s, "a", w1)
			s.Update(5)
			s.Update(6)
		}, "a", w1, 6, true},
		{"clear", func(b *Backend[string], s *vs) { at(t, b, s, "a", w1); s.Update(5); s.Clear() }, "a", w1, -1, false},
		{"other key", func(b *Backend[string], s *vs) { at(t, b, s, "b", w1); s.Update(5) }, "a", w1, -1, false},
		{"other namespace", func(b *Backend[string], s *vs) { at(t, b, s, "a", w2); s.Update(5) }, "a", w1, -1, false},
		{"clear in another namespace", func(b *Backend[string], s *vs) {
			at(t, b, s, "a", w1)
			s.Update(5)
			s.SetNamespace(w2)
			s.Clear()
		}, "a", w1, 5, true},
		{"zero value is a value", func(b *Backend[string], s *vs) { at(t, b, s, "a", w1); s.Update(0) }, "a", w1, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newTestBackend(nil)
			s := must(GetValueState[window](b, ValueStateDescriptor[int64]{Name: "v", Default: -1}))
			tt.do(b, s)
			at(t, b, s, tt.key, tt.ns)
			if got, ok := s.Value(); got != tt.want || ok != tt.wantOK {
				t.Fatalf("Value() = %d, %v, want %d, %v", got, ok, tt.want, tt.wantOK)
			}
			if b.Err() != nil {
				t.Fatal(b.Err())
			}
		})
	}
}

// at sets the backend's current key and the handle's namespace.
func at[N comparable](t testing.TB, b *Backend[string], s interface{ SetNamespace(N) }, key string, ns N) {
	t.Helper()
	setKey(t, b, key)
	s.SetNamespace(ns)
}
