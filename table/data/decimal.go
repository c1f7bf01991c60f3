package data

import (
	"errors"
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// DECIMAL arithmetic as Flink's DecimalDataUtils: every operation computes
// the exact result, rounds it HALF_UP (half away from zero, Java's
// RoundingMode.HALF_UP) to the result type's scale, and yields NULL when it
// does not fit the result type's precision, which is what Flink returns on
// a decimal overflow. The unscaled values are int64 whenever they fit, so
// the common DECIMAL(10, 2) arithmetic never touches big.Int.

// ErrDivisionByZero is the error of a DECIMAL or integer division or
// remainder by zero: Flink throws an ArithmeticException there rather than
// yielding NULL.
var ErrDivisionByZero = errors.New("division by zero")

// minAdjustedScale is the scale Flink keeps at least when a result type's
// precision exceeds 38 and the scale has to give way to the integer digits
// (LogicalTypeMerging's MINIMUM_ADJUSTED_SCALE).
const minAdjustedScale = 6

// pow10 are the powers of ten that fit in int64.
var pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// bigPow10 are the powers of ten up to 10^(2*38+20), enough for rescaling
// any product of two DECIMAL(38)s; computed once and only read after.
var bigPow10 = func() []*big.Int {
	p := make([]*big.Int, 2*MaxDecimalPrecision+21)
	p[0] = big.NewInt(1)
	for i := 1; i < len(p); i++ {
		p[i] = new(big.Int).Mul(p[i-1], big.NewInt(10))
	}
	return p
}()

// DecimalTypeOf is the DECIMAL an exact numeric type widens to in decimal
// arithmetic: INT is DECIMAL(10, 0), BIGINT DECIMAL(19, 0), as in Flink.
func DecimalTypeOf(t Type) Type {
	switch t.Kind {
	case Int:
		return Type{Kind: Decimal, Prec: 10, NotNull: t.NotNull}
	case BigInt:
		return Type{Kind: Decimal, Prec: 19, NotNull: t.NotNull}
	}
	return t.Plain()
}

// adjustDecimal caps a result type at precision 38, giving up scale digits
// but keeping at least min(scale, 6), as Flink's adjustPrecisionScale.
func adjustDecimal(p, s int) Type {
	if p <= MaxDecimalPrecision {
		return TDecimal(p, s)
	}
	s = max(MaxDecimalPrecision-(p-s), min(s, minAdjustedScale))
	return TDecimal(MaxDecimalPrecision, s)
}

// DecimalPlusType is the type of a + b and a - b for DECIMALs a, b.
func DecimalPlusType(a, b Type) Type {
	s := max(a.Scale, b.Scale)
	return adjustDecimal(max(a.Prec-a.Scale, b.Prec-b.Scale)+s+1, s)
}

// DecimalTimesType is the type of a * b.
func DecimalTimesType(a, b Type) Type { return adjustDecimal(a.Prec+b.Prec, a.Scale+b.Scale) }

// DecimalDivideType is the type of a / b.
func DecimalDivideType(a, b Type) Type {
	s := max(minAdjustedScale, a.Scale+b.Prec+1)
	return adjustDecimal(a.Prec-a.Scale+b.Scale+s, s)
}

// DecimalModType is the type of MOD(a, b).
func DecimalModType(a, b Type) Type {
	s := max(a.Scale, b.Scale)
	return adjustDecimal(min(a.Prec-a.Scale, b.Prec-b.Scale)+s, s)
}

// DecimalRoundType is the type of ROUND(a, d): rounding may carry into a
// new integer digit, hence the extra digit of precision.
func DecimalRoundType(a Type, d int) Type {
	switch {
	case d >= a.Scale:
		return TDecimal(a.Prec, a.Scale)
	case d < 0:
		return TDecimal(min(MaxDecimalPrecision, 1+a.Prec-a.Scale), 0)
	}
	return TDecimal(1+a.Prec-a.Scale+d, d)
}

// DecimalFloorType is the type of FLOOR(a) and CEIL(a).
func DecimalFloorType(a Type) Type {
	if a.Scale == 0 {
		return TDecimal(a.Prec, 0)
	}
	return TDecimal(min(MaxDecimalPrecision, a.Prec-a.Scale+1), 0)
}

// dec is a decimal during a computation: an unscaled value u, or b when it
// does not fit in int64, and a scale that may exceed 38 or be negative.
type dec struct {
	u int64
	b *big.Int
	s int
}

func decOf(v Value) dec {
	if v.IsWide() {
		return dec{b: v.Unscaled(), s: int(v.scale)}
	}
	return dec{u: v.n, s: int(v.scale)}
}

func (d dec) bigInt() *big.Int {
	if d.b != nil {
		return d.b
	}
	return big.NewInt(d.u)
}

func (d dec) toBig() dec { return dec{b: new(big.Int).Set(d.bigInt()), s: d.s} }

func (d dec) sign() int {
	if d.b != nil {
		return d.b.Sign()
	}
	switch {
	case d.u > 0:
		return 1
	case d.u < 0:
		return -1
	}
	return 0
}

// mulSmall multiplies two int64s, reporting overflow.
func mulSmall(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	if a == math.MinInt64 || b == math.MinInt64 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(abs64(a)), uint64(abs64(b)))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if (a < 0) != (b < 0) {
		return -int64(lo), true
	}
	return int64(lo), true
}

func abs64(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

// upscale multiplies d's unscaled value by 10^k, k ≥ 0.
func (d dec) upscale(k int) dec {
	if d.b == nil && k < len(pow10) {
		if u, ok := mulSmall(d.u, pow10[k]); ok {
			return dec{u: u, s: d.s + k}
		}
	}
	return dec{b: new(big.Int).Mul(d.bigInt(), bigPow10At(k)), s: d.s + k}
}

// bigPow10At is 10^k, from the table when it reaches.
func bigPow10At(k int) *big.Int {
	if k < len(bigPow10) {
		return bigPow10[k]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
}

// quoHalfUp divides n by m (m ≠ 0) rounding half away from zero.
func quoHalfUp(n, m int64) int64 {
	q, r := n/m, n%m
	if r != 0 && uint64(abs64(r)) >= uint64(abs64(m))-uint64(abs64(r)) {
		if (n < 0) != (m < 0) {
			q--
		} else {
			q++
		}
	}
	return q
}

// bigQuoHalfUp is quoHalfUp for big.Ints.
func bigQuoHalfUp(n, m *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(n, m, new(big.Int))
	if r.Sign() != 0 {
		r.Abs(r).Lsh(r, 1)
		if r.CmpAbs(m) >= 0 {
			if n.Sign() != m.Sign() {
				q.Sub(q, big.NewInt(1))
			} else {
				q.Add(q, big.NewInt(1))
			}
		}
	}
	return q
}

// rescale rounds d HALF_UP to scale s.
func (d dec) rescale(s int) dec {
	switch k := s - d.s; {
	case k == 0:
		return d
	case k > 0:
		return d.upscale(k)
	case d.b == nil && -k < len(pow10):
		return dec{u: quoHalfUp(d.u, pow10[-k]), s: s}
	case d.b == nil && -k > len(pow10):
		return dec{s: s} // |u| < 10^19 < 10^-k / 2: rounds to zero
	default:
		return dec{b: bigQuoHalfUp(d.bigInt(), bigPow10At(-k)), s: s}
	}
}

// value is d, rounded to t's scale, as a Value of t, or NULL when it does
// not fit t's precision.
func (d dec) value(t Type) Value {
	d = d.rescale(t.Scale)
	if d.b == nil {
		if t.Prec < len(pow10) && (d.u >= pow10[t.Prec] || d.u <= -pow10[t.Prec]) {
			return NullOf(Decimal)
		}
		return DecimalValue(d.u, t.Scale)
	}
	if d.b.CmpAbs(bigPow10At(t.Prec)) >= 0 {
		return NullOf(Decimal)
	}
	return BigDecimalValue(d.b, t.Scale)
}

// align brings a and b to the larger of their scales.
func align(a, b dec) (dec, dec) {
	s := max(a.s, b.s)
	return a.upscale(s - a.s), b.upscale(s - b.s)
}

// DecimalAdd is a + b as a value of t, DecimalPlusType of theirs.
func DecimalAdd(a, b Value, t Type) Value {
	x, y := align(decOf(a), decOf(b))
	if x.b == nil && y.b == nil {
		r := x.u + y.u
		// The sum wrapped when both operands have the sign it lacks.
		if (x.u >= 0) != (y.u >= 0) || (r >= 0) == (x.u >= 0) {
			return dec{u: r, s: x.s}.value(t)
		}
	}
	return dec{b: new(big.Int).Add(x.bigInt(), y.bigInt()), s: x.s}.value(t)
}

// DecimalSub is a - b as a value of t, DecimalPlusType of theirs.
func DecimalSub(a, b Value, t Type) Value { return DecimalAdd(a, DecimalNeg(b), t) }

// DecimalMul is a * b as a value of t, DecimalTimesType of theirs.
func DecimalMul(a, b Value, t Type) Value {
	x, y := decOf(a), decOf(b)
	if x.b == nil && y.b == nil {
		if u, ok := mulSmall(x.u, y.u); ok {
			return dec{u: u, s: x.s + y.s}.value(t)
		}
	}
	return dec{b: new(big.Int).Mul(x.bigInt(), y.bigInt()), s: x.s + y.s}.value(t)
}

// DecimalDiv is a / b rounded HALF_UP to t's scale, t DecimalDivideType of
// theirs.
func DecimalDiv(a, b Value, t Type) (Value, error) {
	x, y := decOf(a), decOf(b)
	if y.sign() == 0 {
		return Value{}, ErrDivisionByZero
	}
	// a/b * 10^ts = ua * 10^(ts - sa + sb) / ub
	e := t.Scale - x.s + y.s
	if e >= 0 {
		x = x.upscale(e)
	} else {
		y = y.upscale(-e)
	}
	if x.b == nil && y.b == nil && !(x.u == math.MinInt64 && y.u == -1) {
		return dec{u: quoHalfUp(x.u, y.u), s: t.Scale}.value(t), nil
	}
	return dec{b: bigQuoHalfUp(x.bigInt(), y.bigInt()), s: t.Scale}.value(t), nil
}

// DecimalMod is the remainder of a / b, with a's sign (Java's
// BigDecimal.remainder), as a value of t, DecimalModType of theirs.
func DecimalMod(a, b Value, t Type) (Value, error) {
	x, y := align(decOf(a), decOf(b))
	if y.sign() == 0 {
		return Value{}, ErrDivisionByZero
	}
	if x.b == nil && y.b == nil && y.u != -1 {
		return dec{u: x.u % y.u, s: x.s}.value(t), nil
	}
	return dec{b: new(big.Int).Rem(x.bigInt(), y.bigInt()), s: x.s}.value(t), nil
}

// DecimalNeg is -v, of v's type.
func DecimalNeg(v Value) Value {
	if v.IsNull() {
		return v
	}
	d := decOf(v)
	if d.b == nil && d.u != math.MinInt64 {
		return DecimalValue(-d.u, d.s)
	}
	return BigDecimalValue(new(big.Int).Neg(d.bigInt()), d.s)
}

// DecimalSign is -1, 0 or 1 as v is negative, zero or positive.
func DecimalSign(v Value) int { return decOf(v).sign() }

// DecimalRescale is v rounded HALF_UP to t's scale, NULL when it does not
// fit t's precision: a CAST between DECIMAL types.
func DecimalRescale(v Value, t Type) Value { return decOf(v).value(t) }

// DecimalRound is ROUND(v, d) as a value of t, DecimalRoundType(v's type,
// d): HALF_UP to d fractional digits, or to a multiple of 10^-d for d < 0.
func DecimalRound(v Value, d int, t Type) Value {
	x := decOf(v)
	if d >= 0 {
		return x.rescale(d).value(t)
	}
	return x.rescale(d).upscale(-d).value(t)
}

// DecimalFloor is the largest integer ≤ v as a value of t,
// DecimalFloorType of v's type.
func DecimalFloor(v Value, t Type) Value { return decOf(v).toward(-1).value(t) }

// DecimalCeil is the smallest integer ≥ v as a value of t.
func DecimalCeil(v Value, t Type) Value { return decOf(v).toward(1).value(t) }

// toward rounds d to an integer in the direction dir (-1 floor, 1 ceil).
func (d dec) toward(dir int) dec {
	if d.s <= 0 {
		return d
	}
	b := d.toBig().b
	q, r := new(big.Int).QuoRem(b, bigPow10At(d.s), new(big.Int))
	if r.Sign() == dir {
		q.Add(q, big.NewInt(int64(dir)))
	}
	if q.IsInt64() {
		return dec{u: q.Int64()}
	}
	return dec{b: q}
}

// DecimalFromInt64 is i as a value of t, NULL when it does not fit.
func DecimalFromInt64(i int64, t Type) Value { return dec{u: i}.value(t) }

// DecimalFromFloat64 is f as a value of t, NULL when it does not fit or
// is not finite. As Java's BigDecimal.valueOf, f is taken at its shortest
// decimal form (0.1 is 0.1, not 0.1000000000000000055...).
func DecimalFromFloat64(f float64, t Type) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return NullOf(Decimal)
	}
	var buf [32]byte
	v, err := parseDecimal(string(strconv.AppendFloat(buf[:0], f, 'e', -1, 64)), t)
	if err != nil {
		return NullOf(Decimal)
	}
	return v
}

// DecimalToInt64 is v truncated toward zero; a value beyond int64 keeps
// its low 64 bits, as Java's BigDecimal.longValue.
func DecimalToInt64(v Value) int64 {
	d := decOf(v)
	if d.b == nil {
		if d.s < len(pow10) {
			return d.u / pow10[d.s]
		}
		return 0
	}
	q := new(big.Int).Quo(d.b, bigPow10At(d.s))
	if q.IsInt64() {
		return q.Int64()
	}
	lo := new(big.Int).Abs(q).Uint64()
	if q.Sign() < 0 {
		return -int64(lo)
	}
	return int64(lo)
}

// DecimalToFloat64 is the DOUBLE nearest v.
func DecimalToFloat64(v Value) float64 {
	d := decOf(v)
	// Both operands exact, so the one division rounds correctly.
	if d.b == nil && d.s <= 22 && abs64(d.u) < 1<<53 && d.u != math.MinInt64 {
		return float64(d.u) / math.Pow10(d.s)
	}
	f, _ := strconv.ParseFloat(string(AppendDecimal(nil, v)), 64)
	return f
}

// AppendDecimal appends v in plain notation with exactly its scale's
// fractional digits, as Java's BigDecimal.toPlainString: 12.50, -0.05.
func AppendDecimal(buf []byte, v Value) []byte {
	d := decOf(v)
	var digits []byte
	var tmp [24]byte
	if d.b == nil {
		if d.u < 0 {
			buf = append(buf, '-')
		}
		digits = strconv.AppendUint(tmp[:0], absU64(d.u), 10)
	} else {
		if d.b.Sign() < 0 {
			buf = append(buf, '-')
		}
		digits = new(big.Int).Abs(d.b).Append(nil, 10)
	}
	if d.s == 0 {
		return append(buf, digits...)
	}
	if len(digits) <= d.s {
		buf = append(buf, '0', '.')
		for range d.s - len(digits) {
			buf = append(buf, '0')
		}
		return append(buf, digits...)
	}
	intLen := len(digits) - d.s
	buf = append(buf, digits[:intLen]...)
	buf = append(buf, '.')
	return append(buf, digits[intLen:]...)
}

func absU64(u int64) uint64 {
	if u < 0 {
		return uint64(-u) // MinInt64 too: its two's complement is 2^63
	}
	return uint64(u)
}

// parseDecimal reads a decimal number as Java's BigDecimal(String) does,
// [+-]digits[.digits][e[+-]digits] between spaces, and rounds it HALF_UP
// to t; the error says why, for ParseText to wrap.
func parseDecimal(s string, t Type) (Value, error) {
	s = trimSpace(s)
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var (
		u             int64
		b             *big.Int
		nd, frac, sig int
		point         bool
		ten           = big.NewInt(10)
	)
digits:
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			nd++
			if point {
				frac++
			}
			if sig == 0 && c == '0' {
				continue
			}
			sig++
			if sig <= 18 {
				u = u*10 + int64(c-'0')
				continue
			}
			if b == nil {
				b = big.NewInt(u)
			}
			b.Mul(b, ten).Add(b, big.NewInt(int64(c-'0')))
		case c == '.' && !point:
			point = true
		default:
			break digits
		}
	}
	if nd == 0 {
		return Value{}, errors.New("not a number")
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := i < len(s) && s[i] == '-'
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			if exp < 1e8 { // beyond, the value overflows or rounds to zero anyway
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if i == start {
			return Value{}, errors.New("bad exponent")
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return Value{}, errors.New("not a number")
	}
	if sig == 0 {
		return DecimalValue(0, t.Scale), nil
	}
	scale := frac - exp
	// Decide the extremes before rescaling, which would build 10^|scale|.
	if sig-scale > t.Prec-t.Scale {
		return Value{}, errors.New("out of range")
	}
	if scale-t.Scale > sig {
		return DecimalValue(0, t.Scale), nil
	}
	d := dec{u: u, b: b, s: scale}
	if neg {
		if d.b != nil {
			d.b.Neg(d.b)
		} else {
			d.u = -d.u
		}
	}
	v := d.value(t)
	if v.IsNull() {
		return Value{}, errors.New("out of range")
	}
	return v, nil
}

// trimSpace drops the spaces, tabs and line ends around s, which Flink's
// casts from STRING ignore.
func trimSpace(s string) string {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
