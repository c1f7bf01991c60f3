package data

import (
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
)

func ts(s string) int64 {
	t, err := time.Parse("2006-01-02 15:04:05.999999999", s)
	if err != nil {
		panic(err)
	}
	return t.UnixNano()
}

func TestFormatText(t *testing.T) {
	big20, _ := new(big.Int).SetString("-123456789012345678901", 10)
	for _, c := range []struct {
		v    Value
		t    Type
		want string
	}{
		{NullOf(Int), TInt, ""},
		{BoolValue(true), TBoolean, "TRUE"},
		{BoolValue(false), TBoolean, "FALSE"},
		{IntValue(-42), TInt, "-42"},
		{BigIntValue(math.MaxInt64), TBigInt, "9223372036854775807"},
		{DoubleValue(1.5), TDouble, "1.5"},
		{DoubleValue(2), TDouble, "2.0"},
		{DoubleValue(-0.0), TDouble, "0.0"},
		{DoubleValue(math.Copysign(0, -1)), TDouble, "-0.0"},
		{DoubleValue(1e10), TDouble, "1.0E10"},
		{DoubleValue(1234567.5), TDouble, "1234567.5"},
		{DoubleValue(1.5e-5), TDouble, "1.5E-5"},
		{DoubleValue(0.001), TDouble, "0.001"},
		{DoubleValue(math.Nextafter(0.3, 1)), TDouble, "0.30000000000000004"},
		{DoubleValue(math.Inf(-1)), TDouble, "-Infinity"},
		{DoubleValue(math.NaN()), TDouble, "NaN"},
		{DecimalValue(1250, 2), TDecimal(10, 2), "12.50"},
		{DecimalValue(-5, 2), TDecimal(10, 2), "-0.05"},
		{DecimalValue(5, 3), TDecimal(10, 3), "0.005"},
		{DecimalValue(7, 0), TDecimal(10, 0), "7"},
		{DecimalValue(125, 1), TDecimal(10, 2), "12.50"},
		{BigDecimalValue(big20, 3), TDecimal(38, 3), "-123456789012345678.901"},
		{StringValue("héllo"), TString, "héllo"},
		{BytesValue([]byte("abc")), TBytes, "abc"},
		{DateValue(19723), TDate, "2024-01-01"},
		{DateValue(-1), TDate, "1969-12-31"},
		{TimestampValue(ts("2024-01-01 10:00:00.12")), TTimestamp(3), "2024-01-01 10:00:00.120"},
		{TimestampValue(ts("2024-01-01 10:00:00.12")), TTimestamp(0), "2024-01-01 10:00:00"},
		{TimestampValue(ts("1969-12-31 23:59:59.5")), TTimestamp(1), "1969-12-31 23:59:59.5"},
		{TimestampValue(ts("2024-01-01 10:00:00.123456789")), TTimestamp(9), "2024-01-01 10:00:00.123456789"},
		{TimestampLTZValue(ts("2024-01-01 10:00:00")), TTimestampLTZ(3), "2024-01-01 10:00:00.000"},
		{IntervalDayTimeValue(10_000), TIntervalDayTime, "+0 00:00:10.000"},
		{IntervalDayTimeValue(-(2*86_400_000 + 3*3_600_000 + 4*60_000 + 5_006)), TIntervalDayTime, "-2 03:04:05.006"},
		{IntervalYearMonthValue(14), TIntervalYearMonth, "+1-02"},
		{IntervalYearMonthValue(-3), TIntervalYearMonth, "-0-03"},
	} {
		if got := FormatText(c.v, c.t); got != c.want {
			t.Errorf("FormatText(%v, %s) = %q, want %q", c.v, c.t, got, c.want)
		}
	}
}

func TestFormatTextIn(t *testing.T) {
	loc := time.FixedZone("UTC+8", 8*3600)
	v := TimestampLTZValue(ts("2024-01-01 10:00:00"))
	if got := FormatTextIn(v, TTimestampLTZ(0), loc); got != "2024-01-01 18:00:00" {
		t.Errorf("got %q", got)
	}
	// A TIMESTAMP has no zone: the location does not apply.
	w := TimestampValue(ts("2024-01-01 10:00:00"))
	if got := FormatTextIn(w, TTimestamp(0), loc); got != "2024-01-01 10:00:00" {
		t.Errorf("got %q", got)
	}
}

func TestParseText(t *testing.T) {
	bigDec, _ := new(big.Int).SetString("12345678901234567890123", 10)
	for _, c := range []struct {
		s    string
		t    Type
		want Value
	}{
		{" 42 ", TInt, IntValue(42)},
		{"+7", TInt, IntValue(7)},
		{"-2147483648", TInt, IntValue(math.MinInt32)},
		{"3.99", TInt, IntValue(3)},
		{"-3.5", TBigInt, BigIntValue(-3)},
		{"9223372036854775807", TBigInt, BigIntValue(math.MaxInt64)},
		{"TRUE", TBoolean, BoolValue(true)},
		{"false", TBoolean, BoolValue(false)},
		{" Yes", TBoolean, BoolValue(true)},
		{"0", TBoolean, BoolValue(false)},
		{" 1.5 ", TDouble, DoubleValue(1.5)},
		{"1e400", TDouble, DoubleValue(math.Inf(1))},
		{"-1.0E-5", TDouble, DoubleValue(-1e-5)},
		{"12.345", TDecimal(10, 2), DecimalValue(1235, 2)},
		{"-12.345", TDecimal(10, 2), DecimalValue(-1235, 2)},
		{"12.344", TDecimal(10, 2), DecimalValue(1234, 2)},
		{"1.5E2", TDecimal(10, 2), DecimalValue(15000, 2)},
		{"  .5", TDecimal(3, 0), DecimalValue(1, 0)},
		{"0.0000001", TDecimal(10, 2), DecimalValue(0, 2)},
		{"1e-999999999", TDecimal(10, 2), DecimalValue(0, 2)},
		{"12345678901234567890.123", TDecimal(38, 3), BigDecimalValue(bigDec, 3)},
		{"abc", TString, StringValue("abc")},
		{"2024-01-01 10:00:00", TTimestamp(3), TimestampValue(ts("2024-01-01 10:00:00"))},
		{"2024-01-01 10:00:00.1", TTimestamp(3), TimestampValue(ts("2024-01-01 10:00:00.1"))},
		{"2024-01-01T10:00:00.123", TTimestamp(3), TimestampValue(ts("2024-01-01 10:00:00.123"))},
		{"2024-01-01 10:00:00.123456", TTimestamp(3), TimestampValue(ts("2024-01-01 10:00:00.123"))},
		{"2024-01-01", TTimestamp(3), TimestampValue(ts("2024-01-01 00:00:00"))},
		{"2024-1-2 3:04", TTimestamp(0), TimestampValue(ts("2024-01-02 03:04:00"))},
		{"1969-12-31 23:59:59.999", TTimestamp(0), TimestampValue(ts("1969-12-31 23:59:59"))},
		{"2024-01-01 10:00:00", TTimestampLTZ(3), TimestampLTZValue(ts("2024-01-01 10:00:00"))},
		{"2024-01-01", TDate, DateValue(19723)},
		{"2024-01-01 23:00:00", TDate, DateValue(19723)},
		{"1969-12-31", TDate, DateValue(-1)},
		{"+0 00:00:10.000", TIntervalDayTime, IntervalDayTimeValue(10_000)},
		{"-2 03:04:05.006", TIntervalDayTime, IntervalDayTimeValue(-(2*86_400_000 + 3*3_600_000 + 4*60_000 + 5_006))},
		{"+1-02", TIntervalYearMonth, IntervalYearMonthValue(14)},
	} {
		got, err := ParseText(c.s, c.t)
		if err != nil {
			t.Errorf("ParseText(%q, %s): %v", c.s, c.t, err)
			continue
		}
		if !got.Equal(c.want) || got.Scale() != c.want.Scale() {
			t.Errorf("ParseText(%q, %s) = %v, want %v", c.s, c.t, got, c.want)
		}
	}
}

func TestParseTextErrors(t *testing.T) {
	for _, c := range []struct {
		s    string
		t    Type
		want string
	}{
		{"abc", TInt, `cannot parse "abc" as INT: not a number`},
		{"", TInt, `cannot parse "" as INT: not a number`},
		{"2147483648", TInt, `cannot parse "2147483648" as INT: out of range`},
		{"1.x", TBigInt, `cannot parse "1.x" as BIGINT: not a number`},
		{"maybe", TBoolean, `cannot parse "maybe" as BOOLEAN: not a boolean`},
		{"0x10", TDouble, `cannot parse "0x10" as DOUBLE: not a number`},
		{"1.2.3", TDecimal(10, 2), `cannot parse "1.2.3" as DECIMAL(10, 2): not a number`},
		{"1000", TDecimal(3, 0), `cannot parse "1000" as DECIMAL(3, 0): out of range`},
		{"99.95", TDecimal(3, 1), `cannot parse "99.95" as DECIMAL(3, 1): out of range`},
		{"1e999999999", TDecimal(10, 2), `cannot parse "1e999999999" as DECIMAL(10, 2): out of range`},
		{"2024-02-30", TDate, `cannot parse "2024-02-30" as DATE: no such date or time`},
		{"2024-01-01 25:00:00", TTimestamp(3), `cannot parse "2024-01-01 25:00:00" as TIMESTAMP(3): no such date or time`},
		{"01/01/2024", TTimestamp(3), `cannot parse "01/01/2024" as TIMESTAMP(3): want yyyy-MM-dd HH:mm:ss[.fffffffff]`},
		{"3000-01-01", TTimestamp(3), `cannot parse "3000-01-01" as TIMESTAMP(3): out of range`},
		{"10 s", TIntervalDayTime, `cannot parse "10 s" as INTERVAL SECOND(3): want [+-]d HH:mm:ss.fff`},
	} {
		_, err := ParseText(c.s, c.t.AsNotNull())
		if err == nil || err.Error() != c.want {
			t.Errorf("ParseText(%q, %s) = %v, want %s", c.s, c.t, err, c.want)
		}
	}
}

func TestParseTextIn(t *testing.T) {
	loc := time.FixedZone("UTC+8", 8*3600)
	v, err := ParseTextIn("2024-01-01 18:00:00", TTimestampLTZ(3), loc)
	if err != nil || v.Int64() != ts("2024-01-01 10:00:00") {
		t.Fatalf("got %v, %v", v, err)
	}
}

// TestTextRoundTrip checks that ParseText reads what FormatText writes.
func TestTextRoundTrip(t *testing.T) {
	for _, c := range []struct {
		v Value
		t Type
	}{
		{BoolValue(true), TBoolean},
		{IntValue(math.MinInt32), TInt},
		{BigIntValue(math.MinInt64), TBigInt},
		{DoubleValue(math.SmallestNonzeroFloat64), TDouble},
		{DoubleValue(-123456789.125), TDouble},
		{DecimalValue(-1, 2), TDecimal(10, 2)},
		{DecimalValue(math.MinInt64, 10), TDecimal(38, 10)},
		{TimestampValue(ts("1999-12-31 23:59:59.999999999")), TTimestamp(9)},
		{TimestampLTZValue(ts("2000-02-29 00:00:00")), TTimestampLTZ(0)},
		{DateValue(-100000), TDate},
		{IntervalDayTimeValue(-1), TIntervalDayTime},
		{IntervalYearMonthValue(-1234), TIntervalYearMonth},
	} {
		s := FormatText(c.v, c.t)
		got, err := ParseText(s, c.t)
		if err != nil || !got.Equal(c.v) {
			t.Errorf("%s %q: got %v, %v, want %v", c.t, s, got, err, c.v)
		}
	}
}

func TestTruncateNanos(t *testing.T) {
	if got := TruncateNanos(-1, 3); got != -1_000_000 {
		t.Errorf("got %d", got)
	}
	if got := TruncateNanos(1_234_567, 3); got != 1_000_000 {
		t.Errorf("got %d", got)
	}
	if got := TruncateNanos(1_234_567, 9); got != 1_234_567 {
		t.Errorf("got %d", got)
	}
}

func TestAppendTextNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 64)
	v := TimestampValue(ts("2024-01-01 10:00:00.12"))
	n := testing.AllocsPerRun(100, func() { buf = AppendText(buf[:0], v, TTimestamp(3), time.UTC) })
	if n != 0 || !strings.HasPrefix(string(buf), "2024") {
		t.Errorf("%v allocs, %q", n, buf)
	}
}

// TestZeroValueRoundTrip: the zero Value, which every expression node
// that is no literal carries, encodes and decodes (row.go's ReadValue
// refused it, so no plan with a column reference could be decoded).
func TestZeroValueRoundTrip(t *testing.T) {
	b, err := Value{}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var v Value
	if err := v.UnmarshalBinary(b); err != nil || v != (Value{}) {
		t.Fatalf("got %v, %v", v, err)
	}
	if err := v.UnmarshalBinary([]byte{0, 1}); err == nil {
		t.Error("a kind NULL value with a payload decoded")
	}
}
