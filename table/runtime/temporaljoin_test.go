package runtime

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/runnel/runnel/table/data"
)

// temporalOn is a pipeline of TemporalJoin over the rows the test pushes
// with their side in a first INT column, as intervalOn's: the left side
// the orders, the right side the versioned table.
func temporalOn(spec TemporalJoinSpec) pipeline {
	return func(in *streamRows) *streamRows {
		return TemporalJoin(sideRows(in, leftSide), sideRows(in, rightSide), spec)
	}
}

// temporalSpec joins orders (currency STRING, id INT, t TIMESTAMP(3))
// with rates (currency STRING, rate INT, t TIMESTAMP(3)) on currency.
func temporalSpec(typ JoinType) TemporalJoinSpec {
	return TemporalJoinSpec{
		Type: typ, LeftKeys: []int{0}, RightKeys: []int{0}, LeftTypes: ktv, RightTypes: ktv,
		LeftTime: 2, RightTime: 2,
	}
}

// Times in the currency tests are minutes of the day, as milliseconds:
// 600 is 10:00.
var eur, usd = str("EUR"), str("USD")

// rate is a right row (currency, rate, t) of the given kind.
func rate(kind data.RowKind, k data.Value, v int32, t int64) data.Row {
	return rchg(kind, k, i32(v), ts(t))
}

// inOrder returns the rows emitted since the last take, in their order,
// printed as timed prints them.
func inOrder(j *testJob) []string {
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
	return rows
}

// TestTemporalJoinRates is the currency example of Flink's docs: rates
// of EUR from 10:00, 10:05 and 10:10; each order joins the rate valid at
// its time, and only once the watermark reaches that time, stamped with
// it; the order before the first rate finds none: dropped by INNER,
// padded by LEFT.
func TestTemporalJoinRates(t *testing.T) {
	for _, typ := range []JoinType{InnerJoin, LeftJoin} {
		for _, p := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/%d", typ, p), func(t *testing.T) {
				j := startJob(t, p, temporalOn(temporalSpec(typ)), nil)
				joins(t, j, rows(rjoin(eur, 114, 600), rjoin(eur, 116, 605), rjoin(eur, 119, 610), rjoin(usd, 100, 600)))
				joins(t, j, rows(ljoin(eur, 1, 595), ljoin(eur, 2, 602), ljoin(eur, 3, 607), ljoin(eur, 4, 612), ljoin(usd, 5, 612)))
				var early []string
				if typ == LeftJoin {
					early = append(early, "+I[EUR, 1, 595, NULL, NULL, NULL]@595")
				}
				passes(t, j, 599, early...)
				passes(t, j, 601)
				passes(t, j, 602, "+I[EUR, 2, 602, EUR, 114, 600]@602")
				passes(t, j, 611, "+I[EUR, 3, 607, EUR, 116, 605]@607")
				passes(t, j, 612, "+I[EUR, 4, 612, EUR, 119, 610]@612", "+I[USD, 5, 612, USD, 100, 600]@612")
				j.end()
				checkRows(t, "at the end", timed(j), nil)
			})
		}
	}
}

// TestTemporalJoinOutOfOrder: versions pushed latest first, and a version
// pushed after the order that needs it (but before the watermark reaches
// the order), resolve by their times, not by arrival.
func TestTemporalJoinOutOfOrder(t *testing.T) {
	j := startJob(t, 2, temporalOn(temporalSpec(InnerJoin)), nil)
	joins(t, j, rows(rjoin(eur, 119, 610), ljoin(eur, 3, 607), ljoin(eur, 4, 612), rjoin(eur, 116, 605)))
	joins(t, j, rows(ljoin(eur, 2, 602), rjoin(eur, 114, 600)))
	passes(t, j, 700,
		"+I[EUR, 2, 602, EUR, 114, 600]@602", "+I[EUR, 3, 607, EUR, 116, 605]@607", "+I[EUR, 4, 612, EUR, 119, 610]@612")
}

// TestTemporalJoinChanges: a -D ends a version, so an order after it
// finds none (padded in a LEFT join) until a +I starts the next; a -U and
// +U at one time replace the version; a -U alone ends it. A key's
// orders come out in time order, those of one time in arrival order.
func TestTemporalJoinChanges(t *testing.T) {
	j := startJob(t, 2, temporalOn(temporalSpec(LeftJoin)), nil)
	joins(t, j, rows(
		rate(data.Insert, eur, 114, 600), rate(data.Delete, eur, 114, 605), rate(data.Insert, eur, 120, 610),
		rate(data.UpdateBefore, eur, 120, 615), rate(data.UpdateAfter, eur, 121, 615), rate(data.UpdateBefore, eur, 121, 620)))
	joins(t, j, rows(ljoin(eur, 1, 602), ljoin(eur, 2, 605), ljoin(eur, 3, 609), ljoin(eur, 4, 610),
		ljoin(eur, 5, 614), ljoin(eur, 7, 615), ljoin(eur, 6, 615), ljoin(eur, 8, 625)))
	j.watermark(700)
	checkRows(t, "at watermark 700", inOrder(j), []string{
		"+I[EUR, 1, 602, EUR, 114, 600]@602",
		"+I[EUR, 2, 605, NULL, NULL, NULL]@605",
		"+I[EUR, 3, 609, NULL, NULL, NULL]@609",
		"+I[EUR, 4, 610, EUR, 120, 610]@610",
		"+I[EUR, 5, 614, EUR, 120, 610]@614",
		"+I[EUR, 7, 615, EUR, 121, 615]@615",
		"+I[EUR, 6, 615, EUR, 121, 615]@615",
		"+I[EUR, 8, 625, NULL, NULL, NULL]@625",
	})
}

// TestTemporalJoinLateRows: an order behind the watermark is joined at
// once against the versions kept: the version valid at its time if that
// is still the key's latest at or before the watermark, none if it was
// cleaned; a late version replaces the latest if it is later.
func TestTemporalJoinLateRows(t *testing.T) {
	j := startJob(t, 2, temporalOn(temporalSpec(LeftJoin)), nil)
	joins(t, j, rows(rjoin(eur, 114, 600), rjoin(eur, 116, 605)))
	passes(t, j, 610)
	joins(t, j, rows(ljoin(eur, 1, 607)), "+I[EUR, 1, 607, EUR, 116, 605]@607")
	joins(t, j, rows(ljoin(eur, 2, 602)), "+I[EUR, 2, 602, NULL, NULL, NULL]@602") // 600 was cleaned
	joins(t, j, rows(rjoin(eur, 118, 608), ljoin(eur, 3, 612)))
	joins(t, j, rows(ljoin(eur, 4, 609)), "+I[EUR, 4, 609, EUR, 118, 608]@609")
	joins(t, j, rows(ljoin(eur, 5, 607)), "+I[EUR, 5, 607, NULL, NULL, NULL]@607") // 605 was cleaned by 608
	passes(t, j, 612, "+I[EUR, 3, 612, EUR, 118, 608]@612")
}

// TestTemporalJoinCondition: the rest of the condition is checked on the
// version valid at the order's time only (an older version that would
// pass it does not count): INNER drops the order, LEFT pads it; an error
// fails the job.
func TestTemporalJoinCondition(t *testing.T) {
	less := func(r data.Row) (bool, error) { // order id < rate
		return r.Field(1).Int64() < r.Field(4).Int64(), nil
	}
	for _, typ := range []JoinType{InnerJoin, LeftJoin} {
		spec := temporalSpec(typ)
		spec.Cond = less
		j := startJob(t, 2, temporalOn(spec), nil)
		joins(t, j, rows(rjoin(eur, 10, 600), rjoin(eur, 5, 605), ljoin(eur, 7, 602), ljoin(eur, 7, 607), ljoin(eur, 3, 608)))
		want := []string{"+I[EUR, 7, 602, EUR, 10, 600]@602", "+I[EUR, 3, 608, EUR, 5, 605]@608"}
		if typ == LeftJoin {
			want = append(want, "+I[EUR, 7, 607, NULL, NULL, NULL]@607")
		}
		passes(t, j, 700, want...)
	}

	spec := temporalSpec(InnerJoin)
	spec.Cond = func(data.Row) (bool, error) { return false, fmt.Errorf("division by zero") }
	j := startJob(t, 1, temporalOn(spec), nil)
	j.push(rjoin(eur, 10, 600), ljoin(eur, 1, 601))
	j.watermark(599)
	if err := watermarkErr(j, 601); err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Fatalf("error %v, want the condition's", err)
	}
}

// TestTemporalJoinNulls: a row with a NULL rowtime is dropped on either
// side; a version with a NULL key is dropped; an order with one matches
// nothing, not even that version, and is padded at once by LEFT; with
// encoded (STRING, composite) and int64 (INT) keys.
func TestTemporalJoinNulls(t *testing.T) {
	tsType := data.TTimestamp(3)
	for _, c := range []struct {
		name  string
		types []data.Type
		keys  []int
		k     data.Value // the key column's value in the rows with a NULL key
		shown string
	}{
		{"string", ktv, []int{0}, null(data.String), "NULL"},
		{"int", []data.Type{data.TInt, data.TInt, tsType}, []int{0}, null(data.Int), "NULL"},
		{"composite", ktv, []int{0, 1}, eur, "EUR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := temporalSpec(LeftJoin)
			spec.LeftTypes, spec.RightTypes, spec.LeftKeys, spec.RightKeys = c.types, c.types, c.keys, c.keys
			if c.name == "int" && !intJoinKey(spec.joinSpec()) {
				t.Fatal("INT keys are not int64 keys")
			}
			nv := null(data.Int)
			j := startJob(t, 2, temporalOn(spec), nil)
			joins(t, j, rows(rrow(c.k, nv, ts(600))))
			joins(t, j, rows(lrow(c.k, nv, ts(601))), fmt.Sprintf("+I[%s, NULL, 601, NULL, NULL, NULL]@601", c.shown))
			passes(t, j, 700)
			spec.Type = InnerJoin
			j = startJob(t, 2, temporalOn(spec), nil)
			joins(t, j, rows(rrow(c.k, nv, ts(600)), lrow(c.k, nv, ts(601))))
			passes(t, j, 700)
		})
	}
	j := startJob(t, 2, temporalOn(temporalSpec(LeftJoin)), nil)
	joins(t, j, rows(rjoin(eur, 10, 600), rrow(eur, i32(11), null(data.Timestamp)), lrow(eur, i32(1), null(data.Timestamp))))
	joins(t, j, rows(ljoin(eur, 2, 601)))
	passes(t, j, 700, "+I[EUR, 2, 601, EUR, 10, 600]@601")
}

// TestTemporalJoinIntWithBigInt: an INT order key meets a BIGINT version
// key of the same value, with int64 keys (both NOT NULL) and encoded ones
// (a nullable INT).
func TestTemporalJoinIntWithBigInt(t *testing.T) {
	intNN, bigNN, tsType := data.TInt.AsNotNull(), data.TBigInt.AsNotNull(), data.TTimestamp(3)
	for _, c := range []struct {
		name      string
		left      data.Type
		int64Keys bool
	}{{"int64 keys", intNN, true}, {"nullable INT", data.TInt, false}} {
		t.Run(c.name, func(t *testing.T) {
			spec := temporalSpec(LeftJoin)
			spec.LeftTypes = []data.Type{c.left, data.TInt, tsType}
			spec.RightTypes = []data.Type{bigNN, data.TInt, tsType}
			if got := intJoinKey(spec.joinSpec()); got != c.int64Keys {
				t.Fatalf("int64 keys: %v, want %v", got, c.int64Keys)
			}
			j := startJob(t, 3, temporalOn(spec), nil)
			joins(t, j, rows(rrow(i64(5), i32(10), ts(100)), rrow(i64(1<<32+5), i32(11), ts(100))))
			joins(t, j, rows(lrow(i32(5), i32(1), ts(100)), lrow(i32(6), i32(2), ts(100))))
			passes(t, j, 100, "+I[5, 1, 100, 5, 10, 100]@100", "+I[6, 2, 100, NULL, NULL, NULL]@100")
		})
	}
}

// TestTemporalJoinRefusesLeftChanges: an update or delete on the left
// input fails the job, naming the operator; the right input takes every
// kind (TestTemporalJoinChanges).
func TestTemporalJoinRefusesLeftChanges(t *testing.T) {
	for _, kind := range []data.RowKind{data.UpdateBefore, data.UpdateAfter, data.Delete} {
		j := startJob(t, 2, temporalOn(temporalSpec(InnerJoin)), nil)
		err := j.pushErr(lchg(kind, eur, i32(1), ts(600)))
		if err == nil || !strings.Contains(err.Error(), "TemporalJoin takes an insert-only left input") {
			t.Fatalf("%s: error %v, want TemporalJoin's refusal", kind, err)
		}
	}
}

// TestTemporalJoinCleansState: after 100 versions of each of 20 keys and
// a watermark past them all, the snapshot is exactly as large as that of
// a job given only each key's last version: older versions, their timers
// and the joined orders are gone. An order late enough to need an old
// version finds none; one after the last version joins it.
func TestTemporalJoinCleansState(t *testing.T) {
	keys := make([]data.Value, 20)
	for i := range keys {
		keys[i] = str(fmt.Sprintf("k%d", i))
	}
	all := startJob(t, 2, temporalOn(temporalSpec(LeftJoin)), nil)
	last := startJob(t, 2, temporalOn(temporalSpec(LeftJoin)), nil)
	for v := range int32(100) {
		for i, k := range keys {
			kind := data.UpdateAfter
			if v%10 == 5 {
				kind = data.Delete
			}
			all.push(rate(kind, k, v, int64(v)*10+int64(i%7)), ljoin(k, v, int64(v)*10+5))
		}
	}
	for i, k := range keys {
		last.push(rate(data.UpdateAfter, k, 99, 990+int64(i%7)))
	}
	all.watermark(10_000)
	last.watermark(10_000)
	if n := len(all.take()); n != 2000 {
		t.Fatalf("%d rows emitted, want one per order, 2000", n)
	}
	if n, want := keyedStateBytes(t, all), keyedStateBytes(t, last); n != want {
		t.Fatalf("state of %d bytes after 100 versions per key, %d with only the last", n, want)
	}
	joins(t, all, rows(ljoin(keys[0], 1, 500)), "+I[k0, 1, 500, NULL, NULL, NULL]@500")
	joins(t, all, rows(ljoin(keys[0], 2, 995)), "+I[k0, 2, 995, k0, 99, 990]@995")
}

// temporalScript is a random run of a temporal join over keys 0 to 7:
// batches of versions (+I, +U, -U, -D, with times that may repeat) and
// orders, shuffled, each with times up to 20 ms after the watermark,
// which follows each batch 10 ms further: no row is late, and several
// orders and versions of a key are buffered at any watermark.
type temporalScript struct {
	batches [][]data.Row
	wms     []int64
}

func newTemporalScript(rng *rand.Rand, key func(int) data.Value) temporalScript {
	var s temporalScript
	id := int32(0)
	for b := range 30 {
		wm := int64(b) * 10
		var batch []data.Row
		for range 12 {
			k, t := key(rng.IntN(8)), wm+1+rng.Int64N(20)
			id++
			if rng.IntN(3) == 0 {
				kind := []data.RowKind{data.Insert, data.UpdateAfter, data.UpdateAfter, data.UpdateBefore, data.Delete}[rng.IntN(5)]
				batch = append(batch, rate(kind, k, id, t))
			} else {
				batch = append(batch, ljoin(k, id, t))
			}
		}
		s.batches = append(s.batches, batch)
		s.wms = append(s.wms, wm+10)
	}
	return s
}

// run pushes batches [from, to) into j, each followed by its watermark,
// and returns what j emitted.
func (s temporalScript) run(j *testJob, from, to int) []string {
	var out []string
	for b := from; b < to; b++ {
		j.push(s.batches[b]...)
		j.watermark(s.wms[b])
		out = append(out, timed(j)...)
	}
	return out
}

// want is what a join of type typ must emit for the script (BIGINT
// keys), found by brute force: each order joins the latest right row of its key at or
// before its time (the last pushed of those at that time), if that
// starts a version.
func (s temporalScript) want(typ JoinType) []string {
	type at struct {
		k, t int64
	}
	versions := map[at]data.Row{}
	var orders []data.Row
	for _, batch := range s.batches {
		for _, r := range batch {
			side, _ := r.Int64At(0)
			r = r.Slice(1, r.Width())
			if side == rightSide {
				versions[at{r.Field(0).Int64(), r.Field(2).Millis()}] = r
			} else {
				orders = append(orders, r)
			}
		}
	}
	var out []string
	for _, o := range orders {
		t := o.Field(2).Millis()
		var best data.Row
		found := false
		for vt := t; vt >= 0 && !found; vt-- {
			best, found = versions[at{o.Field(0).Int64(), vt}]
		}
		switch {
		case found && !best.Kind.IsRetraction():
			out = append(out, fmt.Sprintf("+I[%d, %d, %d, %d, %d, %d]@%d", o.Field(0).Int64(), o.Field(1).Int64(), t,
				best.Field(0).Int64(), best.Field(1).Int64(), best.Field(2).Millis(), t))
		case typ == LeftJoin:
			out = append(out, fmt.Sprintf("+I[%d, %d, %d, NULL, NULL, NULL]@%d", o.Field(0).Int64(), o.Field(1).Int64(), t, t))
		}
	}
	return sorted(out)
}

// temporalKeys are the key types the random tests run with: a nullable
// BIGINT (encoded keys) and a BIGINT NOT NULL (int64 keys).
var temporalKeys = []data.Type{data.TBigInt, data.TBigInt.AsNotNull()}

// bigintSpec is temporalSpec with a BIGINT key of the given type.
func bigintSpec(typ JoinType, key data.Type) TemporalJoinSpec {
	spec := temporalSpec(typ)
	types := []data.Type{key, data.TInt, data.TTimestamp(3)}
	spec.LeftTypes, spec.RightTypes = types, types
	return spec
}

func bigintKey(i int) data.Value { return i64(int64(i)) }

// TestTemporalJoinRandom runs random scripts of several keys through
// INNER and LEFT joins at parallelism 1 and 3, with encoded and int64
// keys, and compares the output with the brute-force join.
func TestTemporalJoinRandom(t *testing.T) {
	for _, key := range temporalKeys {
		for _, typ := range []JoinType{InnerJoin, LeftJoin} {
			for _, p := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/%s/%d", key, typ, p), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(p), 7))
					for range 5 {
						s := newTemporalScript(rng, bigintKey)
						j := startJob(t, p, temporalOn(bigintSpec(typ, key)), nil)
						got := s.run(j, 0, len(s.batches))
						j.end()
						got = append(got, timed(j)...)
						checkRows(t, "output", sorted(got), s.want(typ))
					}
				})
			}
		}
	}
}

// TestTemporalJoinRestores checkpoints a LEFT join of two subtasks in the
// middle of a random script, with orders and versions buffered, restores
// it at two and at three subtasks, and runs the rest: the output of both
// runs together is an uninterrupted run's, and the orders buffered at the
// checkpoint come out after the restore.
func TestTemporalJoinRestores(t *testing.T) {
	for _, key := range temporalKeys {
		for _, p := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/%d", key, p), func(t *testing.T) {
				spec := bigintSpec(LeftJoin, key)
				s := newTemporalScript(rand.New(rand.NewPCG(3, 4)), bigintKey)
				j := startJob(t, 2, temporalOn(spec), nil)
				whole := s.run(j, 0, len(s.batches))
				j.end()
				whole = append(whole, timed(j)...)

				const cut = 15
				j = startJob(t, 2, temporalOn(spec), nil)
				before := s.run(j, 0, cut)
				j = startJob(t, p, temporalOn(spec), j.snapshot())
				after := s.run(j, cut, len(s.batches))
				j.end()
				after = append(after, timed(j)...)
				checkRows(t, "output across the restore", sorted(append(before, after...)), sorted(whole))

				buffered := 0
				for _, r := range after {
					var id int
					if _, err := fmt.Sscanf(r[strings.Index(r, ", ")+2:], "%d", &id); err != nil {
						t.Fatal(err)
					}
					if id <= cut*12 {
						buffered++
					}
				}
				if buffered == 0 {
					t.Fatal("no order pushed before the checkpoint was joined after the restore")
				}
			})
		}
	}
}

func TestTemporalJoinVertex(t *testing.T) {
	j := startJob(t, 2, temporalOn(temporalSpec(InnerJoin)), nil)
	j.runsVertex(t, "TemporalJoin")
}

// TestTemporalJoinRefusesBadSpecs: what the planner should have refused
// panics at build time, with the reason: RIGHT and FULL joins, as Flink
// refuses them, and the key and time column checks.
func TestTemporalJoinRefusesBadSpecs(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*TemporalJoinSpec)
		want string
	}{
		{"right", func(s *TemporalJoinSpec) { s.Type = RightJoin }, "join type RightOuterJoin: a temporal join is an INNER or a LEFT join"},
		{"full", func(s *TemporalJoinSpec) { s.Type = FullJoin }, "join type FullOuterJoin: a temporal join is an INNER or a LEFT join"},
		{"no keys", func(s *TemporalJoinSpec) { s.LeftKeys, s.RightKeys = nil, nil }, "0 left and 0 right key columns"},
		{"kinds", func(s *TemporalJoinSpec) { s.RightKeys = []int{1} }, "key 0 pairs STRING with INT"},
		{"left time out of range", func(s *TemporalJoinSpec) { s.LeftTime = 3 }, "left time is column 3 of 3"},
		{"time type", func(s *TemporalJoinSpec) { s.RightTime = 1 }, "right time column 1 is INT: want TIMESTAMP or TIMESTAMP_LTZ"},
	} {
		t.Run(c.name, func(t *testing.T) {
			spec := temporalSpec(InnerJoin)
			c.edit(&spec)
			panics(t, "runtime: TemporalJoin: "+c.want, func() {
				var s *streamRows
				TemporalJoin(s, s, spec)
			})
		})
	}
}

// TestTemporalJoinVersionsDecode: a key's right rows come back from a
// snapshot as they were; what is not such an encoding is refused.
func TestTemporalJoinVersionsDecode(t *testing.T) {
	fields := row(eur, i32(114), ts(600)).AppendFields(nil)
	var buf []byte
	var err error
	for _, v := range []struct {
		t      int64
		fields []byte
	}{{605, nil}, {-5, fields}, {600, fields}, {605, fields}} {
		if buf, err = versions(buf).appendPut(nil, v.t, v.fields); err != nil {
			t.Fatal(err)
		}
	}
	vs := versions(buf)
	enc, _ := vs.AppendBinary(nil)
	var got versions
	if err := got.UnmarshalBinary(enc); err != nil || got != vs {
		t.Fatalf("round trip: %q, %v; want %q", got, err, vs)
	}
	for at, want := range map[int64]string{-6: "none", -5: "-5", 604: "600", 605: "605", 1000: "605"} {
		i, err := vs.latest(at)
		if err != nil {
			t.Fatal(err)
		}
		gotAt := "none"
		if i >= 0 {
			vt, f, _, _ := vs.entry(i)
			gotAt = fmt.Sprint(vt)
			if vt == 605 && f != string(fields) {
				t.Fatalf("the row at 605 is %q, want the +U's fields", f)
			}
		}
		if gotAt != want {
			t.Fatalf("latest at %d: %s, want %s", at, gotAt, want)
		}
	}
	unsorted := appendVersion(appendVersion(nil, 605, fields), 600, fields)
	for name, b := range map[string][]byte{
		"empty": nil, "truncated": enc[:len(enc)-1], "short time": enc[:5], "unsorted": unsorted,
		"bad row": appendVersion(nil, 600, []byte{9, 1, 2}),
	} {
		if err := new(versions).UnmarshalBinary(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}
