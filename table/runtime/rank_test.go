package runtime

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/table/data"
)

// The rank tests' input is (p STRING, v INT, id STRING), partitioned by p.
func rk(p string, v data.Value, id string) data.Row { return row(str(p), v, str(id)) }

// rkChg is rk of the given kind.
func rkChg(kind data.RowKind, p string, v data.Value, id string) data.Row {
	return changed(kind, str(p), v, str(id))
}

// rankBy is Rank of spec over the test input.
func rankBy(spec RankSpec) pipeline {
	return func(in *streamRows) *streamRows { return Rank(in, spec) }
}

// topByV is the Top-N by v DESC (Flink's default NULLS LAST) per p.
func topByV(n int64, outputRank, insertOnly bool) RankSpec {
	return RankSpec{PartitionBy: []int{0}, OrderBy: []SortKey{{Col: 1, Descending: true}}, N: n, OutputRank: outputRank, InsertOnly: insertOnly}
}

// appendOnlyScript is an insert-only input of two partitions for a Top-3
// by v DESC: rows entering at the top, the middle and the end, ties
// (ranked after the rows they tie with, and not entering a full top N),
// NULLs (last).
var appendOnlyScript = []data.Row{
	rk("a", i32(5), "x1"),
	rk("a", i32(3), "x2"),
	rk("a", i32(7), "x3"),
	rk("a", i32(5), "x4"),
	rk("a", i32(5), "x5"),
	rk("a", null(data.Int), "x6"),
	rk("b", null(data.Int), "y1"),
	rk("a", i32(6), "x7"),
	rk("b", i32(2), "y2"),
	rk("a", i32(9), "x8"),
}

// TestRankAppendOnlyRowNumber: Flink's AppendOnlyTopNFunction with rank
// numbers updates every rank from the new row's to N.
func TestRankAppendOnlyRowNumber(t *testing.T) {
	want := [][]string{
		{"+I[a, 5, x1, 1]"},
		{"+I[a, 3, x2, 2]"},
		{"-U[a, 5, x1, 1]", "+U[a, 7, x3, 1]", "-U[a, 3, x2, 2]", "+U[a, 5, x1, 2]", "+I[a, 3, x2, 3]"},
		{"-U[a, 3, x2, 3]", "+U[a, 5, x4, 3]"},
		nil, // ties the last row of a full top 3
		nil, // NULLS LAST
		{"+I[b, NULL, y1, 1]"},
		{"-U[a, 5, x1, 2]", "+U[a, 6, x7, 2]", "-U[a, 5, x4, 3]", "+U[a, 5, x1, 3]"},
		{"-U[b, NULL, y1, 1]", "+U[b, 2, y2, 1]", "+I[b, NULL, y1, 2]"},
		{"-U[a, 7, x3, 1]", "+U[a, 9, x8, 1]", "-U[a, 6, x7, 2]", "+U[a, 7, x3, 2]", "-U[a, 5, x1, 3]", "+U[a, 6, x7, 3]"},
	}
	for _, p := range []int{1, 3} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			j := startJob(t, p, rankBy(topByV(3, true, true)), nil)
			for i, r := range appendOnlyScript {
				emits(t, j, rows(r), want[i]...)
			}
		})
	}
}

// TestRankAppendOnlyNoRowNumber: without rank numbers, a row entering a
// full top N deletes the row that fell out, then inserts itself.
func TestRankAppendOnlyNoRowNumber(t *testing.T) {
	want := [][]string{
		{"+I[a, 5, x1]"},
		{"+I[a, 3, x2]"},
		{"+I[a, 7, x3]"},
		{"-D[a, 3, x2]", "+I[a, 5, x4]"},
		nil,
		nil,
		{"+I[b, NULL, y1]"},
		{"-D[a, 5, x4]", "+I[a, 6, x7]"},
		{"+I[b, 2, y2]"},
		{"-D[a, 5, x1]", "+I[a, 9, x8]"},
	}
	for _, p := range []int{1, 3} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			j := startJob(t, p, rankBy(topByV(3, false, true)), nil)
			for i, r := range appendOnlyScript {
				emits(t, j, rows(r), want[i]...)
			}
		})
	}
}

// TestRankAscendingNullsFirst: ORDER BY v ASC (Flink's default NULLS
// FIRST), id DESC NULLS LAST: NULL ranks first in v and last in id, and
// a row equal to a kept one ranks after it.
func TestRankAscendingNullsFirst(t *testing.T) {
	spec := RankSpec{PartitionBy: []int{0}, OrderBy: []SortKey{{Col: 1, NullsFirst: true}, {Col: 2, Descending: true}}, N: 2, OutputRank: true, InsertOnly: true}
	j := startJob(t, 2, rankBy(spec), nil)
	nullInt := null(data.Int)
	emits(t, j, rows(rk("a", i32(4), "m")), "+I[a, 4, m, 1]")
	emits(t, j, rows(rk("a", i32(4), "z")), "-U[a, 4, m, 1]", "+U[a, 4, z, 1]", "+I[a, 4, m, 2]")
	emits(t, j, rows(rk("a", nullInt, "c")), "-U[a, 4, z, 1]", "+U[a, NULL, c, 1]", "-U[a, 4, m, 2]", "+U[a, 4, z, 2]")
	emits(t, j, rows(rk("a", i32(3), "q")), "-U[a, 4, z, 2]", "+U[a, 3, q, 2]")
	emits(t, j, rows(row(str("a"), nullInt, null(data.String))), "-U[a, 3, q, 2]", "+U[a, NULL, NULL, 2]")
	emits(t, j, rows(rk("a", nullInt, "c")), "-U[a, NULL, NULL, 2]", "+U[a, NULL, c, 2]")
	emits(t, j, rows(rk("a", nullInt, "c"))) // ties the last row of a full top 2
}

// TestRankGlobal: no partition columns make one partition, ranked by
// one subtask whatever the job's parallelism.
func TestRankGlobal(t *testing.T) {
	spec := topByV(2, true, true)
	spec.PartitionBy = nil
	j := startJob(t, 3, rankBy(spec), nil)
	for _, task := range j.plan.Tasks {
		if strings.Contains(task.Name, "Rank") && task.Parallelism != 1 {
			t.Fatalf("task %q has parallelism %d, want 1", task.Name, task.Parallelism)
		}
	}
	emits(t, j, rows(rk("a", i32(1), "x")), "+I[a, 1, x, 1]")
	emits(t, j, rows(rk("b", i32(2), "y")), "-U[a, 1, x, 1]", "+U[b, 2, y, 1]", "+I[a, 1, x, 2]")
	emits(t, j, rows(rk("c", i32(3), "z")), "-U[b, 2, y, 1]", "+U[c, 3, z, 1]", "-U[a, 1, x, 2]", "+U[b, 2, y, 2]")
}

// TestRankRetractable: exact changelogs of Flink's RetractableTopNFunction
// over an updating input, with and without rank numbers; a retraction of
// a row not kept is ignored, and a partition whose rows are all
// retracted starts over.
func TestRankRetractable(t *testing.T) {
	script := []data.Row{
		rk("a", i32(5), "x1"),
		rk("a", i32(3), "x2"),
		rk("a", i32(1), "x3"),
		rkChg(data.UpdateBefore, "a", i32(5), "x1"),
		rkChg(data.UpdateAfter, "a", i32(8), "x1"),
		rkChg(data.Delete, "a", i32(3), "x2"),
		rkChg(data.Delete, "a", i32(1), "x3"),
		rkChg(data.Delete, "a", i32(7), "x9"),
		rkChg(data.Delete, "a", i32(8), "x1"),
		rk("a", i32(2), "x4"),
	}
	withRank := [][]string{
		{"+I[a, 5, x1, 1]"},
		{"+I[a, 3, x2, 2]"},
		nil,
		{"-U[a, 5, x1, 1]", "+U[a, 3, x2, 1]", "-U[a, 3, x2, 2]", "+U[a, 1, x3, 2]"},
		{"-U[a, 3, x2, 1]", "+U[a, 8, x1, 1]", "-U[a, 1, x3, 2]", "+U[a, 3, x2, 2]"},
		{"-U[a, 3, x2, 2]", "+U[a, 1, x3, 2]"},
		{"-D[a, 1, x3, 2]"},
		nil,
		{"-D[a, 8, x1, 1]"},
		{"+I[a, 2, x4, 1]"},
	}
	withoutRank := [][]string{
		{"+I[a, 5, x1]"},
		{"+I[a, 3, x2]"},
		nil,
		{"-D[a, 5, x1]", "+I[a, 1, x3]"},
		{"-D[a, 1, x3]", "+I[a, 8, x1]"},
		{"-D[a, 3, x2]", "+I[a, 1, x3]"},
		{"-D[a, 1, x3]"},
		nil,
		{"-D[a, 8, x1]"},
		{"+I[a, 2, x4]"},
	}
	for _, outputRank := range []bool{true, false} {
		want := withoutRank
		if outputRank {
			want = withRank
		}
		t.Run(fmt.Sprint(outputRank), func(t *testing.T) {
			j := startJob(t, 2, rankBy(topByV(2, outputRank, false)), nil)
			for i, r := range script {
				emits(t, j, rows(r), want[i]...)
			}
		})
	}
}

// TestRankRetractableMatchesTopN runs random changelogs (inserts,
// deletes, updates of live rows, with many ties, duplicates and NULLs)
// through a retractable Top-N, applies its output changelog, and checks
// after every input row that the result is the top N of the live rows
// (p, v, id, tag): each partition's rows in arrival order, stably sorted
// by v DESC NULLS LAST, id ASC NULLS FIRST (a retraction takes the
// earliest equal row); tag tells apart rows that tie. A retraction of a
// row not in the result fails the test.
func TestRankRetractableMatchesTopN(t *testing.T) {
	for _, outputRank := range []bool{false, true} {
		for _, n := range []int64{1, 3} {
			for _, p := range []int{1, 3} {
				t.Run(fmt.Sprintf("rank=%v/N=%d/p=%d", outputRank, n, p), func(t *testing.T) {
					checkRandomTopN(t, n, outputRank, p, rand.New(rand.NewPCG(uint64(n), uint64(p))))
				})
			}
		}
	}
}

func checkRandomTopN(t *testing.T, n int64, outputRank bool, p int, rng *rand.Rand) {
	spec := RankSpec{
		PartitionBy: []int{0}, N: n, OutputRank: outputRank,
		OrderBy: []SortKey{{Col: 1, Descending: true}, {Col: 2, NullsFirst: true}},
	}
	j := startJob(t, p, rankBy(spec), nil)
	random := func(part data.Value) data.Row {
		v, id := null(data.Int), null(data.Int)
		if rng.IntN(8) > 0 {
			v = i32(rng.Int32N(5))
		}
		if rng.IntN(4) > 0 {
			id = i32(rng.Int32N(3))
		}
		return row(part, v, id, i32(rng.Int32N(4)))
	}
	var live []data.Row // in arrival order
	applied := map[string]int{}
	for step := range 500 {
		var in []data.Row
		switch op := rng.IntN(10); {
		case len(live) == 0 || op < 5:
			in = append(in, random(str(string(rune('a'+rng.IntN(3))))))
		case op < 7:
			r := live[rng.IntN(len(live))]
			r.Kind = data.Delete
			in = append(in, r)
		default:
			r := live[rng.IntN(len(live))]
			r.Kind = data.UpdateBefore
			next := random(r.Field(0))
			next.Kind = data.UpdateAfter
			in = append(in, r, next)
		}
		for _, r := range in {
			j.push(r)
			if r.Kind.IsRetraction() {
				i := slices.IndexFunc(live, func(l data.Row) bool { return l.Equal(withKind(r, data.Insert)) })
				live = slices.Delete(live, i, i+1)
			} else {
				live = append(live, withKind(r, data.Insert))
			}
			for _, o := range j.takeOutputs() {
				key := withKind(o.row, data.Insert).String()
				if !o.row.Kind.IsRetraction() {
					applied[key]++
					continue
				}
				if applied[key] == 0 {
					t.Fatalf("step %d, after %s: %s retracts a row not in the result", step, r, o.row)
				}
				if applied[key]--; applied[key] == 0 {
					delete(applied, key)
				}
			}
			if want := topN(live, n, outputRank); !maps.Equal(applied, want) {
				t.Fatalf("step %d, after %s:\n got  %v\n want %v", step, r, applied, want)
			}
		}
	}
}

func withKind(r data.Row, kind data.RowKind) data.Row { r.Kind = kind; return r }

// topN is the result checkRandomTopN expects of live rows (p, v, id, tag): the
// rows ranked 1..n per p, printed as +I rows, with their rank if
// outputRank.
func topN(live []data.Row, n int64, outputRank bool) map[string]int {
	byPartition := map[string][]data.Row{}
	for _, r := range live {
		byPartition[r.Field(0).Str()] = append(byPartition[r.Field(0).Str()], r)
	}
	// nullsCompare orders NULL as NULLS FIRST, then the values.
	nullsCompare := func(a, b data.Value) int {
		if c := cmp.Compare(btoi(!a.IsNull()), btoi(!b.IsNull())); c != 0 || a.IsNull() {
			return c
		}
		return cmp.Compare(a.Int64(), b.Int64())
	}
	want := map[string]int{}
	for _, rows := range byPartition {
		slices.SortStableFunc(rows, func(a, b data.Row) int {
			// v DESC NULLS LAST is the reverse of ASC NULLS FIRST.
			if c := nullsCompare(b.Field(1), a.Field(1)); c != 0 {
				return c
			}
			return nullsCompare(a.Field(2), b.Field(2))
		})
		for i, r := range rows[:min(len(rows), int(n))] {
			if outputRank {
				r = row(append(r.Values(), i64(int64(i+1)))...)
			}
			want[r.String()]++
		}
	}
	return want
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRankRestores checkpoints a Top-2 of two subtasks and restores it
// at three: every partition's rows come back in the subtask that owns
// its key group, so the changelog goes on as if nothing happened; for
// insert-only and updating inputs, with encoded and int64 keys.
func TestRankRestores(t *testing.T) {
	for _, key := range []data.Type{data.TBigInt, data.TBigInt.AsNotNull()} {
		for _, insertOnly := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/%v", key, insertOnly), func(t *testing.T) {
				spec := topByV(2, true, insertOnly)
				spec.KeyTypes = KeyTypes{key}
				j := startJob(t, 2, rankBy(spec), nil)
				for k := range int64(6) {
					j.push(row(i64(k), i32(1), str("x")), row(i64(k), i32(3), str("y")))
				}
				j.take()
				j = startJob(t, 3, rankBy(spec), j.snapshot())
				for k := range int64(6) {
					emits(t, j, rows(row(i64(k), i32(2), str("z"))),
						fmt.Sprintf("-U[%d, 1, x, 2]", k), fmt.Sprintf("+U[%d, 2, z, 2]", k))
					if insertOnly {
						continue
					}
					emits(t, j, rows(changed(data.Delete, i64(k), i32(3), str("y"))),
						fmt.Sprintf("-U[%d, 3, y, 1]", k), fmt.Sprintf("+U[%d, 2, z, 1]", k),
						fmt.Sprintf("-U[%d, 2, z, 2]", k), fmt.Sprintf("+U[%d, 1, x, 2]", k))
				}
			})
		}
	}
}

// TestRankStateTTL: with table.exec.state.ttl, a partition whose rows
// were not written for the TTL starts over. The TTL is real time (the
// job harness has no clock), the wait twice the TTL.
func TestRankStateTTL(t *testing.T) {
	const ttl = 300 * time.Millisecond
	for _, insertOnly := range []bool{true, false} {
		spec := topByV(2, true, insertOnly)
		spec.StateTTL = ttl
		j := startJob(t, 2, rankBy(spec), nil)
		j.push(rk("a", i32(5), "x1"), rk("b", i32(1), "y1"))
		j.take()
		time.Sleep(2 * ttl)
		emits(t, j, rows(rk("a", i32(3), "x2")), "+I[a, 3, x2, 1]")
		if !insertOnly {
			emits(t, j, rows(rkChg(data.Delete, "b", i32(1), "y1"))) // not kept
		}
	}
}

// TestRankInsertOnlyRefusesRetractions: a retraction in an input
// declared insert-only fails the job.
func TestRankInsertOnlyRefusesRetractions(t *testing.T) {
	j := startJob(t, 1, rankBy(topByV(2, false, true)), nil)
	j.push(rk("a", i32(1), "x"))
	err := j.pushErr(rkChg(data.UpdateBefore, "a", i32(1), "x"))
	if err == nil || !strings.Contains(err.Error(), "Rank: a retraction in an input declared insert-only") {
		t.Fatalf("error %v, want a refused retraction", err)
	}
}

// TestRankNarrowRow: a row without the key columns fails the job with
// the row, rather than an index panic.
func TestRankNarrowRow(t *testing.T) {
	j := startJob(t, 1, rankBy(topByV(2, false, true)), nil)
	err := j.pushErr(row(str("a")))
	if err == nil || !strings.Contains(err.Error(), "Rank: a row of 1 columns, +I[a], where column 1 is a key") {
		t.Fatalf("error %v, want a refused row", err)
	}
}

func TestRankVertex(t *testing.T) {
	j := startJob(t, 2, rankBy(topByV(2, false, true)), nil)
	j.runsVertex(t, "Rank")
}

// TestRankRefusesBadSpecs: what the planner should have refused panics
// at build time, with the reason.
func TestRankRefusesBadSpecs(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*RankSpec)
		want string
	}{
		{"no bound", func(s *RankSpec) { s.N = 0 }, "rank bound 0: want rn <= N with N >= 1"},
		{"no order", func(s *RankSpec) { s.OrderBy = nil }, "no ORDER BY columns"},
		{"partition column", func(s *RankSpec) { s.PartitionBy = []int{-1} }, "partition key 0 is column -1"},
		{"key types", func(s *RankSpec) { s.KeyTypes = KeyTypes{data.TInt, data.TInt} }, "2 partition key types for 1 key columns"},
		{"sort column", func(s *RankSpec) { s.OrderBy = []SortKey{{Col: -2}} }, "sort key 0 is column -2"},
		{"ttl", func(s *RankSpec) { s.StateTTL = -time.Second }, "negative state TTL -1s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := topByV(3, true, true)
			c.edit(&spec)
			panics(t, "runtime: Rank: "+c.want, func() {
				Rank(nil, spec)
			})
		})
	}
}

// TestRankRowsCodec: a partition's rows survive their snapshot encoding,
// and a bad encoding is an error.
func TestRankRowsCodec(t *testing.T) {
	in := rankRows{rk("a", i32(1), "x"), rk("a", null(data.Int), ""), row(str(strings.Repeat("long", 100)))}
	out := roundTrip(t, in)
	if len(out) != len(in) {
		t.Fatalf("%d rows back, want %d", len(out), len(in))
	}
	for i := range in {
		if !out[i].Equal(in[i]) {
			t.Errorf("row %d: %s, want %s", i, out[i], in[i])
		}
	}
	b, _ := in.AppendBinary(nil)
	for _, bad := range [][]byte{nil, b[:len(b)-1], append(b, 0), {2, 0, 0, 0, 0}} {
		var r rankRows
		if err := r.UnmarshalBinary(bad); err == nil {
			t.Errorf("%x decoded", bad)
		}
	}
}
