package runtime

import (
	"fmt"
	"strings"
	"testing"

	"github.com/runnel/runnel/table/data"
)

// The window rank tests' input is, unless a test windows its own, rows a
// windowing table function emitted without their time columns: (p
// STRING, v INT, id STRING, window_start TIMESTAMP(3), window_end
// TIMESTAMP(3)), partitioned by p.
func wr(p string, v data.Value, id string, start, end int64) data.Row {
	return row(str(p), v, str(id), ts(start), ts(end))
}

// windowRankBy is WindowRank of spec over the test input.
func windowRankBy(spec WindowRankSpec) pipeline {
	return func(in *streamRows) *streamRows { return WindowRank(in, spec) }
}

// windowTopByV is the Top-n by v DESC (Flink's default NULLS LAST) per p
// and window of the test input.
func windowTopByV(n int64, outputRank bool) WindowRankSpec {
	return WindowRankSpec{
		PartitionBy: []int{0}, WindowStart: 3, WindowEnd: 4,
		OrderBy: []SortKey{{Col: 1, Descending: true}}, N: n, OutputRank: outputRank,
	}
}

// ranksNothing pushes rows and checks that they emit nothing: a window's
// result comes out when it fires, not before.
func ranksNothing(t *testing.T, j *testJob, rows ...data.Row) {
	t.Helper()
	j.push(rows...)
	checkRows(t, fmt.Sprintf("after %v", rows), overOut(j), nil)
}

// rankFires advances the watermark to wm and checks what that emits,
// as overOut prints it: each partition's rows (by the first column) in
// the order they came, which is rank order within a window, and
// windows of a partition in the order of their ends.
func rankFires(t *testing.T, j *testJob, wm int64, want ...string) {
	t.Helper()
	j.watermark(wm)
	checkPartitions(t, fmt.Sprintf("at watermark %d", wm), overOut(j), want)
}

// TestWindowRankTumble: the Top-3 by v DESC per p of each TUMBLE window,
// emitted only when the watermark reaches the window's last millisecond,
// in rank order, stamped with it; two windows open at once; a row tying
// a kept one ranks after it, and one tying the last of a full top 3
// does not enter it; with and without the rank column.
func TestWindowRankTumble(t *testing.T) {
	for _, outputRank := range []bool{true, false} {
		for _, p := range []int{1, 3} {
			t.Run(fmt.Sprintf("rank=%v/p=%d", outputRank, p), func(t *testing.T) {
				j := startJob(t, p, windowRankBy(windowTopByV(3, outputRank)), nil)
				ranksNothing(t, j,
					wr("a", i32(5), "x1", 0, 10), wr("a", i32(3), "x2", 0, 10), wr("b", i32(8), "w1", 10, 20),
					wr("a", i32(7), "x3", 0, 10), wr("a", i32(1), "z1", 10, 20), wr("a", i32(5), "x4", 0, 10),
					wr("b", i32(8), "w2", 10, 20), wr("a", i32(5), "x5", 0, 10), wr("b", i32(2), "y1", 0, 10),
					wr("b", i32(8), "w3", 10, 20), wr("a", i32(9), "x6", 0, 10), wr("b", i32(8), "w4", 10, 20),
					wr("a", i32(4), "z2", 10, 20))
				rank := func(s string, r int) string {
					if !outputRank {
						return s + "]"
					}
					return fmt.Sprintf("%s, %d]", s, r)
				}
				rankFires(t, j, 8)
				rankFires(t, j, 9,
					rank("+I[a, 9, x6, 0, 10", 1)+"@9", rank("+I[a, 7, x3, 0, 10", 2)+"@9", rank("+I[a, 5, x1, 0, 10", 3)+"@9",
					rank("+I[b, 2, y1, 0, 10", 1)+"@9")
				// Late for [0, 10), which fired.
				ranksNothing(t, j, wr("a", i32(99), "late", 0, 10), wr("a", i32(6), "z3", 10, 20))
				rankFires(t, j, 19,
					rank("+I[a, 6, z3, 10, 20", 1)+"@19", rank("+I[a, 4, z2, 10, 20", 2)+"@19", rank("+I[a, 1, z1, 10, 20", 3)+"@19",
					rank("+I[b, 8, w1, 10, 20", 1)+"@19", rank("+I[b, 8, w2, 10, 20", 2)+"@19", rank("+I[b, 8, w3, 10, 20", 3)+"@19")
				j.end()
				checkRows(t, "at the end", overOut(j), nil)
				if !hasTask(j, "WindowRank", p) {
					t.Fatalf("no task of parallelism %d runs the WindowRank vertex: %v", p, j.plan.Tasks)
				}
			})
		}
	}
}

// hasTask reports whether a task of j named with name has the given
// parallelism.
func hasTask(j *testJob, name string, parallelism int) bool {
	for _, task := range j.plan.Tasks {
		if strings.Contains(task.Name, name) && task.Parallelism == parallelism {
			return true
		}
	}
	return false
}

// TestWindowRankGlobal: without partition columns each window is one
// partition, ranked by one subtask whatever the job's parallelism, its
// rows emitted in rank order; windows fire in the order of their ends.
func TestWindowRankGlobal(t *testing.T) {
	spec := windowTopByV(2, true)
	spec.PartitionBy = nil
	j := startJob(t, 3, windowRankBy(spec), nil)
	if !hasTask(j, "WindowRank", 1) {
		t.Fatalf("no task of parallelism 1 runs the WindowRank vertex: %v", j.plan.Tasks)
	}
	ranksNothing(t, j,
		wr("a", i32(1), "x", 0, 10), wr("b", i32(3), "y", 0, 10), wr("c", i32(2), "z", 0, 10),
		wr("d", i32(4), "u", 10, 20), wr("a", i32(3), "v", 0, 10))
	j.watermark(30)
	checkRows(t, "at watermark 30", overOut(j), []string{
		"+I[b, 3, y, 0, 10, 1]@9", "+I[a, 3, v, 0, 10, 2]@9", "+I[d, 4, u, 10, 20, 1]@19"})
}

// TestWindowRankNullOrder: the sort key's NullsFirst places NULLs,
// whatever the direction: last for Flink's DESC default, first for its
// ASC default, and first for DESC NULLS FIRST; NULLs tie with each other,
// in arrival order.
func TestWindowRankNullOrder(t *testing.T) {
	nv := null(data.Int)
	in := []data.Row{
		wr("a", nv, "n1", 0, 10), wr("a", i32(2), "x", 0, 10), wr("a", nv, "n2", 0, 10),
		wr("a", i32(1), "y", 0, 10), wr("a", i32(3), "z", 0, 10),
	}
	for _, c := range []struct {
		name string
		key  SortKey
		want []string
	}{
		{"DESC NULLS LAST", SortKey{Col: 1, Descending: true},
			[]string{"+I[a, 3, z, 0, 10, 1]@9", "+I[a, 2, x, 0, 10, 2]@9", "+I[a, 1, y, 0, 10, 3]@9"}},
		{"ASC NULLS FIRST", SortKey{Col: 1, NullsFirst: true},
			[]string{"+I[a, NULL, n1, 0, 10, 1]@9", "+I[a, NULL, n2, 0, 10, 2]@9", "+I[a, 1, y, 0, 10, 3]@9"}},
		{"DESC NULLS FIRST", SortKey{Col: 1, Descending: true, NullsFirst: true},
			[]string{"+I[a, NULL, n1, 0, 10, 1]@9", "+I[a, NULL, n2, 0, 10, 2]@9", "+I[a, 3, z, 0, 10, 3]@9"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := windowTopByV(3, true)
			spec.OrderBy = []SortKey{c.key}
			j := startJob(t, 2, windowRankBy(spec), nil)
			ranksNothing(t, j, in...)
			rankFires(t, j, 9, c.want...)
		})
	}
}

// TestWindowRankHop ranks the output of a HOP windowing table function
// over (p STRING, v INT, t TIMESTAMP(3)): a row in two windows ranks in
// each, each window firing at its own end; a row late for one of its
// windows still ranks in the other.
func TestWindowRankHop(t *testing.T) {
	spec := WindowRankSpec{
		PartitionBy: []int{0}, WindowStart: 3, WindowEnd: 4,
		OrderBy: []SortKey{{Col: 1, Descending: true}}, N: 2, OutputRank: true,
	}
	j := startJob(t, 2, func(in *streamRows) *streamRows {
		hop := WindowTableFunction(in, WindowSpec{Kind: Hop, Size: 10 * ms, Slide: 5 * ms, TimeCol: timeCol})
		return WindowRank(hop, spec)
	}, nil)
	// 7 and 8 are in [0, 10) and [5, 15), 3 in [-5, 5) and [0, 10), 12
	// in [5, 15) and [10, 20).
	ranksNothing(t, j, ev("a", 1, 7), ev("a", 2, 3), ev("a", 3, 12), ev("a", 0, 8), ev("b", 5, 8))
	rankFires(t, j, 4, "+I[a, 2, 3, -5, 5, 4, 1]@4")
	rankFires(t, j, 9,
		"+I[a, 2, 3, 0, 10, 9, 1]@9", "+I[a, 1, 7, 0, 10, 9, 2]@9", "+I[b, 5, 8, 0, 10, 9, 1]@9")
	// 6 is late for [0, 10), not for [5, 15).
	ranksNothing(t, j, ev("a", 2, 6))
	rankFires(t, j, 14,
		"+I[a, 3, 12, 5, 15, 14, 1]@14", "+I[a, 2, 6, 5, 15, 14, 2]@14", "+I[b, 5, 8, 5, 15, 14, 1]@14")
	rankFires(t, j, 19, "+I[a, 3, 12, 10, 20, 19, 1]@19")
}

// TestWindowRankOverWindowAggregate ranks a TUMBLE window aggregation's
// rows (k, SUM(v), window_start, window_end, window_time): they come
// out before the watermark that fired their window, so none is late, and
// the window's Top-2 fires at that same watermark.
func TestWindowRankOverWindowAggregate(t *testing.T) {
	spec := WindowRankSpec{WindowStart: 2, WindowEnd: 3, OrderBy: []SortKey{{Col: 1, Descending: true}}, N: 2, OutputRank: true}
	j := startJob(t, 2, func(in *streamRows) *streamRows {
		agg := WindowAggregate(in, WindowSpec{Kind: Tumble, Size: 10 * ms, TimeCol: timeCol}, []int{0}, []AggCall{sumV}, WindowAggOptions{})
		return WindowRank(agg, spec)
	}, nil)
	ranksNothing(t, j, ev("a", 1, 1), ev("a", 2, 2), ev("b", 5, 3), ev("c", 4, 4), ev("a", 9, 12))
	j.watermark(9)
	checkRows(t, "at watermark 9", overOut(j), []string{"+I[b, 5, 0, 10, 9, 1]@9", "+I[c, 4, 0, 10, 9, 2]@9"})
	j.watermark(19)
	checkRows(t, "at watermark 19", overOut(j), []string{"+I[a, 9, 10, 20, 19, 1]@19"})
}

// TestWindowRankSharedEnd: windows that share an end but not a start (as
// a session aggregation's may) rank apart, each its own Top-2 numbered
// from 1, emitted by start; a row entering the full top N of a window
// between two others pushes out that window's last row only.
func TestWindowRankSharedEnd(t *testing.T) {
	j := startJob(t, 1, windowRankBy(windowTopByV(2, true)), nil)
	ranksNothing(t, j,
		wr("a", i32(1), "p", 0, 10), wr("a", i32(4), "q", 5, 10), wr("a", i32(7), "r", 2, 10),
		wr("a", i32(2), "s", 0, 10), wr("a", i32(6), "t", 2, 10), wr("a", i32(3), "u", 0, 10),
		wr("a", i32(8), "v", 2, 10), wr("a", i32(5), "w", 5, 10))
	rankFires(t, j, 9,
		"+I[a, 3, u, 0, 10, 1]@9", "+I[a, 2, s, 0, 10, 2]@9",
		"+I[a, 8, v, 2, 10, 1]@9", "+I[a, 7, r, 2, 10, 2]@9",
		"+I[a, 5, w, 5, 10, 1]@9", "+I[a, 4, q, 5, 10, 2]@9")
}

// TestWindowRankLateAndNullRows: a row of a window that fired (its last
// millisecond at or behind the watermark) is dropped, and so is a row
// with a NULL window bound; a fired window leaves no state behind.
func TestWindowRankLateAndNullRows(t *testing.T) {
	j := startJob(t, 2, windowRankBy(windowTopByV(2, false)), nil)
	empty := keyedStateBytes(t, j)
	nt := null(data.Timestamp)
	ranksNothing(t, j,
		wr("a", i32(1), "x", 0, 10), row(str("a"), i32(5), str("n1"), ts(0), nt),
		row(str("b"), i32(5), str("n2"), nt, ts(10)))
	rankFires(t, j, 9, "+I[a, 1, x, 0, 10]@9")
	rankFires(t, j, 18)
	// [8, 18) and [9, 19) are late at 18, [10, 20) is not.
	ranksNothing(t, j, wr("a", i32(2), "l1", 8, 18), wr("a", i32(3), "l2", 0, 10), wr("a", i32(4), "y", 9, 19), wr("a", i32(0), "z", 10, 20))
	rankFires(t, j, 19, "+I[a, 0, z, 10, 20]@19")
	if n := j.lateDropped(); n != 3 {
		t.Fatalf("%d rows counted late, want 3", n)
	}
	j.end()
	checkRows(t, "at the end", overOut(j), nil)
	if n := keyedStateBytes(t, j); n != empty {
		t.Fatalf("state of %d bytes after every window fired, %d empty", n, empty)
	}
}

// TestWindowRankRefusesChanges: an update or delete in the input fails
// the job, naming the operator.
func TestWindowRankRefusesChanges(t *testing.T) {
	for _, kind := range []data.RowKind{data.UpdateBefore, data.UpdateAfter, data.Delete} {
		j := startJob(t, 2, windowRankBy(windowTopByV(2, false)), nil)
		r := changed(kind, str("a"), i32(1), str("x"), ts(0), ts(10))
		err := j.pushErr(r)
		if err == nil || !strings.Contains(err.Error(), "WindowRank takes an insert-only input, got "+r.String()) {
			t.Fatalf("%s: error %v, want WindowRank's refusal", r, err)
		}
	}
}

// TestWindowRankNarrowRow: a row without the columns the spec reads
// fails the job with the row, rather than an index panic.
func TestWindowRankNarrowRow(t *testing.T) {
	j := startJob(t, 1, windowRankBy(windowTopByV(2, false)), nil)
	err := j.pushErr(row(str("a"), i32(1), str("x"), ts(0)))
	if err == nil || !strings.Contains(err.Error(), "WindowRank: a row of 4 columns, +I[a, 1, x, 1970-01-01 00:00:00], where column 4 is a key or a window bound") {
		t.Fatalf("error %v, want a refused row", err)
	}
}

// TestWindowRankRestores checkpoints a Top-2 of two subtasks with two
// windows open per partition and restores it at three: each window's
// rows and timer come back in the subtask that owns their key's group,
// so the windows fire after the restore with the top 2 of the rows of
// before and after it, and leave no state; with encoded and int64 keys.
func TestWindowRankRestores(t *testing.T) {
	for _, key := range []data.Type{data.TBigInt, data.TBigInt.AsNotNull()} {
		t.Run(key.String(), func(t *testing.T) {
			spec := windowTopByV(2, true)
			spec.KeyTypes = KeyTypes{key}
			kr := func(k int64, v int32, id string, start, end int64) data.Row {
				return row(i64(k), i32(v), str(id), ts(start), ts(end))
			}
			j := startJob(t, 2, windowRankBy(spec), nil)
			for k := range int64(6) {
				j.push(kr(k, 1, "x", 0, 10), kr(k, 3, "y", 0, 10), kr(k, 2, "z", 0, 10), kr(k, 5, "u", 10, 20))
			}
			rankFires(t, j, 5)
			j = startJob(t, 3, windowRankBy(spec), j.snapshot())
			var at9, at19 []string
			for k := range int64(6) {
				ranksNothing(t, j, kr(k, 4, "w", 0, 10), kr(k, 1, "q", 10, 20), kr(k, 3, "tie", 0, 10))
				at9 = append(at9, fmt.Sprintf("+I[%d, 4, w, 0, 10, 1]@9", k), fmt.Sprintf("+I[%d, 3, y, 0, 10, 2]@9", k))
				at19 = append(at19, fmt.Sprintf("+I[%d, 5, u, 10, 20, 1]@19", k), fmt.Sprintf("+I[%d, 1, q, 10, 20, 2]@19", k))
			}
			rankFires(t, j, 9, at9...)
			rankFires(t, j, 19, at19...)
			if n, empty := keyedStateBytes(t, j), keyedStateBytes(t, startJob(t, 3, windowRankBy(spec), nil)); n != empty {
				t.Fatalf("state of %d bytes after every window fired, %d empty", n, empty)
			}
		})
	}
}

// TestWindowRankRefusesBadSpecs: what the planner should have refused
// panics at build time, with the reason.
func TestWindowRankRefusesBadSpecs(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*WindowRankSpec)
		want string
	}{
		{"bound", func(s *WindowRankSpec) { s.N = 0 }, "rank bound 0: want rn <= N with N >= 1"},
		{"no order", func(s *WindowRankSpec) { s.OrderBy = nil }, "no ORDER BY columns"},
		{"key types", func(s *WindowRankSpec) { s.KeyTypes = KeyTypes{data.TInt, data.TInt} }, "2 partition key types for 1 key columns"},
		{"start", func(s *WindowRankSpec) { s.WindowStart = -1 }, "window_start is column -1 and window_end column 4"},
		{"same bounds", func(s *WindowRankSpec) { s.WindowStart = 4 }, "window_start and window_end are both column 4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := windowTopByV(2, false)
			c.edit(&spec)
			panics(t, "runtime: WindowRank: "+c.want, func() {
				WindowRank(nil, spec)
			})
		})
	}
}
