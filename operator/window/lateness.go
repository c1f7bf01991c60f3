package window

import "math"

// The rules of Flink's WindowOperator for late data. eventTime is the
// assigner's IsEventTime: processing time has no late elements, since
// windows are assigned by the clock as elements arrive. allowedLateness is
// in ms and must be ≥ 0, as Flink's WindowedStream.allowedLateness
// demands. Sums saturate at MaxInt64 instead of wrapping.

// IsWindowLate reports whether window w is past its cleanup time, so an
// element assigned to it is dropped (or sent to the late-data output).
func IsWindowLate[W Window](eventTime bool, w W, allowedLateness, watermark int64) bool {
	return eventTime && CleanupTime(eventTime, w, allowedLateness) <= watermark
}

// IsElementLate reports whether an element with timestamp ts is late
// beyond the allowed lateness. Flink adds without a guard, so a lateness
// near MaxInt64 wraps and makes every element late; here it saturates.
func IsElementLate(eventTime bool, ts, allowedLateness, watermark int64) bool {
	return eventTime && addSat(ts, allowedLateness) <= watermark
}

// CleanupTime is when the runtime drops window w and its state: its last
// timestamp plus the allowed lateness for event time (MaxInt64 if that
// overflows, as Flink's cleanupTime), its last timestamp for processing
// time.
func CleanupTime[W Window](eventTime bool, w W, allowedLateness int64) int64 {
	if !eventTime {
		return w.MaxTimestamp()
	}
	return addSat(w.MaxTimestamp(), allowedLateness)
}

// addSat is a + b for b ≥ 0, at most MaxInt64.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
