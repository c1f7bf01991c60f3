package stream

import (
	"fmt"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/operator/timer"
	"github.com/runnel/runnel/operator/window"
)

// windowContents is how the window operator reaches the state of the
// current key's window, whatever the window function keeps there.
type windowContents[K comparable, T, U any] struct {
	ns func(w window.TimeWindow)
	// add adds v and reports whether it may be the window's first
	// element (true when unknown): only then are its timers registered.
	add   func(v T) bool
	clear func()
	// merge folds the sources' contents into target's (session windows).
	merge func(target window.TimeWindow, sources []window.TimeWindow)
	// emit runs the window function over the contents of the namespace
	// set last; w is the window the function is told about.
	emit func(key K, w window.TimeWindow, out operator.Collector[U]) error
}

// windowOp adds the window operator vertex: Flink's WindowOperator.
func windowOp[T any, K comparable, U any](w *WindowedStream[T, K], name string, nilFn bool,
	contents func(b *state.Backend[K], merging bool) (windowContents[K, T, U], error),
) *DataStream[U] {
	problem := nilFunc(nilFn)
	_, merging := w.assigner.(window.Session)
	switch {
	case w.keyed.key == nil:
		problem = "nil key selector"
	case w.assigner == nil:
		problem = "nil window assigner"
	case w.lateness < 0:
		problem = fmt.Sprintf("allowed lateness %s: must be 0 or more", w.lateness)
	}
	key, assigner, trigger, lateness, lateTag := w.keyed.key, w.assigner, w.trigger, w.lateness.Milliseconds(), w.lateTag
	if trigger == nil && assigner != nil {
		trigger = assigner.DefaultTrigger()
	}
	return oneInput(w.keyed.stream, name, problem, func(env *opEnv, out operator.Collector[U]) (operator.Collector[T], operator.Lifecycle) {
		op := &keyedProcessOp[K]{ctx: env.ctx, run: env.run, sides: env.sides}
		wo := &windowOperator[T, K, U]{
			keyed: op, key: key, assigner: assigner, trigger: trigger, merging: merging,
			lateness: lateness, out: out, newContents: contents,
		}
		if lateTag != "" && env.sides != nil {
			wo.late, _ = env.sides[lateTag].(operator.Collector[T])
		}
		return wo, wo
	})
}

// windowOperator keeps, per key and window, the window function's state,
// and fires windows as its trigger says.
type windowOperator[T any, K comparable, U any] struct {
	keyed    *keyedProcessOp[K]
	key      func(T) K
	assigner window.Assigner
	merging  bool // session windows, through a MergingWindowSet per key
	// eventTrigger is set for the default event-time trigger, whose
	// OnElement for a window that already has a timer and has not fired
	// yet does nothing but repeat the timer: skipped on the hot path.
	eventTrigger bool
	trigger      window.Trigger[window.TimeWindow]
	lateness     int64
	out          operator.Collector[U]
	late         operator.Collector[T] // nil: late elements are dropped
	newContents  func(b *state.Backend[K], merging bool) (windowContents[K, T, U], error)

	contents windowContents[K, T, U]
	wtimers  *timer.Service[K, window.TimeWindow]
	count    *state.ValueState[K, window.TimeWindow, int64]
	sessions *state.ValueState[K, state.VoidNamespace, []window.WindowPair]
	windows  []window.TimeWindow // reused per element
	cur      window.TimeWindow   // the window the trigger context acts on
}

func (o *windowOperator[T, K, U]) Open(*operator.Context) error {
	groups := o.keyed.openState()
	o.wtimers = timer.NewService[K, window.TimeWindow](KeyHash[K], o.keyed.ctx.MaxParallelism, groups)
	if err := o.keyed.restoreKeyed(o.wtimers); err != nil {
		return err
	}
	var err error
	_, o.eventTrigger = o.trigger.(window.EventTimeTrigger)
	if o.contents, err = o.newContents(o.keyed.backend, o.merging); err != nil {
		return err
	}
	o.count, err = state.GetValueState[window.TimeWindow](o.keyed.backend, state.ValueStateDescriptor[int64]{Name: "trigger-count"})
	if err != nil || !o.merging {
		return err
	}
	o.sessions, err = state.GetValueState[state.VoidNamespace](o.keyed.backend, state.ValueStateDescriptor[[]window.WindowPair]{Name: "merging-window-set"})
	return err
}

// windowSet loads the current key's merging window set.
func (o *windowOperator[T, K, U]) windowSet() *window.MergingWindowSet {
	pairs, _ := o.sessions.Value()
	return window.RestoreMergingWindowSet(pairs)
}

// saveWindowSet stores the current key's merging window set.
func (o *windowOperator[T, K, U]) saveWindowSet(s *window.MergingWindowSet) {
	if pairs := s.Persist(); len(pairs) > 0 {
		o.sessions.Update(pairs)
	} else {
		o.sessions.Clear()
	}
}

func (o *windowOperator[T, K, U]) eventTime() bool { return o.assigner.IsEventTime() }

// Collect is Flink's WindowOperator.processElement for windows that do
// not merge.
func (o *windowOperator[T, K, U]) Collect(v T) {
	run := o.keyed.run
	if run.err != nil {
		return
	}
	k := o.key(v)
	if err := o.keyed.backend.SetCurrentKey(k); err != nil {
		run.fail(fmt.Errorf("%s: %w", o.keyed.ctx, err))
		return
	}
	ts := run.ts
	if !o.eventTime() {
		ts = time.Now().UnixMilli()
	} else if ts == operator.NoTimestamp {
		run.fail(fmt.Errorf("%s: record without a timestamp in an event-time window (assign timestamps first)", o.keyed.ctx))
		return
	}
	wm := o.wtimers.CurrentWatermark()
	o.windows = o.assigner.AppendWindows(o.windows[:0], ts)
	if o.merging {
		if err := o.collectMerging(k, v, ts, wm); err != nil {
			run.fail(err)
		}
		return
	}
	skipped := true
	for _, w := range o.windows {
		if window.IsWindowLate(o.eventTime(), w, o.lateness, wm) {
			continue
		}
		skipped = false
		o.setWindow(w)
		first := o.contents.add(v)
		res := window.Continue
		if first || !o.eventTrigger || w.MaxTimestamp() <= wm {
			res = o.trigger.OnElement(ts, w, o)
		}
		if err := o.apply(k, w, res); err != nil {
			run.fail(err)
			return
		}
		if first {
			o.registerCleanup(k, w)
		}
	}
	if skipped && window.IsElementLate(o.eventTime(), ts, o.lateness, wm) {
		o.dropLate(v)
	}
}

// collectMerging is processElement for merging (session) windows, as
// Flink's: new windows merge with the key's in-flight windows, their
// state, trigger and cleanup timers follow the merge, and the element goes
// into the state window of the window it ends up in.
func (o *windowOperator[T, K, U]) collectMerging(k K, v T, ts, wm int64) error {
	set := o.windowSet()
	defer o.saveWindowSet(set)
	skipped := true
	for _, w := range o.windows {
		actual, err := set.AddWindow(w, func(result window.TimeWindow, merged []window.TimeWindow, stateResult window.TimeWindow, mergedState []window.TimeWindow) error {
			if o.eventTime() && window.IsWindowLate(true, result, o.lateness, wm) {
				return fmt.Errorf("%s: merging made window %v end before the watermark %d", o.keyed.ctx, result, wm)
			}
			var count int64
			for _, m := range merged {
				o.setWindow(m)
				count += o.Count()
				o.trigger.Clear(m, o)
				o.count.Clear()
				o.deleteCleanup(k, m)
			}
			o.setWindow(result)
			o.SetCount(o.Count() + count)
			o.trigger.OnMerge(result, o)
			o.contents.merge(stateResult, mergedState)
			return nil
		})
		if err != nil {
			return err
		}
		if window.IsWindowLate(o.eventTime(), actual, o.lateness, wm) {
			if err := set.RetireWindow(actual); err != nil {
				return err
			}
			continue
		}
		skipped = false
		stateWindow, ok := set.GetStateWindow(actual)
		if !ok {
			return fmt.Errorf("%s: window %v has no state window", o.keyed.ctx, actual)
		}
		o.setWindow(actual)
		o.contents.ns(stateWindow)
		o.contents.add(v)
		res := o.trigger.OnElement(ts, actual, o)
		if err := o.apply(k, actual, res); err != nil {
			return err
		}
		o.registerCleanup(k, actual)
	}
	if skipped && window.IsElementLate(o.eventTime(), ts, o.lateness, wm) {
		o.dropLate(v)
	}
	return nil
}

// dropLate sends an element too late for all its windows to the late-data
// side output, or counts it as dropped.
func (o *windowOperator[T, K, U]) dropLate(v T) {
	if o.late != nil {
		o.late.Collect(v)
	} else {
		o.keyed.run.lateDropped++
	}
}

func (o *windowOperator[T, K, U]) deleteCleanup(k K, w window.TimeWindow) {
	t := window.CleanupTime(o.eventTime(), w, o.lateness)
	if t == operator.MaxWatermark {
		return
	}
	if o.eventTime() {
		o.wtimers.DeleteEventTimeTimer(k, w, t)
	} else {
		o.wtimers.DeleteProcessingTimeTimer(k, w, t)
	}
}

func (o *windowOperator[T, K, U]) setWindow(w window.TimeWindow) {
	o.cur = w
	o.contents.ns(w)
	o.count.SetNamespace(w)
}

// apply fires and purges as the trigger decided; what fires is stamped
// with the window's last timestamp, as in Flink.
func (o *windowOperator[T, K, U]) apply(k K, w window.TimeWindow, res window.TriggerResult) error {
	if res.IsFire() {
		run := o.keyed.run
		saved := run.ts
		run.ts = w.MaxTimestamp()
		err := o.contents.emit(k, w, o.out)
		run.ts = saved
		if err != nil {
			return fmt.Errorf("%s: window %v: %w", o.keyed.ctx, w, err)
		}
	}
	if res.IsPurge() {
		o.contents.clear()
	}
	return nil
}

func (o *windowOperator[T, K, U]) registerCleanup(k K, w window.TimeWindow) {
	t := window.CleanupTime(o.eventTime(), w, o.lateness)
	if t == operator.MaxWatermark {
		return
	}
	if o.eventTime() {
		o.wtimers.RegisterEventTimeTimer(k, w, t)
	} else {
		o.wtimers.RegisterProcessingTimeTimer(k, w, t)
	}
}

// fire handles one timer: the trigger's decision, then, at the window's
// cleanup time, the end of the window's state (Flink's onEventTime and
// onProcessingTime).
func (o *windowOperator[T, K, U]) fire(eventTime bool) func(t timer.Timer[K, window.TimeWindow]) error {
	return func(t timer.Timer[K, window.TimeWindow]) error {
		if err := o.keyed.backend.SetCurrentKey(t.Key); err != nil {
			return err
		}
		w := t.Namespace
		o.setWindow(w)
		var set *window.MergingWindowSet
		if o.merging {
			set = o.windowSet()
			stateWindow, ok := set.GetStateWindow(w)
			if !ok {
				return nil // merged away or already cleaned up
			}
			o.contents.ns(stateWindow)
		}
		var res window.TriggerResult
		if eventTime {
			res = o.trigger.OnEventTime(t.Time, w, o)
		} else {
			res = o.trigger.OnProcessingTime(t.Time, w, o)
		}
		if err := o.apply(t.Key, w, res); err != nil {
			return err
		}
		if eventTime == o.eventTime() && t.Time == window.CleanupTime(o.eventTime(), w, o.lateness) {
			o.contents.clear()
			o.trigger.Clear(w, o)
			o.count.Clear()
			if set != nil {
				if err := set.RetireWindow(w); err != nil {
					return err
				}
				o.saveWindowSet(set)
			}
		}
		return nil
	}
}

// ProcessWatermark fires the event-time timers the watermark passed, then
// forwards it.
func (o *windowOperator[T, K, U]) ProcessWatermark(wm int64) (int64, error) {
	if err := o.wtimers.AdvanceWatermark(wm, o.fire(true)); err != nil {
		return operator.NoTimestamp, fmt.Errorf("%s: %w", o.keyed.ctx, err)
	}
	return wm, o.keyed.run.err
}

// OnProcessingTime fires the processing-time timers that are due.
func (o *windowOperator[T, K, U]) OnProcessingTime(now int64) error {
	if next, ok := o.wtimers.NextProcessingTime(); !ok || next > now {
		return nil
	}
	return o.wtimers.AdvanceProcessingTime(now, o.fire(false))
}

func (o *windowOperator[T, K, U]) RestoreState(r operator.Restored) error {
	return o.keyed.RestoreState(r)
}

func (o *windowOperator[T, K, U]) SnapshotState(int64) (operator.Snapshot, error) {
	return o.keyed.snapshotKeyed(o.wtimers)
}

func (o *windowOperator[T, K, U]) EndInput() error { return nil }
func (o *windowOperator[T, K, U]) Close() error    { return nil }

// The trigger context, for the current key and window.

func (o *windowOperator[T, K, U]) CurrentWatermark() int64      { return o.wtimers.CurrentWatermark() }
func (o *windowOperator[T, K, U]) CurrentProcessingTime() int64 { return time.Now().UnixMilli() }
func (o *windowOperator[T, K, U]) RegisterEventTimeTimer(t int64) {
	o.wtimers.RegisterEventTimeTimer(o.keyed.backend.CurrentKey(), o.cur, t)
}
func (o *windowOperator[T, K, U]) DeleteEventTimeTimer(t int64) {
	o.wtimers.DeleteEventTimeTimer(o.keyed.backend.CurrentKey(), o.cur, t)
}
func (o *windowOperator[T, K, U]) RegisterProcessingTimeTimer(t int64) {
	o.wtimers.RegisterProcessingTimeTimer(o.keyed.backend.CurrentKey(), o.cur, t)
}
func (o *windowOperator[T, K, U]) DeleteProcessingTimeTimer(t int64) {
	o.wtimers.DeleteProcessingTimeTimer(o.keyed.backend.CurrentKey(), o.cur, t)
}
func (o *windowOperator[T, K, U]) Count() int64 {
	n, _ := o.count.Value()
	return n
}
func (o *windowOperator[T, K, U]) SetCount(n int64) { o.count.Update(n) }
