package data

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The text form of values is Flink's CAST to and from STRING, which its csv
// format, the print sink and SQL's string functions share: one definition
// here keeps them agreeing.

// NullText is how Flink prints a NULL (the print sink, Row.toString).
// FormatText returns "" for a NULL and leaves the choice to the caller,
// since the csv format writes a NULL as an empty field.
const NullText = "NULL"

// FormatText is v's text as Flink's CAST(v AS STRING), with t, v's type,
// giving the precision and scale; a NULL gives "". TIMESTAMP_LTZ values
// print in UTC: FormatTextIn takes the session's time zone.
func FormatText(v Value, t Type) string { return FormatTextIn(v, t, time.UTC) }

// FormatTextIn is FormatText with TIMESTAMP_LTZ values shown in loc.
func FormatTextIn(v Value, t Type, loc *time.Location) string {
	if v.IsNull() {
		return ""
	}
	if v.Kind() == String || v.Kind() == Bytes {
		return v.s // BYTES cast to STRING as their UTF-8 text, as in Flink
	}
	var buf [48]byte
	return string(AppendText(buf[:0], v, t, loc))
}

// AppendText appends FormatTextIn's text to buf, so that a writer of many
// values (csv) formats without a string per field.
func AppendText(buf []byte, v Value, t Type, loc *time.Location) []byte {
	if v.IsNull() {
		return buf
	}
	if t.Kind != v.Kind() {
		t = Type{Kind: v.Kind(), Prec: 6, Scale: int(v.scale)} // Flink's default TIMESTAMP precision is 6
	}
	switch v.Kind() {
	case Boolean:
		if v.Bool() {
			return append(buf, "TRUE"...)
		}
		return append(buf, "FALSE"...)
	case Int, BigInt:
		return strconv.AppendInt(buf, v.n, 10)
	case Double:
		return AppendDouble(buf, v.Float64())
	case Decimal:
		if int(v.scale) != t.Scale {
			if w := DecimalRescale(v, t); !w.IsNull() {
				v = w
			}
		}
		return AppendDecimal(buf, v)
	case String, Bytes:
		return append(buf, v.s...)
	case Date:
		return appendDate(buf, time.Unix(v.n*86400, 0).UTC())
	case Timestamp:
		return appendTimestamp(buf, time.Unix(0, v.n).UTC(), t.Prec)
	case TimestampLTZ:
		if loc == nil {
			loc = time.UTC
		}
		return appendTimestamp(buf, time.Unix(0, v.n).In(loc), t.Prec)
	case IntervalDayTime:
		ms := v.n
		buf = appendSign(buf, ms < 0)
		u := absU64(ms)
		buf = strconv.AppendUint(buf, u/86_400_000, 10)
		buf = append(buf, ' ')
		buf = append2(buf, int(u/3_600_000%24))
		buf = append(buf, ':')
		buf = append2(buf, int(u/60_000%60))
		buf = append(buf, ':')
		buf = append2(buf, int(u/1000%60))
		buf = append(buf, '.')
		return appendPadded(buf, int(u%1000), 3)
	case IntervalYearMonth:
		buf = appendSign(buf, v.n < 0)
		u := absU64(v.n)
		buf = strconv.AppendUint(buf, u/12, 10)
		buf = append(buf, '-')
		return append2(buf, int(u%12))
	}
	return buf
}

// AppendDouble appends f as Java's Double.toString, which Flink's CAST
// uses: plain between 10^-3 and 10^7 with at least one fractional digit
// (1.5, 2.0), else computerized scientific notation (1.0E10, 1.5E-5).
func AppendDouble(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(buf, "-0.0"...)
		}
		return append(buf, "0.0"...)
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		n := len(buf)
		buf = strconv.AppendFloat(buf, f, 'f', -1, 64)
		if !containsByte(buf[n:], '.') {
			buf = append(buf, '.', '0')
		}
		return buf
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // d.dddde±dd
	i := indexByte(e, 'e')
	buf = append(buf, e[:i]...)
	if !containsByte(e[:i], '.') {
		buf = append(buf, '.', '0')
	}
	buf = append(buf, 'E')
	exp, _ := strconv.Atoi(string(e[i+1:]))
	return strconv.AppendInt(buf, int64(exp), 10)
}

func containsByte(b []byte, c byte) bool { return indexByte(b, c) >= 0 }

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func appendSign(buf []byte, neg bool) []byte {
	if neg {
		return append(buf, '-')
	}
	return append(buf, '+')
}

func append2(buf []byte, n int) []byte { return append(buf, byte('0'+n/10), byte('0'+n%10)) }

// appendPadded appends n ≥ 0 as at least width digits.
func appendPadded(buf []byte, n, width int) []byte {
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(d); i < width; i++ {
		buf = append(buf, '0')
	}
	return append(buf, d...)
}

func appendDate(buf []byte, t time.Time) []byte {
	y, m, d := t.Date()
	if y < 0 {
		buf = append(buf, '-')
		y = -y
	}
	buf = appendPadded(buf, y, 4)
	buf = append(buf, '-')
	buf = append2(buf, int(m))
	buf = append(buf, '-')
	return append2(buf, d)
}

// appendTimestamp appends yyyy-MM-dd HH:mm:ss and, when p > 0, exactly p
// fractional digits.
func appendTimestamp(buf []byte, t time.Time, p int) []byte {
	buf = appendDate(buf, t)
	buf = append(buf, ' ')
	h, m, s := t.Clock()
	buf = append2(buf, h)
	buf = append(buf, ':')
	buf = append2(buf, m)
	buf = append(buf, ':')
	buf = append2(buf, s)
	if p > 0 {
		p = min(p, MaxTimestampPrec)
		buf = append(buf, '.')
		buf = appendPadded(buf, t.Nanosecond()/int(pow10[MaxTimestampPrec-p]), p)
	}
	return buf
}

// TruncateNanos drops the digits of nanos beyond p fractional digits of a
// second, rounding toward the past: the value of TIMESTAMP(p).
func TruncateNanos(nanos int64, p int) int64 {
	if p >= MaxTimestampPrec || p < 0 {
		return nanos
	}
	unit := pow10[MaxTimestampPrec-p]
	r := nanos % unit
	if r < 0 {
		r += unit
	}
	return nanos - r
}

// ParseText is the value of s as Flink's CAST(s AS t): numbers between
// spaces (an INT or BIGINT may have a fractional part, dropped), booleans
// true/false, t/f, yes/no, y/n, 1/0 in any case, DECIMAL rounded HALF_UP to
// t's scale and an error beyond its precision, timestamps as
// yyyy-MM-dd[( |T)HH:mm[:ss[.fffffffff]]] truncated to t's precision.
// TIMESTAMP_LTZ reads in UTC: ParseTextIn takes the session's zone.
func ParseText(s string, t Type) (Value, error) { return ParseTextIn(s, t, time.UTC) }

// ParseTextIn is ParseText reading TIMESTAMP_LTZ values as wall clock
// times in loc.
func ParseTextIn(s string, t Type, loc *time.Location) (Value, error) {
	v, err := parseText(s, t, loc)
	if err != nil {
		return Value{}, fmt.Errorf("cannot parse %q as %s: %w", s, t.Plain().Nullable(), err)
	}
	return v, nil
}

var errNotNumber = errors.New("not a number")

func parseText(s string, t Type, loc *time.Location) (Value, error) {
	switch t.Kind {
	case Boolean:
		switch strings.ToLower(trimSpace(s)) {
		case "true", "t", "yes", "y", "1":
			return BoolValue(true), nil
		case "false", "f", "no", "n", "0":
			return BoolValue(false), nil
		}
		return Value{}, errors.New("not a boolean")
	case Int:
		n, err := parseIntegral(s, math.MinInt32, math.MaxInt32)
		return IntValue(int32(n)), err
	case BigInt:
		n, err := parseIntegral(s, math.MinInt64, math.MaxInt64)
		return BigIntValue(n), err
	case Double:
		s = trimSpace(s)
		if strings.ContainsAny(s, "xX_") { // Go's hex floats and separators are not Java's
			return Value{}, errNotNumber
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) { // out of range is ±Infinity, as Java
			return Value{}, errNotNumber
		}
		return DoubleValue(f), nil
	case Decimal:
		return parseDecimal(s, t)
	case String:
		return StringValue(s), nil
	case Bytes:
		return Value{tag: byte(Bytes), s: s}, nil
	case Date:
		dt, err := parseDateTime(trimSpace(s), time.UTC)
		if err != nil {
			return Value{}, err
		}
		return DateValue(int32(floorDiv(dt.Unix(), 86400))), nil
	case Timestamp, TimestampLTZ:
		if loc == nil || t.Kind == Timestamp {
			loc = time.UTC
		}
		dt, err := parseDateTime(trimSpace(s), loc)
		if err != nil {
			return Value{}, err
		}
		if sec := dt.Unix(); sec <= math.MinInt64/int64(time.Second) || sec >= math.MaxInt64/int64(time.Second) {
			return Value{}, errors.New("out of range")
		}
		n := TruncateNanos(dt.UnixNano(), t.Prec)
		if t.Kind == Timestamp {
			return TimestampValue(n), nil
		}
		return TimestampLTZValue(n), nil
	case IntervalDayTime:
		return parseDayTime(trimSpace(s))
	case IntervalYearMonth:
		return parseYearMonth(trimSpace(s))
	}
	return Value{}, fmt.Errorf("no text form")
}

// parseIntegral reads an integer as Flink's BinaryStringDataUtil.toLong:
// an optional sign, digits, and an optional fractional part that is
// checked and dropped.
func parseIntegral(s string, lo, hi int64) (int64, error) {
	s = trimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		for _, c := range []byte(s[i+1:]) {
			if c < '0' || c > '9' {
				return 0, errNotNumber
			}
		}
		s = s[:i]
		if s == "" || s == "-" || s == "+" {
			s += "0"
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if errors.Is(err, strconv.ErrRange) || err == nil && (n < lo || n > hi) {
		return 0, errors.New("out of range")
	}
	if err != nil {
		return 0, errNotNumber
	}
	return n, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// scanner reads the fixed-format fields of dates, times and intervals.
type scanner struct {
	s  string
	i  int
	ok bool
}

// num reads between lo and hi digits.
func (c *scanner) num(lo, hi int) int {
	n, start := 0, c.i
	for c.i < len(c.s) && c.i-start < hi && '0' <= c.s[c.i] && c.s[c.i] <= '9' {
		n = n*10 + int(c.s[c.i]-'0')
		c.i++
	}
	if c.i-start < lo {
		c.ok = false
	}
	return n
}

// lit reads the byte b.
func (c *scanner) lit(b byte) {
	if c.i < len(c.s) && c.s[c.i] == b {
		c.i++
		return
	}
	c.ok = false
}

// peek reports whether the next byte is one of bs.
func (c *scanner) peek(bs string) bool {
	return c.ok && c.i < len(c.s) && strings.IndexByte(bs, c.s[c.i]) >= 0
}

// fraction reads up to 9 digits after a point as nanoseconds.
func (c *scanner) fraction() int {
	start := c.i
	f := c.num(1, 9)
	for range 9 - (c.i - start) {
		f *= 10
	}
	return f
}

// parseDateTime reads yyyy-M-d[( |T)H:mm[:ss[.f]]] as a wall clock time in
// loc.
func parseDateTime(s string, loc *time.Location) (time.Time, error) {
	c := scanner{s: s, ok: true}
	y := c.num(4, 4)
	c.lit('-')
	mo := c.num(1, 2)
	c.lit('-')
	d := c.num(1, 2)
	var h, mi, sec, ns int
	if c.peek(" T") {
		c.i++
		h = c.num(1, 2)
		c.lit(':')
		mi = c.num(2, 2)
		if c.peek(":") {
			c.i++
			sec = c.num(2, 2)
			if c.peek(".") {
				c.i++
				ns = c.fraction()
			}
		}
	}
	if !c.ok || c.i != len(s) {
		return time.Time{}, errors.New("want yyyy-MM-dd HH:mm:ss[.fffffffff]")
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, loc)
	if mo < 1 || mo > 12 || t.Day() != d || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, errors.New("no such date or time")
	}
	return t, nil
}

// parseDayTime reads an INTERVAL DAY TO SECOND as Flink prints it,
// [+-]d HH:mm:ss[.fff].
func parseDayTime(s string) (Value, error) {
	c := scanner{s: s, ok: true}
	neg := c.sign()
	days := c.num(1, 9)
	c.lit(' ')
	h := c.num(2, 2)
	c.lit(':')
	m := c.num(2, 2)
	c.lit(':')
	sec := c.num(2, 2)
	ns := 0
	if c.peek(".") {
		c.i++
		ns = c.fraction()
	}
	if !c.ok || c.i != len(s) || h > 23 || m > 59 || sec > 59 {
		return Value{}, errors.New("want [+-]d HH:mm:ss.fff")
	}
	ms := int64(days)*86_400_000 + int64(h)*3_600_000 + int64(m)*60_000 + int64(sec)*1000 + int64(ns/1e6)
	if neg {
		ms = -ms
	}
	return IntervalDayTimeValue(ms), nil
}

// parseYearMonth reads an INTERVAL YEAR TO MONTH as Flink prints it,
// [+-]y-MM.
func parseYearMonth(s string) (Value, error) {
	c := scanner{s: s, ok: true}
	neg := c.sign()
	y := c.num(1, 8)
	c.lit('-')
	m := c.num(1, 2)
	if !c.ok || c.i != len(s) || m > 11 {
		return Value{}, errors.New("want [+-]y-MM")
	}
	months := int32(y*12 + m)
	if neg {
		months = -months
	}
	return IntervalYearMonthValue(months), nil
}

// sign reads an optional + or -, reporting -.
func (c *scanner) sign() bool {
	if c.peek("+-") {
		c.i++
		return c.s[c.i-1] == '-'
	}
	return false
}
