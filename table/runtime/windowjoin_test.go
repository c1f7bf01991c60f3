package runtime

import (
	"fmt"
	"strings"
	"testing"

	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// sideRows are the rows the test pushes with side tag in their first INT
// column, without it.
func sideRows(in *streamRows, tag int64) *streamRows {
	rows := stream.Filter(in, func(r data.Row) bool { n, _ := r.Int64At(0); return n == tag })
	return stream.Map(rows, func(r data.Row) data.Row { return r.Slice(1, r.Width()) })
}

// windowJoinOn is a pipeline of WindowJoin over the rows the test pushes
// with their side in a first INT column, as joinOn's.
func windowJoinOn(spec WindowJoinSpec) pipeline {
	return func(in *streamRows) *streamRows {
		return WindowJoin(sideRows(in, leftSide), sideRows(in, rightSide), spec)
	}
}

// kvw is the schema of both sides in most tests, rows a windowing table
// function emitted without their time columns: (k STRING, v INT,
// window_start TIMESTAMP(3), window_end TIMESTAMP(3)).
var kvw = []data.Type{data.TString, data.TInt, data.TTimestamp(3), data.TTimestamp(3)}

// windowJoinSpec joins two kvw inputs on k and the window bounds.
func windowJoinSpec(typ JoinType) WindowJoinSpec {
	return WindowJoinSpec{
		Type: typ, LeftKeys: []int{0}, RightKeys: []int{0}, LeftTypes: kvw, RightTypes: kvw,
		LeftStart: 2, LeftEnd: 3, RightStart: 2, RightEnd: 3,
	}
}

// lwin and rwin are left and right kvw rows of the window [start, end).
func lwin(k data.Value, v int32, start, end int64) data.Row {
	return lrow(k, i32(v), ts(start), ts(end))
}

func rwin(k data.Value, v int32, start, end int64) data.Row {
	return rrow(k, i32(v), ts(start), ts(end))
}

// watermarkErr is testJob.watermark for a watermark that may fail the
// job.
func watermarkErr(j *testJob, wm int64) error {
	for _, c := range j.job.Chains(j.first) {
		if err := c.PushWatermark(wm); err != nil {
			return err
		}
	}
	return j.job.Err()
}

// TestWindowJoinInner: a row meets only the other side's rows of its key
// and window, each pair once, when the watermark reaches the window's
// last millisecond, stamped with it; windows of one key are open at once
// and fire in turn; a key's several rows of a window join pairwise.
func TestWindowJoinInner(t *testing.T) {
	for _, p := range []int{1, 3} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			j := startJob(t, p, windowJoinOn(windowJoinSpec(InnerJoin)), nil)
			joins(t, j, rows(
				lwin(a, 1, 0, 10), rwin(a, 10, 0, 10), rwin(b, 20, 0, 10),
				lwin(a, 2, 10, 20), rwin(a, 11, 10, 20), lwin(a, 3, 0, 10), rwin(a, 12, 0, 10),
				lwin(b, 4, 20, 30), rwin(b, 21, 20, 30), lwin(b, 5, 10, 20)))
			passes(t, j, 8)
			passes(t, j, 9,
				"+I[a, 1, 0, 10, a, 10, 0, 10]@9", "+I[a, 1, 0, 10, a, 12, 0, 10]@9",
				"+I[a, 3, 0, 10, a, 10, 0, 10]@9", "+I[a, 3, 0, 10, a, 12, 0, 10]@9")
			joins(t, j, rows(rwin(a, 13, 20, 30)))
			passes(t, j, 25, "+I[a, 2, 10, 20, a, 11, 10, 20]@19")
			passes(t, j, 29, "+I[b, 4, 20, 30, b, 21, 20, 30]@29")
			j.end()
			checkRows(t, "at the end", timed(j), nil)
		})
	}
}

// TestWindowJoinOuter: the rows of an outer side without a match in
// their window are emitted padded once, when it fires; rows of windows
// with the same end but another start do not match; an inner side's
// unmatched rows never come out.
func TestWindowJoinOuter(t *testing.T) {
	c, d, e := str("c"), str("d"), str("e")
	for _, tc := range []struct {
		typ         JoinType
		left, right bool // which unmatched rows come out padded
	}{
		{InnerJoin, false, false}, {LeftJoin, true, false}, {RightJoin, false, true}, {FullJoin, true, true},
	} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			j := startJob(t, 2, windowJoinOn(windowJoinSpec(tc.typ)), nil)
			joins(t, j, rows(
				lwin(a, 1, 0, 10), rwin(a, 10, 0, 10), lwin(a, 2, 0, 10),
				lwin(b, 3, 0, 10), rwin(c, 30, 0, 10), rwin(c, 31, 0, 10),
				lwin(d, 4, 0, 10), rwin(d, 40, 10, 20),
				lwin(e, 5, 0, 10), rwin(e, 50, 5, 10)))
			want := []string{"+I[a, 1, 0, 10, a, 10, 0, 10]@9", "+I[a, 2, 0, 10, a, 10, 0, 10]@9"}
			if tc.left {
				want = append(want,
					"+I[b, 3, 0, 10, NULL, NULL, NULL, NULL]@9", "+I[d, 4, 0, 10, NULL, NULL, NULL, NULL]@9",
					"+I[e, 5, 0, 10, NULL, NULL, NULL, NULL]@9")
			}
			if tc.right {
				want = append(want,
					"+I[NULL, NULL, NULL, NULL, c, 30, 0, 10]@9", "+I[NULL, NULL, NULL, NULL, c, 31, 0, 10]@9",
					"+I[NULL, NULL, NULL, NULL, e, 50, 5, 10]@9")
			}
			passes(t, j, 9, want...)
			want = nil
			if tc.right {
				want = append(want, "+I[NULL, NULL, NULL, NULL, d, 40, 10, 20]@19")
			}
			passes(t, j, 19, want...)
			j.end()
			checkRows(t, "at the end", timed(j), nil)
		})
	}
}

// tvfJoinOn windows both sides' (k STRING, v INT, t) rows, t of type
// time, with the windowing table function w, joins them on k and the
// window bounds and projects the joined rows to (k, left v, right v,
// window_start, window_end), the bounds as epoch milliseconds.
func tvfJoinOn(w WindowSpec, typ JoinType, time data.Type) pipeline {
	w.TimeCol = 2
	start, end, rowtime := WindowOutputTypes(time)
	types := []data.Type{data.TString, data.TInt, time, start, end, rowtime}
	spec := WindowJoinSpec{
		Type: typ, LeftKeys: []int{0}, RightKeys: []int{0}, LeftTypes: types, RightTypes: types,
		LeftStart: 3, LeftEnd: 4, RightStart: 3, RightEnd: 4,
	}
	return func(in *streamRows) *streamRows {
		l, r := WindowTableFunction(sideRows(in, leftSide), w), WindowTableFunction(sideRows(in, rightSide), w)
		return stream.Map(WindowJoin(l, r, spec), func(r data.Row) data.Row {
			return data.NewRow(r.Field(0), r.Field(1), r.Field(7), i64(r.Field(3).Millis()), i64(r.Field(4).Millis()))
		})
	}
}

// TestWindowJoinTableFunctions joins the output of the windowing table
// functions: a row in several HOP or CUMULATE windows joins in each of
// them, each window firing at its own end; CUMULATE windows share their
// start and differ by their end; TIMESTAMP_LTZ bounds fire as TIMESTAMP
// ones do.
func TestWindowJoinTableFunctions(t *testing.T) {
	ltz := func(millis int64) data.Value { return data.TimestampLTZValue(millis * 1e6) }
	t.Run("HOP", func(t *testing.T) {
		j := startJob(t, 2, tvfJoinOn(WindowSpec{Kind: Hop, Size: 10 * ms, Slide: 5 * ms}, InnerJoin, data.TTimestamp(3)), nil)
		// Left 7 is in [0, 10) and [5, 15), right 3 in [-5, 5) and
		// [0, 10), right 12 in [5, 15) and [10, 20).
		joins(t, j, rows(lrow(a, i32(1), ts(7)), rrow(a, i32(10), ts(3)), rrow(a, i32(11), ts(12))))
		passes(t, j, 4)
		passes(t, j, 9, "+I[a, 1, 10, 0, 10]@9")
		passes(t, j, 14, "+I[a, 1, 11, 5, 15]@14")
		passes(t, j, 100)
	})
	t.Run("CUMULATE", func(t *testing.T) {
		j := startJob(t, 2, tvfJoinOn(WindowSpec{Kind: Cumulate, Size: 10 * ms, Step: 5 * ms}, InnerJoin, data.TTimestamp(3)), nil)
		// Left 3 and right 4 are in [0, 5) and [0, 10), right 7 in
		// [0, 10) only.
		joins(t, j, rows(lrow(a, i32(1), ts(3)), rrow(a, i32(10), ts(7)), rrow(a, i32(11), ts(4))))
		passes(t, j, 4, "+I[a, 1, 11, 0, 5]@4")
		passes(t, j, 9, "+I[a, 1, 10, 0, 10]@9", "+I[a, 1, 11, 0, 10]@9")
	})
	t.Run("TIMESTAMP_LTZ", func(t *testing.T) {
		j := startJob(t, 2, tvfJoinOn(WindowSpec{Kind: Tumble, Size: 10 * ms}, LeftJoin, data.TTimestampLTZ(3)), nil)
		joins(t, j, rows(lrow(a, i32(1), ltz(3)), rrow(a, i32(10), ltz(9)), lrow(a, i32(2), ltz(10))))
		passes(t, j, 9, "+I[a, 1, 10, 0, 10]@9")
		passes(t, j, 19, "+I[a, 2, NULL, 10, 20]@19")
	})
}

// TestWindowJoinThenWindowAggregate: a window aggregation over the joined
// rows' window_time counts every joined row in the window of the join's:
// the join emits them before the watermark that fired them, so none is
// late.
func TestWindowJoinThenWindowAggregate(t *testing.T) {
	tumble := WindowSpec{Kind: Tumble, Size: 10 * ms}
	join := tvfJoinOn(tumble, InnerJoin, data.TTimestamp(3))
	j := startJob(t, 2, func(in *streamRows) *streamRows {
		// The projection's window_end - 1 stands for window_time.
		joined := stream.Map(join(in), func(r data.Row) data.Row {
			return data.NewRow(r.Field(0), ts(r.Field(4).Int64()-1))
		})
		return WindowAggregate(joined, WindowSpec{Kind: Tumble, Size: 10 * ms, TimeCol: 1}, []int{0}, []AggCall{countStar}, WindowAggOptions{})
	}, nil)
	j.push(lrow(a, i32(1), ts(1)), lrow(a, i32(2), ts(5)), rrow(a, i32(10), ts(8)), rrow(b, i32(20), ts(8)), lrow(b, i32(3), ts(9)))
	j.watermark(9)
	fired(t, j, "at the end of [0, 10)", "+I[a, 2, "+bounds(0, 10)+"]", "+I[b, 1, "+bounds(0, 10)+"]")
	if n := j.lateDropped(); n != 0 {
		t.Fatalf("%d joined rows dropped as late", n)
	}
}

// TestWindowJoinLateRows: a row of a window that fired (its last
// millisecond at or behind the watermark) is dropped, on an outer side
// too, and never padded; rows of later windows still join; every fired
// window leaves no state behind.
func TestWindowJoinLateRows(t *testing.T) {
	j := startJob(t, 2, windowJoinOn(windowJoinSpec(FullJoin)), nil)
	empty := keyedStateBytes(t, j)
	joins(t, j, rows(lwin(a, 1, 0, 10), rwin(a, 10, 10, 20)))
	passes(t, j, 9, "+I[a, 1, 0, 10, NULL, NULL, NULL, NULL]@9")
	joins(t, j, rows(rwin(a, 11, 0, 10), lwin(b, 2, 0, 10), lwin(a, 3, 10, 20)))
	passes(t, j, 18)
	// [8, 18) and [9, 19) are late at 18, [10, 20) is not.
	joins(t, j, rows(lwin(a, 4, 8, 18), lwin(a, 5, 9, 19), rwin(a, 12, 10, 20)))
	passes(t, j, 19, "+I[a, 3, 10, 20, a, 10, 10, 20]@19", "+I[a, 3, 10, 20, a, 12, 10, 20]@19")
	if n := j.lateDropped(); n != 4 { // two of [0, 10) after 9, two at 18
		t.Fatalf("%d rows counted late, want 4", n)
	}
	j.end()
	checkRows(t, "at the end", timed(j), nil)
	if n := keyedStateBytes(t, j); n != empty {
		t.Fatalf("state of %d bytes after every window fired, %d empty", n, empty)
	}
}

// TestWindowJoinNulls: a NULL key matches nothing, not even a NULL; an
// outer row with one is padded when its window fires, an inner one is
// not kept; a row with a NULL window bound is dropped; with encoded
// (STRING, composite) and int64 (INT) keys.
func TestWindowJoinNulls(t *testing.T) {
	tsType := data.TTimestamp(3)
	for _, c := range []struct {
		name  string
		types []data.Type
		keys  []int
		k     data.Value
		shown string // k as printed
	}{
		{"string", kvw, []int{0}, null(data.String), "NULL"},
		{"int", []data.Type{data.TInt, data.TInt, tsType, tsType}, []int{0}, null(data.Int), "NULL"},
		{"composite", kvw, []int{0, 1}, a, "a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := windowJoinSpec(FullJoin)
			spec.LeftTypes, spec.RightTypes, spec.LeftKeys, spec.RightKeys = c.types, c.types, c.keys, c.keys
			j := startJob(t, 2, windowJoinOn(spec), nil)
			nv := null(data.Int)
			joins(t, j, rows(lrow(c.k, nv, ts(0), ts(10)), rrow(c.k, nv, ts(0), ts(10))))
			passes(t, j, 9,
				fmt.Sprintf("+I[%s, NULL, 0, 10, NULL, NULL, NULL, NULL]@9", c.shown),
				fmt.Sprintf("+I[NULL, NULL, NULL, NULL, %s, NULL, 0, 10]@9", c.shown))
			spec.Type = InnerJoin
			j = startJob(t, 2, windowJoinOn(spec), nil)
			empty := keyedStateBytes(t, j)
			joins(t, j, rows(lrow(c.k, nv, ts(0), ts(10)), rrow(c.k, nv, ts(0), ts(10))))
			if n := keyedStateBytes(t, j); n != empty {
				t.Fatalf("state of %d bytes after rows with NULL keys, %d empty", n, empty)
			}
			passes(t, j, 9)
		})
	}
	j := startJob(t, 2, windowJoinOn(windowJoinSpec(FullJoin)), nil)
	nt := null(data.Timestamp)
	joins(t, j, rows(lrow(a, i32(1), nt, ts(10)), rrow(a, i32(10), ts(0), nt), lwin(a, 2, 0, 10), rwin(a, 11, 0, 10)))
	passes(t, j, 1000, "+I[a, 2, 0, 10, a, 11, 0, 10]@9")
}

// TestWindowJoinIntWithBigInt: an INT key meets a BIGINT key of the same
// value, with int64 keys (both NOT NULL) and encoded ones (a nullable
// INT).
func TestWindowJoinIntWithBigInt(t *testing.T) {
	intNN, bigNN, tsType := data.TInt.AsNotNull(), data.TBigInt.AsNotNull(), data.TTimestamp(3)
	for _, c := range []struct {
		name      string
		left      data.Type
		int64Keys bool
	}{{"int64 keys", intNN, true}, {"nullable INT", data.TInt, false}} {
		t.Run(c.name, func(t *testing.T) {
			spec := windowJoinSpec(LeftJoin)
			spec.LeftTypes = []data.Type{c.left, data.TInt, tsType, tsType}
			spec.RightTypes = []data.Type{bigNN, data.TInt, tsType, tsType}
			if got := intJoinKey(spec.joinSpec()); got != c.int64Keys {
				t.Fatalf("int64 keys: %v, want %v", got, c.int64Keys)
			}
			j := startJob(t, 3, windowJoinOn(spec), nil)
			joins(t, j, rows(
				rrow(i64(5), i32(10), ts(0), ts(10)), rrow(i64(1<<32+5), i32(11), ts(0), ts(10)),
				lrow(i32(5), i32(1), ts(0), ts(10)), lrow(i32(6), i32(2), ts(0), ts(10))))
			passes(t, j, 9, "+I[5, 1, 0, 10, 5, 10, 0, 10]@9", "+I[6, 2, 0, 10, NULL, NULL, NULL, NULL]@9")
		})
	}
}

// TestWindowJoinCondition: the rest of the condition filters a window's
// pairs, a left row the condition refuses every partner of is padded as
// one without any, and an error fails the job when the window fires.
func TestWindowJoinCondition(t *testing.T) {
	spec := windowJoinSpec(LeftJoin)
	spec.Cond = func(r data.Row) (bool, error) { // left v < right v
		return r.Field(1).Int64() < r.Field(5).Int64(), nil
	}
	j := startJob(t, 2, windowJoinOn(spec), nil)
	joins(t, j, rows(lwin(a, 5, 0, 10), rwin(a, 3, 0, 10), rwin(a, 7, 0, 10), lwin(a, 9, 0, 10)))
	passes(t, j, 9, "+I[a, 5, 0, 10, a, 7, 0, 10]@9", "+I[a, 9, 0, 10, NULL, NULL, NULL, NULL]@9")

	spec.Cond = func(data.Row) (bool, error) { return false, fmt.Errorf("division by zero") }
	j = startJob(t, 1, windowJoinOn(spec), nil)
	j.push(lwin(a, 1, 0, 10), rwin(a, 2, 0, 10))
	err := watermarkErr(j, 9)
	if err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("error %v, want the condition's", err)
	}
}

// TestWindowJoinRefusesChanges: an update or delete on either input
// fails the job, naming the operator.
func TestWindowJoinRefusesChanges(t *testing.T) {
	for _, r := range []data.Row{
		lchg(data.Delete, a, i32(1), ts(0), ts(10)),
		rchg(data.UpdateAfter, a, i32(1), ts(0), ts(10)),
	} {
		j := startJob(t, 2, windowJoinOn(windowJoinSpec(InnerJoin)), nil)
		err := j.pushErr(r)
		if err == nil || !strings.Contains(err.Error(), "WindowJoin takes insert-only inputs") {
			t.Fatalf("%s: error %v, want WindowJoin's refusal", r, err)
		}
	}
}

// TestWindowJoinRestores checkpoints a full join of two subtasks with two
// windows open and restores it at two and at three: each window's rows
// and timers come back in the subtask that owns their key's group, so
// the windows fire after the restore with the rows of before and after
// it, and leave no state; with encoded and int64 keys.
func TestWindowJoinRestores(t *testing.T) {
	for _, key := range []data.Type{data.TBigInt, data.TBigInt.AsNotNull()} {
		tsType := data.TTimestamp(3)
		types := []data.Type{key, data.TInt, tsType, tsType}
		spec := windowJoinSpec(FullJoin)
		spec.LeftTypes, spec.RightTypes = types, types
		for _, p := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/%d", key, p), func(t *testing.T) {
				j := startJob(t, 2, windowJoinOn(spec), nil)
				for k := range int64(8) {
					j.push(lrow(i64(k), i32(1), ts(0), ts(10)))
					if k%2 == 0 {
						j.push(rrow(i64(k), i32(10), ts(0), ts(10)))
					}
					if k%4 == 0 {
						j.push(lrow(i64(k), i32(2), ts(10), ts(20)))
					}
				}
				passes(t, j, 5)
				j = startJob(t, p, windowJoinOn(spec), j.snapshot())
				j.push(rrow(i64(1), i32(12), ts(0), ts(10)))
				var want []string
				for k := range int64(8) {
					switch {
					case k%2 == 0:
						want = append(want, fmt.Sprintf("+I[%d, 1, 0, 10, %d, 10, 0, 10]@9", k, k))
					case k == 1:
						want = append(want, "+I[1, 1, 0, 10, 1, 12, 0, 10]@9")
					default:
						want = append(want, fmt.Sprintf("+I[%d, 1, 0, 10, NULL, NULL, NULL, NULL]@9", k))
					}
				}
				passes(t, j, 9, want...)
				want = nil
				for k := range int64(8) {
					if k%4 == 0 {
						j.push(rrow(i64(k), i32(11), ts(10), ts(20)))
						want = append(want, fmt.Sprintf("+I[%d, 2, 10, 20, %d, 11, 10, 20]@19", k, k))
					}
				}
				passes(t, j, 19, want...)
				if n, empty := keyedStateBytes(t, j), keyedStateBytes(t, startJob(t, p, windowJoinOn(spec), nil)); n != empty {
					t.Fatalf("state of %d bytes after every window fired, %d empty", n, empty)
				}
			})
		}
	}
}

func TestWindowJoinVertex(t *testing.T) {
	j := startJob(t, 2, windowJoinOn(windowJoinSpec(InnerJoin)), nil)
	j.runsVertex(t, "WindowJoin")
}

// TestWindowJoinRefusesBadSpecs: what the planner should have refused
// panics at build time, with the reason.
func TestWindowJoinRefusesBadSpecs(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*WindowJoinSpec)
		want string
	}{
		{"no keys", func(s *WindowJoinSpec) { s.LeftKeys, s.RightKeys = nil, nil }, "0 left and 0 right key columns"},
		{"kinds", func(s *WindowJoinSpec) { s.RightKeys = []int{1} }, "key 0 pairs STRING with INT"},
		{"type", func(s *WindowJoinSpec) { s.Type = 9 }, "unknown join type 9"},
		{"left start out of range", func(s *WindowJoinSpec) { s.LeftStart = 4 }, "left window_start is column 4 of 4"},
		{"right end out of range", func(s *WindowJoinSpec) { s.RightEnd = -1 }, "right window_end is column -1 of 4"},
		{"bound type", func(s *WindowJoinSpec) { s.LeftEnd = 1 }, "left window_end column 1 is INT: want TIMESTAMP or TIMESTAMP_LTZ"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := windowJoinSpec(InnerJoin)
			c.edit(&spec)
			panics(t, "runtime: WindowJoin: "+c.want, func() {
				var s *streamRows
				WindowJoin(s, s, spec)
			})
		})
	}
}
