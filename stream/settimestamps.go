package stream

import "github.com/runnel/runnel/operator"

// SetTimestamps adds a "Timestamps" vertex that sets each record's event
// timestamp to ts(record) and passes watermarks through unchanged, unlike
// AssignTimestampsAndWatermarks, whose own watermarks replace upstream's.
// It is for records that carry their event time in a field while the
// watermarks come from further up, as the table runtime's rows do: the
// window operator reads the record's timestamp, where Flink's SQL
// operators read the rowtime field itself.
func SetTimestamps[T any](s *DataStream[T], ts func(T) int64) *DataStream[T] {
	return oneInput(s, "Timestamps", nilFunc(ts == nil), func(env *opEnv, out operator.Collector[T]) (operator.Collector[T], operator.Lifecycle) {
		op := &setTimestampsOp[T]{ts: ts, out: out, run: env.run}
		return op, op
	})
}

type setTimestampsOp[T any] struct {
	stateless
	ts  func(T) int64
	out operator.Collector[T]
	run *chainState
}

func (o *setTimestampsOp[T]) Collect(v T) {
	o.run.ts = o.ts(v)
	o.out.Collect(v)
}
