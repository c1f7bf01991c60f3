package stream

import (
	"fmt"
	"math"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/operator/timer"
)

// KeyedProcessFunction is Flink's KeyedProcessFunction: the general keyed
// operator, with keyed state and timers. It may also implement
//
//	Open(ctx *KeyedRuntimeContext[K]) error   // get state handles here
//	OnTimer(timestamp int64, ctx *KeyedContext[K], out operator.Collector[U]) error
//	EndInput(out operator.Collector[U]) error
//	Close() error
//	WatermarkDelay() int64 // ms the watermark is held back by (see watermarkDelayer)
//
// Each subtask has its own instance. State handles act on the key of the
// record (or timer) being processed.
type KeyedProcessFunction[K comparable, T, U any] interface {
	ProcessElement(value T, ctx *KeyedContext[K], out operator.Collector[U]) error
}

// KeyedRuntimeContext gives a keyed function its subtask and its keyed
// state backend, from which Open gets state handles (state.GetValueState
// and friends, namespace state.VoidNamespace).
type KeyedRuntimeContext[K comparable] struct {
	*operator.Context
	State *state.Backend[K]
}

// KeyedContext is what ProcessElement and OnTimer see: the current
// record's timestamp and key, and the timer service.
type KeyedContext[K comparable] struct {
	op *keyedProcessOp[K]
	ts int64
}

// Timestamp returns the event timestamp of the record (or the time of the
// firing timer), if it has one.
func (c *KeyedContext[K]) Timestamp() (int64, bool) {
	return c.ts, c.ts != operator.NoTimestamp
}

func (c *KeyedContext[K]) side(id string) any {
	if c.op.sides == nil {
		return nil
	}
	return c.op.sides[id]
}

// CurrentKey returns the key being processed.
func (c *KeyedContext[K]) CurrentKey() K { return c.op.backend.CurrentKey() }

// CurrentWatermark returns the operator's current event time.
func (c *KeyedContext[K]) CurrentWatermark() int64 { return c.op.timers.CurrentWatermark() }

// DropLate counts a record the function drops as behind the watermark in
// the task's late_records_dropped (Flink's numLateRecordsDropped), as the
// window operators count theirs.
func (c *KeyedContext[K]) DropLate() { c.op.run.lateDropped++ }

// CurrentProcessingTime returns the wall clock in epoch milliseconds.
func (c *KeyedContext[K]) CurrentProcessingTime() int64 { return time.Now().UnixMilli() }

// RegisterEventTimeTimer asks for OnTimer when the watermark reaches t,
// for the current key; timers are deduplicated per key and time.
func (c *KeyedContext[K]) RegisterEventTimeTimer(t int64) {
	c.op.timers.RegisterEventTimeTimer(c.CurrentKey(), state.VoidNamespace{}, t)
}

// DeleteEventTimeTimer removes an event-time timer of the current key.
func (c *KeyedContext[K]) DeleteEventTimeTimer(t int64) {
	c.op.timers.DeleteEventTimeTimer(c.CurrentKey(), state.VoidNamespace{}, t)
}

// RegisterProcessingTimeTimer asks for OnTimer when the wall clock
// reaches t (epoch ms), for the current key.
func (c *KeyedContext[K]) RegisterProcessingTimeTimer(t int64) {
	c.op.timers.RegisterProcessingTimeTimer(c.CurrentKey(), state.VoidNamespace{}, t)
}

// DeleteProcessingTimeTimer removes a processing-time timer of the
// current key.
func (c *KeyedContext[K]) DeleteProcessingTimeTimer(t int64) {
	c.op.timers.DeleteProcessingTimeTimer(c.CurrentKey(), state.VoidNamespace{}, t)
}

type keyedOpener[K comparable] interface {
	Open(ctx *KeyedRuntimeContext[K]) error
}

type onTimer[K comparable, U any] interface {
	OnTimer(timestamp int64, ctx *KeyedContext[K], out operator.Collector[U]) error
}

// watermarkDelayer is a keyed function that emits records up to a fixed
// time behind the watermark it has seen, as a join that pads a row only
// once no match can arrive for it: the operator forwards the watermark
// that much later, so that those records are not late downstream (Flink's
// KeyedCoProcessOperatorWithWatermarkDelay).
type watermarkDelayer interface {
	WatermarkDelay() int64
}

// KeyedProcess adds a "KeyedProcess" vertex running fn on a keyed stream.
func KeyedProcess[T any, K comparable, U any](ks *KeyedStream[T, K], fn KeyedProcessFunction[K, T, U]) *DataStream[U] {
	problem := nilFunc(fn == nil)
	if ks.key == nil {
		problem = "nil key selector"
	}
	key := ks.key
	return oneInput(ks.stream, "KeyedProcess", problem, func(env *opEnv, out operator.Collector[U]) (operator.Collector[T], operator.Lifecycle) {
		p := &keyedProcess[K, T, U]{keyedFunc: newKeyedFunc[K](env, fn, out), fn: fn, key: key}
		return p, p
	})
}

// keyedProcessOp is the part of a keyed operator that does not depend on
// its record types: key-group-scoped state and timers.
type keyedProcessOp[K comparable] struct {
	ctx     *operator.Context
	run     *chainState
	sides   map[string]any // side output collectors by tag id
	backend *state.Backend[K]
	groups  jobgraph.KeyGroupRange // the subtask's, set by openState
	timers  *timer.Service[K, state.VoidNamespace]
	// restored is the state to load once Open has made the backend and
	// the timer service (RestoreState comes before Open).
	restored *operator.Restored
	typed    interface {
		fire(t timer.Timer[K, state.VoidNamespace]) error
	}
}

// openState creates the keyed state backend for the subtask's key groups
// and returns them; each operator makes the timer service it needs.
func (o *keyedProcessOp[K]) openState() jobgraph.KeyGroupRange {
	o.groups = jobgraph.Range(o.ctx.MaxParallelism, o.ctx.Parallelism, o.ctx.Subtask)
	o.backend = state.NewBackend[K](KeyHash[K], o.ctx.MaxParallelism, o.groups, nil)
	return o.groups
}

// ProcessWatermark fires the event-time timers the watermark passed, then
// forwards it, as Flink's InternalTimeServiceManager does.
func (o *keyedProcessOp[K]) ProcessWatermark(wm int64) (int64, error) {
	if err := o.timers.AdvanceWatermark(wm, o.typed.fire); err != nil {
		return operator.NoTimestamp, err
	}
	return wm, o.run.err
}

// OnProcessingTime fires the processing-time timers that are due.
func (o *keyedProcessOp[K]) OnProcessingTime(now int64) error {
	if next, ok := o.timers.NextProcessingTime(); !ok || next > now {
		return nil
	}
	return o.timers.AdvanceProcessingTime(now, o.typed.fire)
}

// keyedFunc is the lifecycle of an operator running a keyed user
// function, of one input or two: it opens the state backend and timers,
// fires timers into OnTimer and passes EndInput and Close on.
type keyedFunc[K comparable, U any] struct {
	op  *keyedProcessOp[K]
	fn  any // the user's function, for its optional methods
	out operator.Collector[U]
	kc  KeyedContext[K]
}

func newKeyedFunc[K comparable, U any](env *opEnv, fn any, out operator.Collector[U]) *keyedFunc[K, U] {
	f := &keyedFunc[K, U]{op: &keyedProcessOp[K]{ctx: env.ctx, run: env.run, sides: env.sides}, fn: fn, out: out}
	f.op.typed = f
	f.kc.op = f.op
	return f
}

func (f *keyedFunc[K, U]) Open(ctx *operator.Context) error {
	groups := f.op.openState()
	f.op.timers = timer.NewService[K, state.VoidNamespace](KeyHash[K], ctx.MaxParallelism, groups)
	if err := f.op.restoreKeyed(f.op.timers); err != nil {
		return err
	}
	if o, ok := f.fn.(keyedOpener[K]); ok {
		return o.Open(&KeyedRuntimeContext[K]{Context: ctx, State: f.op.backend})
	}
	return nil
}

// setKey makes the key of the record about to be processed current, with
// the record's timestamp; false if the chain has failed or now fails.
func (f *keyedFunc[K, U]) setKey(k K) bool {
	run := f.op.run
	if run.err != nil {
		return false
	}
	if err := f.op.backend.SetCurrentKey(k); err != nil {
		run.fail(fmt.Errorf("%s: %w", f.op.ctx, err))
		return false
	}
	f.kc.ts = run.ts
	return true
}

// check fails the chain with a user function's error, naming the operator.
func (f *keyedFunc[K, U]) check(err error) {
	if err != nil {
		f.op.run.fail(fmt.Errorf("%s: %w", f.op.ctx, err))
	}
}

// fire calls OnTimer with the timer's key current and its time as the
// timestamp of whatever OnTimer emits, as Flink does.
func (f *keyedFunc[K, U]) fire(t timer.Timer[K, state.VoidNamespace]) error {
	on, ok := f.fn.(onTimer[K, U])
	if !ok {
		return nil
	}
	if err := f.op.backend.SetCurrentKey(t.Key); err != nil {
		return err
	}
	f.op.run.ts = t.Time
	f.kc.ts = t.Time
	if err := on.OnTimer(t.Time, &f.kc, f.out); err != nil {
		return fmt.Errorf("%s: on timer: %w", f.op.ctx, err)
	}
	return nil
}

func (f *keyedFunc[K, U]) RestoreState(r operator.Restored) error { return f.op.RestoreState(r) }

func (f *keyedFunc[K, U]) SnapshotState(int64) (operator.Snapshot, error) {
	return f.op.snapshotKeyed(f.op.timers)
}

func (f *keyedFunc[K, U]) ProcessWatermark(wm int64) (int64, error) {
	out, err := f.op.ProcessWatermark(wm)
	if d, ok := f.fn.(watermarkDelayer); ok && err == nil && out != operator.MaxWatermark && out > math.MinInt64+d.WatermarkDelay() {
		out -= d.WatermarkDelay()
	}
	return out, err
}

func (f *keyedFunc[K, U]) OnProcessingTime(now int64) error { return f.op.OnProcessingTime(now) }

func (f *keyedFunc[K, U]) EndInput() error {
	if e, ok := f.fn.(endInputer[U]); ok {
		return e.EndInput(f.out)
	}
	return nil
}

func (f *keyedFunc[K, U]) Close() error {
	if c, ok := f.fn.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// keyedProcess is the one-input keyed function operator.
type keyedProcess[K comparable, T, U any] struct {
	*keyedFunc[K, U]
	fn  KeyedProcessFunction[K, T, U]
	key func(T) K
}

func (p *keyedProcess[K, T, U]) Collect(v T) {
	if p.setKey(p.key(v)) {
		p.check(p.fn.ProcessElement(v, &p.kc, p.out))
	}
}
