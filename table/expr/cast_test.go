package expr

import (
	"testing"

	"github.com/runnel/runnel/table/data"
)

func TestCast(t *testing.T) {
	d := data.TDecimal
	runCases(t, []evalCase{
		{col("i").Cast(data.TBigInt), "7"},
		{col("i").Cast(data.TDouble), "7.0"},
		{col("i").Cast(d(5, 2)), "7.00"},
		{col("i").Cast(d(1, 1)), "NULL"}, // DECIMAL overflow is NULL
		{col("i").Cast(data.TString), "7"},
		{col("i").Cast(data.TBoolean), "TRUE"},
		{lit(0).Cast(data.TBoolean), "FALSE"},
		{col("t").Cast(data.TInt), "1"},
		{col("f").Cast(d(3, 1)), "0.0"},
		// DOUBLE to integers: truncated toward zero, saturated.
		{col("d").Cast(data.TInt), "2"},
		{lit(-2.7).Cast(data.TInt), "-2"},
		{lit(1e20).Cast(data.TInt), "2147483647"},
		{lit(-1e20).Cast(data.TInt), "-2147483648"},
		{lit(1e20).Cast(data.TBigInt), "9223372036854775807"},
		{call("/", lit(0.0), lit(0.0)).Cast(data.TBigInt), "0"},
		// BIGINT to INT wraps, as Java's (int).
		{lit(int64(4294967297)).Cast(data.TInt), "1"},
		// DECIMAL: to integers truncated, to DECIMAL rounded HALF_UP.
		{col("m").Cast(data.TInt), "12"},
		{dec("-12.99").Cast(data.TBigInt), "-12"},
		{col("m").Cast(d(3, 0)), "13"},
		{call("-", col("m")).Cast(d(3, 0)), "-13"},
		{col("m").Cast(d(3, 1)), "12.5"},
		{col("m").Cast(d(1, 0)), "NULL"},
		{col("m").Cast(data.TDouble), "12.5"},
		{col("d").Cast(d(5, 2)), "2.50"},
		{lit(0.125).Cast(d(5, 2)), "0.13"},
		// To STRING, as data.FormatText.
		{col("m").Cast(data.TString), "12.50"},
		{col("d").Cast(data.TString), "2.5"},
		{lit(1e10).Cast(data.TString), "1.0E10"},
		{col("t").Cast(data.TString), "TRUE"},
		{col("ts").Cast(data.TString), "2024-01-15 10:30:45.123"},
		{col("ltz").Cast(data.TString), "2024-01-15 18:30:45.123"}, // in the session zone
		{col("dt").Cast(data.TString), "2024-01-15"},
		{days(1).Cast(data.TString), "+1 00:00:00.000"},
		{col("s").Cast(data.TVarchar(5)), "Hello"},
		{str("héllo").Cast(data.TVarchar(2)), "hé"},
		// From STRING, as data.ParseText.
		{str("42").Cast(data.TInt), "42"},
		{str(" 42 ").Cast(data.TBigInt), "42"},
		{str("4.9").Cast(data.TInt), "4"},
		{str("true").Cast(data.TBoolean), "TRUE"},
		{str("12.345").Cast(d(10, 2)), "12.35"},
		{str("1e3").Cast(data.TDouble), "1000.0"},
		{str("2024-01-01 10:00:00").Cast(data.TTimestamp(3)), "2024-01-01 10:00:00.000"},
		{str("2024-01-01T10:00:00.123456").Cast(data.TTimestamp(6)), "2024-01-01 10:00:00.123456"},
		{str("2024-01-01").Cast(data.TDate), "2024-01-01"},
		{str("+1-02").Cast(data.TIntervalYearMonth), "+1-02"},
		{str("abc").Cast(data.TInt), `error: CAST('abc' AS INT): cannot parse "abc" as INT: not a number`},
		{str("999").Cast(d(2, 0)), `error: CAST('999' AS DECIMAL(2, 0)): cannot parse "999" as DECIMAL(2, 0): out of range`},
		{&Expr{Op: OpCast, Name: "TRY_CAST", Type: data.TInt, Args: []*Expr{str("abc")}}, "NULL"},
		{&Expr{Op: OpCast, Name: "TRY_CAST", Type: data.TInt, Args: []*Expr{str("12")}}, "12"},
		{col("s").Cast(data.TBytes).Cast(data.TString), "Hello World"},
		// Datetimes: TIMESTAMP and TIMESTAMP_LTZ meet in the session zone.
		{col("ts").Cast(data.TDate), "2024-01-15"},
		{col("ts").Cast(data.TTimestamp(0)), "2024-01-15 10:30:45"},
		{col("ts").Cast(data.TTimestamp(1)), "2024-01-15 10:30:45.1"},
		{col("dt").Cast(data.TTimestamp(0)), "2024-01-15 00:00:00"},
		{col("ts").Cast(data.TTimestampLTZ(3)), "2024-01-15 10:30:45.123"},
		{col("ts").Cast(data.TTimestampLTZ(3)).Cast(data.TTimestamp(3)), "2024-01-15 10:30:45.123"},
		{col("ltz").Cast(data.TTimestamp(3)), "2024-01-15 18:30:45.123"},
		{col("ltz").Cast(data.TDate), "2024-01-15"},
		{call("TO_TIMESTAMP_LTZ", lit(int64(1705348800000))).Cast(data.TDate), "2024-01-16"}, // 20:00 UTC is the 16th in UTC+8
		{col("dt").Cast(data.TTimestampLTZ(0)), "2024-01-15 00:00:00"},
		{str("2024-01-01 10:00:00").Cast(data.TTimestampLTZ(3)).Eq(call("TO_TIMESTAMP_LTZ", lit(int64(1704074400000)))), "TRUE"},
		{col("ni").Cast(data.TString), "NULL"},
		{col("ns").Cast(data.TInt), "NULL"},
		{null.Cast(data.TDate), "NULL"},
		{col("t").Cast(data.TDate), "resolve: cannot cast BOOLEAN to DATE"},
		{col("i").Cast(data.TTimestamp(3)), "resolve: cannot cast INT to TIMESTAMP(3)"},
		{col("i").Cast(data.TDecimal(50, 2)), "resolve: DECIMAL precision 50: want 1 to 38"},
	})
}

// TestCastInUTC: the same TIMESTAMP_LTZ casts in another session zone.
func TestCastInUTC(t *testing.T) {
	for _, c := range []evalCase{
		{col("ltz").Cast(data.TString), "2024-01-15 10:30:45.123"},
		{col("ltz").Eq(col("ts")), "TRUE"},
		{col("ltz").Cast(data.TTimestamp(3)), "2024-01-15 10:30:45.123"},
	} {
		if got := runIn(t, c.e, Options{}); got != c.want {
			t.Errorf("%s = %s, want %s", c.e, got, c.want)
		}
	}
}

func TestCastNullability(t *testing.T) {
	for _, c := range []struct {
		e       *Expr
		notNull bool
	}{
		{col("i").Cast(data.TBigInt), true},
		{col("i").Cast(data.TString), true},
		{col("i").Cast(data.TDecimal(10, 0)), false}, // may overflow to NULL
		{&Expr{Op: OpCast, Name: "TRY_CAST", Type: data.TBigInt, Args: []*Expr{col("i")}}, false},
		{col("b").Cast(data.TInt), false},
	} {
		if r := mustResolve(t, c.e); r.Type.NotNull != c.notNull {
			t.Errorf("%s: type %s", c.e, r.Type)
		}
	}
}
