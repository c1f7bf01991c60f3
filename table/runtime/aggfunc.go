package runtime

import (
	"github.com/runnel/runnel/table/data"
)

// acc is one aggregate call's accumulator: two plain fields whatever the
// function, so that a group's accumulators are one slice of structs and
// accumulating a number touches no map and allocates nothing.
//
//   - COUNT: n is the count.
//   - SUM, AVG: n counts the non-NULL values, v is their sum (a BIGINT
//     for INT and BIGINT, a DOUBLE, or a DECIMAL of decimalSumPrec); the
//     zero Value while n is 0.
//   - MIN, MAX: v is the extreme and n the number of values it is the
//     extreme of: all of them, or, when counted, the distinct values
//     with a positive count (Flink's mapSize).
type acc struct {
	n int64
	v data.Value
}

// add folds the non-NULL value v into a.
func (f *aggFunc) add(a *acc, v data.Value) {
	switch f.kind {
	case fnCountStar, fnCount:
		a.n++
	case fnSum, fnAvg:
		a.n++
		a.v = f.plus(a.v, v)
	case fnMin, fnMax:
		if a.n == 0 || f.better(v, a.v) {
			a.v = v.Clone() // kept: not its row's block
		}
		a.n++
	}
}

// sub takes the non-NULL value v back out of a. MIN and MAX can only be
// retracted when counted: counts holds every value's count, v's already
// lowered to 0, from which the next extreme is found.
func (f *aggFunc) sub(a *acc, v data.Value, counts valueCounts) {
	a.n--
	switch f.kind {
	case fnSum, fnAvg:
		if a.n == 0 {
			a.v = data.Value{} // no rounding residue of a DOUBLE sum survives
		} else {
			a.v = f.minus(a.v, v)
		}
	case fnMin, fnMax:
		if a.n == 0 {
			a.v = data.Value{}
		} else if v.Equal(a.v) {
			f.nextExtreme(a, counts)
		}
	}
}

// nextExtreme finds the extreme among the values of positive count, as
// Flink's MinWithRetractAggFunction.updateMin.
func (f *aggFunc) nextExtreme(a *acc, counts valueCounts) {
	found := false
	for k, n := range counts.all() {
		if v := data.Value(k); n > 0 && (!found || f.better(v, a.v)) {
			a.v, found = v, true
		}
	}
	if !found {
		*a = acc{}
	}
}

// merge folds b into a, for merging (session) windows.
func (f *aggFunc) merge(a *acc, b acc) {
	if b.n == 0 {
		return
	}
	switch f.kind {
	case fnSum, fnAvg:
		a.v = f.plus(a.v, b.v)
	case fnMin, fnMax:
		if a.n == 0 || f.better(b.v, a.v) {
			a.v = b.v
		}
	}
	a.n += b.n
	if a.n == 0 {
		*a = acc{}
	}
}

// better reports whether v beats the current extreme x.
func (f *aggFunc) better(v, x data.Value) bool {
	c := data.Compare(v, x)
	return f.kind == fnMin && c < 0 || f.kind == fnMax && c > 0
}

// plus adds v to the sum s, in the accumulation's type. Integer sums wrap
// around as Java's do.
func (f *aggFunc) plus(s, v data.Value) data.Value {
	switch f.num {
	case data.Double:
		return data.DoubleValue(s.Float64() + v.Float64())
	case data.Decimal:
		return data.DecimalAdd(s, v, f.sumType)
	default:
		return data.BigIntValue(s.Int64() + v.Int64())
	}
}

// minus subtracts v from the sum s.
func (f *aggFunc) minus(s, v data.Value) data.Value {
	switch f.num {
	case data.Double:
		return data.DoubleValue(s.Float64() - v.Float64())
	case data.Decimal:
		return data.DecimalSub(s, v, f.sumType)
	default:
		return data.BigIntValue(s.Int64() - v.Int64())
	}
}

// value is a's result, of the call's result type.
func (f *aggFunc) value(a acc) data.Value {
	switch f.kind {
	case fnCountStar, fnCount:
		return data.BigIntValue(a.n)
	}
	if a.n == 0 {
		return data.NullOf(f.result.Kind)
	}
	switch f.kind {
	case fnSum:
		switch f.num {
		case data.Int:
			return data.IntValue(int32(a.v.Int64()))
		case data.Decimal:
			return data.DecimalRescale(a.v, f.result)
		}
		return a.v
	case fnAvg:
		switch f.num {
		case data.Int:
			return data.IntValue(int32(a.v.Int64() / a.n))
		case data.BigInt:
			return data.BigIntValue(a.v.Int64() / a.n)
		case data.Double:
			return data.DoubleValue(a.v.Float64() / float64(a.n))
		}
		// The count is not zero, so the division cannot fail.
		avg, _ := data.DecimalDiv(a.v, data.DecimalValue(a.n, 0), f.result)
		return avg
	}
	return a.v
}
