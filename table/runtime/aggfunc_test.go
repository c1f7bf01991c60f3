package runtime

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/runnel/runnel/table/data"
)

func TestAggResultType(t *testing.T) {
	rowtime := data.TTimestamp(3)
	rowtime.Time = data.Rowtime
	tests := []struct {
		fn       string
		arg      data.Type
		distinct bool
		want     data.Type
	}{
		{"COUNT", data.Type{}, false, data.TBigInt.AsNotNull()},
		{"COUNT", data.TString.AsNotNull(), true, data.TBigInt.AsNotNull()},
		{"SUM", data.TInt, false, data.TInt},
		{"SUM", data.TInt.AsNotNull(), false, data.TInt},
		{"SUM", data.TBigInt, true, data.TBigInt},
		{"SUM", data.TDouble, false, data.TDouble},
		{"SUM", data.TDecimal(10, 2), false, data.TDecimal(38, 2)},
		{"AVG", data.TInt, false, data.TInt},
		{"AVG", data.TBigInt, false, data.TBigInt},
		{"AVG", data.TDouble, false, data.TDouble},
		{"AVG", data.TDecimal(10, 2), false, data.TDecimal(38, 6)},
		{"AVG", data.TDecimal(20, 8), false, data.TDecimal(38, 8)},
		{"MIN", data.TString.AsNotNull(), false, data.TString},
		{"MAX", rowtime, false, data.TTimestamp(3)},
		{"MAX", data.TDecimal(5, 1), true, data.TDecimal(5, 1)},
		{"min", data.TDate, false, data.TDate},
		{"max", data.TBoolean, false, data.TBoolean},
	}
	for _, tt := range tests {
		got, err := AggResultType(tt.fn, tt.arg, tt.distinct)
		if err != nil {
			t.Errorf("%s(%s): %v", tt.fn, tt.arg, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s(%s) = %s, want %s", tt.fn, tt.arg, got, tt.want)
		}
	}
	for _, tt := range []struct {
		fn   string
		arg  data.Type
		want string
	}{
		{"SUM", data.TString, "SUM does not take STRING"},
		{"AVG", data.TBoolean, "AVG does not take BOOLEAN"},
		{"sum", data.TDate, "SUM does not take DATE"},
		{"MIN", data.TBytes, "MIN does not take BYTES"},
		{"MAX", data.TNull, "MAX does not take NULL"},
		{"MEDIAN", data.TInt, "unknown aggregate function MEDIAN"},
	} {
		_, err := AggResultType(tt.fn, tt.arg, false)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s(%s): error %v, want %q", tt.fn, tt.arg, err, tt.want)
		}
	}
}

func TestNewAggregatorRefuses(t *testing.T) {
	for _, tt := range []struct {
		call AggCall
		want string
	}{
		{AggCall{Func: "SUM", Arg: -1}, "SUM(*) needs an argument column"},
		{AggCall{Func: "COUNT", Arg: -1, Distinct: true}, "COUNT(DISTINCT *) needs an argument column"},
		{AggCall{Func: "SUM", Arg: 0, ArgType: data.TString}, "SUM does not take STRING"},
	} {
		_, err := newAggregator([]AggCall{tt.call}, true)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.call, err, tt.want)
		}
	}
}

// step is one value accumulated or retracted.
type step struct {
	retract bool
	v       data.Value
}

func add(vs ...data.Value) []step {
	var s []step
	for _, v := range vs {
		s = append(s, step{v: v})
	}
	return s
}

func sub(vs ...data.Value) []step {
	s := add(vs...)
	for i := range s {
		s[i].retract = true
	}
	return s
}

func call(fn string, arg data.Type) AggCall {
	t, _ := AggResultType(fn, arg, false)
	return AggCall{Func: fn, Arg: 0, ArgType: arg, Type: t}
}

func distinct(c AggCall) AggCall { c.Distinct = true; return c }

// over runs c, for an input that may retract (MIN and MAX counted), over
// one-column rows of the steps' values.
func over(t *testing.T, c AggCall, steps ...[]step) data.Value {
	t.Helper()
	g, err := newAggregator([]AggCall{c}, true)
	if err != nil {
		t.Fatal(err)
	}
	accs, counts := make([]acc, 1), []valueCounts{valueMap{}}
	for _, ss := range steps {
		for _, s := range ss {
			if s.retract {
				g.retract(accs, counts, data.NewRow(s.v))
			} else {
				g.accumulate(accs, counts, data.NewRow(s.v))
			}
		}
	}
	return g.funcs[0].value(accs[0])
}

func checkValue(t *testing.T, name string, got, want data.Value) {
	t.Helper()
	if got.Kind() != want.Kind() || !got.Equal(want) {
		t.Errorf("%s = %s (%s), want %s (%s)", name, data.NewRow(got), got.Kind(), data.NewRow(want), want.Kind())
	}
}

var (
	i32  = data.IntValue
	i64  = data.BigIntValue
	f64  = data.DoubleValue
	dec  = data.DecimalValue
	str  = data.StringValue
	null = data.NullOf
)

func TestCount(t *testing.T) {
	star := AggCall{Func: "COUNT", Arg: -1}
	x := call("COUNT", data.TInt)
	checkValue(t, "COUNT(*) of none", over(t, star), i64(0))
	checkValue(t, "COUNT(*) counts NULL rows", over(t, star, add(i32(1), null(data.Int), i32(1))), i64(3))
	checkValue(t, "COUNT(x) skips NULLs", over(t, x, add(i32(1), null(data.Int), i32(1))), i64(2))
	checkValue(t, "COUNT(x) retracted", over(t, x, add(i32(1), i32(2)), sub(i32(1), null(data.Int))), i64(1))
	checkValue(t, "COUNT(DISTINCT x)", over(t, distinct(x), add(i32(1), i32(2), i32(1), null(data.Int))), i64(2))
	checkValue(t, "COUNT(DISTINCT x), one copy retracted", over(t, distinct(x), add(i32(1), i32(2), i32(1)), sub(i32(1))), i64(2))
	checkValue(t, "COUNT(DISTINCT x), both retracted", over(t, distinct(x), add(i32(1), i32(2), i32(1)), sub(i32(1), i32(1))), i64(1))
	checkValue(t, "COUNT(DISTINCT x), retraction first", over(t, distinct(x), sub(i32(7)), add(i32(7)), add(i32(7))), i64(1))
}

func TestSum(t *testing.T) {
	checkValue(t, "SUM(INT)", over(t, call("SUM", data.TInt), add(i32(1), null(data.Int), i32(2))), i32(3))
	checkValue(t, "SUM(INT) wraps as Java's int", over(t, call("SUM", data.TInt), add(i32(math.MaxInt32), i32(1))), i32(math.MinInt32))
	checkValue(t, "SUM(BIGINT) retracted", over(t, call("SUM", data.TBigInt), add(i64(10), i64(-3), i64(5)), sub(i64(10))), i64(2))
	checkValue(t, "SUM(DOUBLE)", over(t, call("SUM", data.TDouble), add(f64(0.5), f64(0.25))), f64(0.75))
	checkValue(t, "SUM of none", over(t, call("SUM", data.TInt)), null(data.Int))
	checkValue(t, "SUM of NULLs", over(t, call("SUM", data.TDouble), add(null(data.Double))), null(data.Double))
	checkValue(t, "SUM retracted to none", over(t, call("SUM", data.TDouble), add(f64(0.1), f64(0.2)), sub(f64(0.1), f64(0.2))), null(data.Double))
	checkValue(t, "SUM of zeros", over(t, call("SUM", data.TBigInt), add(i64(0))), i64(0))
	checkValue(t, "SUM(DISTINCT)", over(t, distinct(call("SUM", data.TInt)), add(i32(2), i32(2), i32(3)), sub(i32(2))), i32(5))

	d := call("SUM", data.TDecimal(10, 2))
	checkValue(t, "SUM(DECIMAL)", over(t, d, add(dec(125, 2), dec(250, 2), null(data.Decimal))), dec(375, 2))
	checkValue(t, "SUM(DECIMAL) retracted", over(t, d, add(dec(125, 2), dec(250, 2)), sub(dec(125, 2))), dec(250, 2))

	// Two values near 10^38 overflow DECIMAL(38, 0): NULL, as Flink's
	// decimal overflow; taking one back makes the sum fit again.
	big38 := data.BigDecimalValue(new(big.Int).Exp(big.NewInt(10), big.NewInt(37), nil), 0)
	wide := call("SUM", data.TDecimal(38, 0))
	checkValue(t, "SUM(DECIMAL) fits", over(t, wide, add(big38, big38)), data.BigDecimalValue(new(big.Int).Mul(big.NewInt(2), big38.Unscaled()), 0))
	nines := data.BigDecimalValue(new(big.Int).Sub(new(big.Int).Exp(big.NewInt(10), big.NewInt(38), nil), big.NewInt(1)), 0)
	checkValue(t, "SUM(DECIMAL) overflows", over(t, wide, add(nines, big38)), null(data.Decimal))
	checkValue(t, "SUM(DECIMAL) back in range", over(t, wide, add(nines, big38), sub(big38)), nines)
}

func TestAvg(t *testing.T) {
	checkValue(t, "AVG(INT) is an integer average", over(t, call("AVG", data.TInt), add(i32(1), i32(2))), i32(1))
	checkValue(t, "AVG(INT) truncates toward zero", over(t, call("AVG", data.TInt), add(i32(-1), i32(-2))), i32(-1))
	checkValue(t, "AVG(INT) sums beyond INT", over(t, call("AVG", data.TInt), add(i32(math.MaxInt32), i32(math.MaxInt32))), i32(math.MaxInt32))
	checkValue(t, "AVG(BIGINT)", over(t, call("AVG", data.TBigInt), add(i64(10), i64(20), null(data.BigInt), i64(40)), sub(i64(40))), i64(15))
	checkValue(t, "AVG(DOUBLE)", over(t, call("AVG", data.TDouble), add(f64(1), f64(2))), f64(1.5))
	checkValue(t, "AVG of none", over(t, call("AVG", data.TDouble), add(f64(1)), sub(f64(1))), null(data.Double))
	checkValue(t, "AVG(DECIMAL) rounds half up at scale 6",
		over(t, call("AVG", data.TDecimal(10, 2)), add(dec(100, 2), dec(200, 2), dec(200, 2))), dec(1_666_667, 6))
	checkValue(t, "AVG(DECIMAL) keeps a larger scale",
		over(t, call("AVG", data.TDecimal(20, 8)), add(dec(1, 8), dec(2, 8))), dec(2, 8))
	checkValue(t, "AVG(DISTINCT)", over(t, distinct(call("AVG", data.TBigInt)), add(i64(1), i64(1), i64(4))), i64(2))
}

func TestMinMaxWithRetraction(t *testing.T) {
	mn, mx := call("MIN", data.TInt), call("MAX", data.TInt)
	in := add(i32(5), i32(3), null(data.Int), i32(3), i32(8))
	checkValue(t, "MIN", over(t, mn, in), i32(3))
	checkValue(t, "MAX", over(t, mx, in), i32(8))
	checkValue(t, "MIN, one 3 retracted", over(t, mn, in, sub(i32(3))), i32(3))
	checkValue(t, "MIN, both 3s retracted", over(t, mn, in, sub(i32(3), i32(3))), i32(5))
	checkValue(t, "MIN, all but 8 retracted", over(t, mn, in, sub(i32(3), i32(3), i32(5))), i32(8))
	checkValue(t, "MIN, all retracted", over(t, mn, in, sub(i32(3), i32(3), i32(5), i32(8))), null(data.Int))
	checkValue(t, "MAX, 8 retracted", over(t, mx, in, sub(i32(8))), i32(5))
	checkValue(t, "MAX, a non-extreme retracted", over(t, mx, in, sub(i32(5))), i32(8))
	checkValue(t, "MIN, retraction before its accumulation", over(t, mn, in, sub(i32(1)), add(i32(1))), i32(3))
	checkValue(t, "MAX after all retracted and more", over(t, mx, in, sub(i32(3), i32(3), i32(5), i32(8)), add(i32(2))), i32(2))
	checkValue(t, "MIN(STRING)", over(t, call("MIN", data.TString), add(str("b"), str("a"), str("c")), sub(str("a"))), str("b"))
	checkValue(t, "MAX(DECIMAL)", over(t, call("MAX", data.TDecimal(5, 2)), add(dec(150, 2), dec(99, 2))), dec(150, 2))
}

func TestMinMaxInsertOnly(t *testing.T) {
	g, err := newAggregator([]AggCall{call("MIN", data.TDouble), call("MAX", data.TDouble)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if g.counted {
		t.Fatal("MIN and MAX over an insert-only input keep value counts")
	}
	accs := make([]acc, 2)
	for _, v := range []data.Value{f64(2), null(data.Double), f64(-1), f64(7)} {
		g.accumulate(accs, nil, data.NewRow(v, v))
	}
	checkValue(t, "MIN", g.funcs[0].value(accs[0]), f64(-1))
	checkValue(t, "MAX", g.funcs[1].value(accs[1]), f64(7))
}

// TestMerge merges the accumulators of two windows, a over {1, 2, NULL}
// and b over {2, 3}, as session windows merge.
func TestMerge(t *testing.T) {
	calls := []AggCall{
		{Func: "COUNT", Arg: -1}, call("COUNT", data.TInt), distinct(call("COUNT", data.TInt)),
		call("SUM", data.TInt), distinct(call("SUM", data.TInt)), call("AVG", data.TInt),
		call("MIN", data.TInt), call("MAX", data.TInt), call("SUM", data.TDecimal(10, 1)),
	}
	calls[8].Arg = 1
	want := []data.Value{i64(5), i64(4), i64(3), i32(8), i32(6), i32(2), i32(1), i32(3), dec(80, 1)}
	g, err := newAggregator(calls, false)
	if err != nil {
		t.Fatal(err)
	}
	f := &windowAggFunction{g: g}
	acc := func(vs ...data.Value) windowAcc {
		a := f.CreateAccumulator()
		for _, v := range vs {
			d := data.NullOf(data.Decimal)
			if !v.IsNull() {
				d = dec(v.Int64()*10, 1)
			}
			a = f.Add(data.NewRow(v, d), a)
		}
		return a
	}
	for _, tt := range []struct {
		name string
		a, b windowAcc
	}{
		{"a into b", acc(i32(2), i32(3)), acc(i32(1), i32(2), null(data.Int))},
		{"b into a", acc(i32(1), i32(2), null(data.Int)), acc(i32(2), i32(3))},
	} {
		m := f.Merge(tt.a, tt.b)
		got := g.appendValues(nil, m.accs)
		for i := range want {
			checkValue(t, tt.name+": "+callString(calls[i]), got[i], want[i])
		}
	}
	empty := f.Merge(f.CreateAccumulator(), f.CreateAccumulator())
	for i, v := range g.appendValues(nil, empty.accs) {
		if calls[i].Func != "COUNT" && !v.IsNull() {
			t.Errorf("%s of two empty windows = %s, want NULL", callString(calls[i]), data.NewRow(v))
		}
	}
}

// TestNumericAccumulateAllocatesNothing: the per-row path of numeric
// aggregates touches no map and allocates nothing.
func TestNumericAccumulateAllocatesNothing(t *testing.T) {
	calls := []AggCall{
		{Func: "COUNT", Arg: -1}, call("SUM", data.TBigInt), call("AVG", data.TDouble),
		call("SUM", data.TDecimal(10, 2)), call("MIN", data.TBigInt), call("MAX", data.TDouble),
	}
	for i := range calls[1:] {
		calls[i+1].Arg = i
	}
	g, err := newAggregator(calls, false)
	if err != nil {
		t.Fatal(err)
	}
	accs := make([]acc, len(calls))
	row := data.NewRow(i64(3), f64(1.5), dec(1234, 2), i64(-7), f64(2))
	if n := testing.AllocsPerRun(1000, func() { g.accumulate(accs, nil, row) }); n != 0 {
		t.Fatalf("%v allocations per row", n)
	}
}
