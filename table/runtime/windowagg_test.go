package runtime

import (
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/table/data"
)

const ms = time.Millisecond

// The window tests' input is (k STRING, v INT, t TIMESTAMP(3)).
const timeCol = 2

func ev(k string, v int32, t int64) data.Row { return row(str(k), i32(v), ts(t)) }

// bounds prints window_start, window_end and window_time of [start, end)
// as they appear in an output row.
func bounds(start, end int64) string {
	s := data.NewRow(ts(start), ts(end), ts(end-1)).String()
	return strings.TrimSuffix(strings.TrimPrefix(s, "+I["), "]")
}

// windowBy is WindowAggregate of w over the test input by k.
func windowBy(w WindowSpec, aggs ...AggCall) pipeline {
	w.TimeCol = timeCol
	return func(in *streamRows) *streamRows { return WindowAggregate(in, w, []int{0}, aggs, WindowAggOptions{}) }
}

var (
	sumV   = col(call("SUM", data.TInt), 1)
	countV = col(call("COUNT", data.TInt), 1)
)

// fired checks the rows emitted since the last check, sorted (windows of
// several keys fire in no defined order), and their timestamps, each its
// window_time.
func fired(t *testing.T, j *testJob, what string, want ...string) {
	t.Helper()
	outs := j.takeOutputs()
	for _, o := range outs {
		if wt := o.row.Field(o.row.Width() - 1).Millis(); o.ts != wt {
			t.Errorf("%s: %s has timestamp %d, want its window_time %d", what, o.row, o.ts, wt)
		}
	}
	checkRows(t, what, sorted(rowStrings(outs)), sorted(want))
}

func TestWindowAggregateTumble(t *testing.T) {
	j := startJob(t, 2, windowBy(WindowSpec{Kind: Tumble, Size: 10 * ms}, countStar, sumV), nil)
	j.push(ev("a", 1, 1), ev("a", 2, 12), ev("b", 5, 3), ev("a", 3, 8))
	j.watermark(8)
	fired(t, j, "before the end of [0, 10)")
	j.watermark(9)
	fired(t, j, "at the end of [0, 10)", "+I[a, 2, 4, "+bounds(0, 10)+"]", "+I[b, 1, 5, "+bounds(0, 10)+"]")
	j.push(ev("a", 7, 5), ev("b", 1, 15))
	if n := j.lateDropped(); n != 1 {
		t.Fatalf("%d late rows dropped, want 1", n)
	}
	j.watermark(25)
	fired(t, j, "[10, 20)", "+I[a, 1, 2, "+bounds(10, 20)+"]", "+I[b, 1, 1, "+bounds(10, 20)+"]")
	j.end()
	fired(t, j, "at the end")
}

func TestWindowAggregateTumbleOffset(t *testing.T) {
	j := startJob(t, 1, windowBy(WindowSpec{Kind: Tumble, Size: 10 * ms, Offset: 3 * ms}, countStar), nil)
	j.push(ev("a", 1, 2), ev("a", 1, 3), ev("a", 1, 12))
	j.end()
	fired(t, j, "windows shifted by 3 ms",
		"+I[a, 1, "+bounds(-7, 3)+"]", "+I[a, 2, "+bounds(3, 13)+"]")
}

func TestWindowAggregateHop(t *testing.T) {
	j := startJob(t, 2, windowBy(WindowSpec{Kind: Hop, Size: 10 * ms, Slide: 5 * ms}, countStar, sumV), nil)
	j.push(ev("a", 1, 7), ev("a", 2, 3), ev("b", 4, 12))
	j.watermark(9)
	fired(t, j, "[-5, 5) and [0, 10)", "+I[a, 1, 2, "+bounds(-5, 5)+"]", "+I[a, 2, 3, "+bounds(0, 10)+"]")
	j.push(ev("a", 8, 9)) // late for [0, 10) only
	if n := j.lateDropped(); n != 0 {
		t.Fatalf("%d late rows dropped, want none: the row is in [5, 15) still", n)
	}
	j.watermark(14)
	fired(t, j, "[5, 15)", "+I[a, 2, 9, "+bounds(5, 15)+"]", "+I[b, 1, 4, "+bounds(5, 15)+"]")
	j.end()
	fired(t, j, "[10, 20)", "+I[b, 1, 4, "+bounds(10, 20)+"]")
}

func TestWindowAggregateCumulate(t *testing.T) {
	j := startJob(t, 2, windowBy(WindowSpec{Kind: Cumulate, Step: 5 * ms, Size: 15 * ms}, countStar, sumV, col(call("MAX", data.TInt), 1)), nil)
	j.push(ev("a", 4, 12), ev("a", 1, 1), ev("a", 2, 7), ev("b", 9, 6))
	j.watermark(4)
	fired(t, j, "first step", "+I[a, 1, 1, 1, "+bounds(0, 5)+"]")
	j.watermark(9)
	fired(t, j, "second step", "+I[a, 2, 3, 2, "+bounds(0, 10)+"]", "+I[b, 1, 9, 9, "+bounds(0, 10)+"]")
	j.push(ev("a", 8, 3)) // late for [0, 5) and [0, 10), on time for [0, 15)
	j.watermark(20)
	fired(t, j, "whole window", "+I[a, 4, 15, 8, "+bounds(0, 15)+"]", "+I[b, 1, 9, 9, "+bounds(0, 15)+"]")
	j.push(ev("a", 1, 14))
	if n := j.lateDropped(); n != 1 {
		t.Fatalf("%d late rows dropped, want 1", n)
	}
}

// TestWindowAggregateSession: sessions per key merge, a late row bridging
// two of them merges all three, and their accumulators merge, DISTINCT
// counts included.
func TestWindowAggregateSession(t *testing.T) {
	j := startJob(t, 2, windowBy(WindowSpec{Kind: Session, Gap: 10 * ms},
		countStar, sumV, col(call("MIN", data.TInt), 1), distinct(countV)), nil)
	j.push(ev("a", 1, 1), ev("a", 2, 22), ev("b", 7, 12), ev("a", 2, 5))
	j.watermark(12)
	fired(t, j, "nothing ended")
	j.push(ev("a", 5, 13)) // [13, 23) joins [1, 15) and [22, 32)
	j.watermark(40)
	fired(t, j, "sessions", "+I[a, 4, 10, 1, 3, "+bounds(1, 32)+"]", "+I[b, 1, 7, 7, 1, "+bounds(12, 22)+"]")
	j.push(ev("a", 3, 2))
	if n := j.lateDropped(); n != 1 {
		t.Fatalf("%d late rows dropped, want 1", n)
	}
	j.push(ev("a", 3, 45))
	j.end()
	fired(t, j, "a new session", "+I[a, 1, 3, 3, 1, "+bounds(45, 55)+"]")
}

// TestWindowAggregateGlobal: no keys make one group per window,
// aggregated by one subtask.
func TestWindowAggregateGlobal(t *testing.T) {
	j := startJob(t, 3, func(in *streamRows) *streamRows {
		return WindowAggregate(in, WindowSpec{Kind: Tumble, TimeCol: timeCol, Size: 10 * ms}, nil, []AggCall{countStar, col(call("AVG", data.TInt), 1)}, WindowAggOptions{})
	}, nil)
	for _, task := range j.plan.Tasks {
		if strings.Contains(task.Name, "WindowAggregate") && !strings.Contains(task.Name, "rowtime") && task.Parallelism != 1 {
			t.Fatalf("task %q has parallelism %d, want 1", task.Name, task.Parallelism)
		}
	}
	j.push(ev("a", 1, 1), ev("b", 4, 2), ev("c", 6, 15))
	j.end()
	fired(t, j, "global windows", "+I[2, 2, "+bounds(0, 10)+"]", "+I[1, 6, "+bounds(10, 20)+"]")
}

// TestWindowAggregateInput: rows with a NULL time are dropped; windows
// over a TIMESTAMP_LTZ have TIMESTAMP_LTZ bounds; DECIMAL and DISTINCT
// results come out of the window's accumulator.
func TestWindowAggregateInput(t *testing.T) {
	j := startJob(t, 1, windowBy(WindowSpec{Kind: Tumble, Size: 10 * ms},
		countStar, col(call("SUM", data.TDecimal(10, 2)), 1), distinct(col(call("COUNT", data.TDecimal(10, 2)), 1))), nil)
	ltz := func(m int64) data.Value { return data.TimestampLTZValue(m * 1e6) }
	j.push(row(a, dec(150, 2), ltz(1)), row(a, dec(150, 2), null(data.TimestampLTZ)), row(a, dec(225, 2), ltz(2)), row(a, dec(150, 2), ltz(3)))
	j.end()
	outs := j.takeOutputs()
	checkRows(t, "window", rowStrings(outs), []string{"+I[a, 3, 525e-2, 2, " + bounds(0, 10) + "]"})
	for _, v := range outs[0].row.Values()[4:] {
		if v.Kind() != data.TimestampLTZ {
			t.Errorf("window bound of kind %s, want TIMESTAMP_LTZ", v.Kind())
		}
	}
}

func TestWindowAggregateRefusesUpdates(t *testing.T) {
	j := startJob(t, 1, windowBy(WindowSpec{Kind: Tumble, Size: 10 * ms}, countStar), nil)
	err := j.pushErr(changed(data.UpdateAfter, a, i32(1), ts(1)))
	if err == nil || !strings.Contains(err.Error(), "WindowAggregate takes an insert-only input, got +U[a, 1,") {
		t.Fatalf("error %v, want a refused update", err)
	}
}

// TestWindowAggregateRescales checkpoints open windows at two subtasks
// and fires them after a restore at three: accumulators, DISTINCT counts,
// session window sets and timers all come back by key group.
func TestWindowAggregateRescales(t *testing.T) {
	for _, spec := range []WindowSpec{{Kind: Tumble, Size: 10 * ms}, {Kind: Session, Gap: 10 * ms}} {
		build := windowBy(spec, countStar, sumV, distinct(countV))
		keys := []string{"k1", "k2", "k3", "k4", "k5", "k6"}
		j := startJob(t, 2, build, nil)
		for _, k := range keys {
			j.push(ev(k, 1, 1), ev(k, 2, 2))
		}
		j.watermark(0)
		cp := j.snapshot()
		j = startJob(t, 3, build, cp)
		var want []string
		for _, k := range keys {
			j.push(ev(k, 2, 3))
			start, end := int64(0), int64(10)
			if spec.Kind == Session {
				start, end = 1, 13
			}
			want = append(want, "+I["+k+", 3, 5, 2, "+bounds(start, end)+"]")
		}
		j.end()
		fired(t, j, spec.Kind.String()+" after the restore", want...)
	}
}

func TestWindowSpecValidate(t *testing.T) {
	for _, w := range []WindowSpec{
		{Kind: Tumble},
		{Kind: Tumble, Size: 10 * ms, Offset: 10 * ms},
		{Kind: Hop, Size: 10 * ms},
		{Kind: Hop, Size: 10 * ms, Slide: 5 * ms, Offset: 5 * ms},
		{Kind: Cumulate, Size: 10 * ms, Step: 3 * ms},
		{Kind: Cumulate, Size: 10 * ms},
		{Kind: Session},
		{Kind: Tumble, Size: 10 * ms, TimeCol: -1},
		{Kind: 9, Size: 10 * ms},
	} {
		if err := w.Validate(); err == nil {
			t.Errorf("%+v: accepted", w)
		}
	}
	for _, w := range []WindowSpec{
		{Kind: Tumble, Size: time.Hour, Offset: -8 * time.Hour / 10},
		{Kind: Hop, Size: 10 * ms, Slide: 3 * ms},
		{Kind: Cumulate, Size: 10 * ms, Step: 5 * ms},
		{Kind: Session, Gap: ms},
	} {
		if err := w.Validate(); err != nil {
			t.Errorf("%+v: %v", w, err)
		}
	}
	if err := (WindowSpec{Kind: Session, Gap: ms}).ValidateTableFunction(); err != ErrSessionTableFunction {
		t.Errorf("SESSION as a table function: %v", err)
	}
}

func TestWindowOutputTypes(t *testing.T) {
	rowtime := data.TTimestamp(3)
	rowtime.Time = data.Rowtime
	start, end, tm := WindowOutputTypes(rowtime)
	if start.String() != "TIMESTAMP(3) NOT NULL" || end != start || tm.String() != "TIMESTAMP(3) NOT NULL *ROWTIME*" {
		t.Errorf("over TIMESTAMP: %s, %s, %s", start, end, tm)
	}
	start, end, tm = WindowOutputTypes(data.TTimestampLTZ(3))
	if start.String() != "TIMESTAMP_LTZ(3) NOT NULL" || end != start || tm.String() != "TIMESTAMP_LTZ(3) NOT NULL *ROWTIME*" {
		t.Errorf("over TIMESTAMP_LTZ: %s, %s, %s", start, end, tm)
	}
}

// TestWindowOperatorsRefuseBadSpecs: a spec or call the planner should
// have refused fails the job's build, with the reason.
func TestWindowOperatorsRefuseBadSpecs(t *testing.T) {
	for _, tt := range []struct {
		build pipeline
		want  string
	}{
		{windowBy(WindowSpec{Kind: Cumulate, Size: 10 * ms, Step: 3 * ms}, countStar), "runtime: WindowAggregate: CUMULATE: window: cumulating size"},
		{windowBy(WindowSpec{Kind: Tumble, Size: 10 * ms}, col(call("SUM", data.TString), 1)), "runtime: WindowAggregate: aggregate call 1, SUM($1): SUM does not take STRING"},
		{func(in *streamRows) *streamRows {
			return WindowTableFunction(in, WindowSpec{Kind: Session, Gap: ms, TimeCol: timeCol})
		}, "runtime: WindowTableFunction: SESSION windows are supported only with an aggregation"},
		{func(in *streamRows) *streamRows {
			return GroupAggregate(in, nil, []AggCall{{Func: "MEDIAN", Arg: 0}}, GroupAggOptions{})
		}, "runtime: GroupAggregate: aggregate call 1, MEDIAN($0): unknown aggregate function MEDIAN"},
	} {
		_, err := buildJob(1, tt.build)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("build error %v, want %q", err, tt.want)
		}
	}
}
