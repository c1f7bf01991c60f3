package stream

import (
	"fmt"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
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
// a key is its own result) and emits the new result. The results live in
// keyed state, per key group, as Flink's StreamGroupedReduceOperator
// keeps them.
func Reduce[T any, K comparable](ks *KeyedStream[T, K], fn func(T, T) T) *DataStream[T] {
	problem := nilFunc(fn == nil)
	if ks.key == nil {
		problem = "nil key selector"
	}
	key := ks.key
	return oneInput(ks.stream, "Keyed Reduce", problem, func(env *opEnv, out operator.Collector[T]) (operator.Collector[T], operator.Lifecycle) {
		op := &reduceOp[T, K]{keyed: &keyedProcessOp[K]{ctx: env.ctx, run: env.run}, key: key, fn: fn, out: out}
		return op, op
	})
}

type reduceOp[T any, K comparable] struct {
	keyed *keyedProcessOp[K]
	key   func(T) K
	fn    func(T, T) T
	out   operator.Collector[T]
	state *state.ValueState[K, state.VoidNamespace, T]
}

func (r *reduceOp[T, K]) Open(*operator.Context) error {
	r.keyed.openState()
	if err := r.keyed.restoreKeyed(nil); err != nil {
		return err
	}
	var err error
	r.state, err = state.GetValueState[state.VoidNamespace](r.keyed.backend, state.ValueStateDescriptor[T]{Name: "reduce"})
	return err
}

func (r *reduceOp[T, K]) RestoreState(s operator.Restored) error { return r.keyed.RestoreState(s) }

func (r *reduceOp[T, K]) SnapshotState(int64) (operator.Snapshot, error) {
	return r.keyed.snapshotKeyed(nil)
}

func (r *reduceOp[T, K]) Collect(v T) {
	run := r.keyed.run
	if run.err != nil {
		return
	}
	if err := r.keyed.backend.SetCurrentKey(r.key(v)); err != nil {
		run.fail(fmt.Errorf("%s: %w", r.keyed.ctx, err))
		return
	}
	if acc, ok := r.state.Value(); ok {
		v = r.fn(acc, v)
	}
	r.state.Update(v)
	r.out.Collect(v)
}

func (r *reduceOp[T, K]) EndInput() error { return nil }
func (r *reduceOp[T, K]) Close() error    { return nil }
