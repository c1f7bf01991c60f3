package watermark

import "time"

// TimestampAssigner returns a record's event time; previous is the
// timestamp the record already carries (from its source), MinWatermark if
// none (Flink's TimestampAssigner.extractTimestamp).
type TimestampAssigner[T any] func(record T, previous int64) int64

// Strategy is how a source or a timestamp-assigning operator gets event
// time for records of type T (Flink's WatermarkStrategy). It is part of
// the job's definition; the runtime builds one Generator per subtask from
// it, because generators hold per-subtask state.
type Strategy[T any] struct {
	// Generator makes a new generator, e.g. for five seconds of
	// out-of-orderness:
	//   func() Generator { return BoundedOutOfOrderness(5 * time.Second) }
	Generator func() Generator
	// Timestamps extracts a record's timestamp; nil keeps the one it
	// carries (Flink's RecordTimestampAssigner).
	Timestamps TimestampAssigner[T]
	// Idleness, when positive, declares a subtask's stream idle after
	// that long without records (WithIdleness).
	Idleness time.Duration
}

// CreateGenerator builds one subtask's generator, with idleness if the
// strategy asks for it; clock is as for WithIdleness.
func (s Strategy[T]) CreateGenerator(clock func() time.Time) Generator {
	g := s.Generator()
	if s.Idleness > 0 {
		g = WithIdleness(g, s.Idleness, clock)
	}
	return g
}

// ExtractTimestamp is the record's event time under this strategy.
func (s Strategy[T]) ExtractTimestamp(record T, previous int64) int64 {
	if s.Timestamps == nil {
		return previous
	}
	return s.Timestamps(record, previous)
}
