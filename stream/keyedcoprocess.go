package stream

import (
	"github.com/runnel/runnel/operator"
)

// KeyedCoProcessFunction is Flink's KeyedCoProcessFunction: two inputs
// keyed by the same key type, so that one key's records of both reach the
// same subtask, with the keyed state and timers of KeyedProcessFunction
// shared by both. It may also implement Open, OnTimer, EndInput and Close
// as a KeyedProcessFunction does.
type KeyedCoProcessFunction[K comparable, T1, T2, U any] interface {
	ProcessElement1(value T1, ctx *KeyedContext[K], out operator.Collector[U]) error
	ProcessElement2(value T2, ctx *KeyedContext[K], out operator.Collector[U]) error
}

// KeyedCoProcess adds a "KeyedCo-Process" vertex running fn over two
// keyed streams (Flink's connect(...).keyBy(...).process(...)). Both
// inputs are partitioned by their key's KeyHash, so equal keys of the two
// meet in one subtask and one key group.
func KeyedCoProcess[T1, T2 any, K comparable, U any](first *KeyedStream[T1, K], second *KeyedStream[T2, K], fn KeyedCoProcessFunction[K, T1, T2, U]) *DataStream[U] {
	problem := nilFunc(fn == nil)
	if first.key == nil || second.key == nil {
		problem = "nil key selector"
	}
	key1, key2 := first.key, second.key
	return twoInput(first.stream, second.stream, "KeyedCo-Process", problem,
		func(env *opEnv, out operator.Collector[U]) (operator.Collector[T1], operator.Collector[T2], operator.Lifecycle) {
			f := newKeyedFunc[K](env, fn, out)
			in1 := keyedInput[K, T1, U]{f: f, key: key1, process: func(v T1) error { return fn.ProcessElement1(v, &f.kc, out) }}
			in2 := keyedInput[K, T2, U]{f: f, key: key2, process: func(v T2) error { return fn.ProcessElement2(v, &f.kc, out) }}
			return in1, in2, f
		})
}

// keyedInput is one input of a keyed two-input operator.
type keyedInput[K comparable, T, U any] struct {
	f       *keyedFunc[K, U]
	key     func(T) K
	process func(T) error
}

func (in keyedInput[K, T, U]) Collect(v T) {
	if in.f.setKey(in.key(v)) {
		in.f.check(in.process(v))
	}
}
