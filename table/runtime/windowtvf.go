package runtime

import (
	"fmt"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/window"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// WindowTableFunction is a windowing table function on its own (SELECT *
// FROM TABLE(TUMBLE(...))), Flink's WindowTableFunctionOperator: every
// row comes out once per window it falls in (once for TUMBLE, size/slide
// times for HOP, once per remaining step for CUMULATE) with its fields,
// then window_start, window_end and window_time (WindowOutputTypes), and
// its kind. Rows come out at once, so none is late; rows with a NULL time
// are dropped. Each output row's event timestamp is its window_time, the
// rowtime attribute from here on.
//
// SESSION is refused (ErrSessionTableFunction), as Flink 1.x refuses it
// without an aggregation. The spec must pass ValidateTableFunction: the
// planner checks it, and this panics (failing the job's build) on what it
// should have refused.
func WindowTableFunction(in *stream.DataStream[data.Row], w WindowSpec) *stream.DataStream[data.Row] {
	const op = "WindowTableFunction"
	if err := w.ValidateTableFunction(); err != nil {
		panic(fmt.Sprintf("runtime: %s: %v", op, err))
	}
	assigner := w.mustAssigner(op)
	timeCol := w.TimeCol
	// windows and fields are reused per row.
	var windows []window.TimeWindow
	var fields []data.Value
	var alloc data.Allocator
	rows := stream.FlatMap(in, func(r data.Row, out operator.Collector[data.Row]) {
		t := r.Field(timeCol)
		if t.IsNull() {
			return
		}
		ltz := t.Kind() == data.TimestampLTZ
		windows = assigner.AppendWindows(windows[:0], t.Millis())
		for _, win := range windows {
			fields = appendWindowValues(r.AppendValues(fields[:0]), win, ltz)
			out.Collect(alloc.MakeRow(r.Kind, fields))
		}
	}).Name(op)
	return stream.SetTimestamps(rows, func(r data.Row) int64 { return r.Field(r.Width() - 1).Millis() })
}
