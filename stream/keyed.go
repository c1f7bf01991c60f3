package stream

import (
	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// KeyedStream is a stream partitioned by key: the next operator's input
// edges use Hash partitioning on the key's KeyHash, so that all records
// of one key reach the same subtask, which owns the key's key group.
type KeyedStream[T any, K comparable] struct {
	stream *DataStream[T]
	key    func(T) K
}

// KeyBy partitions s by the key that key extracts. It adds no vertex.
func KeyBy[T any, K comparable](s *DataStream[T], key func(T) K) *KeyedStream[T, K] {
	ks := &KeyedStream[T, K]{stream: s.partition(jobgraph.Hash), key: key}
	if key == nil {
		return ks // the consuming operator reports it, by name
	}
	h := func(v T) uint64 { return KeyHash(key(v)) }
	for i := range ks.stream.inputs {
		ks.stream.inputs[i].hash = h
	}
	return ks
}

// Reduce adds a "Keyed Reduce" vertex: a rolling reduce that, for every
// record, combines it with its key's running result (the first record of
// a key is its own result) and emits the new result. Each subtask holds
// the results of the keys it owns.
func Reduce[T any, K comparable](ks *KeyedStream[T, K], fn func(T, T) T) *DataStream[T] {
	problem := nilFunc(fn == nil)
	if ks.key == nil {
		problem = "nil key selector"
	}
	key := ks.key
	return oneInput(ks.stream, "Keyed Reduce", problem, func(env *opEnv, out operator.Collector[T]) (operator.Collector[T], operator.Lifecycle) {
		op := &reduceOp[T, K]{key: key, fn: fn, out: out}
		return op, op
	})
}

type reduceOp[T any, K comparable] struct {
	key   func(T) K
	fn    func(T, T) T
	out   operator.Collector[T]
	state map[K]T
}

func (r *reduceOp[T, K]) Open(*operator.Context) error {
	r.state = make(map[K]T)
	return nil
}

// Collect allocates only when the map grows for a new key.
func (r *reduceOp[T, K]) Collect(v T) {
	k := r.key(v)
	if acc, ok := r.state[k]; ok {
		v = r.fn(acc, v)
	}
	r.state[k] = v
	r.out.Collect(v)
}

func (r *reduceOp[T, K]) EndInput() error { return nil }

func (r *reduceOp[T, K]) Close() error {
	r.state = nil
	return nil
}
