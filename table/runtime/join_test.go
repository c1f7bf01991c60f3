package runtime

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// joinOn is a pipeline of Join over the rows the test pushes with their
// side in a first INT column (leftSide or rightSide): one input feeds
// both sides, so the test orders the two sides' rows as it pushes them.
func joinOn(spec JoinSpec) pipeline {
	return func(in *streamRows) *streamRows {
		side := func(tag int64) *streamRows {
			rows := stream.Filter(in, func(r data.Row) bool { n, _ := r.Int64At(0); return n == tag })
			return stream.Map(rows, func(r data.Row) data.Row { return r.Slice(1, r.Width()) })
		}
		return Join(side(leftSide), side(rightSide), spec)
	}
}

// lrow and rrow are insert rows of the left and right side; lchg and
// rchg rows of the given kind.
func lrow(fields ...data.Value) data.Row { return lchg(data.Insert, fields...) }
func rrow(fields ...data.Value) data.Row { return rchg(data.Insert, fields...) }

func lchg(kind data.RowKind, fields ...data.Value) data.Row {
	return changed(kind, append([]data.Value{i32(leftSide)}, fields...)...)
}

func rchg(kind data.RowKind, fields ...data.Value) data.Row {
	return changed(kind, append([]data.Value{i32(rightSide)}, fields...)...)
}

// kv is the schema of both sides in most tests: (k STRING, v INT).
var kv = []data.Type{data.TString, data.TInt}

// joinSpec joins two (k STRING, v INT) inputs on k.
func joinSpec(t JoinType) JoinSpec {
	return JoinSpec{Type: t, LeftKeys: []int{0}, RightKeys: []int{0}, LeftTypes: kv, RightTypes: kv}
}

// emits pushes rows and checks the exact changelog they emit.
func emits(t *testing.T, j *testJob, rows []data.Row, want ...string) {
	t.Helper()
	j.push(rows...)
	checkRows(t, fmt.Sprintf("after %v", rows), j.take(), want)
}

// emitsAnyOrder is emits for rows whose matches come in no defined order.
func emitsAnyOrder(t *testing.T, j *testJob, rows []data.Row, want ...string) {
	t.Helper()
	j.push(rows...)
	checkRows(t, fmt.Sprintf("after %v", rows), sorted(j.take()), sorted(want))
}

func rows(r ...data.Row) []data.Row { return r }

func TestJoinInner(t *testing.T) {
	for _, p := range []int{1, 3} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			j := startJob(t, p, joinOn(joinSpec(InnerJoin)), nil)
			emits(t, j, rows(lrow(a, i32(1))))
			emits(t, j, rows(rrow(a, i32(10))), "+I[a, 1, a, 10]")
			emits(t, j, rows(rrow(b, i32(20))))
			emits(t, j, rows(lrow(a, i32(2))), "+I[a, 2, a, 10]")
			emitsAnyOrder(t, j, rows(rrow(a, i32(11))), "+I[a, 1, a, 11]", "+I[a, 2, a, 11]")
			emitsAnyOrder(t, j, rows(lchg(data.Delete, a, i32(1))), "-D[a, 1, a, 10]", "-D[a, 1, a, 11]")
		})
	}
}

// TestJoinInnerRetracts: an inner join retracts the joined rows of a
// retracted row of either side with that row's kind.
func TestJoinInnerRetracts(t *testing.T) {
	j := startJob(t, 2, joinOn(joinSpec(InnerJoin)), nil)
	emits(t, j, rows(lrow(a, i32(1)), rrow(a, i32(10))), "+I[a, 1, a, 10]")
	emits(t, j, rows(rchg(data.Delete, a, i32(10))), "-D[a, 1, a, 10]")
	emits(t, j, rows(rrow(a, i32(10))), "+I[a, 1, a, 10]")
	emits(t, j, rows(lchg(data.Delete, a, i32(1))), "-D[a, 1, a, 10]")
	emits(t, j, rows(rchg(data.Delete, a, i32(10))))
}

// updates is an updating left input of key k: +I, -U, +U, -D.
func updates(k data.Value) []data.Row {
	return rows(lrow(k, i32(1)), lchg(data.UpdateBefore, k, i32(1)), lchg(data.UpdateAfter, k, i32(2)), lchg(data.Delete, k, i32(2)))
}

// TestJoinUpdatingInput feeds an updating left input into inner and left
// joins: an inner join passes the kinds on, an outer side emits +I and
// -D only, and a left row without a match is padded, as its update is.
func TestJoinUpdatingInput(t *testing.T) {
	for _, c := range []struct {
		typ  JoinType
		k    data.Value
		want []string
	}{
		{InnerJoin, a, []string{"+I[a, 1, a, 10]", "-U[a, 1, a, 10]", "+U[a, 2, a, 10]", "-D[a, 2, a, 10]"}},
		{LeftJoin, a, []string{"+I[a, 1, a, 10]", "-D[a, 1, a, 10]", "+I[a, 2, a, 10]", "-D[a, 2, a, 10]"}},
		{LeftJoin, b, []string{"+I[b, 1, NULL, NULL]", "-D[b, 1, NULL, NULL]", "+I[b, 2, NULL, NULL]", "-D[b, 2, NULL, NULL]"}},
	} {
		t.Run(c.typ.String()+"/"+c.k.Str(), func(t *testing.T) {
			j := startJob(t, 2, joinOn(joinSpec(c.typ)), nil)
			emits(t, j, rows(rrow(a, i32(10))))
			for i, r := range updates(c.k) {
				emits(t, j, rows(r), c.want[i])
			}
		})
	}
}

// TestJoinLeftOuter: a left row is padded while it has no match; the
// padded row is retracted when the first match comes and back when the
// last match goes; right rows without a match emit nothing.
func TestJoinLeftOuter(t *testing.T) {
	for _, p := range []int{1, 3} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			j := startJob(t, p, joinOn(joinSpec(LeftJoin)), nil)
			emits(t, j, rows(lrow(a, i32(1))), "+I[a, 1, NULL, NULL]")
			emits(t, j, rows(rrow(a, i32(10))), "-D[a, 1, NULL, NULL]", "+I[a, 1, a, 10]")
			emits(t, j, rows(rrow(a, i32(11))), "+I[a, 1, a, 11]")
			emits(t, j, rows(rrow(b, i32(5))))
			emits(t, j, rows(rchg(data.Delete, a, i32(10))), "-D[a, 1, a, 10]")
			emits(t, j, rows(rchg(data.Delete, a, i32(11))), "-D[a, 1, a, 11]", "+I[a, 1, NULL, NULL]")
			// An update of the right side: -U keeps its kind (the right
			// side is not outer), and the padded row goes and comes back.
			emits(t, j, rows(rrow(a, i32(12))), "-D[a, 1, NULL, NULL]", "+I[a, 1, a, 12]")
			emits(t, j, rows(rchg(data.UpdateBefore, a, i32(12))), "-U[a, 1, a, 12]", "+I[a, 1, NULL, NULL]")
			emits(t, j, rows(rchg(data.UpdateAfter, a, i32(13))), "-D[a, 1, NULL, NULL]", "+I[a, 1, a, 13]")
			// A second left row with a match: its own match only.
			emits(t, j, rows(lrow(a, i32(2))), "+I[a, 2, a, 13]")
			emitsAnyOrder(t, j, rows(rchg(data.Delete, a, i32(13))),
				"-D[a, 1, a, 13]", "-D[a, 2, a, 13]", "+I[a, 1, NULL, NULL]", "+I[a, 2, NULL, NULL]")
			emits(t, j, rows(lchg(data.Delete, a, i32(1))), "-D[a, 1, NULL, NULL]")
		})
	}
}

func TestJoinRightOuter(t *testing.T) {
	j := startJob(t, 2, joinOn(joinSpec(RightJoin)), nil)
	emits(t, j, rows(rrow(a, i32(10))), "+I[NULL, NULL, a, 10]")
	emits(t, j, rows(lrow(b, i32(1))))
	emits(t, j, rows(lrow(a, i32(1))), "-D[NULL, NULL, a, 10]", "+I[a, 1, a, 10]")
	emits(t, j, rows(lchg(data.UpdateBefore, a, i32(1))), "-U[a, 1, a, 10]", "+I[NULL, NULL, a, 10]")
	emits(t, j, rows(lchg(data.UpdateAfter, a, i32(2))), "-D[NULL, NULL, a, 10]", "+I[a, 2, a, 10]")
	emits(t, j, rows(rchg(data.Delete, a, i32(10))), "-D[a, 2, a, 10]")
	emits(t, j, rows(rchg(data.Delete, a, i32(10))), "-D[a, 2, a, 10]") // not kept: emitted all the same
}

// TestJoinFullOuter: both sides padded, each row counting the matches of
// its occurrences.
func TestJoinFullOuter(t *testing.T) {
	j := startJob(t, 3, joinOn(joinSpec(FullJoin)), nil)
	emits(t, j, rows(lrow(a, i32(1))), "+I[a, 1, NULL, NULL]")
	emits(t, j, rows(rrow(b, i32(2))), "+I[NULL, NULL, b, 2]")
	emits(t, j, rows(rrow(a, i32(10))), "-D[a, 1, NULL, NULL]", "+I[a, 1, a, 10]")
	emits(t, j, rows(lrow(a, i32(2))), "+I[a, 2, a, 10]")
	emits(t, j, rows(lchg(data.Delete, a, i32(1))), "-D[a, 1, a, 10]")
	emits(t, j, rows(lchg(data.Delete, a, i32(2))), "-D[a, 2, a, 10]", "+I[NULL, NULL, a, 10]")
	emits(t, j, rows(rchg(data.Delete, a, i32(10))), "-D[NULL, NULL, a, 10]")
	emits(t, j, rows(lrow(b, i32(3))), "-D[NULL, NULL, b, 2]", "+I[b, 3, b, 2]")
	emits(t, j, rows(rchg(data.Delete, b, i32(2))), "-D[b, 3, b, 2]", "+I[b, 3, NULL, NULL]")
}

// TestJoinMultiplicity: a row present several times matches, and is
// matched, as often as it is present.
func TestJoinMultiplicity(t *testing.T) {
	j := startJob(t, 2, joinOn(joinSpec(InnerJoin)), nil)
	emits(t, j, rows(lrow(a, i32(1)), lrow(a, i32(1))))
	emits(t, j, rows(rrow(a, i32(10))), "+I[a, 1, a, 10]", "+I[a, 1, a, 10]")
	emits(t, j, rows(rrow(a, i32(10))), "+I[a, 1, a, 10]", "+I[a, 1, a, 10]")
	emits(t, j, rows(lchg(data.Delete, a, i32(1))), "-D[a, 1, a, 10]", "-D[a, 1, a, 10]")
	emits(t, j, rows(rchg(data.Delete, a, i32(10))), "-D[a, 1, a, 10]")

	j = startJob(t, 2, joinOn(joinSpec(FullJoin)), nil)
	emits(t, j, rows(lrow(a, i32(1)), lrow(a, i32(1))), "+I[a, 1, NULL, NULL]", "+I[a, 1, NULL, NULL]")
	emits(t, j, rows(rrow(a, i32(10))), "-D[a, 1, NULL, NULL]", "-D[a, 1, NULL, NULL]", "+I[a, 1, a, 10]", "+I[a, 1, a, 10]")
	emits(t, j, rows(rrow(a, i32(10))), "+I[a, 1, a, 10]", "+I[a, 1, a, 10]")
	emits(t, j, rows(rchg(data.Delete, a, i32(10))), "-D[a, 1, a, 10]", "-D[a, 1, a, 10]")
	emits(t, j, rows(rchg(data.Delete, a, i32(10))),
		"-D[a, 1, a, 10]", "-D[a, 1, a, 10]", "+I[a, 1, NULL, NULL]", "+I[a, 1, NULL, NULL]")
	emits(t, j, rows(lchg(data.Delete, a, i32(1))), "-D[a, 1, NULL, NULL]")
	emits(t, j, rows(rrow(a, i32(10))), "-D[a, 1, NULL, NULL]", "+I[a, 1, a, 10]")
	// Several distinct rows on both sides: every pair once.
	emitsAnyOrder(t, j, rows(lrow(a, i32(2))), "+I[a, 2, a, 10]")
	emitsAnyOrder(t, j, rows(rrow(a, i32(11))), "+I[a, 1, a, 11]", "+I[a, 2, a, 11]")
}

// TestJoinNullKeys: a NULL key column matches nothing, not even a NULL,
// but an outer side's row with one is padded, and retracted padded; with
// encoded keys (STRING, and a composite key) and int64 keys (INT).
func TestJoinNullKeys(t *testing.T) {
	for _, c := range []struct {
		name  string
		types []data.Type
		keys  []int
		k     data.Value
		shown string // k as printed
	}{
		{"string", kv, []int{0}, null(data.String), "NULL"},
		{"int", []data.Type{data.TInt, data.TInt}, []int{0}, null(data.Int), "NULL"},
		{"composite", []data.Type{data.TString, data.TInt}, []int{0, 1}, a, "a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := JoinSpec{Type: FullJoin, LeftKeys: c.keys, RightKeys: c.keys, LeftTypes: c.types, RightTypes: c.types}
			j := startJob(t, 2, joinOn(spec), nil)
			null := null(data.Int)
			k := c.shown
			emits(t, j, rows(lrow(c.k, null)), fmt.Sprintf("+I[%s, NULL, NULL, NULL]", k))
			emits(t, j, rows(rrow(c.k, null)), fmt.Sprintf("+I[NULL, NULL, %s, NULL]", k))
			emits(t, j, rows(lchg(data.Delete, c.k, null)), fmt.Sprintf("-D[%s, NULL, NULL, NULL]", k))
			emits(t, j, rows(rchg(data.Delete, c.k, null)), fmt.Sprintf("-D[NULL, NULL, %s, NULL]", k))

			spec.Type = InnerJoin
			j = startJob(t, 2, joinOn(spec), nil)
			emits(t, j, rows(lrow(c.k, null), rrow(c.k, null), lchg(data.Delete, c.k, null)))
		})
	}
}

// TestJoinCondition: the rest of the condition filters the pairs of a
// key, an unmatched outer row stays padded, and an error fails the job.
func TestJoinCondition(t *testing.T) {
	less := func(r data.Row) (bool, error) { // left v < right v
		if r.IsNullAt(1) || r.IsNullAt(3) {
			return false, nil
		}
		return r.Field(1).Int64() < r.Field(3).Int64(), nil
	}
	spec := joinSpec(InnerJoin)
	spec.Cond = less
	j := startJob(t, 2, joinOn(spec), nil)
	emits(t, j, rows(lrow(a, i32(5)), rrow(a, i32(3))))
	emits(t, j, rows(rrow(a, i32(7))), "+I[a, 5, a, 7]")
	emitsAnyOrder(t, j, rows(lrow(a, i32(1))), "+I[a, 1, a, 3]", "+I[a, 1, a, 7]")

	spec.Type = LeftJoin
	j = startJob(t, 2, joinOn(spec), nil)
	emits(t, j, rows(lrow(a, i32(5))), "+I[a, 5, NULL, NULL]")
	emits(t, j, rows(rrow(a, i32(3))))
	emits(t, j, rows(rrow(a, i32(7))), "-D[a, 5, NULL, NULL]", "+I[a, 5, a, 7]")
	emits(t, j, rows(rchg(data.Delete, a, i32(3))))
	emits(t, j, rows(rchg(data.Delete, a, i32(7))), "-D[a, 5, a, 7]", "+I[a, 5, NULL, NULL]")

	spec.Cond = func(data.Row) (bool, error) { return false, errors.New("division by zero") }
	j = startJob(t, 1, joinOn(spec), nil)
	j.push(lrow(a, i32(1)))
	err := j.pushErr(rrow(a, i32(2)))
	if err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("error %v, want the condition's", err)
	}
}

// TestJoinIntWithBigInt: an INT key meets a BIGINT key of the same value,
// with int64 keys (both NOT NULL) and encoded ones (a nullable INT, a
// composite key).
func TestJoinIntWithBigInt(t *testing.T) {
	intNN, bigNN := data.TInt.AsNotNull(), data.TBigInt.AsNotNull()
	for _, c := range []struct {
		name        string
		left, right []data.Type
		keys        []int
		int64Keys   bool
	}{
		{"int64 keys", []data.Type{intNN, data.TString}, []data.Type{bigNN, data.TString}, []int{0}, true},
		{"nullable INT", []data.Type{data.TInt, data.TString}, []data.Type{bigNN, data.TString}, []int{0}, false},
		{"composite", []data.Type{data.TInt, data.TString}, []data.Type{data.TBigInt, data.TString}, []int{0, 1}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := JoinSpec{Type: LeftJoin, LeftKeys: c.keys, RightKeys: c.keys, LeftTypes: c.left, RightTypes: c.right}
			if got := intJoinKey(spec); got != c.int64Keys {
				t.Fatalf("int64 keys: %v, want %v", got, c.int64Keys)
			}
			j := startJob(t, 3, joinOn(spec), nil)
			emits(t, j, rows(lrow(i32(5), a)), "+I[5, a, NULL, NULL]")
			emits(t, j, rows(rrow(i64(5), a)), "-D[5, a, NULL, NULL]", "+I[5, a, 5, a]")
			emits(t, j, rows(rrow(i64(1<<32+5), a)))
			emits(t, j, rows(lrow(null(data.Int), a)), "+I[NULL, a, NULL, NULL]")
		})
	}
}

// TestJoinMatchesBatchJoin runs random changelogs of both sides (rows
// inserted, and rows present retracted by -D or -U) through every join
// type, with and without a condition, and applies the output to a
// multiset: it never retracts a row it does not hold, and ends as the
// join of what is left of the inputs, computed pair by pair. With 3
// values a key's side has few distinct rows, kept in its compact state;
// with 40 it has more than maxCompactRows, which moves them to its
// MapState, and retractions (most of the rows in the second half) empty
// it again, so that keys go back to the compact state.
func TestJoinMatchesBatchJoin(t *testing.T) {
	le := func(r data.Row) (bool, error) { // left v <= right v
		return !r.IsNullAt(1) && !r.IsNullAt(3) && r.Field(1).Int64() <= r.Field(3).Int64(), nil
	}
	keys := []data.Value{a, b, null(data.String)}
	for _, c := range []struct {
		values int32
		steps  int
	}{{3, 400}, {40, 1200}} {
		for _, typ := range []JoinType{InnerJoin, LeftJoin, RightJoin, FullJoin} {
			for _, cond := range []func(data.Row) (bool, error){nil, le} {
				t.Run(fmt.Sprintf("%d/%s/cond=%v", c.values, typ, cond != nil), func(t *testing.T) {
					testJoinMatchesBatchJoin(t, typ, cond, keys, c.values, c.steps)
				})
			}
		}
	}
}

func testJoinMatchesBatchJoin(t *testing.T, typ JoinType, cond func(data.Row) (bool, error), keys []data.Value, values int32, steps int) {
	spec := joinSpec(typ)
	spec.Cond = cond
	j := startJob(t, 2, joinOn(spec), nil)
	rnd := rand.New(rand.NewPCG(1, uint64(typ)))
	var live [2][]data.Row // each side's rows present
	got := map[string]int{}
	for step := range steps {
		side := rnd.IntN(2)
		var r data.Row
		retract := rnd.IntN(3) == 0
		if values > 3 && step >= steps/2 {
			retract = rnd.IntN(4) != 0
		}
		if n := len(live[side]); n > 0 && retract {
			i := rnd.IntN(n)
			r = live[side][i]
			live[side] = append(live[side][:i], live[side][i+1:]...)
			r.Kind = []data.RowKind{data.Delete, data.UpdateBefore}[rnd.IntN(2)]
		} else {
			r = row(keys[rnd.IntN(len(keys))], i32(rnd.Int32N(values)))
			live[side] = append(live[side], r)
		}
		j.push(changed(r.Kind, append([]data.Value{i32(int32(side))}, r.Values()...)...))
		for _, o := range j.takeOutputs() {
			k := o.row
			k.Kind = data.Insert
			if o.row.Kind.IsRetraction() {
				if got[k.String()]--; got[k.String()] < 0 {
					t.Fatalf("%s retracts a row not emitted", o.row)
				}
			} else {
				got[k.String()]++
			}
		}
	}
	want := batchJoin(spec, live[leftSide], live[rightSide])
	maps.DeleteFunc(got, func(_ string, n int) bool { return n == 0 })
	if !maps.Equal(got, want) {
		t.Fatalf("the changelog adds up to\n %v\nthe join of what is left is\n %v", got, want)
	}
}

// batchJoin is the join of two multisets of rows, as counts of the
// joined rows printed as inserts.
func batchJoin(spec JoinSpec, left, right []data.Row) map[string]int {
	var alloc data.Allocator
	want := map[string]int{}
	lnulls, rnulls := nullRow(spec.LeftTypes), nullRow(spec.RightTypes)
	matched := make([]bool, len(right))
	for _, l := range left {
		found := false
		for i, r := range right {
			joined := alloc.Concat(data.Insert, l, r)
			if l.IsNullAt(0) || !l.Field(0).Equal(r.Field(0)) {
				continue
			}
			if spec.Cond != nil {
				if ok, err := spec.Cond(joined); err != nil || !ok {
					continue
				}
			}
			want[joined.String()]++
			found, matched[i] = true, true
		}
		if !found && spec.Type.leftOuter() {
			want[alloc.Concat(data.Insert, l, rnulls).String()]++
		}
	}
	for i, r := range right {
		if !matched[i] && spec.Type.rightOuter() {
			want[alloc.Concat(data.Insert, lnulls, r).String()]++
		}
	}
	return want
}

// TestJoinRetractionNotKept: a retraction of a row that is not in state
// emits as if it were, and fails nothing.
func TestJoinRetractionNotKept(t *testing.T) {
	j := startJob(t, 2, joinOn(joinSpec(LeftJoin)), nil)
	emits(t, j, rows(rrow(a, i32(10))))
	emits(t, j, rows(lchg(data.Delete, a, i32(1))), "-D[a, 1, a, 10]")
	emits(t, j, rows(lchg(data.UpdateBefore, b, i32(1))), "-D[b, 1, NULL, NULL]")
	emits(t, j, rows(rchg(data.Delete, b, i32(1))))
	emits(t, j, rows(lrow(a, i32(1))), "+I[a, 1, a, 10]")
}

func TestJoinVertex(t *testing.T) {
	j := startJob(t, 2, joinOn(joinSpec(InnerJoin)), nil)
	j.runsVertex(t, "Join")
}

func TestJoinTypeString(t *testing.T) {
	for typ, want := range map[JoinType]string{
		InnerJoin: "InnerJoin", LeftJoin: "LeftOuterJoin", RightJoin: "RightOuterJoin", FullJoin: "FullOuterJoin", 7: "JoinType(7)",
	} {
		if got := typ.String(); got != want {
			t.Errorf("%d: %q, want %q", typ, got, want)
		}
	}
}

// TestJoinRefusesBadSpecs: what the planner should have refused panics
// at build time, with the reason.
func TestJoinRefusesBadSpecs(t *testing.T) {
	ok := joinSpec(InnerJoin)
	for _, c := range []struct {
		name string
		edit func(*JoinSpec)
		want string
	}{
		{"no keys", func(s *JoinSpec) { s.LeftKeys, s.RightKeys = nil, nil }, "0 left and 0 right key columns"},
		{"uneven keys", func(s *JoinSpec) { s.LeftKeys = []int{0, 1} }, "2 left and 1 right key columns"},
		{"left out of range", func(s *JoinSpec) { s.LeftKeys = []int{2} }, "left key 0 is column 2 of 2"},
		{"right out of range", func(s *JoinSpec) { s.RightKeys = []int{-1} }, "right key 0 is column -1 of 2"},
		{"kinds", func(s *JoinSpec) { s.RightKeys = []int{1} }, "key 0 pairs STRING with INT"},
		{"decimal scales", func(s *JoinSpec) {
			s.LeftTypes = []data.Type{data.TDecimal(10, 2)}
			s.RightTypes = []data.Type{data.TDecimal(10, 3)}
		}, "key 0 pairs DECIMAL(10, 2) with DECIMAL(10, 3)"},
		{"type", func(s *JoinSpec) { s.Type = 9 }, "unknown join type 9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := ok
			c.edit(&spec)
			panics(t, "runtime: Join: "+c.want, func() {
				var s *streamRows
				Join(s, s, spec)
			})
		})
	}
}
