package stream

import (
	"iter"
	"slices"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/operator/window"
)

// JoinedStreams are two streams to be joined or co-grouped window by
// window on equal keys (Flink's first.join(second).where(key1).equalTo(key2)).
type JoinedStreams[T1, T2 any, K comparable] struct {
	first  *DataStream[T1]
	second *DataStream[T2]
	key1   func(T1) K
	key2   func(T2) K
}

// Join pairs first and second on key1 of the one equal to key2 of the
// other; Window then says which windows the pairs are made in.
func Join[T1, T2 any, K comparable](first *DataStream[T1], second *DataStream[T2], key1 func(T1) K, key2 func(T2) K) *JoinedStreams[T1, T2, K] {
	return &JoinedStreams[T1, T2, K]{first: first, second: second, key1: key1, key2: key2}
}

// Window cuts both streams into the windows of assigner.
func (j *JoinedStreams[T1, T2, K]) Window(assigner window.Assigner) *WindowedJoin[T1, T2, K] {
	return &WindowedJoin[T1, T2, K]{join: j, assigner: assigner}
}

// WindowedJoin is a window join waiting for its function (WindowJoin or
// WindowCoGroup).
type WindowedJoin[T1, T2 any, K comparable] struct {
	join     *JoinedStreams[T1, T2, K]
	assigner window.Assigner
	lateness time.Duration
}

// AllowedLateness keeps a window's elements for d past its end, as
// WindowedStream.AllowedLateness: a late element fires the window again.
func (w *WindowedJoin[T1, T2, K]) AllowedLateness(d time.Duration) *WindowedJoin[T1, T2, K] {
	w.lateness = d
	return w
}

// CoGroupFunction gets the elements of both streams that share a key and
// a window, either side possibly empty (Flink's CoGroupFunction).
type CoGroupFunction[T1, T2, U any] func(first iter.Seq[T1], second iter.Seq[T2], out operator.Collector[U]) error

// WindowJoin emits fn(a, b) for every pair of elements a of the first
// stream and b of the second with equal keys in the same window, when the
// window fires (Flink's JoinedStreams.apply with a JoinFunction): an inner
// join, stamped with the window's last timestamp.
func WindowJoin[T1, T2 any, K comparable, U any](w *WindowedJoin[T1, T2, K], fn func(T1, T2) U) *DataStream[U] {
	var cross CoGroupFunction[T1, T2, U]
	if fn != nil {
		cross = func(first iter.Seq[T1], second iter.Seq[T2], out operator.Collector[U]) error {
			for a := range first {
				for b := range second {
					out.Collect(fn(a, b))
				}
			}
			return nil
		}
	}
	return coGroup(w, "Window(Join)", cross)
}

// WindowCoGroup gives fn, for each key and window, the elements of both
// streams (Flink's CoGroupedStreams.apply), when the window fires.
func WindowCoGroup[T1, T2 any, K comparable, U any](w *WindowedJoin[T1, T2, K], fn CoGroupFunction[T1, T2, U]) *DataStream[U] {
	return coGroup(w, "Window(CoGroup)", fn)
}

// taggedUnion carries an element of either stream through one keyed
// window operator, as Flink's coGroup does: both streams are mapped into
// it and united.
type taggedUnion[T1, T2 any] struct {
	One    T1
	Two    T2
	Second bool
}

// coGroup unites the two streams as tagged unions, keys and windows them,
// and splits each fired window's elements back into the two sides.
func coGroup[T1, T2 any, K comparable, U any](w *WindowedJoin[T1, T2, K], name string, fn CoGroupFunction[T1, T2, U]) *DataStream[U] {
	j := w.join
	ones := Map(j.first, func(v T1) taggedUnion[T1, T2] { return taggedUnion[T1, T2]{One: v} })
	twos := Map(j.second, func(v T2) taggedUnion[T1, T2] { return taggedUnion[T1, T2]{Two: v, Second: true} })
	var key func(taggedUnion[T1, T2]) K
	if j.key1 != nil && j.key2 != nil {
		key = func(u taggedUnion[T1, T2]) K {
			if u.Second {
				return j.key2(u.Two)
			}
			return j.key1(u.One)
		}
	}
	windowed := Window(KeyBy(Union(ones, twos), key), w.assigner).AllowedLateness(w.lateness)
	// The sides are copied out once: a join walks the second side once per
	// element of the first.
	split := func(_ K, _ window.TimeWindow, elements iter.Seq[taggedUnion[T1, T2]], out operator.Collector[U]) error {
		var first []T1
		var second []T2
		for u := range elements {
			if u.Second {
				second = append(second, u.Two)
			} else {
				first = append(first, u.One)
			}
		}
		return fn(slices.Values(first), slices.Values(second), out)
	}
	return windowOp(windowed, name, fn == nil, func(b *state.Backend[K], _ bool) (windowContents[K, taggedUnion[T1, T2], U], error) {
		return listContents(b, split)
	})
}
