// Package watermark turns event timestamps into watermarks and merges the
// watermarks of a task's inputs, as Flink's WatermarkStrategy,
// WatermarkGenerator and StatusWatermarkValve do.
//
// A watermark t is a promise that no more records with a timestamp ≤ t
// will come; event-time windows fire on it. Time is int64 epoch
// milliseconds, as Flink's long timestamps. Everything here is pure logic,
// free of I/O and goroutines: the runtime reads the clock, runs the
// periodic timer and sends what the types here return.
//
// The flow, per subtask: a Strategy extracts each record's timestamp and
// builds a Generator; an Emitter feeds it and reports a Status (watermark
// and idleness) whenever that changes, which the runtime sends downstream.
// A downstream task feeds each input channel's statuses into a Valve and
// gets its own watermark back.
package watermark
