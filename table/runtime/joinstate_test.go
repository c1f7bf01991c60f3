package runtime

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/runnel/runnel/table/data"
)

// The join's state: rows expiring with the state TTL, a key moving from
// its compact string to the MapState, the compact encoding, and restores.

// TestJoinStateTTL: a row not written for the state TTL no longer
// matches, and its retraction is then one of a row not kept. The
// backend's clock is the wall clock, so the test waits twice the TTL and
// asserts only what must hold after it.
func TestJoinStateTTL(t *testing.T) {
	const ttl = 300 * time.Millisecond
	spec := joinSpec(LeftJoin)
	spec.StateTTL = ttl
	j := startJob(t, 2, joinOn(spec), nil)
	j.push(lrow(a, i32(1)), rrow(b, i32(2)))
	j.take()
	time.Sleep(2 * ttl)
	emits(t, j, rows(rrow(a, i32(10))))                        // the left row expired
	emits(t, j, rows(lrow(b, i32(3))), "+I[b, 3, NULL, NULL]") // and so did the right one
	emits(t, j, rows(lrow(a, i32(2))), "+I[a, 2, a, 10]")      // the new right row matches
	emits(t, j, rows(lchg(data.Delete, a, i32(1))), "-D[a, 1, a, 10]")
}

// TestJoinStateTTLPerRow: each row of a key expires on its own, though
// the key's rows share one compact state value: the older row is gone
// while the newer one, written within the TTL, still matches.
func TestJoinStateTTLPerRow(t *testing.T) {
	const ttl = time.Second
	spec := joinSpec(LeftJoin)
	spec.StateTTL = ttl
	j := startJob(t, 1, joinOn(spec), nil)
	emits(t, j, rows(lrow(a, i32(1))), "+I[a, 1, NULL, NULL]")
	time.Sleep(ttl * 6 / 10)
	emits(t, j, rows(lrow(a, i32(2))), "+I[a, 2, NULL, NULL]")
	time.Sleep(ttl * 6 / 10) // the first row expired, the second not
	emits(t, j, rows(rrow(a, i32(10))), "-D[a, 2, NULL, NULL]", "+I[a, 2, a, 10]")
}

// TestJoinManyRows: a key with more than maxCompactRows distinct rows on
// a side moves them to the side's MapState, where they keep their counts
// and matches, across a restore too; once retracted, the key starts
// over in the compact state.
func TestJoinManyRows(t *testing.T) {
	const many = maxCompactRows + 4
	spec := joinSpec(FullJoin)
	j := startJob(t, 2, joinOn(spec), nil)
	var in []data.Row
	var want []string
	for v := range int32(many) {
		in = append(in, lrow(a, i32(v)), lrow(a, i32(v)))
		want = append(want, fmt.Sprintf("+I[a, %d, NULL, NULL]", v), fmt.Sprintf("+I[a, %d, NULL, NULL]", v))
	}
	emitsAnyOrder(t, j, in, want...)
	j = startJob(t, 3, joinOn(spec), j.snapshot())
	want = want[:0]
	for v := range many {
		want = append(want,
			fmt.Sprintf("-D[a, %d, NULL, NULL]", v), fmt.Sprintf("-D[a, %d, NULL, NULL]", v),
			fmt.Sprintf("+I[a, %d, a, 10]", v), fmt.Sprintf("+I[a, %d, a, 10]", v))
	}
	emitsAnyOrder(t, j, rows(rrow(a, i32(10))), want...)
	for v := range int32(many) {
		emits(t, j, rows(lchg(data.Delete, a, i32(v))), fmt.Sprintf("-D[a, %d, a, 10]", v))
		if v < many-1 {
			emits(t, j, rows(lchg(data.Delete, a, i32(v))), fmt.Sprintf("-D[a, %d, a, 10]", v))
		}
	}
	emits(t, j, rows(lchg(data.Delete, a, i32(many-1))), fmt.Sprintf("-D[a, %d, a, 10]", many-1), "+I[NULL, NULL, a, 10]")
	emits(t, j, rows(lrow(a, i32(1))), "-D[NULL, NULL, a, 10]", "+I[a, 1, a, 10]")
	emits(t, j, rows(rchg(data.Delete, a, i32(10))), "-D[a, 1, a, 10]", "+I[a, 1, NULL, NULL]")
}

// TestJoinRowsCodec: a side's compact rows round-trip through their
// snapshot encoding, which refuses what it did not encode.
func TestJoinRowsCodec(t *testing.T) {
	var alloc data.Allocator
	fields := string(alloc.MakeRow(data.Insert, []data.Value{a, i32(1)}).AppendFields(nil))
	for _, stamped := range []bool{false, true} {
		s := joinSide[int64]{}
		if stamped {
			s.ttl = int64(time.Second)
		}
		buf := s.header(nil)
		buf = appendEntry(buf, 0, 7, fields, joinRecord{count: 2, assoc: -3})
		buf = appendEntry(buf, 5, 7, fields, joinRecord{count: 1, assoc: maxJoinCount})
		rs := joinRows(buf)
		enc, _ := rs.AppendBinary(nil)
		rs = ""
		if err := rs.UnmarshalBinary(enc); err != nil {
			t.Fatalf("stamped=%v: %v", stamped, err)
		}
		e, next, err := rs.entry(1)
		if err != nil || e.fields != fields || e.rec != (joinRecord{2, -3}) || stamped && e.ts != 7 || !stamped && e.ts != 0 {
			t.Fatalf("stamped=%v: first row %+v, %v", stamped, e, err)
		}
		if e, _, err = rs.entry(next); err != nil || e.rec != (joinRecord{1, maxJoinCount}) || stamped && e.ts != 5 {
			t.Fatalf("stamped=%v: second row %+v, %v", stamped, e, err)
		}
		for _, bad := range [][]byte{nil, {joinRowsPlain}, {2, 0}, enc[:len(enc)-1], append(slices.Clone(enc), 0)} {
			if err := rs.UnmarshalBinary(bad); err == nil {
				t.Errorf("stamped=%v: %q decodes", stamped, bad)
			}
		}
	}
}

// TestJoinRestores checkpoints a full join of two subtasks and restores
// it at two and at three: every key's rows of both sides, with their
// counts and matches, come back in the subtask that owns the key's
// group, so the changelog goes on as if nothing happened; with encoded
// and int64 keys.
func TestJoinRestores(t *testing.T) {
	for _, key := range []data.Type{data.TBigInt, data.TBigInt.AsNotNull()} {
		types := []data.Type{key, data.TInt}
		spec := JoinSpec{Type: FullJoin, LeftKeys: []int{0}, RightKeys: []int{0}, LeftTypes: types, RightTypes: types}
		for _, p := range []int{2, 3} {
			t.Run(fmt.Sprintf("%s/%d", key, p), func(t *testing.T) {
				j := startJob(t, 2, joinOn(spec), nil)
				for k := range int64(8) {
					j.push(lrow(i64(k), i32(1)), lrow(i64(k), i32(1)))
					if k%2 == 0 {
						j.push(rrow(i64(k), i32(10)))
					}
				}
				j.take()
				j = startJob(t, p, joinOn(spec), j.snapshot())
				var want []string
				for k := range int64(8) {
					j.push(rrow(i64(k), i32(11)))
					if k%2 == 0 {
						want = append(want, fmt.Sprintf("+I[%d, 1, %d, 11]", k, k), fmt.Sprintf("+I[%d, 1, %d, 11]", k, k))
					} else {
						want = append(want,
							fmt.Sprintf("-D[%d, 1, NULL, NULL]", k), fmt.Sprintf("-D[%d, 1, NULL, NULL]", k),
							fmt.Sprintf("+I[%d, 1, %d, 11]", k, k), fmt.Sprintf("+I[%d, 1, %d, 11]", k, k))
					}
				}
				checkRows(t, "after the restore", j.take(), want)
				emits(t, j, rows(rchg(data.Delete, i64(0), i32(10))), "-D[0, 1, 0, 10]", "-D[0, 1, 0, 10]")
				emits(t, j, rows(rchg(data.Delete, i64(0), i32(11))),
					"-D[0, 1, 0, 11]", "-D[0, 1, 0, 11]", "+I[0, 1, NULL, NULL]", "+I[0, 1, NULL, NULL]")
			})
		}
	}
}
