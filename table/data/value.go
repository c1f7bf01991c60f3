package data

import (
	"bytes"
	"cmp"
	"math"
	"math/big"
	"strings"
	"time"
)

// Value is one field of a row. It is a small struct rather than an `any`
// so that numbers and times move through the per-row path without boxing;
// it carries its kind so that rows are self-describing on the wire.
//
// Representation by kind:
//   - BOOLEAN: n is 0 or 1
//   - INT, BIGINT: n
//   - DOUBLE: n holds math.Float64bits
//   - DECIMAL: n is the unscaled value and scale the scale; a value whose
//     unscaled part does not fit in int64 keeps it in s as big.Int bytes
//     (tagWide, with tagNeg for the sign)
//   - STRING, BYTES: s
//   - TIMESTAMP: n is nanoseconds since 1970-01-01 00:00 of the wall clock
//     (no zone); TIMESTAMP_LTZ: nanoseconds since the Unix epoch. The range
//     is therefore the years 1677 to 2262.
//   - DATE: n is days since 1970-01-01
//   - INTERVAL DAY TO SECOND: n is milliseconds; YEAR TO MONTH: months
type Value struct {
	n     int64
	s     string
	tag   byte // the kind and the flags below, as in a row's slot
	scale uint8
}

// A value's tag: its kind in the low bits, and flags. It is the tag of
// the value's encodings too. Five machine words (n, s, tag, scale) let a
// Value and an error come back from a compiled expression in registers.
const (
	tagKind = 0x0f
	tagNull = 0x80
	tagWide = 0x40 // a DECIMAL whose unscaled value is in s
	tagNeg  = 0x20 // ... and negative
)

// NullOf is the NULL of kind k.
func NullOf(k Kind) Value { return Value{tag: byte(k) | tagNull} }

// BoolValue is a BOOLEAN.
func BoolValue(b bool) Value {
	if b {
		return Value{tag: byte(Boolean), n: 1}
	}
	return Value{tag: byte(Boolean)}
}

// IntValue is an INT.
func IntValue(i int32) Value { return Value{tag: byte(Int), n: int64(i)} }

// BigIntValue is a BIGINT.
func BigIntValue(i int64) Value { return Value{tag: byte(BigInt), n: i} }

// DoubleValue is a DOUBLE.
func DoubleValue(f float64) Value { return Value{tag: byte(Double), n: int64(math.Float64bits(f))} }

// StringValue is a STRING.
func StringValue(s string) Value { return Value{tag: byte(String), s: s} }

// BytesValue is a BYTES; b is not copied.
func BytesValue(b []byte) Value { return Value{tag: byte(Bytes), s: string(b)} }

// DecimalValue is a DECIMAL with the given unscaled value and scale.
func DecimalValue(unscaled int64, scale int) Value {
	return Value{tag: byte(Decimal), n: unscaled, scale: uint8(scale)}
}

// BigDecimalValue is a DECIMAL whose unscaled value may exceed int64.
func BigDecimalValue(unscaled *big.Int, scale int) Value {
	if unscaled.IsInt64() {
		return DecimalValue(unscaled.Int64(), scale)
	}
	tag := byte(Decimal) | tagWide
	if unscaled.Sign() < 0 {
		tag |= tagNeg
	}
	return Value{tag: tag, s: string(unscaled.Bytes()), scale: uint8(scale)}
}

// TimestampValue is a TIMESTAMP of nanoseconds since 1970-01-01 00:00 of
// the wall clock.
func TimestampValue(nanos int64) Value { return Value{tag: byte(Timestamp), n: nanos} }

// TimestampLTZValue is a TIMESTAMP_LTZ of nanoseconds since the epoch.
func TimestampLTZValue(nanos int64) Value { return Value{tag: byte(TimestampLTZ), n: nanos} }

// TimestampOf is the TIMESTAMP of t's wall clock (its zone dropped).
func TimestampOf(t time.Time) Value {
	_, off := t.Zone()
	return TimestampValue(t.UnixNano() + int64(off)*int64(time.Second))
}

// DateValue is a DATE of days since 1970-01-01.
func DateValue(days int32) Value { return Value{tag: byte(Date), n: int64(days)} }

// IntervalDayTimeValue is an INTERVAL DAY TO SECOND of milliseconds.
func IntervalDayTimeValue(millis int64) Value { return Value{tag: byte(IntervalDayTime), n: millis} }

// IntervalYearMonthValue is an INTERVAL YEAR TO MONTH of months.
func IntervalYearMonthValue(months int32) Value {
	return Value{tag: byte(IntervalYearMonth), n: int64(months)}
}

// Kind is v's kind.
func (v Value) Kind() Kind { return Kind(v.tag & tagKind) }

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return v.tag&tagNull != 0 }

// Bool is a BOOLEAN's value.
func (v Value) Bool() bool { return v.n != 0 }

// Int64 is the value of an INT, BIGINT, DATE or interval, a TIMESTAMP's
// nanoseconds, or a small DECIMAL's unscaled value.
func (v Value) Int64() int64 { return v.n }

// Float64 is a DOUBLE's value.
func (v Value) Float64() float64 { return math.Float64frombits(uint64(v.n)) }

// Str is a STRING's or BYTES' content.
func (v Value) Str() string { return v.s }

// Scale is a DECIMAL's scale.
func (v Value) Scale() int { return int(v.scale) }

// IsWide reports whether a DECIMAL's unscaled value exceeds int64.
func (v Value) IsWide() bool { return v.tag&tagWide != 0 }

// Unscaled is a DECIMAL's unscaled value as a big.Int.
func (v Value) Unscaled() *big.Int {
	if !v.IsWide() {
		return big.NewInt(v.n)
	}
	u := new(big.Int).SetBytes([]byte(v.s))
	if v.tag&tagNeg != 0 {
		u.Neg(u)
	}
	return u
}

// Millis is a TIMESTAMP's or TIMESTAMP_LTZ's milliseconds, rounded down:
// the event time of a row.
func (v Value) Millis() int64 {
	m := v.n / 1e6
	if v.n%1e6 < 0 {
		m--
	}
	return m
}

// Time is a TIMESTAMP's wall clock as a UTC time, or a TIMESTAMP_LTZ's
// instant.
func (v Value) Time() time.Time { return time.Unix(0, v.n).UTC() }

// Equal reports whether v and w are the same value of the same kind; two
// NULLs are equal (this is identity, as for grouping keys, not SQL's =).
func (v Value) Equal(w Value) bool {
	if v.IsNull() || w.IsNull() {
		return v.tag&(tagNull|tagKind) == w.tag&(tagNull|tagKind)
	}
	return v.Kind() == w.Kind() && Compare(v, w) == 0
}

// Compare orders two non-NULL values of the same kind (DECIMALs of any
// scale); NULL sorts first, as Flink's default NULLS FIRST for ascending.
func Compare(v, w Value) int {
	switch {
	case v.IsNull() && w.IsNull():
		return 0
	case v.IsNull():
		return -1
	case w.IsNull():
		return 1
	}
	switch v.Kind() {
	case Double:
		return cmp.Compare(v.Float64(), w.Float64())
	case String:
		return strings.Compare(v.s, w.s)
	case Bytes:
		return bytes.Compare([]byte(v.s), []byte(w.s))
	case Decimal:
		if !v.IsWide() && !w.IsWide() && v.scale == w.scale {
			return cmp.Compare(v.n, w.n)
		}
		return compareDecimal(v, w)
	default:
		return cmp.Compare(v.n, w.n)
	}
}

// compareDecimal compares DECIMALs of different scales or wide ones.
func compareDecimal(v, w Value) int {
	a, b := v.Unscaled(), w.Unscaled()
	switch d := int(v.scale) - int(w.scale); {
	case d > 0:
		b.Mul(b, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil))
	case d < 0:
		a.Mul(a, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-d)), nil))
	}
	return a.Cmp(b)
}
