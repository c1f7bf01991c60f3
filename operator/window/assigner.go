package window

import (
	"fmt"
	"time"
)

// Assigner puts an element into the windows it belongs to (Flink's
// WindowAssigner). An event-time assigner is given the element's
// timestamp; a processing-time one is given the current processing time
// by the runtime, since Flink's processing-time assigners ignore the
// element. Session is also a merging assigner: its windows go through a
// MergingWindowSet.
type Assigner interface {
	// AssignWindows returns the windows holding ts.
	AssignWindows(ts int64) []TimeWindow
	// AppendWindows appends them to dst, so the runtime can reuse one
	// slice and allocate nothing per element.
	AppendWindows(dst []TimeWindow, ts int64) []TimeWindow
	IsEventTime() bool
	// DefaultTrigger is the trigger used unless the job sets one:
	// EventTimeTrigger or ProcessingTimeTrigger.
	DefaultTrigger() Trigger[TimeWindow]
}

// timeDomain is what the event-time and processing-time variants of an
// assigner differ in.
type timeDomain struct{ eventTime bool }

func (d timeDomain) IsEventTime() bool { return d.eventTime }

func (d timeDomain) DefaultTrigger() Trigger[TimeWindow] {
	if d.eventTime {
		return EventTimeTrigger{}
	}
	return ProcessingTimeTrigger{}
}

// Tumbling assigns each element to the one window of a fixed size that
// holds it; windows start at offset + k·size, so an offset shifts them,
// e.g. to a time zone's midnight (Flink's TumblingEventTimeWindows and
// TumblingProcessingTimeWindows).
type Tumbling struct {
	timeDomain
	size, offset int64
}

// TumblingEventTime returns tumbling windows over event time. Durations
// are truncated to milliseconds; size must be at least 1 ms and
// |offset| < size.
func TumblingEventTime(size, offset time.Duration) (Tumbling, error) {
	return newTumbling(size, offset, true)
}

// TumblingProcessingTime is TumblingEventTime over processing time.
func TumblingProcessingTime(size, offset time.Duration) (Tumbling, error) {
	return newTumbling(size, offset, false)
}

func newTumbling(size, offset time.Duration, eventTime bool) (Tumbling, error) {
	s, o := size.Milliseconds(), offset.Milliseconds()
	if s <= 0 {
		return Tumbling{}, fmt.Errorf("window: tumbling size %v is under 1ms", size)
	}
	if abs(o) >= s {
		return Tumbling{}, fmt.Errorf("window: tumbling offset %v is not smaller than size %v", offset, size)
	}
	return Tumbling{timeDomain: timeDomain{eventTime}, size: s, offset: o}, nil
}

func (t Tumbling) AssignWindows(ts int64) []TimeWindow { return t.AppendWindows(nil, ts) }

func (t Tumbling) AppendWindows(dst []TimeWindow, ts int64) []TimeWindow {
	start := GetWindowStartWithOffset(ts, t.offset, t.size)
	return append(dst, TimeWindow{Start: start, End: start + t.size})
}

// Sliding assigns each element to every window of a fixed size that holds
// it, windows starting every slide (at offset + k·slide), so they overlap
// when slide < size (Flink's SlidingEventTimeWindows and
// SlidingProcessingTimeWindows). With slide > size some timestamps fall
// in no window, as in Flink.
type Sliding struct {
	timeDomain
	size, slide, offset int64
}

// SlidingEventTime returns sliding windows over event time. Durations are
// truncated to milliseconds; size and slide must be at least 1 ms and
// |offset| < slide: windows start every slide, so Flink bounds the offset
// by the slide, not the size.
func SlidingEventTime(size, slide, offset time.Duration) (Sliding, error) {
	return newSliding(size, slide, offset, true)
}

// SlidingProcessingTime is SlidingEventTime over processing time.
func SlidingProcessingTime(size, slide, offset time.Duration) (Sliding, error) {
	return newSliding(size, slide, offset, false)
}

func newSliding(size, slide, offset time.Duration, eventTime bool) (Sliding, error) {
	s, sl, o := size.Milliseconds(), slide.Milliseconds(), offset.Milliseconds()
	switch {
	case s <= 0:
		return Sliding{}, fmt.Errorf("window: sliding size %v is under 1ms", size)
	case sl <= 0:
		return Sliding{}, fmt.Errorf("window: slide %v is under 1ms", slide)
	case abs(o) >= sl:
		return Sliding{}, fmt.Errorf("window: sliding offset %v is not smaller than slide %v", offset, slide)
	}
	return Sliding{timeDomain: timeDomain{eventTime}, size: s, slide: sl, offset: o}, nil
}

func (s Sliding) AssignWindows(ts int64) []TimeWindow { return s.AppendWindows(nil, ts) }

// AppendWindows appends the windows latest start first, as Flink lists
// them.
func (s Sliding) AppendWindows(dst []TimeWindow, ts int64) []TimeWindow {
	for start := GetWindowStartWithOffset(ts, s.offset, s.slide); start > ts-s.size; start -= s.slide {
		dst = append(dst, TimeWindow{Start: start, End: start + s.size})
	}
	return dst
}

// Session assigns each element the window [ts, ts + gap); windows that
// intersect merge (see MergingWindowSet), so a session lasts until no
// element came for a gap (Flink's EventTimeSessionWindows and
// ProcessingTimeSessionWindows).
//
// Over event time, a session fires once the watermark reaches End − 1, yet
// an element at exactly End, still on time then, would touch it and so
// belong to it; arriving after the firing, it starts a new session
// instead. So, as in Flink, sessions can depend on arrival order within
// the out-of-orderness bound, where tumbling and sliding windows do not.
type Session struct {
	timeDomain
	gap int64
}

// EventTimeSession returns session windows over event time; gap is
// truncated to milliseconds and must be at least 1 ms.
func EventTimeSession(gap time.Duration) (Session, error) {
	return newSession(gap, true)
}

// ProcessingTimeSession is EventTimeSession over processing time.
func ProcessingTimeSession(gap time.Duration) (Session, error) {
	return newSession(gap, false)
}

func newSession(gap time.Duration, eventTime bool) (Session, error) {
	g := gap.Milliseconds()
	if g <= 0 {
		return Session{}, fmt.Errorf("window: session gap %v is under 1ms", gap)
	}
	return Session{timeDomain: timeDomain{eventTime}, gap: g}, nil
}

func (s Session) AssignWindows(ts int64) []TimeWindow { return s.AppendWindows(nil, ts) }

func (s Session) AppendWindows(dst []TimeWindow, ts int64) []TimeWindow {
	return append(dst, TimeWindow{Start: ts, End: ts + s.gap})
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// GlobalWindows puts every element of a key into the one GlobalWindow,
// which only a trigger set on the stream fires, such as a CountTrigger
// (Flink's GlobalWindows). It is a processing-time assigner, as Flink's,
// so no element is ever late.
type GlobalWindows struct{}

func (GlobalWindows) AssignWindows(ts int64) []TimeWindow { return []TimeWindow{GlobalWindow()} }

func (GlobalWindows) AppendWindows(dst []TimeWindow, _ int64) []TimeWindow {
	return append(dst, GlobalWindow())
}

func (GlobalWindows) IsEventTime() bool { return false }

// DefaultTrigger never fires: a job sets the trigger it wants.
func (GlobalWindows) DefaultTrigger() Trigger[TimeWindow] { return NeverTrigger{} }
