package stream

import (
	"iter"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/operator/window"
)

// WindowedStream is a keyed stream cut into windows, as Flink's: an
// assigner, allowed lateness and where late records go, until a window
// function (WindowReduce, WindowProcess) makes it a DataStream.
type WindowedStream[T any, K comparable] struct {
	keyed    *KeyedStream[T, K]
	assigner window.Assigner
	trigger  window.Trigger[window.TimeWindow] // nil: the assigner's default
	lateness time.Duration
	lateTag  string
}

// Window cuts a keyed stream into the windows of assigner: tumbling,
// sliding or session (which merge), in event or processing time.
func Window[T any, K comparable](ks *KeyedStream[T, K], assigner window.Assigner) *WindowedStream[T, K] {
	return &WindowedStream[T, K]{keyed: ks, assigner: assigner}
}

// CountWindow cuts a keyed stream into windows of size elements per key:
// the global window with a purging count trigger, as Flink's
// KeyedStream.countWindow. A key's last, partial window never fires.
func CountWindow[T any, K comparable](ks *KeyedStream[T, K], size int64) *WindowedStream[T, K] {
	return Window(ks, window.GlobalWindows{}).Trigger(window.PurgingTrigger[window.TimeWindow]{
		Nested: window.CountTrigger[window.TimeWindow]{MaxCount: size},
	})
}

// Trigger replaces the assigner's default trigger, as Flink's
// WindowedStream.trigger. With session windows the trigger's OnMerge must
// set up the merged window's timers.
func (w *WindowedStream[T, K]) Trigger(t window.Trigger[window.TimeWindow]) *WindowedStream[T, K] {
	w.trigger = t
	return w
}

// AllowedLateness keeps an event-time window's state for d past its end:
// elements arriving in that time still join it and fire it again.
func (w *WindowedStream[T, K]) AllowedLateness(d time.Duration) *WindowedStream[T, K] {
	w.lateness = d
	return w
}

// SideOutputLateData sends elements that are too late for all their
// windows to the side output tag instead of dropping them.
func (w *WindowedStream[T, K]) SideOutputLateData(tag OutputTag[T]) *WindowedStream[T, K] {
	w.lateTag = tag.ID
	return w
}

// WindowReduce reduces each window's elements incrementally with fn and
// emits the result when the window fires, stamped with the window's last
// timestamp.
func WindowReduce[T any, K comparable](w *WindowedStream[T, K], fn func(a, b T) T) *DataStream[T] {
	return windowOp(w, "Window(Reduce)", fn == nil, func(b *state.Backend[K], merging bool) (windowContents[K, T, T], error) {
		c, result, err := reduceContents[K, T, T](b, fn, merging)
		return emitResult(c, result), err
	})
}

// WindowReduceProcess reduces each window's elements incrementally with
// reduce and, when the window fires, gives the one result to fn with the
// window and key (Flink's reduce with a ProcessWindowFunction).
func WindowReduceProcess[T any, K comparable, U any](w *WindowedStream[T, K], reduce func(a, b T) T, fn ProcessWindowFunction[K, T, U]) *DataStream[U] {
	return windowOp(w, "Window(Reduce, Process)", reduce == nil || fn == nil, func(b *state.Backend[K], merging bool) (windowContents[K, T, U], error) {
		c, result, err := reduceContents[K, T, U](b, reduce, merging)
		return processResult(c, result, fn), err
	})
}

// WindowAggregate aggregates each window's elements incrementally with
// agg, keeping only its accumulator, and emits agg's result when the
// window fires (Flink's WindowedStream.aggregate). Merging (session)
// windows merge accumulators with agg.Merge.
func WindowAggregate[T any, K comparable, ACC, R any](w *WindowedStream[T, K], agg state.AggregateFunction[T, ACC, R]) *DataStream[R] {
	return windowOp(w, "Window(Aggregate)", agg == nil, func(b *state.Backend[K], merging bool) (windowContents[K, T, R], error) {
		c, result, err := aggregateContents[K, T, ACC, R, R](b, agg, merging)
		return emitResult(c, result), err
	})
}

// WindowAggregateProcess aggregates as WindowAggregate and, when the
// window fires, gives agg's result to fn with the window and key (Flink's
// aggregate with a ProcessWindowFunction).
func WindowAggregateProcess[T any, K comparable, ACC, R, U any](w *WindowedStream[T, K], agg state.AggregateFunction[T, ACC, R], fn ProcessWindowFunction[K, R, U]) *DataStream[U] {
	return windowOp(w, "Window(Aggregate, Process)", agg == nil || fn == nil, func(b *state.Backend[K], merging bool) (windowContents[K, T, U], error) {
		c, result, err := aggregateContents[K, T, ACC, R, U](b, agg, merging)
		return processResult(c, result, fn), err
	})
}

// emitResult makes an incremental window function's contents emit the
// window's result as it is.
func emitResult[K comparable, T, R any](c windowContents[K, T, R], result func() (R, bool)) windowContents[K, T, R] {
	c.emit = func(_ K, _ window.TimeWindow, out operator.Collector[R]) error {
		if r, ok := result(); ok {
			out.Collect(r)
		}
		return nil
	}
	return c
}

// processResult makes an incremental window function's contents hand the
// window's result to fn, as the one element of the window.
func processResult[K comparable, T, R, U any](c windowContents[K, T, U], result func() (R, bool), fn ProcessWindowFunction[K, R, U]) windowContents[K, T, U] {
	c.emit = func(key K, w window.TimeWindow, out operator.Collector[U]) error {
		r, ok := result()
		if !ok {
			return nil
		}
		return fn(key, w, func(yield func(R) bool) { yield(r) }, out)
	}
	return c
}

// reduceContents keeps a window's reduction: in a ValueState for windows
// that never merge (one lookup and one write per element, and it tells
// whether the element is the window's first), in a ReducingState, which
// merges, for session windows. The result is the reduction so far.
func reduceContents[K comparable, T, U any](b *state.Backend[K], fn func(a, b T) T, merging bool) (windowContents[K, T, U], func() (T, bool), error) {
	if !merging {
		s, err := state.GetValueState[window.TimeWindow](b, state.ValueStateDescriptor[T]{Name: "window-contents"})
		if err != nil {
			return windowContents[K, T, U]{}, nil, err
		}
		return windowContents[K, T, U]{
			ns: s.SetNamespace,
			add: func(v T) bool {
				acc, had := s.Value()
				if had {
					v = fn(acc, v)
				}
				s.Update(v)
				return !had
			},
			clear: s.Clear,
		}, s.Value, nil
	}
	s, err := state.GetReducingState[window.TimeWindow](b, state.ReducingStateDescriptor[T]{Name: "window-contents", Reduce: fn})
	if err != nil {
		return windowContents[K, T, U]{}, nil, err
	}
	c, result := mergingContents[K, T, T, U](s)
	return c, result, nil
}

// aggregateContents keeps a window's accumulator, as reduceContents keeps
// a reduction; the result is agg's result of the accumulator so far.
func aggregateContents[K comparable, T, ACC, R, U any](b *state.Backend[K], agg state.AggregateFunction[T, ACC, R], merging bool) (windowContents[K, T, U], func() (R, bool), error) {
	if !merging {
		s, err := state.GetValueState[window.TimeWindow](b, state.ValueStateDescriptor[ACC]{Name: "window-contents"})
		if err != nil {
			return windowContents[K, T, U]{}, nil, err
		}
		return windowContents[K, T, U]{
				ns: s.SetNamespace,
				add: func(v T) bool {
					acc, had := s.Value()
					if !had {
						acc = agg.CreateAccumulator()
					}
					s.Update(agg.Add(v, acc))
					return !had
				},
				clear: s.Clear,
			}, func() (R, bool) {
				acc, ok := s.Value()
				if !ok {
					var zero R
					return zero, false
				}
				return agg.GetResult(acc), true
			}, nil
	}
	s, err := state.GetAggregatingState[window.TimeWindow](b, state.AggregatingStateDescriptor[T, ACC, R]{Name: "window-contents", Agg: agg})
	if err != nil {
		return windowContents[K, T, U]{}, nil, err
	}
	c, result := mergingContents[K, T, R, U](s)
	return c, result, nil
}

// mergingState is what reducing and aggregating state offer windows that
// merge: contents that fold in each element and merge with other windows'.
type mergingState[T, R any] interface {
	SetNamespace(w window.TimeWindow)
	Get() (R, bool)
	Add(v T)
	Clear()
	MergeNamespaces(target window.TimeWindow, sources []window.TimeWindow)
}

// mergingContents keeps a merging window's contents in s; the result is
// s's value so far.
func mergingContents[K comparable, T, R, U any](s mergingState[T, R]) (windowContents[K, T, U], func() (R, bool)) {
	return windowContents[K, T, U]{
		ns: s.SetNamespace,
		add: func(v T) bool {
			_, had := s.Get()
			s.Add(v)
			return !had
		},
		clear: s.Clear,
		merge: s.MergeNamespaces,
	}, s.Get
}

// ProcessWindowFunction is Flink's ProcessWindowFunction: it sees all the
// elements of a key's window at once, with the window.
type ProcessWindowFunction[K comparable, T, U any] func(key K, w window.TimeWindow, elements iter.Seq[T], out operator.Collector[U]) error

// WindowProcess keeps each window's elements and runs fn over them when
// the window fires.
func WindowProcess[T any, K comparable, U any](w *WindowedStream[T, K], fn ProcessWindowFunction[K, T, U]) *DataStream[U] {
	return windowOp(w, "Window(Process)", fn == nil, func(b *state.Backend[K], _ bool) (windowContents[K, T, U], error) {
		return listContents(b, fn)
	})
}

// listContents keeps a window's elements in a ListState and gives them
// all to fn when the window fires.
func listContents[T any, K comparable, U any](b *state.Backend[K], fn ProcessWindowFunction[K, T, U]) (windowContents[K, T, U], error) {
	s, err := state.GetListState[window.TimeWindow](b, state.ListStateDescriptor[T]{Name: "window-contents"})
	if err != nil {
		return windowContents[K, T, U]{}, err
	}
	return windowContents[K, T, U]{
		ns: s.SetNamespace,
		add: func(v T) bool {
			s.Add(v)
			return true // unknown without a lookup; timers deduplicate
		},
		clear: s.Clear,
		merge: s.MergeNamespaces,
		emit: func(key K, w window.TimeWindow, out operator.Collector[U]) error {
			return fn(key, w, s.Get(), out)
		},
	}, nil
}
