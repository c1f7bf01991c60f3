package window

// TriggerResult is what a trigger decides for a window (Flink's
// TriggerResult): whether to evaluate the window function now (fire) and
// whether to drop the window's contents (purge). The window itself lives
// on until its cleanup time either way.
type TriggerResult uint8

const (
	Continue TriggerResult = iota
	Fire
	Purge
	FireAndPurge
)

// IsFire reports whether the window function runs.
func (r TriggerResult) IsFire() bool { return r == Fire || r == FireAndPurge }

// IsPurge reports whether the window's contents are dropped.
func (r TriggerResult) IsPurge() bool { return r == Purge || r == FireAndPurge }

func (r TriggerResult) String() string {
	switch r {
	case Continue:
		return "CONTINUE"
	case Fire:
		return "FIRE"
	case Purge:
		return "PURGE"
	case FireAndPurge:
		return "FIRE_AND_PURGE"
	}
	return "TriggerResult(?)"
}

// TriggerContext is what the runtime's window operator gives a trigger for
// the current key and window (Flink's Trigger.TriggerContext): time, the
// timer service, and the one piece of state the built-in triggers keep, a
// count. Timers registered here call back OnEventTime or OnProcessingTime
// with the same key and window.
type TriggerContext interface {
	CurrentWatermark() int64
	CurrentProcessingTime() int64
	RegisterEventTimeTimer(t int64)
	DeleteEventTimeTimer(t int64)
	RegisterProcessingTimeTimer(t int64)
	DeleteProcessingTimeTimer(t int64)
	// Count and SetCount are the trigger's counter for this key and
	// window, 0 when unset. When windows merge, the runtime sums their
	// counters into the result's before OnMerge, as Flink's
	// mergePartitionedState does with CountTrigger's sum reducer.
	Count() int64
	SetCount(n int64)
}

// Trigger decides when a window of type W fires (Flink's Trigger). The
// runtime calls OnElement for each element added to a window, OnEventTime
// and OnProcessingTime when a timer the trigger registered goes off,
// OnMerge on the merged window after session windows merged (their own
// triggers having been cleared), and Clear when a window is purged for
// good, to delete its timers and state. Triggers here do not look at the
// element itself, only at its timestamp.
type Trigger[W Window] interface {
	OnElement(ts int64, w W, ctx TriggerContext) TriggerResult
	OnEventTime(t int64, w W, ctx TriggerContext) TriggerResult
	OnProcessingTime(t int64, w W, ctx TriggerContext) TriggerResult
	OnMerge(w W, ctx TriggerContext)
	Clear(w W, ctx TriggerContext)
}

// EventTimeTrigger fires a window once the watermark passes its end, the
// default of event-time assigners (Flink's EventTimeTrigger).
type EventTimeTrigger struct{}

// OnElement fires at once if the watermark is already past the window (an
// element of a window kept for allowed lateness), else sets a timer at
// the window's last timestamp.
func (EventTimeTrigger) OnElement(_ int64, w TimeWindow, ctx TriggerContext) TriggerResult {
	if w.MaxTimestamp() <= ctx.CurrentWatermark() {
		return Fire
	}
	ctx.RegisterEventTimeTimer(w.MaxTimestamp())
	return Continue
}

// OnEventTime fires on the window's own timer only; the runtime's
// cleanup timer for the same window may also call it.
func (EventTimeTrigger) OnEventTime(t int64, w TimeWindow, _ TriggerContext) TriggerResult {
	if t == w.MaxTimestamp() {
		return Fire
	}
	return Continue
}

func (EventTimeTrigger) OnProcessingTime(int64, TimeWindow, TriggerContext) TriggerResult {
	return Continue
}

// OnMerge sets the merged window's timer, unless the watermark is already
// past it: then the next OnElement fires it, and a timer would fire it
// twice.
func (EventTimeTrigger) OnMerge(w TimeWindow, ctx TriggerContext) {
	if w.MaxTimestamp() > ctx.CurrentWatermark() {
		ctx.RegisterEventTimeTimer(w.MaxTimestamp())
	}
}

func (EventTimeTrigger) Clear(w TimeWindow, ctx TriggerContext) {
	ctx.DeleteEventTimeTimer(w.MaxTimestamp())
}

// ProcessingTimeTrigger fires a window when the clock passes its end, the
// default of processing-time assigners (Flink's ProcessingTimeTrigger).
type ProcessingTimeTrigger struct{}

func (ProcessingTimeTrigger) OnElement(_ int64, w TimeWindow, ctx TriggerContext) TriggerResult {
	ctx.RegisterProcessingTimeTimer(w.MaxTimestamp())
	return Continue
}

func (ProcessingTimeTrigger) OnEventTime(int64, TimeWindow, TriggerContext) TriggerResult {
	return Continue
}

func (ProcessingTimeTrigger) OnProcessingTime(int64, TimeWindow, TriggerContext) TriggerResult {
	return Fire
}

// OnMerge sets the merged window's timer unless its end has passed.
func (ProcessingTimeTrigger) OnMerge(w TimeWindow, ctx TriggerContext) {
	if w.MaxTimestamp() > ctx.CurrentProcessingTime() {
		ctx.RegisterProcessingTimeTimer(w.MaxTimestamp())
	}
}

func (ProcessingTimeTrigger) Clear(w TimeWindow, ctx TriggerContext) {
	ctx.DeleteProcessingTimeTimer(w.MaxTimestamp())
}

// NeverTrigger never fires, the default of GlobalWindows (Flink's
// GlobalWindows.NeverTrigger).
type NeverTrigger struct{}

func (NeverTrigger) OnElement(int64, TimeWindow, TriggerContext) TriggerResult { return Continue }

func (NeverTrigger) OnEventTime(int64, TimeWindow, TriggerContext) TriggerResult { return Continue }

func (NeverTrigger) OnProcessingTime(int64, TimeWindow, TriggerContext) TriggerResult {
	return Continue
}

func (NeverTrigger) OnMerge(TimeWindow, TriggerContext) {}

func (NeverTrigger) Clear(TimeWindow, TriggerContext) {}

// CountTrigger fires a window every MaxCount elements, then counts again
// from zero (Flink's CountTrigger). With GlobalWindows and a
// PurgingTrigger it makes count windows; a MaxCount below 1 fires on every
// element, as Flink's.
type CountTrigger[W Window] struct {
	MaxCount int64
}

func (c CountTrigger[W]) OnElement(_ int64, _ W, ctx TriggerContext) TriggerResult {
	n := ctx.Count() + 1
	if n >= c.MaxCount {
		ctx.SetCount(0)
		return Fire
	}
	ctx.SetCount(n)
	return Continue
}

func (CountTrigger[W]) OnEventTime(int64, W, TriggerContext) TriggerResult { return Continue }

func (CountTrigger[W]) OnProcessingTime(int64, W, TriggerContext) TriggerResult { return Continue }

// OnMerge has nothing to do: the runtime has summed the counts (see
// TriggerContext.Count), and, as in Flink, a merge alone never fires.
func (CountTrigger[W]) OnMerge(W, TriggerContext) {}

func (CountTrigger[W]) Clear(_ W, ctx TriggerContext) { ctx.SetCount(0) }

// PurgingTrigger turns every fire of Nested into a fire and purge, so a
// window's contents are emitted once instead of accumulating across fires
// (Flink's PurgingTrigger).
type PurgingTrigger[W Window] struct {
	Nested Trigger[W]
}

func (p PurgingTrigger[W]) OnElement(ts int64, w W, ctx TriggerContext) TriggerResult {
	return purging(p.Nested.OnElement(ts, w, ctx))
}

func (p PurgingTrigger[W]) OnEventTime(t int64, w W, ctx TriggerContext) TriggerResult {
	return purging(p.Nested.OnEventTime(t, w, ctx))
}

func (p PurgingTrigger[W]) OnProcessingTime(t int64, w W, ctx TriggerContext) TriggerResult {
	return purging(p.Nested.OnProcessingTime(t, w, ctx))
}

func (p PurgingTrigger[W]) OnMerge(w W, ctx TriggerContext) { p.Nested.OnMerge(w, ctx) }

func (p PurgingTrigger[W]) Clear(w W, ctx TriggerContext) { p.Nested.Clear(w, ctx) }

func purging(r TriggerResult) TriggerResult {
	if r.IsFire() {
		return FireAndPurge
	}
	return r
}
