// Package window holds the pure logic of Flink's window operator: the
// window type (TimeWindow; GlobalWindow is the one spanning all time), the
// assigners that put an element into windows (tumbling, sliding,
// cumulating, session, global), the set of in-flight session
// windows as they merge (MergingWindowSet), the triggers that decide when
// a window fires, and the rules for late elements and window cleanup.
//
// Nothing here owns timers, state or goroutines: the runtime's window
// operator keeps the per-key state and the timer service, and asks these
// types what to do. Time is int64 epoch milliseconds, as Flink's long
// timestamps; windows are half-open [Start, End).
package window
