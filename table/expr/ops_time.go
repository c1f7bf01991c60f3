package expr

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/runnel/runnel/table/data"
)

// Time functions. A TIMESTAMP is a wall clock time and is worked on as
// one; a TIMESTAMP_LTZ is an instant, shown (and so floored, extracted
// from, formatted) in the session zone that Resolve records in the call.

// timeUnit is a unit of FLOOR, CEIL and EXTRACT.
type timeUnit uint8

const (
	uMillisecond timeUnit = iota
	uSecond
	uMinute
	uHour
	uDay
	uWeek
	uMonth
	uQuarter
	uYear
	uDow // EXTRACT only: day of week, Sunday 1 to Saturday 7
	uDoy // EXTRACT only: day of year
)

var timeUnits = map[string]timeUnit{
	"MILLISECOND": uMillisecond, "SECOND": uSecond, "MINUTE": uMinute, "HOUR": uHour, "DAY": uDay,
	"WEEK": uWeek, "MONTH": uMonth, "QUARTER": uQuarter, "YEAR": uYear, "DOW": uDow, "DOY": uDoy,
}

// unitSizes are the fixed-length units in nanoseconds.
var unitSizes = [...]int64{uMillisecond: 1e6, uSecond: 1e9, uMinute: 60e9, uHour: 3600e9, uDay: nanosPerDay}

// unitArg reads the unit literal at argument i of e.
func unitArg(e *Expr, i int, floor bool) (timeUnit, error) {
	v, err := literalArg(e, i, "the time unit")
	if err != nil {
		return 0, err
	}
	u, ok := timeUnits[strings.ToUpper(v.Str())]
	if !ok || floor && (u == uWeek || u > uYear) {
		return 0, fmt.Errorf("function %s: unknown time unit %s", e.Name, v.Str())
	}
	return u, nil
}

// typeFloorCeilTime: FLOOR(ts TO unit) and CEIL(ts TO unit), the unit a
// STRING literal as the second argument.
func typeFloorCeilTime(r *resolver, e *Expr) (data.Type, error) {
	if err := r.want(e, 0, famDatetime); err != nil {
		return data.Type{}, err
	}
	if _, err := unitArg(e, 1, true); err != nil {
		return data.Type{}, err
	}
	t := e.Args[0].Type
	_, err := r.addZone(e, t.Kind == data.TimestampLTZ)
	return t, err
}

func compileFloorCeilTime(e *Expr) (Eval, error) {
	a, err := compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	u, err := unitArg(e, 1, true)
	if err != nil {
		return nil, err
	}
	loc, err := zoneOf(e)
	if err != nil {
		return nil, err
	}
	k, floor := e.Type.Kind, e.Name == "FLOOR"
	return strict1(k, a, func(x data.Value) (data.Value, error) {
		n := x.Int64()
		switch k {
		case data.Date:
			if u <= uDay {
				return x, nil
			}
			t := roundWall(time.Unix(n*86400, 0).UTC(), u, floor)
			return data.DateValue(int32(floorDiv(t.Unix(), 86400))), nil
		case data.Timestamp:
			return data.TimestampValue(roundNanos(n, u, floor)), nil
		}
		return data.TimestampLTZValue(wallToInstant(roundNanos(instantToWall(n, loc), u, floor), loc)), nil
	}), nil
}

// roundNanos floors (or ceils) the wall clock time n to a unit.
func roundNanos(n int64, u timeUnit, floor bool) int64 {
	if u <= uDay {
		size := unitSizes[u]
		f := n - (n%size+size)%size
		if !floor && f != n {
			f += size
		}
		return f
	}
	return roundWall(time.Unix(0, n).UTC(), u, floor).UnixNano()
}

// roundWall floors (or ceils) t to the start of its month, quarter or year.
func roundWall(t time.Time, u timeUnit, floor bool) time.Time {
	y, m, _ := t.Date()
	step := int64(1)
	switch u {
	case uQuarter:
		m, step = (m-1)/3*3+1, 3
	case uYear:
		m, step = 1, 12
	}
	f := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	if !floor && !f.Equal(t) {
		f = shiftMonths(f, step)
	}
	return f
}

// shiftMonths moves t by months calendar months, keeping the day where the
// month has it and else taking the month's last.
func shiftMonths(t time.Time, months int64) time.Time {
	y, m, d := t.Date()
	total := int64(y)*12 + int64(m) - 1 + months
	ny := floorDiv(total, 12)
	nm := time.Month(total - ny*12 + 1)
	if last := time.Date(int(ny), nm+1, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		d = last
	}
	return time.Date(int(ny), nm, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// addMonths moves the wall clock time n by months calendar months.
func addMonths(n, months int64) int64 {
	return shiftMonths(time.Unix(0, n).UTC(), months).UnixNano()
}

// extractUnits are the units of YEAR(x) and its kin.
var extractUnits = map[string]timeUnit{
	"YEAR": uYear, "QUARTER": uQuarter, "MONTH": uMonth, "WEEK": uWeek, "DAYOFYEAR": uDoy,
	"DAYOFMONTH": uDay, "DAYOFWEEK": uDow, "HOUR": uHour, "MINUTE": uMinute, "SECOND": uSecond,
}

// extractShape is the unit of an EXTRACT or YEAR-like call and the
// position of its datetime argument.
func extractShape(e *Expr) (timeUnit, int, error) {
	if e.Name != "EXTRACT" {
		return extractUnits[e.Name], 0, nil
	}
	u, err := unitArg(e, 0, false)
	return u, 1, err
}

func typeExtract(r *resolver, e *Expr) (data.Type, error) {
	_, i, err := extractShape(e)
	if err != nil {
		return data.Type{}, err
	}
	if err := r.want(e, i, famDatetime); err != nil {
		return data.Type{}, err
	}
	t := e.Args[i].Type
	_, err = r.addZone(e, t.Kind == data.TimestampLTZ)
	return withNull(data.TBigInt, t.NotNull), err
}

func compileExtract(e *Expr) (Eval, error) {
	u, i, err := extractShape(e)
	if err != nil {
		return nil, err
	}
	a, err := compile(e.Args[i])
	if err != nil {
		return nil, err
	}
	wall, err := wallClock(e, e.Args[i].Type.Kind)
	if err != nil {
		return nil, err
	}
	return strict1(data.BigInt, a, func(x data.Value) (data.Value, error) {
		return data.BigIntValue(extract(wall(x), u)), nil
	}), nil
}

// wallClock returns the conversion of a datetime of kind k to its wall
// clock, in the zone e records for a TIMESTAMP_LTZ.
func wallClock(e *Expr, k data.Kind) (func(data.Value) time.Time, error) {
	loc, err := zoneOf(e)
	if err != nil {
		return nil, err
	}
	switch k {
	case data.Date:
		return func(v data.Value) time.Time { return time.Unix(v.Int64()*86400, 0).UTC() }, nil
	case data.TimestampLTZ:
		return func(v data.Value) time.Time { return time.Unix(0, v.Int64()).In(loc) }, nil
	}
	return func(v data.Value) time.Time { return time.Unix(0, v.Int64()).UTC() }, nil
}

// extract is a field of a wall clock time, as Flink's EXTRACT: MILLISECOND
// counts the seconds too (56.789 s is 56789), WEEK is the ISO week.
func extract(t time.Time, u timeUnit) int64 {
	switch u {
	case uMillisecond:
		return int64(t.Second()*1000 + t.Nanosecond()/1e6)
	case uSecond:
		return int64(t.Second())
	case uMinute:
		return int64(t.Minute())
	case uHour:
		return int64(t.Hour())
	case uDay:
		return int64(t.Day())
	case uWeek:
		_, w := t.ISOWeek()
		return int64(w)
	case uMonth:
		return int64(t.Month())
	case uQuarter:
		return int64(t.Month()+2) / 3
	case uDow:
		return int64(t.Weekday()) + 1
	case uDoy:
		return int64(t.YearDay())
	}
	return int64(t.Year())
}

// typeDateFormat: DATE_FORMAT(ts, pattern) of a TIMESTAMP, TIMESTAMP_LTZ,
// DATE, or a STRING read as a TIMESTAMP.
func typeDateFormat(r *resolver, e *Expr) (data.Type, error) {
	if e.Args[0].Type.Kind != data.String {
		if err := r.want(e, 0, famDatetime); err != nil {
			return data.Type{}, err
		}
	}
	if err := r.want(e, 1, famString); err != nil {
		return data.Type{}, err
	}
	if p := e.Args[1]; p.Op == OpLit && !p.Lit.IsNull() {
		if _, err := parseDatePattern(p.Lit.Str()); err != nil {
			return data.Type{}, err
		}
	}
	_, err := r.addZone(e, e.Args[0].Type.Kind == data.TimestampLTZ)
	return withNull(data.TString, allNotNull(e.Args[:2])), err
}

func compileDateFormat(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	k := e.Args[0].Type.Kind
	wall, err := wallClock(e, k)
	if err != nil {
		return nil, err
	}
	var fixed []dateTok
	if p := e.Args[1]; p.Op == OpLit && !p.Lit.IsNull() {
		if fixed, err = parseDatePattern(p.Lit.Str()); err != nil {
			return nil, err
		}
	}
	return strict2(data.String, args[0], args[1], func(x, y data.Value) (data.Value, error) {
		toks := fixed
		if toks == nil {
			var err error
			if toks, err = parseDatePattern(y.Str()); err != nil {
				return data.NullOf(data.String), exprError(e, err)
			}
		}
		if k == data.String {
			v, err := data.ParseText(x.Str(), data.TTimestamp(9))
			if err != nil {
				return data.NullOf(data.String), exprError(e, err)
			}
			x = v
		}
		var buf [64]byte
		return data.StringValue(string(formatDate(buf[:0], toks, wall(x)))), nil
	}), nil
}

func typeToTimestamp(r *resolver, e *Expr) (data.Type, error) {
	if err := r.wantAll(e, 0, famString); err != nil {
		return data.Type{}, err
	}
	if len(e.Args) == 2 && e.Args[1].Op == OpLit && !e.Args[1].Lit.IsNull() {
		if _, err := parseDatePattern(e.Args[1].Lit.Str()); err != nil {
			return data.Type{}, err
		}
	}
	return data.TTimestamp(3), nil // NULL when the string does not parse
}

// compileToTimestamp: TO_TIMESTAMP(s) reads s as CAST does, TO_TIMESTAMP(s,
// pattern) by the pattern; either is NULL when s does not parse, as Flink.
func compileToTimestamp(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	null := data.NullOf(data.Timestamp)
	if len(args) == 1 {
		return strict1(data.Timestamp, args[0], func(x data.Value) (data.Value, error) {
			v, err := data.ParseText(x.Str(), data.TTimestamp(3))
			if err != nil {
				return null, nil
			}
			return v, nil
		}), nil
	}
	return strict2(data.Timestamp, args[0], args[1], func(x, y data.Value) (data.Value, error) {
		toks, err := parseDatePattern(y.Str())
		if err != nil {
			return null, exprError(e, err)
		}
		t, ok := parseDate(toks, x.Str())
		if !ok || t.Year() < 1678 || t.Year() > 2261 {
			return null, nil
		}
		return data.TimestampValue(data.TruncateNanos(t.UnixNano(), 3)), nil
	}), nil
}

// typeToTimestampLTZ: TO_TIMESTAMP_LTZ(n[, 0 | 3]), n seconds (0) or
// milliseconds (3, the default) since the epoch.
func typeToTimestampLTZ(r *resolver, e *Expr) (data.Type, error) {
	if err := r.want(e, 0, famNumber); err != nil {
		return data.Type{}, err
	}
	if len(e.Args) == 2 {
		if err := r.want(e, 1, famInteger); err != nil {
			return data.Type{}, err
		}
		p, err := literalArg(e, 1, "the precision")
		if err != nil {
			return data.Type{}, err
		}
		if p.Int64() != 0 && p.Int64() != 3 {
			return data.Type{}, fmt.Errorf("function TO_TIMESTAMP_LTZ: precision %d: want 0 (seconds) or 3 (milliseconds)", p.Int64())
		}
	}
	return data.TTimestampLTZ(3), nil // NULL beyond the representable years
}

func compileToTimestampLTZ(e *Expr) (Eval, error) {
	a, err := compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	scale := 1e6 // nanoseconds per unit
	if len(e.Args) == 2 && e.Args[1].Lit.Int64() == 0 {
		scale = 1e9
	}
	null := data.NullOf(data.TimestampLTZ)
	return strict1(data.TimestampLTZ, a, func(x data.Value) (data.Value, error) {
		f := toFloat64(x) * scale
		if x.Kind() == data.Int || x.Kind() == data.BigInt {
			n := x.Int64()
			if n > math.MaxInt64/int64(scale) || n < math.MinInt64/int64(scale) {
				return null, nil
			}
			return data.TimestampLTZValue(n * int64(scale)), nil
		}
		if math.IsNaN(f) || f >= math.MaxInt64 || f <= math.MinInt64 {
			return null, nil
		}
		return data.TimestampLTZValue(data.TruncateNanos(int64(f), 3)), nil
	}), nil
}

func typeNow(r *resolver, e *Expr) (data.Type, error) {
	switch e.Name {
	case "LOCALTIMESTAMP":
		_, err := r.addZone(e, true)
		return data.TTimestamp(3).AsNotNull(), err
	case "CURRENT_DATE":
		_, err := r.addZone(e, true)
		return data.TDate.AsNotNull(), err
	case "UNIX_TIMESTAMP":
		return data.TBigInt.AsNotNull(), nil
	}
	return data.TTimestampLTZ(3).AsNotNull(), nil
}

// compileNow reads the clock at every row, as Flink's streaming mode does.
func compileNow(e *Expr) (Eval, error) {
	loc, err := zoneOf(e)
	if err != nil {
		return nil, err
	}
	name := e.Name
	return func(data.Row) (data.Value, error) {
		n := data.TruncateNanos(time.Now().UnixNano(), 3)
		switch name {
		case "LOCALTIMESTAMP":
			return data.TimestampValue(instantToWall(n, loc)), nil
		case "CURRENT_DATE":
			return data.DateValue(int32(floorDiv(instantToWall(n, loc), nanosPerDay))), nil
		case "UNIX_TIMESTAMP":
			return data.BigIntValue(floorDiv(n, 1e9)), nil
		}
		return data.TimestampLTZValue(n), nil
	}, nil
}
