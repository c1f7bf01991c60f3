package runtime

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/table/data"
)

// The OVER tests' input is the window tests' (k STRING, v INT, t
// TIMESTAMP(3)), made by ev, partitioned by k and ordered by t.

var (
	overSum   = col(call("SUM", data.TInt), 1)
	overMin   = col(call("MIN", data.TInt), 1)
	overMax   = col(call("MAX", data.TInt), 1)
	overAvg   = col(call("AVG", data.TInt), 1)
	unbounded = int64(-1)
)

// overBy is OverAggregate by k on t with a ROWS (rows) or RANGE frame.
func overBy(rows bool, preceding int64, aggs ...AggCall) pipeline {
	return func(in *streamRows) *streamRows {
		return OverAggregate(in, OverSpec{PartitionBy: []int{0}, TimeCol: timeCol, Aggs: aggs, Rows: rows, Preceding: preceding})
	}
}

// overOut returns the rows emitted since the last take, in the order
// they came, as Flink prints them but with times in epoch milliseconds,
// each followed by @ and its event timestamp.
func overOut(j *testJob) []string {
	var rows []string
	for _, o := range j.takeOutputs() {
		vs := o.row.Values()
		for i, v := range vs {
			if k := v.Kind(); (k == data.Timestamp || k == data.TimestampLTZ) && !v.IsNull() {
				vs[i] = i64(v.Millis())
			}
		}
		rows = append(rows, fmt.Sprintf("%s@%d", data.MakeRow(o.row.Kind, vs), o.ts))
	}
	return rows
}

// byPartition groups rows as overOut prints them by their first column,
// keeping their order: the order OVER defines is within a partition.
func byPartition(rows []string) map[string][]string {
	m := map[string][]string{}
	for _, r := range rows {
		k, _, _ := strings.Cut(r, ",")
		m[k] = append(m[k], r)
	}
	return m
}

// checkPartitions compares rows as overOut prints them, each
// partition's in order.
func checkPartitions(t testing.TB, what string, got, want []string) {
	t.Helper()
	if !maps.EqualFunc(byPartition(got), byPartition(want), slices.Equal) {
		t.Fatalf("%s:\n got  %s\n want %s", what, strings.Join(got, " "), strings.Join(want, " "))
	}
}

// overPasses advances the watermark to wm and checks what that emits.
func overPasses(t *testing.T, j *testJob, wm int64, want ...string) {
	t.Helper()
	j.watermark(wm)
	checkPartitions(t, fmt.Sprintf("at watermark %d", wm), overOut(j), want)
}

// TestOverAggregateRowsBounded: ROWS BETWEEN 2 PRECEDING AND CURRENT ROW
// of SUM, COUNT(*), MIN, MAX and AVG. Rows come out of order but ahead
// of the watermark, and are emitted in time order (equal times in
// arrival order) as it passes them; MIN and MAX find the next extreme
// when theirs leaves the frame; a NULL counts in COUNT(*) only.
func TestOverAggregateRowsBounded(t *testing.T) {
	for _, p := range []int{1, 3} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			j := startJob(t, p, overBy(true, 2, overSum, countStar, overMin, overMax, overAvg), nil)
			j.push(ev("a", 5, 3000), ev("b", 10, 1500), ev("a", 1, 1000), ev("a", 7, 2000),
				ev("a", 6, 4000), ev("b", 20, 2500), ev("a", 3, 2000))
			overPasses(t, j, 999)
			overPasses(t, j, 2000,
				"+I[a, 1, 1000, 1, 1, 1, 1, 1]@1000",
				"+I[b, 10, 1500, 10, 1, 10, 10, 10]@1500",
				"+I[a, 7, 2000, 8, 2, 1, 7, 4]@2000",
				"+I[a, 3, 2000, 11, 3, 1, 7, 3]@2000")
			j.push(row(str("a"), null(data.Int), ts(4500)), ev("a", 2, 4600))
			overPasses(t, j, 5000,
				"+I[b, 20, 2500, 30, 2, 10, 20, 15]@2500",
				"+I[a, 5, 3000, 15, 3, 3, 7, 5]@3000", // 1 left: MIN 3
				"+I[a, 6, 4000, 14, 3, 3, 6, 4]@4000", // 7 left: MAX 6
				"+I[a, NULL, 4500, 11, 3, 5, 6, 5]@4500",
				"+I[a, 2, 4600, 8, 3, 2, 6, 4]@4600")
		})
	}
}

// TestOverAggregateRangeBounded: RANGE BETWEEN INTERVAL '2' SECOND
// PRECEDING AND CURRENT ROW of SUM, COUNT(*) and MAX. Rows of one time
// (peers) share the result over all of them; a row exactly 2 s before
// is in the frame, one 1 ms further is not; MAX finds the next extreme
// when its own leaves; a gap of more than 2 s empties the frame.
func TestOverAggregateRangeBounded(t *testing.T) {
	for _, p := range []int{1, 3} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			j := startJob(t, p, overBy(false, 2000, overSum, countStar, overMax), nil)
			j.push(ev("a", 2, 2000), ev("a", 1, 1000), ev("b", 10, 2500), ev("a", 3, 2000))
			overPasses(t, j, 2000,
				"+I[a, 1, 1000, 1, 1, 1]@1000",
				"+I[a, 2, 2000, 6, 3, 3]@2000",
				"+I[a, 3, 2000, 6, 3, 3]@2000")
			j.push(ev("a", 7, 3001), ev("a", 4, 3000), ev("a", 1, 4500), ev("a", 2, 5001), ev("a", 3, 5002))
			overPasses(t, j, 5500,
				"+I[b, 10, 2500, 10, 1, 10]@2500",
				"+I[a, 4, 3000, 10, 4, 4]@3000", // 1000 is 2 s before
				"+I[a, 7, 3001, 16, 4, 7]@3001", // 1000 is not
				"+I[a, 1, 4500, 12, 3, 7]@4500",
				"+I[a, 2, 5001, 10, 3, 7]@5001",
				"+I[a, 3, 5002, 6, 3, 3]@5002") // 7 left: MAX 3
			j.push(ev("a", 5, 8000), ev("a", 6, 10000))
			overPasses(t, j, 10000,
				"+I[a, 5, 8000, 5, 1, 5]@8000",
				"+I[a, 6, 10000, 11, 2, 6]@10000")
		})
	}
}

// TestOverAggregateUnbounded: UNBOUNDED PRECEDING over ROWS gives each
// row the aggregates of all rows up to it, over RANGE of all rows up to
// its time, peers included.
func TestOverAggregateUnbounded(t *testing.T) {
	for _, c := range []struct {
		name string
		rows bool
		want []string
	}{
		{"rows", true, []string{
			"+I[a, 4, 1000, 4, 1, 4, 4]@1000",
			"+I[a, 2, 2000, 6, 2, 2, 4]@2000",
			"+I[a, 5, 2000, 11, 3, 2, 5]@2000",
			"+I[b, 9, 2500, 9, 1, 9, 9]@2500",
			"+I[a, 1, 3000, 12, 4, 1, 5]@3000",
		}},
		{"range", false, []string{
			"+I[a, 4, 1000, 4, 1, 4, 4]@1000",
			"+I[a, 2, 2000, 11, 3, 2, 5]@2000",
			"+I[a, 5, 2000, 11, 3, 2, 5]@2000",
			"+I[b, 9, 2500, 9, 1, 9, 9]@2500",
			"+I[a, 1, 3000, 12, 4, 1, 5]@3000",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := startJob(t, 2, overBy(c.rows, unbounded, overSum, countStar, overMin, overMax), nil)
			j.push(ev("a", 2, 2000), ev("b", 9, 2500), ev("a", 4, 1000), ev("a", 5, 2000))
			overPasses(t, j, 2000, c.want[:3]...)
			j.push(ev("a", 1, 3000))
			overPasses(t, j, 3000, c.want[3:]...)
		})
	}
}

// TestOverAggregateDropsLateRows: a row at or behind the watermark when
// it comes is dropped, as is a row with a NULL time; neither counts in
// later frames.
func TestOverAggregateDropsLateRows(t *testing.T) {
	for _, rows := range []bool{true, false} {
		j := startJob(t, 2, overBy(rows, unbounded, countStar, overSum), nil)
		j.push(ev("a", 1, 1000))
		overPasses(t, j, 2000, "+I[a, 1, 1000, 1, 1]@1000")
		j.push(ev("a", 2, 2000), ev("a", 3, 1500), ev("b", 1, 2000), row(str("a"), i32(5), null(data.Timestamp)), ev("a", 4, 2001))
		overPasses(t, j, 3000, "+I[a, 4, 2001, 2, 5]@2001")
		overPasses(t, j, 10_000)
		if n := j.lateDropped(); n != 3 {
			t.Fatalf("%d rows counted late, want 3 (a NULL time is not late)", n)
		}
	}
}

// TestOverAggregateRangeCleansState: once the watermark is 1.5 bounds
// past a partition's last row (Flink's cleanup time), its RANGE frame's
// state is gone: the snapshot is an empty job's, and the partition's
// next row starts a frame of its own.
func TestOverAggregateRangeCleansState(t *testing.T) {
	j := startJob(t, 2, overBy(false, 1000, countStar), nil)
	empty := keyedStateBytes(t, j)
	for i := range int64(50) {
		j.push(ev(fmt.Sprint(i%10), 1, 1000+i*10))
	}
	j.watermark(1500)
	if got := len(overOut(j)); got != 50 {
		t.Fatalf("%d rows emitted, want 50", got)
	}
	if n := keyedStateBytes(t, j); n <= empty {
		t.Fatalf("state of %d bytes with frames kept, %d empty", n, empty)
	}
	// A partition's first row, at 1000 to 1090, set its cleanup time to
	// 2501 to 2591, which its later rows, less than 500 ms later, left.
	overPasses(t, j, 2590)
	if n := keyedStateBytes(t, j); n == empty {
		t.Fatal("state cleaned before its cleanup time")
	}
	overPasses(t, j, 2591)
	if n := keyedStateBytes(t, j); n != empty {
		t.Fatalf("state of %d bytes after the cleanup time, %d empty", n, empty)
	}
	j.push(ev("0", 1, 3000))
	overPasses(t, j, 3000, "+I[0, 1, 3000, 1]@3000")
}

// TestOverAggregateRefusesInput: a row of any kind but +I, a time column
// that is not a timestamp and a row without the columns fail the job,
// naming the operator and the row.
func TestOverAggregateRefusesInput(t *testing.T) {
	for _, c := range []struct {
		row  data.Row
		want string
	}{
		{changed(data.Delete, str("a"), i32(1), ts(1)), "OverAggregate: a -D row in an insert-only input: -D[a, 1, 1970-01-01 00:00:00.001]"},
		{changed(data.UpdateAfter, str("a"), i32(1), ts(1)), "OverAggregate: a +U row in an insert-only input"},
		{row(str("a"), i32(1), i64(1)), "OverAggregate: time column 2 of +I[a, 1, 1] is a BIGINT, not a rowtime"},
		{row(str("a"), i32(1)), "OverAggregate: a row of 2 columns, +I[a, 1], where column 2 is a key, the time or an argument"},
	} {
		j := startJob(t, 1, overBy(true, 2, overSum), nil)
		if err := j.pushErr(c.row); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

// overInput is the restore test's input, rows (k BIGINT, v BIGINT, t
// TIMESTAMP(3)) over 6 partitions in blocks of 12 rows, two of each
// partition, at times 100 ms apart per block with up to 40 ms of jitter,
// so that a partition has rows out of order and some of equal times.
func overInput(block int) []data.Row {
	var rows []data.Row
	for i := block * 12; i < (block+1)*12; i++ {
		t := int64(1000 + 100*block + i*37%5*10)
		rows = append(rows, row(i64(int64(i%6)), i64(int64(i)), ts(t)))
	}
	return rows
}

// overWatermark is the watermark after block: every row of it and before
// it is passed, none of the next block's.
func overWatermark(block int) int64 { return int64(1000 + 100*block + 50) }

// TestOverAggregateRestores checkpoints an OVER aggregation of two
// subtasks mid-stream, with rows waiting for the watermark and frames
// under way, and restores it at three: what it emits from then on is what
// an uninterrupted run emits, for each kind of frame, with encoded and
// int64 keys. A row for a time its partition already passed, let in
// after the restore as its watermark starts over, is dropped as late, as
// the uninterrupted run drops it.
func TestOverAggregateRestores(t *testing.T) {
	bigint := func(fn string) AggCall { return col(call(fn, data.TBigInt), 1) }
	aggs := []AggCall{bigint("SUM"), countStar, bigint("MIN"), bigint("MAX")}
	for _, key := range []data.Type{data.TBigInt, data.TBigInt.AsNotNull()} {
		for _, frame := range []struct {
			name      string
			rows      bool
			preceding int64
		}{{"rows", true, 2}, {"range", false, 150}, {"rows-unbounded", true, -1}, {"range-unbounded", false, -1}} {
			t.Run(fmt.Sprintf("%s/%s", key, frame.name), func(t *testing.T) {
				build := func(in *streamRows) *streamRows {
					return OverAggregate(in, OverSpec{PartitionBy: []int{0}, KeyTypes: KeyTypes{key}, TimeCol: 2,
						Aggs: aggs, Rows: frame.rows, Preceding: frame.preceding})
				}
				const blocks, restoreAt = 20, 10
				late := overInput(restoreAt - 2)[0] // partition 0's first row of a passed block
				run := func(j *testJob, from, to int) []string {
					for b := from; b < to; b++ {
						j.push(overInput(b)...)
						if b == restoreAt {
							j.push(late)
						}
						if b > 0 {
							j.watermark(overWatermark(b - 1))
						}
					}
					return overOut(j)
				}
				whole := startJob(t, 2, build, nil)
				want := run(whole, 0, blocks)
				whole.end()
				want = append(want, overOut(whole)...)
				if len(want) != 12*blocks {
					t.Fatalf("%d rows from the uninterrupted run, want %d", len(want), 12*blocks)
				}

				j := startJob(t, 2, build, nil)
				got := run(j, 0, restoreAt)
				j = startJob(t, 3, build, j.snapshot())
				got = append(got, run(j, restoreAt, blocks)...)
				j.end()
				got = append(got, overOut(j)...)
				checkPartitions(t, "restored run", got, want)
			})
		}
	}
}

// TestOverAggregateStateTTL: with table.exec.state.ttl, a partition
// whose accumulators were not written for the TTL starts over. The TTL
// is real time, the wait twice the TTL.
func TestOverAggregateStateTTL(t *testing.T) {
	const ttl = 300 * time.Millisecond
	for _, rows := range []bool{true, false} {
		j := startJob(t, 2, func(in *streamRows) *streamRows {
			return OverAggregate(in, OverSpec{PartitionBy: []int{0}, TimeCol: timeCol, Aggs: []AggCall{countStar, overSum},
				Rows: rows, Preceding: 10_000, StateTTL: ttl})
		}, nil)
		j.push(ev("a", 1, 1000), ev("b", 2, 1000))
		overPasses(t, j, 1000, "+I[a, 1, 1000, 1, 1]@1000", "+I[b, 2, 1000, 1, 2]@1000")
		time.Sleep(2 * ttl)
		j.push(ev("a", 5, 2000), ev("a", 6, 3000))
		overPasses(t, j, 3000, "+I[a, 5, 2000, 1, 5]@2000", "+I[a, 6, 3000, 2, 11]@3000")
	}
}

// TestOverAggregateGlobal: no partition columns make one partition,
// aggregated by one subtask whatever the job's parallelism, in a vertex
// named OverAggregate; a TIMESTAMP_LTZ orders as well.
func TestOverAggregateGlobal(t *testing.T) {
	j := startJob(t, 3, func(in *streamRows) *streamRows {
		return OverAggregate(in, OverSpec{TimeCol: 1, Aggs: []AggCall{col(call("SUM", data.TInt), 0)}, Rows: true, Preceding: 1})
	}, nil)
	found := false
	for _, task := range j.plan.Tasks {
		if strings.Contains(task.Name, "OverAggregate") {
			found = true
			if task.Parallelism != 1 {
				t.Fatalf("task %q has parallelism %d, want 1", task.Name, task.Parallelism)
			}
		}
	}
	if !found {
		t.Fatalf("no task runs the OverAggregate vertex: %v", j.plan.Tasks)
	}
	ltz := func(v int32, millis int64) data.Row { return row(i32(v), data.TimestampLTZValue(millis*1e6)) }
	j.push(ltz(1, 10), ltz(2, 30), ltz(4, 20))
	j.watermark(30)
	checkRows(t, "global", overOut(j), []string{"+I[1, 10, 1]@10", "+I[4, 20, 5]@20", "+I[2, 30, 6]@30"})
}

// TestOverAggregateRefusesBadSpecs: what the planner should have refused
// panics at build time, with the reason.
func TestOverAggregateRefusesBadSpecs(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*OverSpec)
		want string
	}{
		{"key column", func(s *OverSpec) { s.PartitionBy = []int{0, -3} }, "partition key 1 is column -3"},
		{"key types", func(s *OverSpec) { s.KeyTypes = KeyTypes{} }, "0 partition key types for 1 key columns"},
		{"time column", func(s *OverSpec) { s.TimeCol = -1 }, "time column -1"},
		{"no calls", func(s *OverSpec) { s.Aggs = nil }, "no aggregate calls"},
		{"call", func(s *OverSpec) { s.Aggs = []AggCall{{Func: "MEDIAN", Arg: 1}} }, "aggregate call 1, MEDIAN($1): unknown aggregate function MEDIAN"},
		{"preceding", func(s *OverSpec) { s.Preceding = -2 }, "-2 PRECEDING: want -1 (UNBOUNDED) or a bound of at least 0"},
		{"ttl", func(s *OverSpec) { s.StateTTL = -time.Minute }, "negative state TTL -1m0s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := OverSpec{PartitionBy: []int{0}, TimeCol: timeCol, Aggs: []AggCall{overSum}, Rows: true, Preceding: 2}
			c.edit(&spec)
			panics(t, "runtime: OverAggregate: "+c.want, func() {
				OverAggregate(nil, spec)
			})
		})
	}
}
