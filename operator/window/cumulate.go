package window

import (
	"fmt"
	"time"
)

// Cumulating assigns each element to the windows of Flink's CUMULATE
// table function (its CumulativeWindowAssigner): windows that share a
// start, at offset + k·size, and end every step up to size, [start,
// start+step), [start, start+2·step), …, [start, start+size). An element
// belongs to those of them that end after it, so a running aggregate over
// the size fires at every step. Unlike sliding windows they do not merge,
// and each is an ordinary window to the window operator.
type Cumulating struct {
	timeDomain
	size, step, offset int64
}

// CumulatingEventTime returns cumulating windows over event time.
// Durations are truncated to milliseconds; step must be at least 1 ms,
// size a multiple of step, and |offset| < size.
func CumulatingEventTime(size, step, offset time.Duration) (Cumulating, error) {
	return newCumulating(size, step, offset, true)
}

// CumulatingProcessingTime is CumulatingEventTime over processing time.
func CumulatingProcessingTime(size, step, offset time.Duration) (Cumulating, error) {
	return newCumulating(size, step, offset, false)
}

func newCumulating(size, step, offset time.Duration, eventTime bool) (Cumulating, error) {
	s, st, o := size.Milliseconds(), step.Milliseconds(), offset.Milliseconds()
	switch {
	case st <= 0:
		return Cumulating{}, fmt.Errorf("window: cumulating step %v is under 1ms", step)
	case s <= 0 || s%st != 0:
		return Cumulating{}, fmt.Errorf("window: cumulating size %v is not a positive multiple of the step %v", size, step)
	case abs(o) >= s:
		return Cumulating{}, fmt.Errorf("window: cumulating offset %v is not smaller than size %v", offset, size)
	}
	return Cumulating{timeDomain: timeDomain{eventTime}, size: s, step: st, offset: o}, nil
}

func (c Cumulating) AssignWindows(ts int64) []TimeWindow { return c.AppendWindows(nil, ts) }

// AppendWindows appends the windows shortest first, as Flink lists them.
func (c Cumulating) AppendWindows(dst []TimeWindow, ts int64) []TimeWindow {
	start := GetWindowStartWithOffset(ts, c.offset, c.size)
	for end := GetWindowStartWithOffset(ts, c.offset, c.step) + c.step; end <= start+c.size; end += c.step {
		dst = append(dst, TimeWindow{Start: start, End: end})
	}
	return dst
}
