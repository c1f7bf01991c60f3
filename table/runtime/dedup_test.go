package runtime

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/table/data"
)

// The deduplication tests' input is the window tests' (k STRING, v INT,
// t TIMESTAMP(3)), made by ev, deduplicated by k on t.

// dedupBy is Deduplicate by k on t, keeping the last or the first row.
func dedupBy(keepLast bool) pipeline {
	return func(in *streamRows) *streamRows {
		return Deduplicate(in, DedupSpec{Keys: []int{0}, KeepLast: keepLast, TimeCol: timeCol})
	}
}

// as prints r as a row of the given kind.
func as(kind data.RowKind, r data.Row) string { return withKind(r, kind).String() }

// TestDeduplicateKeepLast: a row at least as late as the kept one
// replaces it (equal times: the later arrival wins), an older row emits
// nothing, a row with a NULL time is dropped.
func TestDeduplicateKeepLast(t *testing.T) {
	for _, p := range []int{1, 3} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			j := startJob(t, p, dedupBy(true), nil)
			emits(t, j, rows(ev("a", 1, 10)), as(data.Insert, ev("a", 1, 10)))
			emits(t, j, rows(ev("a", 2, 5)))
			emits(t, j, rows(ev("a", 3, 10)), as(data.UpdateBefore, ev("a", 1, 10)), as(data.UpdateAfter, ev("a", 3, 10)))
			emits(t, j, rows(ev("b", 1, 1)), as(data.Insert, ev("b", 1, 1)))
			emits(t, j, rows(ev("a", 4, 20)), as(data.UpdateBefore, ev("a", 3, 10)), as(data.UpdateAfter, ev("a", 4, 20)))
			emits(t, j, rows(row(str("a"), i32(5), null(data.Timestamp))))
			emits(t, j, rows(ev("b", 2, 1)), as(data.UpdateBefore, ev("b", 1, 1)), as(data.UpdateAfter, ev("b", 2, 1)))
			emits(t, j, rows(ev("a", 6, 19)))
		})
	}
}

// TestDeduplicateKeepFirst: only a row earlier than the kept one
// replaces it (equal times: the earlier arrival stays).
func TestDeduplicateKeepFirst(t *testing.T) {
	for _, p := range []int{1, 3} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			j := startJob(t, p, dedupBy(false), nil)
			emits(t, j, rows(ev("a", 1, 10)), as(data.Insert, ev("a", 1, 10)))
			emits(t, j, rows(ev("a", 2, 10)))
			emits(t, j, rows(ev("a", 3, 15)))
			emits(t, j, rows(ev("b", 1, 7)), as(data.Insert, ev("b", 1, 7)))
			emits(t, j, rows(ev("a", 4, 5)), as(data.UpdateBefore, ev("a", 1, 10)), as(data.UpdateAfter, ev("a", 4, 5)))
			emits(t, j, rows(row(str("b"), i32(5), null(data.Timestamp))))
			emits(t, j, rows(ev("b", 2, 6)), as(data.UpdateBefore, ev("b", 1, 7)), as(data.UpdateAfter, ev("b", 2, 6)))
			emits(t, j, rows(ev("a", 5, 5)))
		})
	}
}

// TestDeduplicateLTZ: a TIMESTAMP_LTZ orders as well, and no keys make
// one key, deduplicated by one subtask whatever the job's parallelism.
func TestDeduplicateLTZ(t *testing.T) {
	j := startJob(t, 3, func(in *streamRows) *streamRows {
		return Deduplicate(in, DedupSpec{KeepLast: true, TimeCol: 1})
	}, nil)
	for _, task := range j.plan.Tasks {
		if strings.Contains(task.Name, "Deduplicate") && task.Parallelism != 1 {
			t.Fatalf("task %q has parallelism %d, want 1", task.Name, task.Parallelism)
		}
	}
	ltz := func(v int32, millis int64) data.Row { return row(i32(v), data.TimestampLTZValue(millis*1e6)) }
	emits(t, j, rows(ltz(1, 10)), as(data.Insert, ltz(1, 10)))
	emits(t, j, rows(ltz(2, 3)))
	emits(t, j, rows(ltz(3, 11)), as(data.UpdateBefore, ltz(1, 10)), as(data.UpdateAfter, ltz(3, 11)))
}

// TestDeduplicateRefusesInput: a retraction, a time column that is not a
// timestamp and a row without the columns fail the job with the row.
func TestDeduplicateRefusesInput(t *testing.T) {
	for _, c := range []struct {
		row  data.Row
		want string
	}{
		{changed(data.Delete, str("a"), i32(1), ts(1)), "Deduplicate: a -D row in an insert-only input: -D[a, 1, 1970-01-01 00:00:00.001]"},
		{row(str("a"), i32(1), i64(1)), "Deduplicate: time column 2 of +I[a, 1, 1] is a BIGINT, not a rowtime"},
		{row(str("a"), i32(1)), "Deduplicate: a row of 2 columns, +I[a, 1], where column 2 is a key or the time"},
	} {
		j := startJob(t, 1, dedupBy(true), nil)
		if err := j.pushErr(c.row); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

// TestDeduplicateRestores checkpoints a deduplication of two subtasks
// and restores it at three: every key's row comes back in the subtask
// that owns its key group; keeping the first and the last row, with
// encoded and int64 keys.
func TestDeduplicateRestores(t *testing.T) {
	for _, key := range []data.Type{data.TBigInt, data.TBigInt.AsNotNull()} {
		for _, keepLast := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/%v", key, keepLast), func(t *testing.T) {
				build := func(in *streamRows) *streamRows {
					return Deduplicate(in, DedupSpec{Keys: []int{0}, KeyTypes: KeyTypes{key}, KeepLast: keepLast, TimeCol: 2})
				}
				kv := func(k int64, v int32, t int64) data.Row { return row(i64(k), i32(v), ts(t)) }
				j := startJob(t, 2, build, nil)
				for k := range int64(6) {
					j.push(kv(k, 1, 10))
				}
				j.take()
				j = startJob(t, 3, build, j.snapshot())
				for k := range int64(6) {
					later, earlier := kv(k, 2, 10), kv(k, 3, 5) // the later of equal times
					if keepLast {
						emits(t, j, rows(later), as(data.UpdateBefore, kv(k, 1, 10)), as(data.UpdateAfter, later))
						emits(t, j, rows(earlier))
					} else {
						emits(t, j, rows(later))
						emits(t, j, rows(earlier), as(data.UpdateBefore, kv(k, 1, 10)), as(data.UpdateAfter, earlier))
					}
				}
			})
		}
	}
}

// TestDeduplicateStateTTL: with table.exec.state.ttl, a key whose row
// was not replaced for the TTL starts over, its next row an insert
// however old. The TTL is real time, the wait twice the TTL.
func TestDeduplicateStateTTL(t *testing.T) {
	const ttl = 300 * time.Millisecond
	j := startJob(t, 2, func(in *streamRows) *streamRows {
		return Deduplicate(in, DedupSpec{Keys: []int{0}, KeepLast: true, TimeCol: timeCol, StateTTL: ttl})
	}, nil)
	j.push(ev("a", 1, 10), ev("b", 1, 10))
	j.take()
	time.Sleep(2 * ttl)
	emits(t, j, rows(ev("a", 2, 5)), as(data.Insert, ev("a", 2, 5)))
	emits(t, j, rows(ev("a", 3, 6)), as(data.UpdateBefore, ev("a", 2, 5)), as(data.UpdateAfter, ev("a", 3, 6)))
}

func TestDeduplicateVertex(t *testing.T) {
	j := startJob(t, 2, dedupBy(true), nil)
	j.runsVertex(t, "Deduplicate")
}

// TestDeduplicateRefusesBadSpecs: what the planner should have refused
// panics at build time, with the reason.
func TestDeduplicateRefusesBadSpecs(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*DedupSpec)
		want string
	}{
		{"key column", func(s *DedupSpec) { s.Keys = []int{0, -3} }, "dedup key 1 is column -3"},
		{"key types", func(s *DedupSpec) { s.KeyTypes = KeyTypes{} }, "0 dedup key types for 1 key columns"},
		{"time column", func(s *DedupSpec) { s.TimeCol = -1 }, "time column -1"},
		{"ttl", func(s *DedupSpec) { s.StateTTL = -time.Minute }, "negative state TTL -1m0s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := DedupSpec{Keys: []int{0}, TimeCol: timeCol}
			c.edit(&spec)
			panics(t, "runtime: Deduplicate: "+c.want, func() {
				Deduplicate(nil, spec)
			})
		})
	}
}
