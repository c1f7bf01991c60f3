package state

import "testing"

// avg averages int64s; its accumulator is a struct, encoded with msgpack.
type avg struct{}

type avgAcc struct{ Sum, Count int64 }

func (avg) CreateAccumulator() avgAcc      { return avgAcc{} }
func (avg) Add(v int64, acc avgAcc) avgAcc { return avgAcc{acc.Sum + v, acc.Count + 1} }
func (avg) GetResult(acc avgAcc) float64   { return float64(acc.Sum) / float64(acc.Count) }
func (avg) Merge(a, b avgAcc) avgAcc       { return avgAcc{a.Sum + b.Sum, a.Count + b.Count} }
func avgDescriptor(name string) AggregatingStateDescriptor[int64, avgAcc, float64] {
	return AggregatingStateDescriptor[int64, avgAcc, float64]{Name: name, Agg: avg{}}
}

func TestAggregatingState(t *testing.T) {
	w1, w2, w3 := window{0, 10}, window{10, 20}, window{20, 30}
	type as = AggregatingState[string, window, int64, avgAcc, float64]
	tests := []struct {
		name   string
		do     func(b *Backend[string], s *as)
		want   float64
		wantOK bool
	}{
		{"empty", func(*Backend[string], *as) {}, 0, false},
		{"add", func(b *Backend[string], s *as) { s.Add(3); s.Add(4) }, 3.5, true},
		{"clear", func(b *Backend[string], s *as) { s.Add(3); s.Clear() }, 0, false},
		{"other namespace", func(b *Backend[string], s *as) { s.SetNamespace(w2); s.Add(3); s.SetNamespace(w1) }, 0, false},
		{"other key", func(b *Backend[string], s *as) { at(t, b, s, "b", w1); s.Add(3); at(t, b, s, "a", w1) }, 0, false},
		{"merge", func(b *Backend[string], s *as) {
			s.Add(1)
			s.SetNamespace(w2)
			s.Add(2)
			s.Add(3)
			s.SetNamespace(w3)
			s.Add(6)
			s.MergeNamespaces(w1, []window{w2, w3})
			if v, ok := s.Get(); ok {
				t.Errorf("a merged source still holds %v", v)
			}
			s.SetNamespace(w1)
		}, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newTestBackend(nil)
			s := must(GetAggregatingState[window](b, avgDescriptor("g")))
			at(t, b, s, "a", w1)
			tt.do(b, s)
			if got, ok := s.Get(); got != tt.want || ok != tt.wantOK {
				t.Fatalf("Get() = %v, %v, want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
