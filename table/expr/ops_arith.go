package expr

import (
	"fmt"
	"math"
	"time"

	"github.com/runnel/runnel/table/data"
)

// Arithmetic: + - * / % (MOD) and unary minus on numbers, datetimes and
// intervals. INT and BIGINT wrap on overflow as Java's int and long, which
// is what Flink's generated code does; DECIMAL goes through data's decimal
// arithmetic (NULL on overflow); DOUBLE is IEEE.

// arithOp is the operator of an arithmetic call, MOD being % and NEGATE
// (the SQL binder's unary minus) -.
func arithOp(e *Expr) string {
	switch e.Name {
	case "MOD":
		return "%"
	case "NEGATE":
		return "-"
	}
	return e.Name
}

func typeArith(r *resolver, e *Expr) (data.Type, error) {
	op := arithOp(e)
	if len(e.Args) == 1 {
		a := e.Args[0]
		if a.Type.Kind == data.Null {
			return data.TInt, r.want(e, 0, famNumber)
		}
		if !a.Type.IsNumeric() && !a.Type.IsInterval() {
			return data.Type{}, fmt.Errorf("cannot apply %s to %s", op, typeName(a.Type))
		}
		return a.Type, nil
	}
	if err := r.adoptNull(e, op); err != nil {
		return data.Type{}, err
	}
	a, b := e.Args[0].Type, e.Args[1].Type
	notNull := a.NotNull && b.NotNull
	switch {
	case a.IsNumeric() && b.IsNumeric():
		t, _ := merge2(a, b)
		if t.Kind != data.Decimal {
			return withNull(t, notNull), r.castArgs(e, 0, t, false)
		}
		// DECIMAL operands keep their own scale: the result type says
		// how the exact result is rounded.
		da, db := data.DecimalTypeOf(a), data.DecimalTypeOf(b)
		for i, t := range []data.Type{da, db} {
			c, err := r.castTo(e.Args[i], t)
			if err != nil {
				return data.Type{}, err
			}
			e.Args[i] = c
		}
		switch op {
		case "+", "-":
			return data.DecimalPlusType(da, db), nil
		case "*":
			return data.DecimalTimesType(da, db), nil
		case "/":
			return data.DecimalDivideType(da, db), nil
		}
		return data.DecimalModType(da, db), nil
	case isDatetime(a) && b.IsInterval() && (op == "+" || op == "-"):
		return withNull(a, notNull), nil
	case a.IsInterval() && isDatetime(b) && op == "+":
		return withNull(b, notNull), nil
	case a.IsInterval() && a.Kind == b.Kind && (op == "+" || op == "-"):
		t, _ := merge2(a, b)
		return withNull(t, notNull), nil
	case a.IsInterval() && b.IsNumeric() && (op == "*" || op == "/"):
		return withNull(a, notNull), nil
	case a.IsNumeric() && b.IsInterval() && op == "*":
		return withNull(b, notNull), nil
	}
	return data.Type{}, fmt.Errorf("cannot apply %s to %s and %s", op, typeName(a), typeName(b))
}

// adoptNull gives a NULL operand of a binary arithmetic call a type from
// the other operand: the same number type, an interval beside a datetime
// or interval, INT beside an interval being multiplied.
func (r *resolver) adoptNull(e *Expr, op string) error {
	for i := range 2 {
		if e.Args[i].Type.Kind != data.Null {
			continue
		}
		other := e.Args[1-i].Type
		t := data.TInt
		switch {
		case other.IsNumeric():
			t = other
		case isDatetime(other):
			t = data.TIntervalDayTime
		case other.IsInterval() && (op == "+" || op == "-"):
			t = other
		}
		c, err := r.castTo(e.Args[i], t)
		if err != nil {
			return err
		}
		e.Args[i] = c
	}
	return nil
}

func compileArith(e *Expr) (Eval, error) {
	if isIntArith(e) {
		if ev := colLitArith(e); ev != nil {
			return ev, nil
		}
		ie, err := compileIntArith(e)
		if err != nil {
			return nil, err
		}
		return intValues(ie, e.Type.Kind), nil
	}
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	if len(args) == 1 {
		return compileNeg(e, args[0]), nil
	}
	op := arithOp(e)
	a, b := args[0], args[1]
	ta, tb := e.Args[0].Type, e.Args[1].Type
	switch {
	case e.Type.Kind == data.Decimal:
		return decimalArith(e, op, a, b), nil
	case e.Type.Kind == data.Double:
		return doubleArith(e, op, a, b), nil
	case isDatetime(ta):
		return datetimeArith(e, a, b, ta, tb, op == "-"), nil
	case isDatetime(tb):
		return datetimeArith(e, b, a, tb, ta, false), nil
	case ta.IsInterval() && tb.IsInterval():
		return intervalArith(e, op, a, b), nil
	case ta.IsInterval():
		return intervalScale(e, op, a, b, tb), nil
	case tb.IsInterval():
		return intervalScale(e, op, b, a, ta), nil
	}
	return nil, fmt.Errorf("cannot compile %s", e)
}

// intResult is an INT (wrapped to 32 bits, as Java's int) or a BIGINT.
func intResult(n int64, narrow bool) data.Value {
	if narrow {
		return data.IntValue(int32(n))
	}
	return data.BigIntValue(n)
}

func doubleArith(e *Expr, op string, a, b Eval) Eval {
	null := data.NullOf(data.Double)
	var f func(x, y float64) float64
	switch op {
	case "+":
		return func(r data.Row) (data.Value, error) {
			x, y, isNull, err := operands(a, b, r)
			if isNull {
				return null, err
			}
			return data.DoubleValue(x.Float64() + y.Float64()), nil
		}
	case "-":
		f = func(x, y float64) float64 { return x - y }
	case "*":
		return func(r data.Row) (data.Value, error) {
			x, y, isNull, err := operands(a, b, r)
			if isNull {
				return null, err
			}
			return data.DoubleValue(x.Float64() * y.Float64()), nil
		}
	case "/":
		f = func(x, y float64) float64 { return x / y }
	default:
		f = math.Mod // Java's % on doubles: the sign of the dividend
	}
	return strict2(data.Double, a, b, func(x, y data.Value) (data.Value, error) {
		return data.DoubleValue(f(x.Float64(), y.Float64())), nil
	})
}

func decimalArith(e *Expr, op string, a, b Eval) Eval {
	t := e.Type
	return strict2(data.Decimal, a, b, func(x, y data.Value) (data.Value, error) {
		var v data.Value
		var err error
		switch op {
		case "+":
			v = data.DecimalAdd(x, y, t)
		case "-":
			v = data.DecimalSub(x, y, t)
		case "*":
			v = data.DecimalMul(x, y, t)
		case "/":
			v, err = data.DecimalDiv(x, y, t)
		default:
			v, err = data.DecimalMod(x, y, t)
		}
		if err != nil {
			return data.NullOf(data.Decimal), exprError(e, err)
		}
		return v, nil
	})
}

func compileNeg(e *Expr, a Eval) Eval {
	k := e.Type.Kind
	return strict1(k, a, func(x data.Value) (data.Value, error) {
		switch k {
		case data.Double:
			return data.DoubleValue(-x.Float64()), nil
		case data.Decimal:
			return data.DecimalNeg(x), nil
		case data.IntervalYearMonth:
			return data.IntervalYearMonthValue(-int32(x.Int64())), nil
		}
		return data.IntervalDayTimeValue(-x.Int64()), nil
	})
}

// datetimeArith is the datetime dt plus (or, with neg, minus) the
// interval iv: a day-time interval moves the clock, a year-month interval
// the calendar month, keeping the day where the month has it (Jan 31 plus
// a month is Feb 28 or 29).
func datetimeArith(e *Expr, dt, iv Eval, tdt, tiv data.Type, neg bool) Eval {
	k, p := tdt.Kind, tdt.Prec
	months := tiv.Kind == data.IntervalYearMonth
	return strict2(k, dt, iv, func(x, y data.Value) (data.Value, error) {
		d := y.Int64()
		if neg {
			d = -d
		}
		n := x.Int64()
		switch {
		case k == data.Date && months:
			return data.DateValue(int32(floorDiv(shiftMonths(time.Unix(n*86400, 0).UTC(), d).Unix(), 86400))), nil
		case k == data.Date:
			return data.DateValue(int32(floorDiv(n*86_400_000+d, 86_400_000))), nil
		case months:
			n = addMonths(n, d)
		default:
			n += d * 1e6
		}
		n = data.TruncateNanos(n, p)
		if k == data.Timestamp {
			return data.TimestampValue(n), nil
		}
		return data.TimestampLTZValue(n), nil
	})
}

// intervalValue is an interval of kind k holding n.
func intervalValue(k data.Kind, n int64) data.Value {
	if k == data.IntervalYearMonth {
		return data.IntervalYearMonthValue(int32(n))
	}
	return data.IntervalDayTimeValue(n)
}

func intervalArith(e *Expr, op string, a, b Eval) Eval {
	k := e.Type.Kind
	return strict2(k, a, b, func(x, y data.Value) (data.Value, error) {
		if op == "-" {
			return intervalValue(k, x.Int64()-y.Int64()), nil
		}
		return intervalValue(k, x.Int64()+y.Int64()), nil
	})
}

// intervalScale multiplies or divides the interval iv by the number num;
// a fractional factor truncates toward zero.
func intervalScale(e *Expr, op string, iv, num Eval, tnum data.Type) Eval {
	k := e.Type.Kind
	exact := tnum.Kind == data.Int || tnum.Kind == data.BigInt
	return strict2(k, iv, num, func(x, y data.Value) (data.Value, error) {
		n := x.Int64()
		if exact {
			m := y.Int64()
			if op == "*" {
				return intervalValue(k, n*m), nil
			}
			if m == 0 {
				return data.NullOf(k), exprError(e, data.ErrDivisionByZero)
			}
			return intervalValue(k, n/m), nil
		}
		f := toFloat64(y)
		if op == "/" {
			if f == 0 {
				return data.NullOf(k), exprError(e, data.ErrDivisionByZero)
			}
			f = 1 / f
		}
		return intervalValue(k, toInt64(data.DoubleValue(float64(n)*f), false)), nil
	})
}
