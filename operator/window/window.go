package window

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Window is what triggers and the lateness rules need of any window: the
// last timestamp it holds (Flink's Window.maxTimestamp).
type Window interface {
	MaxTimestamp() int64
}

// TimeWindow is the interval [Start, End) of event or processing time
// (Flink's TimeWindow). It is comparable, so it keys maps directly.
type TimeWindow struct {
	Start, End int64
}

// MaxTimestamp is End − 1, the last timestamp in the window: an
// event-time window fires once the watermark reaches it. A window open to
// the end of time (End MaxInt64, the GlobalWindow) has MaxInt64, which no
// watermark but the final one reaches.
func (w TimeWindow) MaxTimestamp() int64 {
	if w.End == math.MaxInt64 {
		return math.MaxInt64
	}
	return w.End - 1
}

// Intersects reports whether w and o overlap or touch. Touching counts
// (Flink's TimeWindow.intersects): sessions [0, 10) and [10, 20) merge,
// since their elements are no more than the gap apart.
func (w TimeWindow) Intersects(o TimeWindow) bool {
	return w.Start <= o.End && w.End >= o.Start
}

// Cover is the smallest window holding both w and o.
func (w TimeWindow) Cover(o TimeWindow) TimeWindow {
	return TimeWindow{Start: min(w.Start, o.Start), End: max(w.End, o.End)}
}

func (w TimeWindow) String() string { return fmt.Sprintf("[%d, %d)", w.Start, w.End) }

// GlobalWindow is the one window of GlobalWindows, holding every element
// of a key: [MinInt64, MaxInt64), whose MaxTimestamp is MaxInt64, so it
// never ends in time and has no cleanup time. Flink has a GlobalWindow
// type of its own; here it is the TimeWindow spanning all time, so the
// window operator and window functions deal in one window type.
func GlobalWindow() TimeWindow { return TimeWindow{Start: math.MinInt64, End: math.MaxInt64} }

// GetWindowStartWithOffset is the start of the window of the given size,
// shifted by offset, that holds ts: the largest start ≤ ts with
// start ≡ offset (mod size). This is Flink's current
// TimeWindow.getWindowStartWithOffset. Its older form,
// ts − (ts − offset + size) % size, is the same whenever
// ts − offset ≥ −size, and wrong below that, where Java's (and Go's)
// remainder turns negative: for ts −15 and size 10 it gives −10, a window
// [−10, 0) that does not hold −15.
func GetWindowStartWithOffset(ts, offset, size int64) int64 {
	r := (ts - offset) % size
	if r < 0 {
		r += size
	}
	return ts - r
}

// merge is a group of windows that intersect, transitively, and the window
// covering them all.
type merge struct {
	cover   TimeWindow
	windows []TimeWindow
}

// mergeWindows groups the distinct windows ws (sorting them in place) as
// Flink's TimeWindow.mergeWindows: in order of start, each window joins
// the current group if it intersects the group's cover so far, so a window
// bridging two others merges all three. Groups of one are left out.
func mergeWindows(ws []TimeWindow) []merge {
	slices.SortFunc(ws, compareWindows)
	var merges []merge
	for i := 0; i < len(ws); {
		// Capped at one, so that appending copies rather than overwrites ws.
		m := merge{cover: ws[i], windows: ws[i : i+1 : i+1]}
		for i++; i < len(ws) && m.cover.Intersects(ws[i]); i++ {
			m.cover = m.cover.Cover(ws[i])
			m.windows = append(m.windows, ws[i])
		}
		if len(m.windows) > 1 {
			merges = append(merges, m)
		}
	}
	return merges
}

// compareWindows orders windows by start, then end.
func compareWindows(a, b TimeWindow) int {
	return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End))
}
