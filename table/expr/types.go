package expr

import (
	"fmt"

	"github.com/runnel/runnel/table/data"
)

// Flink's implicit typing rules (LogicalTypeMerging, LogicalTypeCasts) for
// the kinds runnel supports: which types meet at a common type, and where a
// comparison casts one side.

// typeName is t as messages show it: no NOT NULL, no time attribute mark.
func typeName(t data.Type) string { return t.Plain().Nullable().String() }

// isDatetime reports whether t is DATE, TIMESTAMP or TIMESTAMP_LTZ.
func isDatetime(t data.Type) bool { return t.Kind == data.Date || t.IsTimestamp() }

// datetimeRank orders the datetime kinds by how they widen.
func datetimeRank(k data.Kind) int {
	switch k {
	case data.Date:
		return 0
	case data.Timestamp:
		return 1
	}
	return 2
}

// merge2 is the common type of two non-NULL types, ignoring nullability,
// or false when they have none: numbers widen INT < BIGINT < DECIMAL <
// DOUBLE, datetimes DATE < TIMESTAMP < TIMESTAMP_LTZ, strings to the longer.
func merge2(a, b data.Type) (data.Type, bool) {
	a, b = a.Plain().Nullable(), b.Plain().Nullable()
	if a.Kind == b.Kind {
		switch a.Kind {
		case data.Decimal:
			return mergeDecimal(a, b), true
		case data.String, data.Bytes, data.Timestamp, data.TimestampLTZ, data.IntervalDayTime:
			a.Prec = max(a.Prec, b.Prec)
		}
		return a, true
	}
	switch {
	case a.IsNumeric() && b.IsNumeric():
		switch {
		case a.Kind == data.Double || b.Kind == data.Double:
			return data.TDouble, true
		case a.Kind == data.Decimal || b.Kind == data.Decimal:
			return mergeDecimal(data.DecimalTypeOf(a), data.DecimalTypeOf(b)), true
		}
		return data.TBigInt, true
	case isDatetime(a) && isDatetime(b):
		if datetimeRank(a.Kind) < datetimeRank(b.Kind) {
			a, b = b, a
		}
		if b.Kind != data.Date {
			a.Prec = max(a.Prec, b.Prec)
		}
		return a, true
	}
	return data.Type{}, false
}

// mergeDecimal is the DECIMAL that holds both a's and b's values: their
// larger integer part and larger scale, capped at precision 38.
func mergeDecimal(a, b data.Type) data.Type {
	s := max(a.Scale, b.Scale)
	p := min(data.MaxDecimalPrecision, max(a.Prec-a.Scale, b.Prec-b.Scale)+s)
	return data.TDecimal(p, min(s, p))
}

// CommonType is the type all of ts meet at (CASE branches, COALESCE, IN
// lists, the columns of a UNION ALL), NOT NULL only if all are; NULL
// literals adopt it. All NULL is the NULL type.
func CommonType(ts []data.Type) (data.Type, bool) {
	out, have, notNull := data.TNull, false, true
	for _, t := range ts {
		notNull = notNull && t.NotNull
		switch {
		case t.Kind == data.Null:
		case !have:
			out, have = t.Plain().Nullable(), true
		default:
			m, ok := merge2(out, t)
			if !ok {
				return data.Type{}, false
			}
			out = m
		}
	}
	out.NotNull = notNull && have
	return out, true
}

// compareType is the type both operands of a comparison are brought to:
// their common type, or the datetime type when a STRING meets a datetime
// (the string is cast, as Flink does for ts > '2024-01-01 10:00:00').
func compareType(a, b data.Type) (data.Type, error) {
	switch {
	case a.Kind == data.Null:
		return b.Plain().Nullable(), nil
	case b.Kind == data.Null:
		return a.Plain().Nullable(), nil
	case a.Kind == data.String && isDatetime(b):
		return b.Plain().Nullable(), nil
	case b.Kind == data.String && isDatetime(a):
		return a.Plain().Nullable(), nil
	}
	if t, ok := merge2(a, b); ok {
		return t, nil
	}
	return data.Type{}, fmt.Errorf("cannot compare %s with %s", typeName(a), typeName(b))
}

// needsCast reports whether a value of type from must be converted to be
// a value of type to: its kind differs, or it is a DECIMAL of another
// precision or scale. Other parameters (VARCHAR length, TIMESTAMP
// precision when widening) do not change the representation.
func needsCast(from, to data.Type) bool {
	if from.Kind != to.Kind {
		return true
	}
	switch from.Kind {
	case data.Decimal:
		return from.Prec != to.Prec || from.Scale != to.Scale
	case data.Timestamp, data.TimestampLTZ:
		return from.Prec > to.Prec
	}
	return false
}

// allNotNull reports whether every arg is NOT NULL: a strict function's
// result is then NOT NULL.
func allNotNull(args []*Expr) bool {
	for _, a := range args {
		if !a.Type.NotNull {
			return false
		}
	}
	return true
}

// withNull is t, NOT NULL iff notNull.
func withNull(t data.Type, notNull bool) data.Type {
	t.NotNull = notNull
	return t
}
