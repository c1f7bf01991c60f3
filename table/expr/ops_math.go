package expr

import (
	"math"
	"strconv"

	"github.com/runnel/runnel/table/data"
)

// Numeric functions: ABS, CEIL/FLOOR of numbers, ROUND, and the DOUBLE
// functions.

func typeSameNumber(r *resolver, e *Expr) (data.Type, error) {
	if err := r.want(e, 0, famNumber); err != nil {
		return data.Type{}, err
	}
	return e.Args[0].Type, nil
}

// compileAbs: ABS of the most negative INT or BIGINT is itself, as Java's
// Math.abs.
func compileAbs(e *Expr) (Eval, error) {
	a, err := compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	k := e.Type.Kind
	return strict1(k, a, func(x data.Value) (data.Value, error) {
		switch k {
		case data.Double:
			return data.DoubleValue(math.Abs(x.Float64())), nil
		case data.Decimal:
			if data.DecimalSign(x) < 0 {
				return data.DecimalNeg(x), nil
			}
			return x, nil
		}
		if n := x.Int64(); n < 0 {
			return intResult(-n, k == data.Int), nil
		}
		return x, nil
	}), nil
}

// typeFloorCeil types FLOOR and CEIL of a number, and with a unit
// argument of a datetime.
func typeFloorCeil(r *resolver, e *Expr) (data.Type, error) {
	if len(e.Args) == 2 {
		return typeFloorCeilTime(r, e)
	}
	if err := r.want(e, 0, famNumber); err != nil {
		return data.Type{}, err
	}
	t := e.Args[0].Type
	if t.Kind == data.Decimal {
		return withNull(data.DecimalFloorType(t), t.NotNull), nil
	}
	return t, nil
}

func compileFloorCeil(e *Expr) (Eval, error) {
	if len(withoutZone(e.Args)) == 2 {
		return compileFloorCeilTime(e)
	}
	a, err := compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	t := e.Type
	floor := e.Name == "FLOOR"
	switch t.Kind {
	case data.Double:
		return strict1(t.Kind, a, func(x data.Value) (data.Value, error) {
			if floor {
				return data.DoubleValue(math.Floor(x.Float64())), nil
			}
			return data.DoubleValue(math.Ceil(x.Float64())), nil
		}), nil
	case data.Decimal:
		return strict1(t.Kind, a, func(x data.Value) (data.Value, error) {
			if floor {
				return data.DecimalFloor(x, t), nil
			}
			return data.DecimalCeil(x, t), nil
		}), nil
	}
	return a, nil
}

// typeRound: ROUND(x[, d]); a DECIMAL's result type depends on d, which
// must then be a literal.
func typeRound(r *resolver, e *Expr) (data.Type, error) {
	if err := r.want(e, 0, famNumber); err != nil {
		return data.Type{}, err
	}
	t := e.Args[0].Type
	d := 0
	if len(e.Args) == 2 {
		if err := r.want(e, 1, famInteger); err != nil {
			return data.Type{}, err
		}
		if t.Kind == data.Decimal {
			v, err := literalArg(e, 1, "the digits")
			if err != nil {
				return data.Type{}, err
			}
			d = int(v.Int64())
		}
	}
	if t.Kind == data.Decimal {
		return withNull(data.DecimalRoundType(t, d), t.NotNull), nil
	}
	return withNull(t, allNotNull(e.Args)), nil
}

// compileRound rounds HALF_UP as Flink (through BigDecimal): a DOUBLE at
// its shortest decimal form, so ROUND(2.675, 2) is 2.68.
func compileRound(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	if len(args) == 1 {
		args = append(args, constEval(data.IntValue(0), nil))
	}
	t := e.Type
	return strict2(t.Kind, args[0], args[1], func(x, y data.Value) (data.Value, error) {
		d := int(max(min(y.Int64(), 400), -400)) // beyond, every DOUBLE is unchanged or zero
		switch t.Kind {
		case data.Double:
			return data.DoubleValue(roundFloat(x.Float64(), d)), nil
		case data.Decimal:
			return data.DecimalRound(x, d, t), nil
		}
		if d >= 0 {
			return x, nil
		}
		v := data.DecimalRound(data.DecimalValue(x.Int64(), 0), d, data.TDecimal(data.MaxDecimalPrecision, 0))
		return intResult(data.DecimalToInt64(v), t.Kind == data.Int), nil
	}), nil
}

// roundFloat rounds f HALF_UP to d fractional digits of its shortest
// decimal form.
func roundFloat(f float64, d int) float64 {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return f
	}
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], math.Abs(f), 'e', -1, 64) // D.DDDDe±XX
	i := 0
	for s[i] != 'e' {
		i++
	}
	exp, _ := strconv.Atoi(string(s[i+1:]))
	digits := make([]byte, 0, 20)
	for _, c := range s[:i] {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	// f = 0.digits × 10^(exp+1); keep the digits before 10^-d.
	keep := exp + 1 + d
	switch {
	case keep >= len(digits):
		return f
	case keep < 0:
		return math.Copysign(0, f)
	}
	up := digits[keep] >= '5'
	digits = digits[:keep]
	for j := keep - 1; up && j >= 0; j-- {
		if digits[j] == '9' {
			digits[j] = '0'
			continue
		}
		digits[j]++
		up = false
	}
	if up {
		digits = append([]byte{'1'}, digits...)
		exp++
	}
	if len(digits) == 0 {
		return math.Copysign(0, f)
	}
	out := append([]byte("0."), digits...)
	out = append(out, 'e')
	out = strconv.AppendInt(out, int64(exp+1), 10)
	g, _ := strconv.ParseFloat(string(out), 64)
	return math.Copysign(g, f)
}

func typeDouble(r *resolver, e *Expr) (data.Type, error) {
	if err := r.wantAll(e, 0, famNumber); err != nil {
		return data.Type{}, err
	}
	return withNull(data.TDouble, allNotNull(e.Args)), nil
}

// compileDouble: the functions of DOUBLE, with Java's Math results for
// the edge cases (SQRT(-1) and LN(-1) are NaN, LN(0) is -Infinity).
func compileDouble(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	if e.Name == "POWER" {
		return strict2(data.Double, args[0], args[1], func(x, y data.Value) (data.Value, error) {
			return data.DoubleValue(math.Pow(toFloat64(x), toFloat64(y))), nil
		}), nil
	}
	f := map[string]func(float64) float64{"SQRT": math.Sqrt, "EXP": math.Exp, "LN": math.Log, "LOG10": math.Log10}[e.Name]
	return strict1(data.Double, args[0], func(x data.Value) (data.Value, error) {
		return data.DoubleValue(f(toFloat64(x))), nil
	}), nil
}
