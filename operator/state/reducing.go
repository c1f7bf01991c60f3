package state

import (
	"errors"
	"iter"
)

// ReducingStateDescriptor describes a state that folds the values added
// to it into one with Reduce, as Flink's ReducingStateDescriptor.
type ReducingStateDescriptor[V any] struct {
	Name   string
	Reduce func(acc, v V) V
	TTL    TTLConfig
}

// ReducingState keeps the reduction of the values added per key and
// namespace, as Flink's ReducingState: a window's running reduce.
type ReducingState[K, N comparable, V any] struct {
	cells  cellStore[K, N, V]
	ns     N
	reduce func(V, V) V
}

// GetReducingState returns b's reducing state d.Name, registering it on
// first use.
func GetReducingState[N, K comparable, V any](b *Backend[K], d ReducingStateDescriptor[V]) (*ReducingState[K, N, V], error) {
	if d.Reduce == nil {
		return nil, errors.New("state: reducing state " + d.Name + " without a reduce function")
	}
	return register(b, d.Name, kindReducing, d.TTL, func() (*ReducingState[K, N, V], kvState) {
		c := newCellStore[K, N, V](b, d.TTL)
		return &ReducingState[K, N, V]{cells: c, reduce: d.Reduce}, c
	})
}

func (s *ReducingState[K, N, V]) SetNamespace(n N) { s.ns = n }

// Get returns the reduction so far, false if nothing was added.
func (s *ReducingState[K, N, V]) Get() (V, bool) { return s.cells.get(s.ns) }

// Add folds v into the reduction.
func (s *ReducingState[K, N, V]) Add(v V) {
	if acc, ok := s.cells.get(s.ns); ok {
		v = s.reduce(acc, v)
	}
	s.cells.set(s.ns, v)
}

func (s *ReducingState[K, N, V]) Clear() { s.cells.remove(s.ns) }

// MergeNamespaces reduces the reductions of sources into target's.
func (s *ReducingState[K, N, V]) MergeNamespaces(target N, sources []N) {
	s.cells.merge(target, sources, s.reduce)
}

func (s *ReducingState[K, N, V]) keys(ns N) iter.Seq[K] { return s.cells.keys(ns) }
