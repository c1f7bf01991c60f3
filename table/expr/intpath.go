package expr

import (
	"github.com/runnel/runnel/table/data"
)

// The integer path: a sub-expression of an integer-like kind (INT, BIGINT,
// BOOLEAN, datetimes, intervals: the kinds whose Value is its int64) is
// compiled to yield the int64 itself, so that nested integer arithmetic
// and comparisons pass machine words between closures instead of building
// and copying a Value at every node. Only the node that hands its result
// to a Value-based parent builds one.

// intEval is an integer-like expression compiled to its int64; null is
// true when the value is NULL or err is set.
type intEval func(r data.Row) (n int64, null bool, err error)

// compileInt compiles e, of an integer-like kind, on the integer path.
func compileInt(e *Expr) (intEval, error) {
	switch {
	case e.Op == OpCol:
		i := e.Index
		return func(r data.Row) (int64, bool, error) {
			if uint(i) >= uint(r.Width()) {
				return 0, true, shortRow(i, r)
			}
			n, null := r.Int64At(i)
			return n, null, nil
		}, nil
	case isConst(e):
		ev, err := compile(e)
		if err != nil {
			return nil, err
		}
		v, err := ev(data.Row{})
		n, null := v.Int64(), v.IsNull() || err != nil
		return func(data.Row) (int64, bool, error) { return n, null, err }, nil
	case e.Op == OpCast && e.Type.Kind == data.BigInt && e.Args[0].Type.Kind == data.Int:
		return compileInt(e.Args[0]) // the same int64
	case isIntArith(e):
		return compileIntArith(e)
	}
	ev, err := compile(e)
	if err != nil {
		return nil, err
	}
	return func(r data.Row) (int64, bool, error) {
		v, err := ev(r)
		return v.Int64(), v.IsNull() || err != nil, err
	}, nil
}

// isIntArith reports whether e is INT or BIGINT arithmetic.
func isIntArith(e *Expr) bool {
	if e.Op != OpCall || (e.Type.Kind != data.Int && e.Type.Kind != data.BigInt) {
		return false
	}
	switch e.Name {
	case "+", "-", "*", "/", "%", "MOD", "NEGATE":
	default:
		return false
	}
	for _, a := range e.Args {
		if a.Type.Kind != data.Int && a.Type.Kind != data.BigInt {
			return false
		}
	}
	return true
}

// wrapInt wraps n to 32 bits for an INT, as Java's int arithmetic does.
func wrapInt(n int64, narrow bool) int64 {
	if narrow {
		return int64(int32(n))
	}
	return n
}

// compileIntArith has a closure per operator, so that the operation is
// inlined; division and remainder by zero fail, as in Flink.
func compileIntArith(e *Expr) (intEval, error) {
	narrow := e.Type.Kind == data.Int
	a, err := compileInt(e.Args[0])
	if err != nil {
		return nil, err
	}
	if len(e.Args) == 1 {
		return func(r data.Row) (int64, bool, error) {
			x, null, err := a(r)
			return wrapInt(-x, narrow), null, err
		}, nil
	}
	b, err := compileInt(e.Args[1])
	if err != nil {
		return nil, err
	}
	switch arithOp(e) {
	case "+":
		return func(r data.Row) (int64, bool, error) {
			x, null, err := a(r)
			if null {
				return 0, true, err
			}
			y, null, err := b(r)
			return wrapInt(x+y, narrow), null, err
		}, nil
	case "-":
		return func(r data.Row) (int64, bool, error) {
			x, null, err := a(r)
			if null {
				return 0, true, err
			}
			y, null, err := b(r)
			return wrapInt(x-y, narrow), null, err
		}, nil
	case "*":
		return func(r data.Row) (int64, bool, error) {
			x, null, err := a(r)
			if null {
				return 0, true, err
			}
			y, null, err := b(r)
			return wrapInt(x*y, narrow), null, err
		}, nil
	}
	div := arithOp(e) == "/"
	return func(r data.Row) (int64, bool, error) {
		x, null, err := a(r)
		if null {
			return 0, true, err
		}
		y, null, err := b(r)
		switch {
		case null:
			return 0, true, err
		case y == 0:
			return 0, true, exprError(e, data.ErrDivisionByZero)
		case div:
			return wrapInt(x/y, narrow), false, nil
		}
		return wrapInt(x%y, narrow), false, nil
	}, nil
}

// colLitArith compiles INT or BIGINT +, - or * of a column and a
// non-NULL constant (price * 2) to one closure, where the integer path
// calls four (intValues, the operator, the column, the constant); nil
// for any other arithmetic.
func colLitArith(e *Expr) Eval {
	op := arithOp(e)
	if len(e.Args) != 2 || (op != "+" && op != "-" && op != "*") {
		return nil
	}
	c, l, litFirst := e.Args[0], e.Args[1], false
	if c.Op != OpCol {
		c, l, litFirst = l, c, true
	}
	if c.Op != OpCol || !isConst(l) {
		return nil
	}
	ev, err := compile(l)
	if err != nil {
		return nil
	}
	lit, err := ev(data.Row{})
	if err != nil || lit.IsNull() {
		return nil // the integer path keeps the error, or the NULL, per row
	}
	i, y, k, o := c.Index, lit.Int64(), e.Type.Kind, op[0]
	null := data.NullOf(k)
	return func(r data.Row) (data.Value, error) {
		if uint(i) >= uint(r.Width()) {
			return data.Value{}, shortRow(i, r)
		}
		x, isNull := r.Int64At(i)
		if isNull {
			return null, nil
		}
		var n int64
		switch {
		case o == '+':
			n = x + y
		case o == '*':
			n = x * y
		case litFirst:
			n = y - x
		default:
			n = x - y
		}
		if k == data.Int {
			return data.IntValue(int32(n)), nil
		}
		return data.BigIntValue(n), nil
	}
}

// intValues turns an INT or BIGINT integer-path closure into an Eval.
func intValues(ie intEval, k data.Kind) Eval {
	null := data.NullOf(k)
	if k == data.Int {
		return func(r data.Row) (data.Value, error) {
			n, isNull, err := ie(r)
			if isNull {
				return null, err
			}
			return data.IntValue(int32(n)), nil
		}
	}
	return func(r data.Row) (data.Value, error) {
		n, isNull, err := ie(r)
		if isNull {
			return null, err
		}
		return data.BigIntValue(n), nil
	}
}

// intCompare compiles a comparison of integer-like operands on the
// integer path, as a condition.
func intCompare(e *Expr) (pred, error) {
	a, err := compileInt(e.Args[0])
	if err != nil {
		return nil, err
	}
	b, err := compileInt(e.Args[1])
	if err != nil {
		return nil, err
	}
	op := cmpOps[e.Name]
	return func(r data.Row) (bool, error) {
		x, null, err := a(r)
		if null {
			return false, err
		}
		y, null, err := b(r)
		if null {
			return false, err
		}
		return testOrdered(op, x, y), nil
	}, nil
}
