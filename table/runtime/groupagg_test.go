package runtime

import (
	"time"

	"strings"
	"testing"

	"github.com/runnel/runnel/table/data"
)

var (
	countStar = AggCall{Func: "COUNT", Arg: -1}
	a, b      = str("a"), str("b")
)

// col is call over input column i.
func col(c AggCall, i int) AggCall { c.Arg = i; return c }

// groupBy is GroupAggregate over rows (k STRING, v INT) by k.
func groupBy(opts GroupAggOptions, aggs ...AggCall) pipeline {
	return func(in *streamRows) *streamRows { return GroupAggregate(in, []int{0}, aggs, opts) }
}

func TestGroupAggregateChangelog(t *testing.T) {
	for _, p := range []int{1, 3} {
		j := startJob(t, p, groupBy(GroupAggOptions{}, countStar, col(call("SUM", data.TInt), 1)), nil)
		j.push(row(a, i32(1)), row(a, i32(2)), row(b, i32(5)), changed(data.Delete, a, i32(1)))
		got := j.take()
		checkRows(t, "changelog", got, []string{
			"+I[a, 1, 1]",
			"-U[a, 1, 1]", "+U[a, 2, 3]",
			"+I[b, 1, 5]",
			"-U[a, 2, 3]", "+U[a, 1, 2]",
		})
	}
}

// TestGroupAggregateDeletesEmptyKeys: a key whose last row is retracted
// is deleted, and starts afresh with its next row; a retraction for a key
// without state is ignored.
func TestGroupAggregateDeletesEmptyKeys(t *testing.T) {
	j := startJob(t, 2, groupBy(GroupAggOptions{}, countStar, col(call("SUM", data.TInt), 1)), nil)
	j.push(row(a, i32(1)), changed(data.UpdateBefore, a, i32(1)), changed(data.UpdateAfter, a, i32(4)),
		changed(data.Delete, a, i32(4)), changed(data.Delete, b, i32(9)), row(a, i32(7)))
	got := j.take()
	checkRows(t, "changelog", got, []string{
		"+I[a, 1, 1]",
		"-D[a, 1, 1]",
		"+I[a, 1, 4]",
		"-D[a, 1, 4]",
		"+I[a, 1, 7]",
	})
}

// TestGroupAggregateUnchangedResult: a row that leaves the result as it
// was emits nothing.
func TestGroupAggregateUnchangedResult(t *testing.T) {
	j := startJob(t, 1, groupBy(GroupAggOptions{}, col(call("MAX", data.TInt), 1)), nil)
	j.push(row(a, i32(5)), row(a, i32(3)), row(a, null(data.Int)), row(a, i32(6)))
	got := j.take()
	checkRows(t, "changelog", got, []string{"+I[a, 5]", "-U[a, 5]", "+U[a, 6]"})
}

func TestGroupAggregateMinWithRetraction(t *testing.T) {
	j := startJob(t, 1, groupBy(GroupAggOptions{}, col(call("MIN", data.TInt), 1)), nil)
	j.push(row(a, i32(3)), row(a, i32(1)))
	j.push(changed(data.UpdateBefore, a, i32(1)), changed(data.UpdateAfter, a, i32(4)))
	j.push(changed(data.Delete, a, i32(3)))
	got := j.take()
	checkRows(t, "changelog", got, []string{
		"+I[a, 3]",
		"-U[a, 3]", "+U[a, 1]",
		"-U[a, 1]", "+U[a, 3]", // the 1 retracted: the next minimum
		// +U(a, 4) leaves the minimum at 3
		"-U[a, 3]", "+U[a, 4]",
	})
}

func TestGroupAggregateDistinct(t *testing.T) {
	j := startJob(t, 1, groupBy(GroupAggOptions{},
		distinct(col(call("COUNT", data.TInt), 1)), distinct(col(call("SUM", data.TInt), 1)), col(call("SUM", data.TInt), 1)), nil)
	j.push(row(a, i32(2)), row(a, i32(2)), row(a, i32(3)), changed(data.Delete, a, i32(2)), changed(data.Delete, a, i32(2)))
	got := j.take()
	checkRows(t, "changelog", got, []string{
		"+I[a, 1, 2, 2]",
		"-U[a, 1, 2, 2]", "+U[a, 1, 2, 4]",
		"-U[a, 1, 2, 4]", "+U[a, 2, 5, 7]",
		"-U[a, 2, 5, 7]", "+U[a, 2, 5, 5]",
		"-U[a, 2, 5, 5]", "+U[a, 1, 3, 3]",
	})
}

// TestGlobalAggregate: no keys make one group, aggregated by one subtask
// whatever the job's parallelism.
func TestGlobalAggregate(t *testing.T) {
	j := startJob(t, 3, func(in *streamRows) *streamRows {
		return GroupAggregate(in, nil, []AggCall{countStar, col(call("AVG", data.TInt), 1)}, GroupAggOptions{Parallelism: 4})
	}, nil)
	for _, task := range j.plan.Tasks {
		if strings.Contains(task.Name, "GroupAggregate") && task.Parallelism != 1 {
			t.Fatalf("task %q has parallelism %d, want 1", task.Name, task.Parallelism)
		}
	}
	j.push(row(a, i32(4)), row(b, i32(8)), row(a, null(data.Int)), changed(data.Delete, a, i32(4)))
	got := j.take()
	checkRows(t, "changelog", got, []string{
		"+I[1, 4]",
		"-U[1, 4]", "+U[2, 6]",
		"-U[2, 6]", "+U[3, 6]",
		"-U[3, 6]", "+U[2, 8]",
	})
}

// TestGroupAggregateNullKey: NULL is a key like any other.
func TestGroupAggregateNullKey(t *testing.T) {
	j := startJob(t, 2, groupBy(GroupAggOptions{}, countStar), nil)
	j.push(row(null(data.String), i32(1)), row(null(data.String), i32(2)))
	got := j.take()
	checkRows(t, "changelog", got, []string{"+I[NULL, 1]", "-U[NULL, 1]", "+U[NULL, 2]"})
}

func TestGroupAggregateParallelism(t *testing.T) {
	j := startJob(t, 2, groupBy(GroupAggOptions{Parallelism: 5}, countStar), nil)
	for _, task := range j.plan.Tasks {
		if strings.Contains(task.Name, "GroupAggregate") && task.Parallelism != 5 {
			t.Fatalf("task %q has parallelism %d, want 5", task.Name, task.Parallelism)
		}
	}
}

func TestGroupAggregateInsertOnly(t *testing.T) {
	j := startJob(t, 1, groupBy(GroupAggOptions{InsertOnly: true}, col(call("MAX", data.TInt), 1)), nil)
	j.push(row(a, i32(1)), row(a, i32(4)))
	err := j.pushErr(changed(data.UpdateBefore, a, i32(4)))
	if err == nil || !strings.Contains(err.Error(), "retraction in an input declared insert-only") {
		t.Fatalf("error %v, want a refused retraction", err)
	}
}

// TestGroupAggregateRescales checkpoints a job of two subtasks and
// restores it at three: every key's accumulators and value counts come
// back in the subtask that owns its key group, so the changelog goes on
// as if nothing happened.
func TestGroupAggregateRescales(t *testing.T) {
	build := groupBy(GroupAggOptions{}, countStar, col(call("MIN", data.TInt), 1), distinct(col(call("COUNT", data.TInt), 1)))
	keys := []data.Value{str("k1"), str("k2"), str("k3"), str("k4"), str("k5"), str("k6")}
	j := startJob(t, 2, build, nil)
	for _, k := range keys {
		j.push(row(k, i32(1)), row(k, i32(2)), row(k, i32(2)))
	}
	cp := j.snapshot()
	j = startJob(t, 3, build, cp)
	var want []string
	for _, k := range keys {
		j.push(changed(data.Delete, k, i32(1)))
		want = append(want, "-U["+k.Str()+", 3, 1, 2]", "+U["+k.Str()+", 2, 2, 1]")
	}
	got := j.take()
	checkRows(t, "changelog after the restore", got, want)
}

// TestGroupAggregateStateTTL: with table.exec.state.ttl, a key whose
// state was not written for the TTL starts over, its next result an
// insert, as Flink's idle state retention; a key written meanwhile keeps
// its state. The TTL is real time (the job harness has no clock), the
// wait twice the TTL.
func TestGroupAggregateStateTTL(t *testing.T) {
	const ttl = 300 * time.Millisecond
	j := startJob(t, 2, groupBy(GroupAggOptions{StateTTL: ttl}, countStar, col(call("SUM", data.TInt), 1)), nil)
	j.push(row(a, i32(1)), row(b, i32(2)))
	j.take()
	time.Sleep(2 * ttl)
	j.push(row(a, i32(5)), row(a, i32(6)))
	checkRows(t, "after the TTL", j.take(), []string{"+I[a, 1, 5]", "-U[a, 1, 5]", "+U[a, 2, 11]"})
}
