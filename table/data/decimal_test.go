package data

import (
	"errors"
	"math"
	"testing"
)

func TestDecimalTypes(t *testing.T) {
	d := TDecimal
	for _, c := range []struct {
		name string
		got  Type
		want Type
	}{
		{"plus", DecimalPlusType(d(10, 2), d(5, 3)), d(12, 3)},
		{"plus capped", DecimalPlusType(d(38, 10), d(38, 10)), d(38, 9)},
		{"plus int", DecimalPlusType(DecimalTypeOf(TInt), d(10, 2)), d(13, 2)},
		{"plus bigint", DecimalPlusType(DecimalTypeOf(TBigInt), d(10, 2)), d(22, 2)},
		{"times", DecimalTimesType(d(10, 2), d(5, 3)), d(15, 5)},
		{"times capped", DecimalTimesType(d(38, 10), d(38, 10)), d(38, 6)},
		{"times capped small scale", DecimalTimesType(d(30, 2), d(30, 2)), d(38, 4)},
		{"divide", DecimalDivideType(d(10, 2), d(5, 3)), d(19, 8)},
		{"divide min scale", DecimalDivideType(d(2, 0), d(2, 0)), d(8, 6)},
		{"divide capped", DecimalDivideType(d(38, 10), d(38, 10)), d(38, 6)},
		{"mod", DecimalModType(d(10, 2), d(5, 3)), d(5, 3)},
		{"round", DecimalRoundType(d(10, 3), 1), d(9, 1)},
		{"round more", DecimalRoundType(d(10, 3), 5), d(10, 3)},
		{"round negative", DecimalRoundType(d(10, 3), -1), d(8, 0)},
		{"floor", DecimalFloorType(d(10, 3)), d(8, 0)},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, c.got, c.want)
		}
	}
}

func dv(t *testing.T, s string, typ Type) Value {
	t.Helper()
	v, err := ParseText(s, typ)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDecimalArithmetic(t *testing.T) {
	d := TDecimal
	for _, c := range []struct {
		op     string
		a, b   string
		ta, tb Type
		want   string // "NULL" for an overflow
	}{
		{"+", "1.25", "2.005", d(10, 2), d(5, 3), "3.255"},
		{"+", "-1.25", "1.25", d(10, 2), d(10, 2), "0.00"},
		{"+", "99999999.99", "0.01", d(10, 2), d(10, 2), "100000000.00"},
		{"+", "9999999999999999.99", "9999999999999999.99", d(18, 2), d(18, 2), "19999999999999999.98"},
		{"+", "99999999999999999999999999999999999999", "1", d(38, 0), d(38, 0), "NULL"},
		{"-", "1.00", "3.005", d(10, 2), d(5, 3), "-2.005"},
		{"*", "1.25", "2.5", d(10, 2), d(5, 1), "3.125"},
		{"*", "-1.25", "2.5", d(10, 2), d(5, 1), "-3.125"},
		{"*", "12345678901234.5678", "12345678901234.5678", d(38, 4), d(38, 4), "152415787532388365279682997.652797"},
		{"*", "0.0000000005", "0.0000000001", d(38, 10), d(38, 10), "0.000000"},
		{"*", "0.0000005", "1", d(38, 10), d(38, 10), "0.000001"},
		{"/", "1", "3", d(10, 0), d(10, 0), "0.33333333333"},
		{"/", "2", "3", d(2, 0), d(2, 0), "0.666667"},
		{"/", "-2", "3", d(2, 0), d(2, 0), "-0.666667"},
		{"/", "10.00", "0.25", d(10, 2), d(5, 2), "40.00000000"},
		{"/", "1", "0.0001", d(38, 0), d(38, 4), "10000.000000"},
		{"%", "10.5", "3", d(10, 1), d(10, 0), "1.5"},
		{"%", "-10.5", "3", d(10, 1), d(10, 0), "-1.5"},
	} {
		a, b := dv(t, c.a, c.ta), dv(t, c.b, c.tb)
		var got Value
		var err error
		switch c.op {
		case "+":
			got = DecimalAdd(a, b, DecimalPlusType(c.ta, c.tb))
		case "-":
			got = DecimalSub(a, b, DecimalPlusType(c.ta, c.tb))
		case "*":
			got = DecimalMul(a, b, DecimalTimesType(c.ta, c.tb))
		case "/":
			got, err = DecimalDiv(a, b, DecimalDivideType(c.ta, c.tb))
		case "%":
			got, err = DecimalMod(a, b, DecimalModType(c.ta, c.tb))
		}
		s := FormatText(got, Type{Kind: Decimal, Scale: got.Scale()})
		if got.IsNull() {
			s = NullText
		}
		if err != nil || s != c.want {
			t.Errorf("%s %s %s = %s (%v), want %s", c.a, c.op, c.b, s, err, c.want)
		}
	}
}

func TestDecimalDivisionByZero(t *testing.T) {
	one, zero := DecimalValue(1, 0), DecimalValue(0, 2)
	if _, err := DecimalDiv(one, zero, TDecimal(10, 6)); !errors.Is(err, ErrDivisionByZero) {
		t.Errorf("div: %v", err)
	}
	if _, err := DecimalMod(one, zero, TDecimal(10, 2)); !errors.Is(err, ErrDivisionByZero) {
		t.Errorf("mod: %v", err)
	}
}

func TestDecimalRounding(t *testing.T) {
	d := TDecimal
	for _, c := range []struct {
		name string
		got  Value
		want string
	}{
		{"rescale half up", DecimalRescale(DecimalValue(125, 2), d(5, 1)), "1.3"},
		{"rescale half up negative", DecimalRescale(DecimalValue(-125, 2), d(5, 1)), "-1.3"},
		{"rescale down", DecimalRescale(DecimalValue(124, 2), d(5, 1)), "1.2"},
		{"rescale up", DecimalRescale(DecimalValue(1, 0), d(5, 3)), "1.000"},
		{"rescale 19 digits away", DecimalRescale(DecimalValue(9e18, 19), d(5, 0)), "1"},
		{"rescale 19 digits away, small", DecimalRescale(DecimalValue(4e18, 19), d(5, 0)), "0"},
		{"rescale 20 digits away", DecimalRescale(DecimalValue(math.MinInt64, 20), d(5, 0)), "0"},
		{"rescale half of 10^19", DecimalRescale(DecimalValue(-5e18, 19), d(5, 0)), "-1"},
		{"rescale overflow", DecimalRescale(DecimalValue(9995, 2), d(3, 1)), "NULL"},
		{"round 1", DecimalRound(DecimalValue(12345, 3), 1, d(9, 1)), "12.3"},
		{"round 2", DecimalRound(DecimalValue(12355, 3), 2, d(10, 2)), "12.36"},
		{"round -1", DecimalRound(DecimalValue(12345, 3), -1, d(8, 0)), "10"},
		{"round -1 half", DecimalRound(DecimalValue(-15000, 3), -1, d(8, 0)), "-20"},
		{"floor", DecimalFloor(DecimalValue(-12345, 3), d(8, 0)), "-13"},
		{"floor positive", DecimalFloor(DecimalValue(12345, 3), d(8, 0)), "12"},
		{"ceil", DecimalCeil(DecimalValue(12345, 3), d(8, 0)), "13"},
		{"ceil negative", DecimalCeil(DecimalValue(-12345, 3), d(8, 0)), "-12"},
		{"ceil exact", DecimalCeil(DecimalValue(12000, 3), d(8, 0)), "12"},
		{"from int", DecimalFromInt64(42, d(5, 2)), "42.00"},
		{"from int overflow", DecimalFromInt64(1000, d(5, 2)), "NULL"},
		{"from float", DecimalFromFloat64(0.1, d(5, 2)), "0.10"},
		{"from float half up", DecimalFromFloat64(2.675, d(5, 2)), "2.68"},
		{"from NaN", DecimalFromFloat64(math.NaN(), d(5, 2)), "NULL"},
		{"neg", DecimalNeg(DecimalValue(5, 1)), "-0.5"},
	} {
		s := FormatText(c.got, Type{Kind: Decimal, Scale: c.got.Scale()})
		if c.got.IsNull() {
			s = NullText
		}
		if s != c.want {
			t.Errorf("%s: got %s, want %s", c.name, s, c.want)
		}
	}
}

func TestDecimalConversions(t *testing.T) {
	if got := DecimalToInt64(DecimalValue(-199, 2)); got != -1 {
		t.Errorf("to int: %d", got)
	}
	wide := dv(t, "18446744073709551617.5", TDecimal(38, 1)) // 2^64 + 1.5
	if got := DecimalToInt64(wide); got != 1 {
		t.Errorf("to int, wide: %d (want the low 64 bits)", got)
	}
	if got := DecimalToFloat64(DecimalValue(125, 2)); got != 1.25 {
		t.Errorf("to float: %v", got)
	}
	if got := DecimalToFloat64(wide); got != 18446744073709551617.5 {
		t.Errorf("to float, wide: %v", got)
	}
	if got := DecimalSign(DecimalNeg(wide)); got != -1 {
		t.Errorf("sign: %d", got)
	}
}

func TestDecimalSmallAllocs(t *testing.T) {
	a, b := DecimalValue(1234, 2), DecimalValue(5678, 2)
	typ := DecimalPlusType(TDecimal(10, 2), TDecimal(10, 2))
	n := testing.AllocsPerRun(100, func() { _ = DecimalAdd(a, b, typ) })
	if n != 0 {
		t.Errorf("DecimalAdd allocates %v times", n)
	}
}
