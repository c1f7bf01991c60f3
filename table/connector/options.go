package connector

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// options reads a table's connector options. Every getter marks its key
// as known, so that after reading all it supports a connector can reject
// the rest (a typo must fail CREATE TABLE, not be ignored as Flink's
// "Unsupported options found" shows). The first bad value is kept and the
// later getters return defaults, so a parser reads straight through and
// checks err once.
type options struct {
	connector string
	values    map[string]string
	read      map[string]bool
	err       error
}

func newOptions(connector string, t Table) *options {
	return &options{connector: connector, values: t.Options, read: map[string]bool{}}
}

// fail keeps the first error.
func (o *options) fail(err error) {
	if o.err == nil {
		o.err = err
	}
}

// badValue is the error of a value that does not parse or is out of range.
func (o *options) badValue(key, why string) {
	o.fail(fmt.Errorf("option '%s' = '%s': %s", key, o.values[key], why))
}

// lookup returns key's value and whether it is set.
func (o *options) lookup(key string) (string, bool) {
	o.read[key] = true
	v, ok := o.values[key]
	return v, ok
}

func (o *options) has(key string) bool {
	_, ok := o.lookup(key)
	return ok
}

func (o *options) str(key, def string) string {
	if v, ok := o.lookup(key); ok {
		return v
	}
	return def
}

// required is a string option without a default.
func (o *options) required(key string) string {
	v, ok := o.lookup(key)
	if !ok {
		o.fail(fmt.Errorf("option '%s' is required for connector %s", key, o.connector))
	}
	return v
}

// oneOf is a string option that takes one of choices, compared ignoring
// case as Flink's enum options; it returns the choice as spelled there.
func (o *options) oneOf(key, def string, choices ...string) string {
	v, ok := o.lookup(key)
	if !ok {
		return def
	}
	for _, c := range choices {
		if strings.EqualFold(v, c) {
			return c
		}
	}
	o.badValue(key, "want one of "+strings.Join(choices, ", "))
	return def
}

func (o *options) boolean(key string, def bool) bool {
	v, ok := o.lookup(key)
	if !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "true":
		return true
	case "false":
		return false
	}
	o.badValue(key, "want true or false")
	return def
}

// integer is an integer option in [lo, hi].
func (o *options) integer(key string, def, lo, hi int64) int64 {
	v, ok := o.lookup(key)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange), err == nil && (n < lo || n > hi):
		o.badValue(key, fmt.Sprintf("out of range [%d, %d]", lo, hi))
	case err != nil:
		if _, ferr := strconv.ParseFloat(strings.TrimSpace(v), 64); ferr == nil {
			o.badValue(key, "not an integer")
		} else {
			o.badValue(key, "not a number")
		}
	default:
		return n
	}
	return def
}

// number is a finite number option in [lo, hi].
func (o *options) number(key string, def, lo, hi float64) float64 {
	v, ok := o.lookup(key)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange), math.IsNaN(f):
		o.badValue(key, "not a number")
	case f < lo || f > hi || math.IsInf(f, 0):
		o.badValue(key, fmt.Sprintf("out of range [%g, %g]", lo, hi))
	default:
		return f
	}
	return def
}

// duration is a duration option in Flink's form: an integer and a unit
// (d, h, min or m, s, ms, us, ns, or their long names, plural or not),
// milliseconds when the unit is left out.
func (o *options) duration(key string, def time.Duration) time.Duration {
	v, ok := o.lookup(key)
	if !ok {
		return def
	}
	d, err := parseDuration(v)
	if err != nil {
		o.badValue(key, err.Error())
		return def
	}
	return d
}

var durationUnits = map[string]time.Duration{
	"": time.Millisecond, "d": 24 * time.Hour, "day": 24 * time.Hour,
	"h": time.Hour, "hour": time.Hour,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute,
	"s": time.Second, "sec": time.Second, "second": time.Second,
	"ms": time.Millisecond, "milli": time.Millisecond, "millisecond": time.Millisecond,
	"us": time.Microsecond, "µs": time.Microsecond, "micro": time.Microsecond, "microsecond": time.Microsecond,
	"ns": time.Nanosecond, "nano": time.Nanosecond, "nanosecond": time.Nanosecond,
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) })
	if end < 0 {
		end = len(s)
	}
	n, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a duration (want a number and a unit, as '10 s' or '5 min')")
	}
	name := strings.ToLower(strings.TrimSpace(s[end:]))
	unit, ok := durationUnits[name]
	if !ok && len(name) > 1 {
		unit, ok = durationUnits[strings.TrimSuffix(name, "s")]
	}
	if !ok {
		return 0, fmt.Errorf("unknown time unit %q", s[end:])
	}
	if n > math.MaxInt64/int64(unit) {
		return 0, fmt.Errorf("too long")
	}
	return time.Duration(n) * unit, nil
}

// char is a one-character option, an ASCII character other than a line
// end; a backslash escape such as '\t' counts as one, as in Flink.
func (o *options) char(key string, def byte) byte {
	v, ok := o.lookup(key)
	if !ok {
		return def
	}
	if u, err := strconv.Unquote(`"` + v + `"`); err == nil && strings.HasPrefix(v, `\`) {
		v = u
	}
	if len(v) != 1 || v[0] >= 0x80 || v[0] == '\n' || v[0] == '\r' {
		o.badValue(key, "want a single ASCII character other than a line end")
		return def
	}
	return v[0]
}

// check returns the first bad value, or else rejects the options nothing
// read. known names the supported keys for the message, patterns
// included (fields.#.kind).
func (o *options) check(known ...string) error {
	if o.err != nil {
		return o.err
	}
	for _, k := range slices.Sorted(maps.Keys(o.values)) {
		switch {
		case o.read[k]:
		case len(known) == 0:
			return fmt.Errorf("unknown option '%s': connector %s takes no options", k, o.connector)
		default:
			return fmt.Errorf("unknown option '%s' for connector %s (known: %s)", k, o.connector, strings.Join(known, ", "))
		}
	}
	return nil
}
