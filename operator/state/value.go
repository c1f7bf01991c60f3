package state

import "iter"

// ValueStateDescriptor describes a state of one value per key and
// namespace, as Flink's ValueStateDescriptor.
type ValueStateDescriptor[V any] struct {
	Name string
	// Default is what Value returns for a key without a value (Flink's
	// deprecated default value); the zero V unless set.
	Default V
	TTL     TTLConfig
}

// ValueState holds one value per key and namespace, as Flink's
// ValueState.
type ValueState[K, N comparable, V any] struct {
	cells cellStore[K, N, V]
	ns    N
	def   V
}

// GetValueState returns b's value state d.Name, registering it on first
// use. The namespace type comes first so that it is the only type
// argument to spell out: GetValueState[VoidNamespace](b, d).
func GetValueState[N, K comparable, V any](b *Backend[K], d ValueStateDescriptor[V]) (*ValueState[K, N, V], error) {
	return register(b, d.Name, kindValue, d.TTL, func() (*ValueState[K, N, V], kvState) {
		c := newCellStore[K, N, V](b, d.TTL)
		return &ValueState[K, N, V]{cells: c, def: d.Default}, c
	})
}

func (s *ValueState[K, N, V]) SetNamespace(n N) { s.ns = n }

// Value returns the current key's value, or the descriptor's default and
// false if it has none.
func (s *ValueState[K, N, V]) Value() (V, bool) {
	if v, ok := s.cells.get(s.ns); ok {
		return v, true
	}
	return s.def, false
}

func (s *ValueState[K, N, V]) Update(v V) { s.cells.set(s.ns, v) }

func (s *ValueState[K, N, V]) Clear() { s.cells.remove(s.ns) }

func (s *ValueState[K, N, V]) keys(ns N) iter.Seq[K] { return s.cells.keys(ns) }
