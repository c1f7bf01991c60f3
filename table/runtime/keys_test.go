package runtime

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/runnel/runnel/table/data"
)

func TestIntKeyKind(t *testing.T) {
	notNull := data.TBigInt
	notNull.NotNull = true
	for _, c := range []struct {
		keys  []int
		types KeyTypes
		want  bool
	}{
		{[]int{0}, KeyTypes{data.TInt}, true},
		{[]int{0}, KeyTypes{notNull}, true},
		{[]int{0}, KeyTypes{data.TBigInt}, false}, // NULL has no int64 of its own
		{[]int{0}, KeyTypes{data.TString}, false},
		{[]int{0}, nil, false},
		{[]int{0, 1}, KeyTypes{data.TInt, data.TInt}, false},
		{nil, KeyTypes{}, false},
	} {
		if _, got := IntKeyKind(c.keys, c.types); got != c.want {
			t.Errorf("IntKeyKind(%v, %v) = %t, want %t", c.keys, c.types, got, c.want)
		}
	}
}

// intKeyed are the key columns' types of the int64-keyed tests, by
// name; each keeps values that a wrong NULL key or a truncation would
// merge.
var intKeyed = []struct {
	name string
	typ  data.Type
	keys []data.Value
}{
	{"INT", data.TInt, []data.Value{null(data.Int), i32(0), i32(-1), i32(math.MinInt32), i32(math.MaxInt32), i32(7)}},
	{"BIGINT NOT NULL", data.Type{Kind: data.BigInt, NotNull: true}, []data.Value{i64(0), i64(-1), i64(math.MinInt64), i64(math.MaxInt64), i64(1 << 32), i64(7)}},
}

// printed is v as a row prints it.
func printed(v data.Value) string {
	return strings.TrimSuffix(strings.TrimPrefix(row(v).String(), "+I["), "]")
}

// TestWindowAggregateIntKeys: keyed by int64, the window aggregation
// gives each key, NULL included, its own windows and emits the key as it
// came, also after a restore at another parallelism.
func TestWindowAggregateIntKeys(t *testing.T) {
	for _, kt := range intKeyed {
		for _, spec := range []WindowSpec{{Kind: Tumble, Size: 10 * ms}, {Kind: Session, Gap: 10 * ms}} {
			spec.TimeCol = timeCol
			build := func(in *streamRows) *streamRows {
				return WindowAggregate(in, spec, []int{0}, []AggCall{countStar, sumV}, WindowAggOptions{KeyTypes: KeyTypes{kt.typ}})
			}
			j := startJob(t, 2, build, nil)
			for _, k := range kt.keys {
				j.push(row(k, i32(1), ts(1)), row(k, i32(2), ts(2)))
			}
			j.watermark(0)
			j = startJob(t, 3, build, j.snapshot())
			var want []string
			for _, k := range kt.keys {
				j.push(row(k, i32(4), ts(3)))
				start, end := int64(0), int64(10)
				if spec.Kind == Session {
					start, end = 1, 13
				}
				want = append(want, fmt.Sprintf("+I[%s, 3, 7, %s]", printed(k), bounds(start, end)))
			}
			j.end()
			fired(t, j, kt.name+" "+spec.Kind.String(), want...)
		}
	}
}

// TestGroupAggregateIntKeys is TestWindowAggregateIntKeys for
// GroupAggregate: a changelog per key, NULL included, across a restore.
func TestGroupAggregateIntKeys(t *testing.T) {
	for _, kt := range intKeyed {
		build := func(in *streamRows) *streamRows {
			return GroupAggregate(in, []int{0}, []AggCall{countStar, distinct(col(call("COUNT", data.TInt), 1))}, GroupAggOptions{KeyTypes: KeyTypes{kt.typ}})
		}
		j := startJob(t, 2, build, nil)
		var want []string
		for _, k := range kt.keys {
			j.push(row(k, i32(1)), row(k, i32(2)))
			want = append(want, fmt.Sprintf("+I[%s, 1, 1]", printed(k)), fmt.Sprintf("-U[%s, 1, 1]", printed(k)), fmt.Sprintf("+U[%s, 2, 2]", printed(k)))
		}
		checkRows(t, kt.name, sorted(j.take()), sorted(want))
		j = startJob(t, 3, build, j.snapshot())
		want = want[:0]
		for _, k := range kt.keys {
			j.push(changed(data.Delete, k, i32(1)))
			want = append(want, fmt.Sprintf("-U[%s, 2, 2]", printed(k)), fmt.Sprintf("+U[%s, 1, 1]", printed(k)))
		}
		checkRows(t, kt.name+" after the restore", sorted(j.take()), sorted(want))
	}
}
