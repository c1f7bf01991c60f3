package state

import (
	"errors"
	"iter"
)

// AggregateFunction aggregates values of type IN into an accumulator ACC
// and turns it into a result OUT, as Flink's AggregateFunction. Merge
// combines two accumulators, for merging windows.
type AggregateFunction[IN, ACC, OUT any] interface {
	CreateAccumulator() ACC
	Add(v IN, acc ACC) ACC
	GetResult(acc ACC) OUT
	Merge(a, b ACC) ACC
}

// AggregatingStateDescriptor describes a state that aggregates the values
// added to it with Agg, as Flink's AggregatingStateDescriptor.
type AggregatingStateDescriptor[IN, ACC, OUT any] struct {
	Name string
	Agg  AggregateFunction[IN, ACC, OUT]
	TTL  TTLConfig
}

// AggregatingState keeps an accumulator per key and namespace, as Flink's
// AggregatingState; only the accumulator is stored and snapshotted.
type AggregatingState[K, N comparable, IN, ACC, OUT any] struct {
	cells cellStore[K, N, ACC]
	ns    N
	agg   AggregateFunction[IN, ACC, OUT]
}

// GetAggregatingState returns b's aggregating state d.Name, registering it
// on first use.
func GetAggregatingState[N, K comparable, IN, ACC, OUT any](b *Backend[K], d AggregatingStateDescriptor[IN, ACC, OUT]) (*AggregatingState[K, N, IN, ACC, OUT], error) {
	if d.Agg == nil {
		return nil, errors.New("state: aggregating state " + d.Name + " without an aggregate function")
	}
	return register(b, d.Name, kindAggregating, d.TTL, func() (*AggregatingState[K, N, IN, ACC, OUT], kvState) {
		c := newCellStore[K, N, ACC](b, d.TTL)
		return &AggregatingState[K, N, IN, ACC, OUT]{cells: c, agg: d.Agg}, c
	})
}

func (s *AggregatingState[K, N, IN, ACC, OUT]) SetNamespace(n N) { s.ns = n }

// Get returns the result of the accumulator, false if nothing was added.
func (s *AggregatingState[K, N, IN, ACC, OUT]) Get() (OUT, bool) {
	acc, ok := s.cells.get(s.ns)
	if !ok {
		var zero OUT
		return zero, false
	}
	return s.agg.GetResult(acc), true
}

// Add adds v to the accumulator, creating it first if there is none.
func (s *AggregatingState[K, N, IN, ACC, OUT]) Add(v IN) {
	acc, ok := s.cells.get(s.ns)
	if !ok {
		acc = s.agg.CreateAccumulator()
	}
	s.cells.set(s.ns, s.agg.Add(v, acc))
}

func (s *AggregatingState[K, N, IN, ACC, OUT]) Clear() { s.cells.remove(s.ns) }

// MergeNamespaces merges the accumulators of sources into target's.
func (s *AggregatingState[K, N, IN, ACC, OUT]) MergeNamespaces(target N, sources []N) {
	s.cells.merge(target, sources, s.agg.Merge)
}

func (s *AggregatingState[K, N, IN, ACC, OUT]) keys(ns N) iter.Seq[K] { return s.cells.keys(ns) }
