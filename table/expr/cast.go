package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/runnel/runnel/table/data"
)

// castFn converts one non-NULL value.
type castFn func(v data.Value) (data.Value, error)

// castFunc is the conversion of non-NULL values of type from to type to as
// Flink's CAST, or nil when Flink has none (BOOLEAN to DATE, numbers to
// timestamps: TO_TIMESTAMP_LTZ is the way there). loc is the session zone
// for the conversions between TIMESTAMP_LTZ and wall clock types.
//
// Numbers narrow as Java's primitive conversions (DOUBLE to INT truncates
// toward zero and saturates, BIGINT to INT wraps), reach DECIMAL rounded
// HALF_UP or NULL on overflow, and read from and print to STRING as
// data.ParseText and FormatText; a cast to VARCHAR(n) keeps n characters.
func castFunc(from, to data.Type, loc *time.Location) castFn {
	f, t := from.Kind, to.Kind
	switch {
	case f == data.Null:
		return func(data.Value) (data.Value, error) { return data.NullOf(t), nil }
	case t == data.String:
		n := to.Prec
		if f == data.String || f == data.Bytes {
			return func(v data.Value) (data.Value, error) { return data.StringValue(truncateChars(v.Str(), n)), nil }
		}
		return func(v data.Value) (data.Value, error) {
			return data.StringValue(truncateChars(data.FormatTextIn(v, from, loc), n)), nil
		}
	case f == data.String:
		if t == data.Bytes {
			return func(v data.Value) (data.Value, error) { return data.BytesValue([]byte(v.Str())), nil }
		}
		return func(v data.Value) (data.Value, error) { return data.ParseTextIn(v.Str(), to, loc) }
	case to.IsNumeric() && (from.IsNumeric() || f == data.Boolean):
		return numericCast(from, to)
	case t == data.Boolean && from.IsNumeric():
		return func(v data.Value) (data.Value, error) { return boolValue(!isZero(v)), nil }
	case isDatetime(from) && isDatetime(to):
		return datetimeCast(from, to, loc)
	case f == t && (f == data.Boolean || f == data.Bytes || from.IsInterval()):
		return func(v data.Value) (data.Value, error) { return v, nil }
	}
	return nil
}

// castNeedsZone reports whether the cast from from to to depends on the
// session zone.
func castNeedsZone(from, to data.Type) bool {
	if from.Kind == to.Kind {
		return false
	}
	ltz := from.Kind == data.TimestampLTZ || to.Kind == data.TimestampLTZ
	return ltz && from.Kind != data.Null
}

// truncateChars is s cut to n characters, for VARCHAR(n).
func truncateChars(s string, n int) string {
	if n <= 0 || n >= data.MaxStringLength || len(s) <= n {
		return s
	}
	i := 0
	for c := 0; c < n && i < len(s); c++ {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return s[:i]
}

func isZero(v data.Value) bool {
	switch v.Kind() {
	case data.Double:
		return v.Float64() == 0
	case data.Decimal:
		return data.DecimalSign(v) == 0
	}
	return v.Int64() == 0
}

// numericCast converts between the numeric kinds and from BOOLEAN (1, 0).
func numericCast(from, to data.Type) castFn {
	switch to.Kind {
	case data.Int:
		return func(v data.Value) (data.Value, error) { return data.IntValue(int32(toInt64(v, true))), nil }
	case data.BigInt:
		return func(v data.Value) (data.Value, error) { return data.BigIntValue(toInt64(v, false)), nil }
	case data.Double:
		return func(v data.Value) (data.Value, error) { return data.DoubleValue(toFloat64(v)), nil }
	}
	switch from.Kind {
	case data.Decimal:
		return func(v data.Value) (data.Value, error) { return data.DecimalRescale(v, to), nil }
	case data.Double:
		return func(v data.Value) (data.Value, error) { return data.DecimalFromFloat64(v.Float64(), to), nil }
	}
	return func(v data.Value) (data.Value, error) { return data.DecimalFromInt64(v.Int64(), to), nil }
}

// toInt64 converts a number to an integer as Java's (long) or, with
// narrow, (int): truncation toward zero, saturation for DOUBLE.
func toInt64(v data.Value, narrow bool) int64 {
	switch v.Kind() {
	case data.Double:
		f := v.Float64()
		lo, hi := float64(math.MinInt64), float64(math.MaxInt64)
		if narrow {
			lo, hi = math.MinInt32, math.MaxInt32
		}
		switch {
		case math.IsNaN(f):
			return 0
		case f <= lo:
			return int64(lo)
		case f >= hi:
			if narrow {
				return math.MaxInt32
			}
			return math.MaxInt64
		}
		return int64(f)
	case data.Decimal:
		return data.DecimalToInt64(v)
	}
	return v.Int64()
}

// toFloat64 converts a number to DOUBLE.
func toFloat64(v data.Value) float64 {
	switch v.Kind() {
	case data.Double:
		return v.Float64()
	case data.Decimal:
		return data.DecimalToFloat64(v)
	}
	return float64(v.Int64())
}

const nanosPerDay = 86_400 * int64(time.Second)

// datetimeCast converts between DATE, TIMESTAMP and TIMESTAMP_LTZ: a
// TIMESTAMP is a wall clock time, a TIMESTAMP_LTZ an instant, and loc the
// zone that relates them.
func datetimeCast(from, to data.Type, loc *time.Location) castFn {
	// wall is v's wall clock nanoseconds.
	wall := func(v data.Value) (int64, error) {
		switch v.Kind() {
		case data.Date:
			if d := v.Int64(); d > math.MaxInt64/nanosPerDay || d < math.MinInt64/nanosPerDay {
				return 0, fmt.Errorf("DATE %s is out of the TIMESTAMP range", data.FormatText(v, data.TDate))
			}
			return v.Int64() * nanosPerDay, nil
		case data.TimestampLTZ:
			return instantToWall(v.Int64(), loc), nil
		}
		return v.Int64(), nil
	}
	switch to.Kind {
	case data.Date:
		return func(v data.Value) (data.Value, error) {
			n, err := wall(v)
			return data.DateValue(int32(floorDiv(n, nanosPerDay))), err
		}
	case data.Timestamp:
		return func(v data.Value) (data.Value, error) {
			n, err := wall(v)
			return data.TimestampValue(data.TruncateNanos(n, to.Prec)), err
		}
	}
	return func(v data.Value) (data.Value, error) {
		if v.Kind() == data.TimestampLTZ {
			return data.TimestampLTZValue(data.TruncateNanos(v.Int64(), to.Prec)), nil
		}
		n, err := wall(v)
		return data.TimestampLTZValue(data.TruncateNanos(wallToInstant(n, loc), to.Prec)), err
	}
}

// instantToWall is the wall clock time in loc of the instant n.
func instantToWall(n int64, loc *time.Location) int64 {
	_, off := time.Unix(0, n).In(loc).Zone()
	return n + int64(off)*int64(time.Second)
}

// wallToInstant is the instant the wall clock time n has in loc; a time a
// daylight saving gap skips is taken as Go's time.Date does.
func wallToInstant(n int64, loc *time.Location) int64 {
	t := time.Unix(0, n).UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc).UnixNano()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// LoadZone finds a zone by the name Resolve recorded, and the session's
// table.local-time-zone: an IANA name, UTC, or an offset such as UTC+8,
// GMT+08:00 or +05:30.
func LoadZone(name string) (*time.Location, error) {
	switch name {
	case "", "UTC", "GMT", "Z":
		return time.UTC, nil
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc, nil
	}
	s := strings.TrimPrefix(strings.TrimPrefix(name, "UTC"), "GMT")
	if len(s) >= 2 && (s[0] == '+' || s[0] == '-') {
		hh, mm, _ := strings.Cut(s[1:], ":")
		h, err1 := strconv.Atoi(hh)
		m, err2 := 0, error(nil)
		if mm != "" {
			m, err2 = strconv.Atoi(mm)
		}
		if err1 == nil && err2 == nil && h <= 18 && m < 60 && len(hh) <= 2 {
			off := h*3600 + m*60
			if s[0] == '-' {
				off = -off
			}
			return time.FixedZone(name, off), nil
		}
	}
	return nil, fmt.Errorf("unknown time zone %q: want a name such as Asia/Shanghai or an offset such as UTC+8", name)
}

// zoneOf is the zone Resolve recorded in e, UTC when none.
func zoneOf(e *Expr) (*time.Location, error) {
	if n := len(e.Args); n > 0 && isZone(e.Args[n-1]) {
		return LoadZone(e.Args[n-1].Lit.Str())
	}
	return time.UTC, nil
}
