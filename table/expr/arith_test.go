package expr

import (
	"math"
	"testing"

	"github.com/runnel/runnel/table/data"
)

func TestArithmetic(t *testing.T) {
	runCases(t, []evalCase{
		{col("i").Plus(lit(3)), "10"},
		{col("i").Minus(lit(10)), "-3"},
		{col("i").Times(col("i")), "49"},
		{col("i").Div(lit(2)), "3"}, // INT / INT is INT
		{lit(-7).Div(lit(2)), "-3"}, // truncated toward zero, as Java
		{col("i").Mod(lit(4)), "3"},
		{call("%", lit(-7), lit(4)), "-3"}, // the dividend's sign
		{col("i").Plus(col("b")), "107"},   // BIGINT
		{col("i").Plus(col("d")), "9.5"},   // DOUBLE
		{col("d").Div(lit(0.0)), "Infinity"},
		{call("%", lit(7.5), lit(2.0)), "1.5"},
		{call("-", col("i")), "-7"},
		{call("-", col("d")), "-2.5"},
		{call("-", col("m")), "-12.50"},
		{call("-", call("-", col("b"))), "100"},
		{call("NEGATE", col("b")), "-100"}, // the SQL binder's name
		{call("NEGATE", col("m")), "-12.50"},
		{call("NEGATE", days(1)), "-1 00:00:00.000"},
		{col("ni").Plus(lit(1)), "NULL"},
		{col("b").Times(null), "NULL"},
		{null.Plus(lit(1)), "NULL"},
		// INT and BIGINT wrap as Java's int and long.
		{lit(math.MaxInt32).Plus(lit(1)), "-2147483648"},
		{lit(int64(math.MaxInt64)).Plus(lit(int64(1))), "-9223372036854775808"},
		{lit(math.MinInt32).Div(lit(-1)), "-2147483648"},
		{lit(int64(math.MinInt64)).Div(lit(int64(-1))), "-9223372036854775808"},
		{call("-", lit(math.MinInt32)), "-2147483648"},
		{lit(65536).Times(lit(65536)), "0"},
		// A column and a literal (colLitArith), each side, each width.
		{lit(10).Minus(col("i")), "3"},
		{lit(int64(1)).Plus(col("b")), "101"},
		{col("b").Times(lit(int64(-2))), "-200"},
		{col("i").Times(lit(math.MaxInt32)), "2147483641"}, // wraps as an INT
		{col("ni").Times(lit(2)), "NULL"},
		{lit(2).Minus(col("ni")), "NULL"},
	})
}

func TestDivisionByZero(t *testing.T) {
	for _, e := range []*Expr{col("i").Div(lit(0)), col("b").Mod(lit(0)), col("m").Div(lit(0)), call("MOD", col("m"), dec("0.00"))} {
		got := run(t, e)
		if !containsAll(got, "error: ", e.String()[0:1], "division by zero") {
			t.Errorf("%s = %s, want a division by zero error", e, got)
		}
	}
	r := mustResolve(t, col("i").Div(col("ni").Plus(lit(0))))
	ev, _ := Compile(r)
	if v, err := ev(testRow); err != nil || !v.IsNull() {
		t.Errorf("NULL divisor: %v, %v", v, err)
	}
	got := run(t, col("b").Div(lit(int64(0))))
	if got != "error: (b / 0): division by zero" {
		t.Errorf("got %q", got)
	}
}

func TestDecimalArithmeticTypes(t *testing.T) {
	for _, c := range []struct {
		e    *Expr
		typ  string
		want string
	}{
		{col("m").Plus(col("m")), "DECIMAL(11, 2)", "25.00"},
		{col("m").Plus(lit(1)), "DECIMAL(13, 2)", "13.50"},           // INT is DECIMAL(10, 0)
		{col("m").Plus(lit(int64(1))), "DECIMAL(22, 2)", "13.50"},    // BIGINT is DECIMAL(19, 0)
		{col("m").Plus(dec("0.005")), "DECIMAL(12, 3)", "12.505"},    // scale 3
		{col("m").Times(dec("0.5")), "DECIMAL(11, 3)", "6.250"},      // p1+p2, s1+s2
		{col("m").Div(lit(3)), "DECIMAL(21, 13)", "4.1666666666667"}, // s = max(6, s1+p2+1)
		{col("m").Div(col("m")), "DECIMAL(23, 13)", "1.0000000000000"},
		{dec("2").Div(dec("3")), "DECIMAL(7, 6)", "0.666667"}, // HALF_UP
		{call("MOD", col("m"), lit(5)), "DECIMAL(10, 2)", "2.50"},
		{col("m").Plus(lit(0.5)), "DOUBLE", "13.0"}, // with DOUBLE: DOUBLE
		{col("m").Plus(col("nm")), "DECIMAL(11, 2)", "NULL"},
	} {
		r := mustResolve(t, c.e)
		if got := r.Type.Nullable().String(); got != c.typ {
			t.Errorf("%s: type %s, want %s", c.e, got, c.typ)
		}
		if got := run(t, c.e); got != c.want {
			t.Errorf("%s = %s, want %s", c.e, got, c.want)
		}
	}
}

func TestDecimalOverflowIsNull(t *testing.T) {
	big := &Expr{Op: OpLit, Lit: data.DecimalValue(99999999, 0), Type: data.TDecimal(38, 0)}
	huge := big
	for range 5 {
		huge = huge.Times(big) // DECIMAL(38, 0) * DECIMAL(38, 0) stays (38, 0)
	}
	if got := run(t, huge); got != "NULL" {
		t.Errorf("%s = %s, want NULL", huge, got)
	}
	if r := mustResolve(t, huge); r.Type.NotNull {
		t.Errorf("overflowing DECIMAL typed NOT NULL: %s", r.Type)
	}
}

func TestIntervalArithmetic(t *testing.T) {
	runCases(t, []evalCase{
		{col("ts").Plus(days(1)), "2024-01-16 10:30:45.123"},
		{days(1).Plus(col("ts")), "2024-01-16 10:30:45.123"},
		{col("ts").Minus(lit(90)), "resolve: cannot apply - to TIMESTAMP(3) and INT"},
		{col("ts").Minus(Lit(int64(0)).Cast(data.TBigInt)), "resolve: cannot apply - to TIMESTAMP(3) and BIGINT"},
		{col("ts").Plus(month(1)), "2024-02-15 10:30:45.123"},
		{col("ts").Minus(month(13)), "2022-12-15 10:30:45.123"},
		{ts("2024-01-31 00:00:00").Plus(month(1)), "2024-02-29 00:00:00.000"}, // the month's last day
		{ts("2023-01-31 00:00:00").Plus(month(1)), "2023-02-28 00:00:00.000"},
		{col("dt").Plus(days(20)), "2024-02-04"},
		{col("dt").Minus(month(2)), "2023-11-15"},
		{col("ltz").Plus(days(1)), "2024-01-16 18:30:45.123"},
		{days(1).Plus(days(2)), "+3 00:00:00.000"},
		{month(14).Minus(month(1)), "+1-01"},
		{days(1).Times(lit(3)), "+3 00:00:00.000"},
		{lit(2).Times(month(7)), "+1-02"},
		{days(1).Div(lit(4)), "+0 06:00:00.000"},
		{days(1).Times(lit(0.5)), "+0 12:00:00.000"},
		{call("-", days(1)), "-1 00:00:00.000"},
		{col("nts").Plus(days(1)), "NULL"},
		{col("ts").Plus(null), "NULL"},
	})
}

func TestMathFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{call("ABS", lit(-3)), "3"},
		{call("ABS", lit(math.MinInt32)), "-2147483648"},
		{call("ABS", lit(-2.5)), "2.5"},
		{call("ABS", call("-", col("m"))), "12.50"},
		{call("FLOOR", col("d")), "2.0"},
		{call("CEIL", col("d")), "3.0"},
		{call("FLOOR", call("-", col("m"))), "-13"},
		{call("CEILING", col("m")), "13"},
		{call("FLOOR", col("i")), "7"},
		{call("ROUND", lit(2.675), lit(2)), "2.68"}, // the decimal form, HALF_UP
		{call("ROUND", lit(-2.5)), "-3.0"},
		{call("ROUND", lit(1234.5678), lit(-2)), "1200.0"},
		{call("ROUND", lit(0.5), lit(0)), "1.0"},
		{call("ROUND", lit(9.99), lit(1)), "10.0"},
		{call("ROUND", lit(1e300), lit(2)), "1.0E300"},
		{call("ROUND", col("m"), lit(1)), "12.5"},
		{call("ROUND", dec("12.345"), lit(2)), "12.35"},
		{call("ROUND", dec("-12.345"), lit(-1)), "-10"},
		{call("ROUND", lit(155), lit(-1)), "160"},
		{call("ROUND", lit(-155), lit(-1)), "-160"},
		{call("ROUND", col("i")), "7"},
		{call("POWER", lit(2), lit(10)), "1024.0"},
		{call("SQRT", lit(16)), "4.0"},
		{call("SQRT", lit(-1)), "NaN"},
		{call("LN", lit(0)), "-Infinity"},
		{call("EXP", lit(0)), "1.0"},
		{call("LOG10", lit(1000)), "3.0"},
		{call("ABS", col("ni")), "NULL"},
		{call("ROUND", col("nd"), lit(1)), "NULL"},
	})
}

func TestRoundDecimalType(t *testing.T) {
	r := mustResolve(t, call("ROUND", col("m"), lit(1)))
	if got := r.Type.String(); got != "DECIMAL(10, 1)" {
		t.Errorf("type %s", got)
	}
	if got := resolveErr(call("ROUND", col("m"), col("i"))); got != "function ROUND: argument 2 (the digits) must be a literal" {
		t.Errorf("got %q", got)
	}
}
