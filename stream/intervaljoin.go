package stream

import (
	"fmt"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/operator/timer"
)

// IntervalJoin is two keyed streams about to be joined on time intervals
// (Flink's KeyedStream.IntervalJoin): Between says which interval.
type IntervalJoin[T1, T2 any, K comparable] struct {
	first  *KeyedStream[T1, K]
	second *KeyedStream[T2, K]
}

// IntervalJoinOf starts an interval join of first (the left side) with
// second (the right side), both keyed by the same key type.
func IntervalJoinOf[T1, T2 any, K comparable](first *KeyedStream[T1, K], second *KeyedStream[T2, K]) *IntervalJoin[T1, T2, K] {
	return &IntervalJoin[T1, T2, K]{first: first, second: second}
}

// Between joins a left element of timestamp t with every right element of
// the same key whose timestamp is in [t + lower, t + upper], bounds
// included unless made exclusive. Event time only, as Flink's.
func (j *IntervalJoin[T1, T2, K]) Between(lower, upper time.Duration) *IntervalJoined[T1, T2, K] {
	return &IntervalJoined[T1, T2, K]{join: j, lower: lower.Milliseconds(), upper: upper.Milliseconds()}
}

// IntervalJoined is an interval join with its bounds, waiting for the
// function that gets each pair (IntervalJoinProcess).
type IntervalJoined[T1, T2 any, K comparable] struct {
	join                      *IntervalJoin[T1, T2, K]
	lower, upper              int64 // ms, inclusive after exclusivity is applied
	lowerExcl, upperExcl      bool
	lateLeftTag, lateRightTag string
}

// LowerBoundExclusive leaves t + lower out of the interval.
func (j *IntervalJoined[T1, T2, K]) LowerBoundExclusive() *IntervalJoined[T1, T2, K] {
	j.lowerExcl = true
	return j
}

// UpperBoundExclusive leaves t + upper out of the interval.
func (j *IntervalJoined[T1, T2, K]) UpperBoundExclusive() *IntervalJoined[T1, T2, K] {
	j.upperExcl = true
	return j
}

// SideOutputLeftLateData sends left elements behind the watermark to tag
// instead of dropping them.
func (j *IntervalJoined[T1, T2, K]) SideOutputLeftLateData(tag OutputTag[T1]) *IntervalJoined[T1, T2, K] {
	j.lateLeftTag = tag.ID
	return j
}

// SideOutputRightLateData sends right elements behind the watermark to
// tag instead of dropping them.
func (j *IntervalJoined[T1, T2, K]) SideOutputRightLateData(tag OutputTag[T2]) *IntervalJoined[T1, T2, K] {
	j.lateRightTag = tag.ID
	return j
}

// ProcessJoinFunction gets each joined pair of an interval join (Flink's
// ProcessJoinFunction). What it emits carries the later of the two
// timestamps.
type ProcessJoinFunction[T1, T2, U any] func(left T1, right T2, ctx JoinContext, out operator.Collector[U]) error

// JoinContext tells a ProcessJoinFunction the timestamps of the pair.
type JoinContext struct {
	LeftTimestamp, RightTimestamp int64
}

// Timestamp is the pair's timestamp, the later of the two.
func (c JoinContext) Timestamp() int64 { return max(c.LeftTimestamp, c.RightTimestamp) }

// IntervalJoinProcess adds an "IntervalJoin" vertex: Flink's
// IntervalJoinOperator. Each side keeps its elements in keyed state, by
// timestamp, until the watermark passes the last time a partner could
// come from the other side; an element behind the watermark is late.
func IntervalJoinProcess[T1, T2 any, K comparable, U any](j *IntervalJoined[T1, T2, K], fn ProcessJoinFunction[T1, T2, U]) *DataStream[U] {
	lower, upper := j.lower, j.upper
	if j.lowerExcl {
		lower++
	}
	if j.upperExcl {
		upper--
	}
	first, second := j.join.first, j.join.second
	problem := nilFunc(fn == nil)
	switch {
	case first.key == nil || second.key == nil:
		problem = "nil key selector"
	case lower > upper:
		problem = fmt.Sprintf("interval join bounds [%d ms, %d ms]: the lower bound must not be above the upper", lower, upper)
	}
	key1, key2, lateLeft, lateRight := first.key, second.key, j.lateLeftTag, j.lateRightTag
	return twoInput(first.stream, second.stream, "IntervalJoin", problem,
		func(env *opEnv, out operator.Collector[U]) (operator.Collector[T1], operator.Collector[T2], operator.Lifecycle) {
			op := &intervalJoinOp[K, T1, T2, U]{
				keyed: &keyedProcessOp[K]{ctx: env.ctx, run: env.run, sides: env.sides},
				fn:    fn, out: out, lower: lower, upper: upper,
			}
			op.left = joinSide[K, T1]{op: op.keyed, key: key1, late: sideCollector[T1](env, lateLeft), watermark: op.watermark}
			op.right = joinSide[K, T2]{op: op.keyed, key: key2, late: sideCollector[T2](env, lateRight), watermark: op.watermark}
			left := joinInput[K, T1]{side: &op.left, process: op.processLeft}
			right := joinInput[K, T2]{side: &op.right, process: op.processRight}
			return left, right, op
		})
}

// sideCollector returns the collector of side output tag, or nil when
// there is none or nobody reads it.
func sideCollector[T any](env *opEnv, tag string) operator.Collector[T] {
	if tag == "" || env.sides == nil {
		return nil
	}
	c, _ := env.sides[tag].(operator.Collector[T])
	return c
}

// Which buffer a cleanup timer is for: the namespace of the join's timers.
const (
	leftBuffer  uint8 = 0
	rightBuffer uint8 = 1
)

// joinSide is one input of the join: its key and its buffer, the elements
// of the current key by timestamp.
type joinSide[K comparable, T any] struct {
	op        *keyedProcessOp[K]
	key       func(T) K
	late      operator.Collector[T]
	watermark func() int64
	buffer    *state.MapState[K, state.VoidNamespace, int64, []T]
}

// add keeps v, of timestamp ts, for the current key.
func (s *joinSide[K, T]) add(ts int64, v T) {
	vs, _ := s.buffer.Get(ts)
	s.buffer.Put(ts, append(vs, v))
}

// joinInput sets the key and checks the timestamp of a side's records.
type joinInput[K comparable, T any] struct {
	side    *joinSide[K, T]
	process func(ts int64, v T) error
}

func (in joinInput[K, T]) Collect(v T) {
	op := in.side.op
	run := op.run
	if run.err != nil {
		return
	}
	ts := run.ts
	if ts == operator.NoTimestamp {
		run.fail(fmt.Errorf("%s: record without a timestamp in an interval join (assign timestamps first)", op.ctx))
		return
	}
	if wm := in.side.watermark(); wm != operator.MinWatermark && ts < wm {
		if in.side.late != nil {
			in.side.late.Collect(v)
		} else {
			run.lateDropped++
		}
		return
	}
	if err := op.backend.SetCurrentKey(in.side.key(v)); err != nil {
		run.fail(fmt.Errorf("%s: %w", op.ctx, err))
		return
	}
	if err := in.process(ts, v); err != nil {
		run.fail(fmt.Errorf("%s: %w", op.ctx, err))
	}
}

type intervalJoinOp[K comparable, T1, T2, U any] struct {
	keyed        *keyedProcessOp[K]
	fn           ProcessJoinFunction[T1, T2, U]
	out          operator.Collector[U]
	lower, upper int64 // inclusive, ms
	left         joinSide[K, T1]
	right        joinSide[K, T2]
	timers       *timer.Service[K, uint8]
}

func (o *intervalJoinOp[K, T1, T2, U]) Open(ctx *operator.Context) error {
	groups := o.keyed.openState()
	o.timers = timer.NewService[K, uint8](KeyHash[K], ctx.MaxParallelism, groups)
	if err := o.keyed.restoreKeyed(o.timers); err != nil {
		return err
	}
	var err error
	if o.left.buffer, err = state.GetMapState[state.VoidNamespace](o.keyed.backend, state.MapStateDescriptor[int64, []T1]{Name: "left-buffer"}); err != nil {
		return err
	}
	o.right.buffer, err = state.GetMapState[state.VoidNamespace](o.keyed.backend, state.MapStateDescriptor[int64, []T2]{Name: "right-buffer"})
	return err
}

func (o *intervalJoinOp[K, T1, T2, U]) watermark() int64 { return o.timers.CurrentWatermark() }

// processLeft buffers a left element, joins it with the right elements
// in [ts + lower, ts + upper], and sets the timer that drops it once no
// right element can join it any more.
func (o *intervalJoinOp[K, T1, T2, U]) processLeft(ts int64, v T1) error {
	o.left.add(ts, v)
	for rts, rs := range o.right.buffer.Entries() {
		if rts < ts+o.lower || rts > ts+o.upper {
			continue
		}
		for _, r := range rs {
			if err := o.emit(v, r, ts, rts); err != nil {
				return err
			}
		}
	}
	o.timers.RegisterEventTimeTimer(o.keyed.backend.CurrentKey(), leftBuffer, ts+max(o.upper, 0))
	return nil
}

// processRight is processLeft seen from the right: its partners are the
// left elements in [ts − upper, ts − lower].
func (o *intervalJoinOp[K, T1, T2, U]) processRight(ts int64, v T2) error {
	o.right.add(ts, v)
	for lts, ls := range o.left.buffer.Entries() {
		if lts < ts-o.upper || lts > ts-o.lower {
			continue
		}
		for _, l := range ls {
			if err := o.emit(l, v, lts, ts); err != nil {
				return err
			}
		}
	}
	o.timers.RegisterEventTimeTimer(o.keyed.backend.CurrentKey(), rightBuffer, ts+max(-o.lower, 0))
	return nil
}

func (o *intervalJoinOp[K, T1, T2, U]) emit(l T1, r T2, lts, rts int64) error {
	run := o.keyed.run
	ctx := JoinContext{LeftTimestamp: lts, RightTimestamp: rts}
	saved := run.ts
	run.ts = ctx.Timestamp()
	err := o.fn(l, r, ctx, o.out)
	run.ts = saved
	return err
}

// cleanup drops the buffered elements a timer was set for: the timer's
// time undoes the offset processLeft or processRight added.
func (o *intervalJoinOp[K, T1, T2, U]) cleanup(t timer.Timer[K, uint8]) error {
	if err := o.keyed.backend.SetCurrentKey(t.Key); err != nil {
		return err
	}
	if t.Namespace == leftBuffer {
		o.left.buffer.Remove(t.Time - max(o.upper, 0))
	} else {
		o.right.buffer.Remove(t.Time - max(-o.lower, 0))
	}
	return nil
}

func (o *intervalJoinOp[K, T1, T2, U]) ProcessWatermark(wm int64) (int64, error) {
	if err := o.timers.AdvanceWatermark(wm, o.cleanup); err != nil {
		return operator.NoTimestamp, fmt.Errorf("%s: %w", o.keyed.ctx, err)
	}
	return wm, o.keyed.run.err
}

func (o *intervalJoinOp[K, T1, T2, U]) RestoreState(r operator.Restored) error {
	return o.keyed.RestoreState(r)
}

func (o *intervalJoinOp[K, T1, T2, U]) SnapshotState(int64) (operator.Snapshot, error) {
	return o.keyed.snapshotKeyed(o.timers)
}

func (o *intervalJoinOp[K, T1, T2, U]) EndInput() error { return nil }
func (o *intervalJoinOp[K, T1, T2, U]) Close() error    { return nil }
