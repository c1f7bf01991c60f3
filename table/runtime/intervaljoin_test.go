package runtime

import (
	"fmt"
	"strings"
	"testing"

	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// intervalOn is a pipeline of IntervalJoin over the rows the test pushes
// with their side in a first INT column, as joinOn's.
func intervalOn(spec IntervalJoinSpec) pipeline {
	return func(in *streamRows) *streamRows {
		side := func(tag int64) *streamRows {
			rows := stream.Filter(in, func(r data.Row) bool { n, _ := r.Int64At(0); return n == tag })
			return stream.Map(rows, func(r data.Row) data.Row { return r.Slice(1, r.Width()) })
		}
		return IntervalJoin(side(leftSide), side(rightSide), spec)
	}
}

// ktv is the schema of both sides in most tests: (k STRING, v INT, t
// TIMESTAMP(3)).
var ktv = []data.Type{data.TString, data.TInt, data.TTimestamp(3)}

// intervalSpec joins two ktv inputs on k with lower <= right t - left t
// <= upper.
func intervalSpec(typ JoinType, lower, upper int64) IntervalJoinSpec {
	return IntervalJoinSpec{
		Type: typ, LeftKeys: []int{0}, RightKeys: []int{0}, LeftTypes: ktv, RightTypes: ktv,
		LeftTime: 2, RightTime: 2, Lower: lower, Upper: upper,
	}
}

// ljoin and rjoin are left and right ktv rows.
func ljoin(k data.Value, v int32, t int64) data.Row { return lrow(k, i32(v), ts(t)) }
func rjoin(k data.Value, v int32, t int64) data.Row { return rrow(k, i32(v), ts(t)) }

// timed returns the rows emitted since the last take, sorted, as Flink
// prints them but with TIMESTAMPs in epoch milliseconds, each followed by
// @ and its event timestamp.
func timed(j *testJob) []string {
	var rows []string
	for _, o := range j.takeOutputs() {
		vs := o.row.Values()
		for i, v := range vs {
			if v.Kind() == data.Timestamp && !v.IsNull() {
				vs[i] = i64(v.Millis())
			}
		}
		rows = append(rows, fmt.Sprintf("%s@%d", data.MakeRow(o.row.Kind, vs), o.ts))
	}
	return sorted(rows)
}

// joins pushes rows and checks what they emit, in any order.
func joins(t *testing.T, j *testJob, rows []data.Row, want ...string) {
	t.Helper()
	j.push(rows...)
	checkRows(t, fmt.Sprintf("after %v", rows), timed(j), sorted(want))
}

// passes advances the watermark and checks what that emits.
func passes(t *testing.T, j *testJob, wm int64, want ...string) {
	t.Helper()
	j.watermark(wm)
	checkRows(t, fmt.Sprintf("at watermark %d", wm), timed(j), sorted(want))
}

// TestIntervalJoinInner joins with right t - left t in [-10, 20]: the
// bounds match, one past them does not, whichever side comes first;
// every pair of a key's rows in range is emitted once, stamped with the
// later time.
func TestIntervalJoinInner(t *testing.T) {
	for _, p := range []int{1, 3} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			j := startJob(t, p, intervalOn(intervalSpec(InnerJoin, -10, 20)), nil)
			joins(t, j, rows(ljoin(a, 1, 100)))
			joins(t, j, rows(rjoin(a, 10, 89), rjoin(a, 11, 121), rjoin(b, 12, 100)))
			joins(t, j, rows(rjoin(a, 13, 90)), "+I[a, 1, 100, a, 13, 90]@100")
			joins(t, j, rows(rjoin(a, 14, 120)), "+I[a, 1, 100, a, 14, 120]@120")
			// The left row second: the right rows in state at its bounds.
			joins(t, j, rows(ljoin(a, 2, 100)), "+I[a, 2, 100, a, 13, 90]@100", "+I[a, 2, 100, a, 14, 120]@120")
			joins(t, j, rows(ljoin(a, 3, 99), ljoin(a, 4, 101)),
				"+I[a, 3, 99, a, 10, 89]@99", "+I[a, 3, 99, a, 13, 90]@99",
				"+I[a, 4, 101, a, 14, 120]@120", "+I[a, 4, 101, a, 11, 121]@121")
			// Two rows of one key and time, and a copy of one: each pair.
			joins(t, j, rows(ljoin(b, 5, 100), ljoin(b, 5, 100)),
				"+I[b, 5, 100, b, 12, 100]@100", "+I[b, 5, 100, b, 12, 100]@100")
			joins(t, j, rows(rjoin(b, 15, 100)),
				"+I[b, 5, 100, b, 15, 100]@100", "+I[b, 5, 100, b, 15, 100]@100")
		})
	}
}

// TestIntervalJoinCondition: the rest of the condition filters the pairs
// in range, a left row the condition refuses every partner of is padded
// as one without any, and an error fails the job.
func TestIntervalJoinCondition(t *testing.T) {
	less := func(r data.Row) (bool, error) { // left v < right v
		return r.Field(1).Int64() < r.Field(4).Int64(), nil
	}
	spec := intervalSpec(LeftJoin, 0, 10)
	spec.Cond = less
	j := startJob(t, 2, intervalOn(spec), nil)
	joins(t, j, rows(ljoin(a, 5, 100), rjoin(a, 3, 105)))
	joins(t, j, rows(rjoin(a, 7, 105)), "+I[a, 5, 100, a, 7, 105]@105")
	joins(t, j, rows(ljoin(a, 9, 100)))
	passes(t, j, 111, "+I[a, 9, 100, NULL, NULL, NULL]@100")

	spec.Cond = func(data.Row) (bool, error) { return false, fmt.Errorf("division by zero") }
	j = startJob(t, 1, intervalOn(spec), nil)
	j.push(ljoin(a, 1, 100))
	err := j.pushErr(rjoin(a, 2, 100))
	if err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("error %v, want the condition's", err)
	}
}

// TestIntervalJoinOuter: a row of an outer side that never matched is
// emitted padded once, when the watermark passes the end of its range
// (a left row's time + 20, a right row's time + 10), stamped with its
// own time; a matched row never is, and an inner side's never is.
func TestIntervalJoinOuter(t *testing.T) {
	for _, c := range []struct {
		typ         JoinType
		left, right bool // which unmatched rows come out padded
	}{
		{InnerJoin, false, false}, {LeftJoin, true, false}, {RightJoin, false, true}, {FullJoin, true, true},
	} {
		t.Run(c.typ.String(), func(t *testing.T) {
			j := startJob(t, 2, intervalOn(intervalSpec(c.typ, -10, 20)), nil)
			joins(t, j, rows(ljoin(a, 1, 100), rjoin(a, 10, 115), ljoin(b, 2, 100), rjoin(b, 20, 50)),
				"+I[a, 1, 100, a, 10, 115]@115")
			var want []string
			if c.right {
				want = append(want, "+I[NULL, NULL, NULL, b, 20, 50]@50")
			}
			passes(t, j, 60)
			passes(t, j, 61, want...) // b's right row: 50 + 10 passed
			passes(t, j, 120)
			want = nil
			if c.left {
				want = append(want, "+I[b, 2, 100, NULL, NULL, NULL]@100")
			}
			passes(t, j, 121, want...) // b's left row and a's: 100 + 20 passed
			passes(t, j, 1000)         // a's right row expired matched
			j.end()
			checkRows(t, "at the end", timed(j), nil)
		})
	}
}

// TestIntervalJoinLateRows: a row behind the watermark still joins with
// the rows in state; if it is too late to be kept (the watermark passed
// the end of its range), an outer one without a match is padded at once.
func TestIntervalJoinLateRows(t *testing.T) {
	j := startJob(t, 2, intervalOn(intervalSpec(FullJoin, -10, 20)), nil)
	joins(t, j, rows(rjoin(a, 10, 100)))
	passes(t, j, 105)
	// Left 95 is late (behind 105) but matches right 100 in state; it
	// may still be matched by a right row up to 115, so it is kept.
	joins(t, j, rows(ljoin(a, 1, 95)), "+I[a, 1, 95, a, 10, 100]@100")
	// Left 84 matches right 100 (84 + 20 >= 100) and cannot be kept:
	// right rows up to 104, behind the watermark, are all it could meet.
	joins(t, j, rows(ljoin(a, 2, 84)), "+I[a, 2, 84, a, 10, 100]@100")
	// Left 79 matches nothing and cannot be kept: padded at once; so is
	// left 84 of b, whose range ends just behind the watermark.
	joins(t, j, rows(ljoin(a, 3, 79)), "+I[a, 3, 79, NULL, NULL, NULL]@79")
	joins(t, j, rows(ljoin(b, 4, 84)), "+I[b, 4, 84, NULL, NULL, NULL]@84")
	// Right 80 is too late for its range [70, 90] of left times.
	joins(t, j, rows(rjoin(a, 11, 80)), "+I[NULL, NULL, NULL, a, 11, 80]@80")
	joins(t, j, rows(rjoin(a, 12, 112)), "+I[a, 1, 95, a, 12, 112]@112")
	passes(t, j, 1000) // every row kept matched
}

// keyedStateBytes is the size of a snapshot of every chain's keyed state
// and timers.
func keyedStateBytes(t testing.TB, j *testJob) int {
	t.Helper()
	n := 0
	for task := range j.plan.Tasks {
		for _, c := range j.job.Chains(scheduler.TaskID(task)) {
			snaps, err := c.SnapshotState(1)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range snaps {
				for _, g := range s.KeyGroups {
					n += len(g)
				}
			}
		}
	}
	return n
}

// TestIntervalJoinCleansState: once the watermark passes every row's
// range, the snapshot is as small as an empty job's (no rows and no
// timers left), and a row that would have matched an old row finds
// nothing.
func TestIntervalJoinCleansState(t *testing.T) {
	j := startJob(t, 2, intervalOn(intervalSpec(InnerJoin, -10, 20)), nil)
	empty := keyedStateBytes(t, j)
	for i := range int64(100) {
		j.push(ljoin(str(fmt.Sprint(i%10)), int32(i), 100+i), rjoin(str(fmt.Sprint(i%7)), int32(i), 100+i))
	}
	j.take()
	if n := keyedStateBytes(t, j); n <= empty {
		t.Fatalf("state of %d bytes with rows kept, %d empty", n, empty)
	}
	// Before the watermark passes it, left row 0 (key 0, time 100) meets
	// a right row at 100.
	joins(t, j, rows(rjoin(str("0"), 1000, 100)), "+I[0, 0, 100, 0, 1000, 100]@100", "+I[0, 10, 110, 0, 1000, 100]@110")
	passes(t, j, 10_000)
	if n := keyedStateBytes(t, j); n != empty {
		t.Fatalf("state of %d bytes after the watermark passed every row, %d empty", n, empty)
	}
	joins(t, j, rows(rjoin(str("0"), 1001, 100)))
}

// TestIntervalJoinNulls: a NULL key matches nothing, not even a NULL, and
// an outer row with one is padded at once; a row with a NULL rowtime is
// dropped; with encoded (STRING, composite) and int64 (INT) keys.
func TestIntervalJoinNulls(t *testing.T) {
	tsType := data.TTimestamp(3)
	for _, c := range []struct {
		name  string
		types []data.Type
		keys  []int
		k     data.Value
		shown string // k as printed
	}{
		{"string", ktv, []int{0}, null(data.String), "NULL"},
		{"int", []data.Type{data.TInt, data.TInt, tsType}, []int{0}, null(data.Int), "NULL"},
		{"composite", ktv, []int{0, 1}, a, "a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := intervalSpec(FullJoin, -10, 10)
			spec.LeftTypes, spec.RightTypes, spec.LeftKeys, spec.RightKeys = c.types, c.types, c.keys, c.keys
			j := startJob(t, 2, intervalOn(spec), nil)
			nv := null(data.Int)
			joins(t, j, rows(lrow(c.k, nv, ts(100))), fmt.Sprintf("+I[%s, NULL, 100, NULL, NULL, NULL]@100", c.shown))
			joins(t, j, rows(rrow(c.k, nv, ts(100))), fmt.Sprintf("+I[NULL, NULL, NULL, %s, NULL, 100]@100", c.shown))
			spec.Type = InnerJoin
			j = startJob(t, 2, intervalOn(spec), nil)
			joins(t, j, rows(lrow(c.k, nv, ts(100)), rrow(c.k, nv, ts(100))))
		})
	}
	j := startJob(t, 2, intervalOn(intervalSpec(FullJoin, -10, 10)), nil)
	joins(t, j, rows(lrow(a, i32(1), null(data.Timestamp)), rjoin(a, 10, 100)))
	joins(t, j, rows(rrow(a, i32(11), null(data.Timestamp)), ljoin(a, 1, 100)), "+I[a, 1, 100, a, 10, 100]@100")
	passes(t, j, 1000)
}

// TestIntervalJoinIntWithBigInt: an INT key meets a BIGINT key of the
// same value, with int64 keys (both NOT NULL) and encoded ones (a
// nullable INT).
func TestIntervalJoinIntWithBigInt(t *testing.T) {
	intNN, bigNN, tsType := data.TInt.AsNotNull(), data.TBigInt.AsNotNull(), data.TTimestamp(3)
	for _, c := range []struct {
		name      string
		left      data.Type
		int64Keys bool
	}{{"int64 keys", intNN, true}, {"nullable INT", data.TInt, false}} {
		t.Run(c.name, func(t *testing.T) {
			spec := intervalSpec(LeftJoin, 0, 0)
			spec.LeftTypes = []data.Type{c.left, data.TInt, tsType}
			spec.RightTypes = []data.Type{bigNN, data.TInt, tsType}
			if got := intJoinKey(spec.joinSpec()); got != c.int64Keys {
				t.Fatalf("int64 keys: %v, want %v", got, c.int64Keys)
			}
			j := startJob(t, 3, intervalOn(spec), nil)
			joins(t, j, rows(rrow(i64(5), i32(10), ts(100)), rrow(i64(1<<32+5), i32(11), ts(100))))
			joins(t, j, rows(lrow(i32(5), i32(1), ts(100))), "+I[5, 1, 100, 5, 10, 100]@100")
			joins(t, j, rows(lrow(i32(6), i32(2), ts(100))))
			passes(t, j, 101, "+I[6, 2, 100, NULL, NULL, NULL]@100")
		})
	}
}

// TestIntervalJoinRefusesChanges: an update or delete on either input
// fails the job, naming the operator.
func TestIntervalJoinRefusesChanges(t *testing.T) {
	for _, r := range []data.Row{
		lchg(data.Delete, a, i32(1), ts(100)),
		rchg(data.UpdateAfter, a, i32(1), ts(100)),
	} {
		j := startJob(t, 2, intervalOn(intervalSpec(InnerJoin, 0, 10)), nil)
		err := j.pushErr(r)
		if err == nil || !strings.Contains(err.Error(), "IntervalJoin takes insert-only inputs") {
			t.Fatalf("%s: error %v, want IntervalJoin's refusal", r, err)
		}
	}
}

// TestIntervalJoinRestores checkpoints a full join of two subtasks and
// restores it at two and at three: rows, their matched marks and their
// cleanup timers come back in the subtask that owns their key's group,
// so the rows matched before the checkpoint are never padded, the others
// are when the watermark passes them, and new rows meet the old ones;
// with encoded and int64 keys.
func TestIntervalJoinRestores(t *testing.T) {
	for _, key := range []data.Type{data.TBigInt, data.TBigInt.AsNotNull()} {
		types := []data.Type{key, data.TInt, data.TTimestamp(3)}
		spec := intervalSpec(FullJoin, -10, 10)
		spec.LeftTypes, spec.RightTypes = types, types
		for _, p := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/%d", key, p), func(t *testing.T) {
				j := startJob(t, 2, intervalOn(spec), nil)
				for k := range int64(8) {
					j.push(lrow(i64(k), i32(1), ts(100)))
					if k%2 == 0 {
						j.push(rrow(i64(k), i32(10), ts(105)))
					}
				}
				j.watermark(50)
				j.take()
				j = startJob(t, p, intervalOn(spec), j.snapshot())
				var want []string
				for k := range int64(8) {
					if k%4 == 0 {
						j.push(rrow(i64(k), i32(11), ts(110)))
						want = append(want, fmt.Sprintf("+I[%d, 1, 100, %d, 11, 110]@110", k, k))
					}
				}
				checkRows(t, "after the restore", timed(j), sorted(want))
				want = nil
				for k := range int64(8) {
					if k%2 == 1 {
						want = append(want, fmt.Sprintf("+I[%d, 1, 100, NULL, NULL, NULL]@100", k))
					}
				}
				passes(t, j, 111, want...)
				passes(t, j, 121)
				if n, empty := keyedStateBytes(t, j), keyedStateBytes(t, startJob(t, p, intervalOn(spec), nil)); n != empty {
					t.Fatalf("state of %d bytes after the watermark passed every row, %d empty", n, empty)
				}
			})
		}
	}
}

func TestIntervalJoinVertex(t *testing.T) {
	j := startJob(t, 2, intervalOn(intervalSpec(InnerJoin, 0, 0)), nil)
	j.runsVertex(t, "IntervalJoin")
}

// TestIntervalJoinRefusesBadSpecs: what the planner should have refused
// panics at build time, with the reason.
func TestIntervalJoinRefusesBadSpecs(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*IntervalJoinSpec)
		want string
	}{
		{"no keys", func(s *IntervalJoinSpec) { s.LeftKeys, s.RightKeys = nil, nil }, "0 left and 0 right key columns"},
		{"kinds", func(s *IntervalJoinSpec) { s.RightKeys = []int{1} }, "key 0 pairs STRING with INT"},
		{"type", func(s *IntervalJoinSpec) { s.Type = 9 }, "unknown join type 9"},
		{"left time out of range", func(s *IntervalJoinSpec) { s.LeftTime = 3 }, "left time is column 3 of 3"},
		{"right time out of range", func(s *IntervalJoinSpec) { s.RightTime = -1 }, "right time is column -1 of 3"},
		{"time type", func(s *IntervalJoinSpec) { s.RightTime = 1 }, "right time column 1 is INT: want TIMESTAMP or TIMESTAMP_LTZ"},
		{"bounds", func(s *IntervalJoinSpec) { s.Lower, s.Upper = 5, 4 }, "bounds [5 ms, 4 ms]: the lower bound is above the upper"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := intervalSpec(InnerJoin, 0, 10)
			c.edit(&spec)
			panics(t, "runtime: IntervalJoin: "+c.want, func() {
				var s *streamRows
				IntervalJoin(s, s, spec)
			})
		})
	}
}

// TestIntervalJoinHoldsBackWatermark: the join forwards the watermark
// held back by the larger of Upper and -Lower, so that a window after it
// counts a padded row, emitted only once the watermark passed its time
// plus Upper, rather than dropping it as late.
func TestIntervalJoinHoldsBackWatermark(t *testing.T) {
	spec := intervalSpec(LeftJoin, -10, 20)
	j := startJob(t, 1, func(in *streamRows) *streamRows {
		joined := stream.Map(intervalOn(spec)(in), func(r data.Row) data.Row { return data.NewRow(r.Field(0), r.Field(2)) })
		return WindowAggregate(joined, WindowSpec{Kind: Tumble, Size: 10 * ms, TimeCol: 1}, []int{0}, []AggCall{countStar}, WindowAggOptions{})
	}, nil)
	j.push(ljoin(a, 1, 5))
	j.watermark(24) // [0, 10) would fire here without the delay
	j.watermark(30) // the left row expires, padded, and the window fires
	j.end()
	checkRows(t, "windows", j.take(), []string{"+I[a, 1, " + bounds(0, 10) + "]"})
	if n := j.lateDropped(); n != 0 {
		t.Fatalf("%d padded rows dropped as late downstream", n)
	}
}
