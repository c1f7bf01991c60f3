package expr

import (
	"testing"
	"time"

	"github.com/runnel/runnel/table/data"
)

func TestDateFormat(t *testing.T) {
	for pattern, want := range map[string]string{
		"yyyy-MM-dd HH:mm:ss": "2024-01-15 10:30:45",
		"yyyy/MM/dd":          "2024/01/15",
		"yy-M-d":              "24-1-15",
		"HH:mm:ss.SSS":        "10:30:45.123",
		"ss.SSSSSS":           "45.123000",
		"MMM dd, yyyy":        "Jan 15, 2024",
		"MMMM":                "January",
		"EEE EEEE":            "Mon Monday",
		"hh a":                "10 AM",
		"yyyy-MM-dd'T'HH:mm":  "2024-01-15T10:30",
		"h 'o''clock'":        "10 o'clock",
		"D":                   "15",
		"''":                  "'",
	} {
		runCases(t, []evalCase{{call("DATE_FORMAT", col("ts"), str(pattern)), want}})
	}
	runCases(t, []evalCase{
		{call("DATE_FORMAT", col("ltz"), str("HH:mm")), "18:30"}, // in the session zone
		{call("DATE_FORMAT", col("dt"), str("dd.MM.yyyy")), "15.01.2024"},
		{call("DATE_FORMAT", str("2024-01-15 10:30:45"), str("yyyyMMdd")), "20240115"},
		{call("DATE_FORMAT", col("nts"), str("yyyy")), "NULL"},
		{call("DATE_FORMAT", col("ts"), col("ns")), "NULL"},
		{call("DATE_FORMAT", col("ts"), col("s")), "error: DATE_FORMAT(ts, s): date pattern \"Hello World\": unsupported letter 'e'"},
		{call("DATE_FORMAT", str("x"), str("yyyy")), "error: DATE_FORMAT('x', 'yyyy'): cannot parse \"x\" as TIMESTAMP(9): want yyyy-MM-dd HH:mm:ss[.fffffffff]"},
	})
	if got := resolveErr(call("DATE_FORMAT", col("ts"), str("yyyy-qq"))); got != `date pattern "yyyy-qq": unsupported letter 'q'` {
		t.Errorf("got %q", got)
	}
	if got := resolveErr(call("DATE_FORMAT", col("ts"), str("'open"))); got != `date pattern "'open": unterminated quote` {
		t.Errorf("got %q", got)
	}
}

func TestFloorCeilTime(t *testing.T) {
	floor := func(e *Expr, unit string) *Expr { return call("FLOOR", e, str(unit)) }
	ceil := func(e *Expr, unit string) *Expr { return call("CEIL", e, str(unit)) }
	runCases(t, []evalCase{
		{floor(col("ts"), "MILLISECOND"), "2024-01-15 10:30:45.123"},
		{floor(col("ts"), "SECOND"), "2024-01-15 10:30:45.000"},
		{floor(col("ts"), "MINUTE"), "2024-01-15 10:30:00.000"},
		{floor(col("ts"), "HOUR"), "2024-01-15 10:00:00.000"},
		{floor(col("ts"), "hour"), "2024-01-15 10:00:00.000"},
		{floor(col("ts"), "DAY"), "2024-01-15 00:00:00.000"},
		{floor(col("ts"), "MONTH"), "2024-01-01 00:00:00.000"},
		{floor(col("ts"), "QUARTER"), "2024-01-01 00:00:00.000"},
		{floor(col("ts"), "YEAR"), "2024-01-01 00:00:00.000"},
		{ceil(col("ts"), "SECOND"), "2024-01-15 10:30:46.000"},
		{ceil(col("ts"), "HOUR"), "2024-01-15 11:00:00.000"},
		{ceil(col("ts"), "DAY"), "2024-01-16 00:00:00.000"},
		{ceil(col("ts"), "MONTH"), "2024-02-01 00:00:00.000"},
		{ceil(col("ts"), "QUARTER"), "2024-04-01 00:00:00.000"},
		{ceil(col("ts"), "YEAR"), "2025-01-01 00:00:00.000"},
		{ceil(ts("2024-01-15 10:00:00"), "HOUR"), "2024-01-15 10:00:00.000"}, // already on the hour
		{floor(ts("1969-12-31 23:59:59.5"), "SECOND"), "1969-12-31 23:59:59.000"},
		{floor(ts("1969-12-31 23:59:59.5"), "DAY"), "1969-12-31 00:00:00.000"},
		{floor(col("ltz"), "DAY"), "2024-01-15 00:00:00.000"}, // the day in UTC+8
		{floor(col("ltz"), "HOUR"), "2024-01-15 18:00:00.000"},
		{floor(col("dt"), "MONTH"), "2024-01-01"},
		{ceil(col("dt"), "YEAR"), "2025-01-01"},
		{floor(col("dt"), "DAY"), "2024-01-15"},
		{floor(col("nts"), "HOUR"), "NULL"},
		{floor(col("ts"), "WEEK"), "resolve: function FLOOR: unknown time unit WEEK"},
		{floor(col("ts"), "FORTNIGHT"), "resolve: function FLOOR: unknown time unit FORTNIGHT"},
		{call("FLOOR", col("ts"), col("s")), "resolve: function FLOOR: argument 2 (the time unit) must be a literal"},
	})
	// FLOOR of a rowtime column is no time attribute.
	if r := mustResolve(t, floor(col("ts"), "HOUR")); r.Type.Time != data.NoTimeAttr {
		t.Errorf("type %s", r.Type)
	}
}

func TestExtract(t *testing.T) {
	extract := func(unit string, e *Expr) *Expr { return call("EXTRACT", str(unit), e) }
	runCases(t, []evalCase{
		{extract("YEAR", col("ts")), "2024"},
		{extract("QUARTER", col("ts")), "1"},
		{extract("MONTH", col("ts")), "1"},
		{extract("WEEK", col("ts")), "3"},
		{extract("DAY", col("ts")), "15"},
		{extract("DOY", col("ts")), "15"},
		{extract("DOW", col("ts")), "2"}, // Monday; Sunday is 1
		{extract("HOUR", col("ts")), "10"},
		{extract("MINUTE", col("ts")), "30"},
		{extract("SECOND", col("ts")), "45"},
		{extract("MILLISECOND", col("ts")), "45123"},
		{extract("HOUR", col("ltz")), "18"},
		{extract("DAY", col("dt")), "15"},
		{extract("HOUR", col("dt")), "0"},
		{extract("YEAR", col("nts")), "NULL"},
		{call("YEAR", col("ts")), "2024"},
		{call("QUARTER", col("ts")), "1"},
		{call("MONTH", col("dt")), "1"},
		{call("WEEK", col("ts")), "3"},
		{call("DAYOFYEAR", col("ts")), "15"},
		{call("DAYOFMONTH", col("ts")), "15"},
		{call("DAYOFWEEK", col("ts")), "2"},
		{call("HOUR", col("ltz")), "18"},
		{call("MINUTE", col("ts")), "30"},
		{call("SECOND", col("ts")), "45"},
		{extract("CENTURY", col("ts")), "resolve: function EXTRACT: unknown time unit CENTURY"},
		{call("YEAR", col("s")), "resolve: function YEAR: argument 1 must be a DATE or TIMESTAMP, got STRING"},
	})
}

func TestToTimestamp(t *testing.T) {
	runCases(t, []evalCase{
		{call("TO_TIMESTAMP", str("2024-01-01 10:00:00")), "2024-01-01 10:00:00.000"},
		{call("TO_TIMESTAMP", str("2024-01-01 10:00:00.123456")), "2024-01-01 10:00:00.123"},
		{call("TO_TIMESTAMP", str("bad")), "NULL"},
		{call("TO_TIMESTAMP", str("15/01/2024 10:30"), str("dd/MM/yyyy HH:mm")), "2024-01-15 10:30:00.000"},
		{call("TO_TIMESTAMP", str("20240115"), str("yyyyMMdd")), "2024-01-15 00:00:00.000"},
		{call("TO_TIMESTAMP", str("Jan 15 2024 10:30:45.5 PM"), str("MMM dd yyyy hh:mm:ss.S a")), "2024-01-15 22:30:45.500"},
		{call("TO_TIMESTAMP", str("January 5 24"), str("MMMM d yy")), "2024-01-05 00:00:00.000"},
		{call("TO_TIMESTAMP", str("2024-02-30"), str("yyyy-MM-dd")), "NULL"},
		{call("TO_TIMESTAMP", str("2024-01-15x"), str("yyyy-MM-dd")), "NULL"},
		{call("TO_TIMESTAMP", col("ns")), "NULL"},
		{call("TO_TIMESTAMP_LTZ", lit(int64(1704074400000))), "2024-01-01 10:00:00.000"}, // shown in UTC+8
		{call("TO_TIMESTAMP_LTZ", lit(1704074400), lit(0)), "2024-01-01 10:00:00.000"},
		{call("TO_TIMESTAMP_LTZ", lit(1704074400.5), lit(0)), "2024-01-01 10:00:00.500"},
		{call("TO_TIMESTAMP_LTZ", dec("1704074400000.9")), "2024-01-01 10:00:00.000"},
		{call("TO_TIMESTAMP_LTZ", lit(int64(1)<<62), lit(0)), "NULL"},
		{call("TO_TIMESTAMP_LTZ", col("ni")), "NULL"},
		{call("TO_TIMESTAMP_LTZ", lit(1), lit(6)), "resolve: function TO_TIMESTAMP_LTZ: precision 6: want 0 (seconds) or 3 (milliseconds)"},
	})
}

func TestClockFunctions(t *testing.T) {
	before := time.Now()
	for _, c := range []struct {
		name string
		kind data.Kind
	}{{"CURRENT_TIMESTAMP", data.TimestampLTZ}, {"NOW", data.TimestampLTZ}, {"LOCALTIMESTAMP", data.Timestamp}, {"CURRENT_DATE", data.Date}, {"UNIX_TIMESTAMP", data.BigInt}} {
		r := mustResolve(t, call(c.name))
		if r.Type.Kind != c.kind || !r.Type.NotNull {
			t.Errorf("%s: type %s", c.name, r.Type)
		}
		ev, err := Compile(r)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ev(testRow)
		if err != nil || v.Kind() != c.kind || v.IsNull() {
			t.Fatalf("%s: %v, %v", c.name, v, err)
		}
		var got time.Time
		switch c.kind {
		case data.TimestampLTZ:
			got = v.Time()
		case data.Timestamp: // the wall clock of UTC+8
			got = v.Time().Add(-8 * time.Hour)
		case data.Date:
			got = time.Unix(v.Int64()*86400, 0)
			if want := before.In(shanghai); got.UTC().Day() != want.Day() && time.Since(before) < time.Minute {
				t.Errorf("CURRENT_DATE %v, want the day of %v", got.UTC(), want)
			}
			continue
		case data.BigInt:
			got = time.Unix(v.Int64(), 0)
		}
		if d := got.Sub(before); d < -time.Second || d > time.Minute {
			t.Errorf("%s = %v, now is %v", c.name, got, before)
		}
	}
	// The clock is read at each row: never folded.
	r := mustResolve(t, call("CURRENT_TIMESTAMP"))
	if isConst(r) {
		t.Error("CURRENT_TIMESTAMP folded")
	}
}
