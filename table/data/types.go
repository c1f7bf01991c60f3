package data

import (
	"fmt"
	"strings"
)

// Kind is a logical type's root, Flink's LogicalTypeRoot for the types
// runnel supports.
type Kind uint8

// The kinds. Null is the type of an untyped NULL literal only; it never
// reaches a schema.
const (
	Null Kind = iota
	Boolean
	Int
	BigInt
	Double
	Decimal
	String
	Bytes
	Timestamp
	TimestampLTZ
	Date
	IntervalDayTime
	IntervalYearMonth
)

var kindNames = [...]string{
	Null:              "NULL",
	Boolean:           "BOOLEAN",
	Int:               "INT",
	BigInt:            "BIGINT",
	Double:            "DOUBLE",
	Decimal:           "DECIMAL",
	String:            "STRING",
	Bytes:             "BYTES",
	Timestamp:         "TIMESTAMP",
	TimestampLTZ:      "TIMESTAMP_LTZ",
	Date:              "DATE",
	IntervalDayTime:   "INTERVAL SECOND",
	IntervalYearMonth: "INTERVAL MONTH",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// TimeAttr marks a column as a time attribute: Flink keeps this mark through
// projections so that windows can be defined on the column downstream.
type TimeAttr uint8

const (
	NoTimeAttr TimeAttr = iota
	Rowtime             // event time: the column a WATERMARK is declared for
	Proctime            // processing time: a PROCTIME() computed column
)

// Limits of the parameterised types, as Flink's.
const (
	MaxDecimalPrecision = 38
	MaxTimestampPrec    = 9
	MaxStringLength     = 1<<31 - 1
)

// Type is a logical type. The zero value of NotNull is nullable, Flink's
// default for a declared column.
type Type struct {
	Kind    Kind     `msgpack:"k"`
	NotNull bool     `msgpack:"nn,omitempty"`
	Prec    int      `msgpack:"p,omitempty"` // DECIMAL precision, TIMESTAMP precision, VARCHAR length
	Scale   int      `msgpack:"s,omitempty"` // DECIMAL scale
	Time    TimeAttr `msgpack:"t,omitempty"`
}

// Constructors of the common types, nullable.
var (
	TBoolean = Type{Kind: Boolean}
	TInt     = Type{Kind: Int}
	TBigInt  = Type{Kind: BigInt}
	TDouble  = Type{Kind: Double}
	TString  = Type{Kind: String, Prec: MaxStringLength}
	TBytes   = Type{Kind: Bytes, Prec: MaxStringLength}
	TDate    = Type{Kind: Date}
	TNull    = Type{Kind: Null}
	// TIntervalDayTime and TIntervalYearMonth are INTERVAL SECOND(3) and
	// INTERVAL MONTH, which any day-time or year-month interval literal is.
	TIntervalDayTime   = Type{Kind: IntervalDayTime, Prec: 3}
	TIntervalYearMonth = Type{Kind: IntervalYearMonth}
)

// TDecimal is DECIMAL(p, s).
func TDecimal(p, s int) Type { return Type{Kind: Decimal, Prec: p, Scale: s} }

// TTimestamp is TIMESTAMP(p), a date and time without a time zone.
func TTimestamp(p int) Type { return Type{Kind: Timestamp, Prec: p} }

// TTimestampLTZ is TIMESTAMP_LTZ(p), an instant shown in the session's
// time zone.
func TTimestampLTZ(p int) Type { return Type{Kind: TimestampLTZ, Prec: p} }

// TVarchar is VARCHAR(n); STRING is VARCHAR(2147483647).
func TVarchar(n int) Type { return Type{Kind: String, Prec: n} }

// Nullable returns t without NOT NULL.
func (t Type) Nullable() Type { t.NotNull = false; return t }

// AsNotNull returns t with NOT NULL.
func (t Type) AsNotNull() Type { t.NotNull = true; return t }

// Plain returns t without its time attribute mark: what an expression over
// a time attribute yields.
func (t Type) Plain() Type { t.Time = NoTimeAttr; return t }

// IsNumeric reports whether t is INT, BIGINT, DOUBLE or DECIMAL.
func (t Type) IsNumeric() bool {
	switch t.Kind {
	case Int, BigInt, Double, Decimal:
		return true
	}
	return false
}

// IsTimestamp reports whether t is TIMESTAMP or TIMESTAMP_LTZ.
func (t Type) IsTimestamp() bool { return t.Kind == Timestamp || t.Kind == TimestampLTZ }

// IsInterval reports whether t is one of the interval types.
func (t Type) IsInterval() bool { return t.Kind == IntervalDayTime || t.Kind == IntervalYearMonth }

// Equal reports whether t and u are the same type, ignoring the time
// attribute mark.
func (t Type) Equal(u Type) bool { return t.Plain() == u.Plain() }

// String prints t as Flink does in DESCRIBE and EXPLAIN: BIGINT NOT NULL,
// DECIMAL(10, 2), TIMESTAMP(3) *ROWTIME*.
func (t Type) String() string {
	var b strings.Builder
	switch t.Kind {
	case Decimal:
		fmt.Fprintf(&b, "DECIMAL(%d, %d)", t.Prec, t.Scale)
	case String:
		if t.Prec == MaxStringLength || t.Prec == 0 {
			b.WriteString("STRING")
		} else {
			fmt.Fprintf(&b, "VARCHAR(%d)", t.Prec)
		}
	case Bytes:
		if t.Prec == MaxStringLength || t.Prec == 0 {
			b.WriteString("BYTES")
		} else {
			fmt.Fprintf(&b, "VARBINARY(%d)", t.Prec)
		}
	case Timestamp:
		fmt.Fprintf(&b, "TIMESTAMP(%d)", t.Prec)
	case TimestampLTZ:
		fmt.Fprintf(&b, "TIMESTAMP_LTZ(%d)", t.Prec)
	case IntervalDayTime:
		fmt.Fprintf(&b, "INTERVAL SECOND(%d)", t.Prec)
	default:
		b.WriteString(t.Kind.String())
	}
	if t.NotNull {
		b.WriteString(" NOT NULL")
	}
	switch t.Time {
	case Rowtime:
		b.WriteString(" *ROWTIME*")
	case Proctime:
		b.WriteString(" *PROCTIME*")
	}
	return b.String()
}

// Check reports a parameter out of range, so a bad DDL fails at CREATE.
func (t Type) Check() error {
	switch t.Kind {
	case Decimal:
		if t.Prec < 1 || t.Prec > MaxDecimalPrecision {
			return fmt.Errorf("DECIMAL precision %d: want 1 to %d", t.Prec, MaxDecimalPrecision)
		}
		if t.Scale < 0 || t.Scale > t.Prec {
			return fmt.Errorf("DECIMAL scale %d: want 0 to the precision %d", t.Scale, t.Prec)
		}
	case Timestamp, TimestampLTZ:
		if t.Prec < 0 || t.Prec > MaxTimestampPrec {
			return fmt.Errorf("%s precision %d: want 0 to %d", t.Kind, t.Prec, MaxTimestampPrec)
		}
	case String, Bytes:
		if t.Prec < 1 {
			return fmt.Errorf("%s length %d: want at least 1", t.Kind, t.Prec)
		}
	}
	return nil
}
