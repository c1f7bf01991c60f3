package data

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// RowKind is a row's change kind, Flink's RowKind: a dynamic table's
// changelog is a stream of inserts, updates (a retraction of the old row,
// then the new row) and deletes.
type RowKind uint8

const (
	Insert       RowKind = iota // +I
	UpdateBefore                // -U
	UpdateAfter                 // +U
	Delete                      // -D
)

var rowKindShort = [...]string{"+I", "-U", "+U", "-D"}

// String is the kind's short form, as Flink prints it.
func (k RowKind) String() string {
	if int(k) < len(rowKindShort) {
		return rowKindShort[k]
	}
	return fmt.Sprintf("RowKind(%d)", k)
}

// IsRetraction reports whether the row takes back an earlier one.
func (k RowKind) IsRetraction() bool { return k == UpdateBefore || k == Delete }

// ParseRowKind reads a kind's short form.
func ParseRowKind(s string) (RowKind, error) {
	for i, n := range rowKindShort {
		if n == s {
			return RowKind(i), nil
		}
	}
	return 0, fmt.Errorf("row kind %q: want +I, -U, +U or -D", s)
}

// Row is one positional, typed row of a dynamic table and its change kind.
// The schema that names and types the fields is known at plan time and is
// not carried.
type Row struct {
	Kind   RowKind
	Fields []Value
}

// NewRow is an insert row of the given fields.
func NewRow(fields ...Value) Row { return Row{Fields: fields} }

// String prints the row as Flink's Row.toString: +I[1, a, NULL].
func (r Row) String() string {
	var b strings.Builder
	b.WriteString(r.Kind.String())
	b.WriteByte('[')
	for i, f := range r.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.debugString())
	}
	b.WriteByte(']')
	return b.String()
}

// debugString prints a value without its type's precision, for messages.
func (v Value) debugString() string {
	if v.null {
		return "NULL"
	}
	switch v.kind {
	case Boolean:
		if v.Bool() {
			return "TRUE"
		}
		return "FALSE"
	case Double:
		return fmt.Sprint(v.Float64())
	case String:
		return v.s
	case Bytes:
		return fmt.Sprintf("%x", v.s)
	case Decimal:
		return fmt.Sprintf("%se-%d", v.Unscaled(), v.scale)
	case Timestamp, TimestampLTZ:
		return v.Time().Format("2006-01-02 15:04:05.999999999")
	default:
		return fmt.Sprint(v.n)
	}
}

// Encoding of a value: a tag byte (the kind, 0x80 when NULL), then the
// payload: a varint for the integer-like kinds, 8 bytes for DOUBLE, a length
// and the bytes for STRING and BYTES, and for DECIMAL the scale byte then
// either a varint or (tag 0x40) a sign byte, length and big-endian bytes.
const (
	tagNull = 0x80
	tagWide = 0x40
)

// AppendValue appends v's encoding to buf.
func AppendValue(buf []byte, v Value) []byte {
	if v.null {
		return append(buf, byte(v.kind)|tagNull)
	}
	switch v.kind {
	case Double:
		buf = append(buf, byte(v.kind))
		return binary.LittleEndian.AppendUint64(buf, uint64(v.n))
	case String, Bytes:
		buf = append(buf, byte(v.kind))
		buf = binary.AppendUvarint(buf, uint64(len(v.s)))
		return append(buf, v.s...)
	case Decimal:
		if v.wide {
			buf = append(buf, byte(v.kind)|tagWide, v.scale)
			if v.neg {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
			}
			buf = binary.AppendUvarint(buf, uint64(len(v.s)))
			return append(buf, v.s...)
		}
		buf = append(buf, byte(v.kind), v.scale)
		return binary.AppendVarint(buf, v.n)
	default:
		buf = append(buf, byte(v.kind))
		return binary.AppendVarint(buf, v.n)
	}
}

var errShort = errors.New("truncated value")

// ReadValue decodes one value from the front of data and returns the rest.
// The strings it returns are copies, so data may be reused.
func ReadValue(data []byte) (Value, []byte, error) {
	if len(data) == 0 {
		return Value{}, nil, errShort
	}
	tag := data[0]
	data = data[1:]
	k := Kind(tag &^ (tagNull | tagWide))
	if k > IntervalYearMonth {
		return Value{}, nil, fmt.Errorf("unknown value kind %d", k)
	}
	if tag&tagNull != 0 {
		return NullOf(k), data, nil
	}
	v := Value{kind: k}
	switch k {
	case Null:
		// The zero Value: what a plan's non-literal expression nodes carry.
		if len(data) < 1 || data[0] != 0 {
			return Value{}, nil, fmt.Errorf("non-NULL value of kind NULL")
		}
		return Value{}, data[1:], nil
	case Double:
		if len(data) < 8 {
			return Value{}, nil, errShort
		}
		v.n = int64(binary.LittleEndian.Uint64(data))
		return v, data[8:], nil
	case String, Bytes:
		s, rest, err := readBytes(data)
		v.s = s
		return v, rest, err
	case Decimal:
		if len(data) < 1 {
			return Value{}, nil, errShort
		}
		v.scale = data[0]
		data = data[1:]
		if tag&tagWide != 0 {
			if len(data) < 1 {
				return Value{}, nil, errShort
			}
			v.wide, v.neg = true, data[0] == 1
			s, rest, err := readBytes(data[1:])
			v.s = s
			return v, rest, err
		}
	}
	n, w := binary.Varint(data)
	if w <= 0 {
		return Value{}, nil, errShort
	}
	v.n = n
	return v, data[w:], nil
}

func readBytes(data []byte) (string, []byte, error) {
	l, w := binary.Uvarint(data)
	if w <= 0 || l > uint64(len(data)-w) {
		return "", nil, errShort
	}
	end := w + int(l)
	return string(data[w:end]), data[end:], nil
}

// AppendBinary encodes the row: its kind, the field count, the fields. It
// makes Row a self-coding record type for the network and state.
func (r *Row) AppendBinary(buf []byte) ([]byte, error) {
	buf = append(buf, byte(r.Kind))
	buf = binary.AppendUvarint(buf, uint64(len(r.Fields)))
	for _, f := range r.Fields {
		buf = AppendValue(buf, f)
	}
	return buf, nil
}

// UnmarshalBinary decodes a row AppendBinary encoded. It reads the
// integer-like values and the strings itself, and the rarer kinds with
// ReadValue. The row's STRING and BYTES values share one copy of the
// encoding from the first of them to the row's end, so that a decoded
// row costs two allocations however many strings it has; a string kept
// past the row (an accumulator's MIN) keeps at most that copy alive.
func (r *Row) UnmarshalBinary(data []byte) error {
	if len(data) < 1 || data[0] > byte(Delete) {
		return fmt.Errorf("decode row: bad row kind")
	}
	r.Kind = RowKind(data[0])
	n, w := binary.Uvarint(data[1:])
	if w <= 0 || n > uint64(len(data)) || n > math.MaxInt32 {
		return fmt.Errorf("decode row: bad field count")
	}
	p := 1 + w
	fields := make([]Value, n)
	// copied is data[copiedAt:], copied at the row's first string.
	var copied string
	copiedAt := -1
	for i := range fields {
		if p >= len(data) {
			return fmt.Errorf("decode row field %d: %w", i, errShort)
		}
		tag := data[p]
		k := Kind(tag)
		switch {
		case k == String || k == Bytes:
			l, lw := binary.Uvarint(data[p+1:])
			if lw <= 0 || l > uint64(len(data)-p-1-lw) {
				return fmt.Errorf("decode row field %d: %w", i, errShort)
			}
			start := p + 1 + lw
			p = start + int(l)
			if l == 0 {
				fields[i] = Value{kind: k}
				continue
			}
			if copiedAt < 0 {
				copied, copiedAt = string(data[start:]), start
			}
			fields[i] = Value{kind: k, s: copied[start-copiedAt : p-copiedAt]}
		case k != Null && k != Double && k != Decimal && k <= IntervalYearMonth:
			// A non-NULL value of an integer-like kind: a varint.
			v, vw := binary.Varint(data[p+1:])
			if vw <= 0 {
				return fmt.Errorf("decode row field %d: %w", i, errShort)
			}
			fields[i] = Value{kind: k, n: v}
			p += 1 + vw
		default:
			v, rest, err := ReadValue(data[p:])
			if err != nil {
				return fmt.Errorf("decode row field %d: %w", i, err)
			}
			fields[i], p = v, len(data)-len(rest)
		}
	}
	if p != len(data) {
		return fmt.Errorf("decode row: %d trailing bytes", len(data)-p)
	}
	r.Fields = fields
	return nil
}

// AppendKey appends the encoding of the fields at idx: equal keys encode
// equally, so the bytes serve as a grouping or partitioning key.
func (r Row) AppendKey(buf []byte, idx []int) []byte {
	for _, i := range idx {
		buf = AppendValue(buf, r.Fields[i])
	}
	return buf
}

// MarshalBinary encodes v alone, so that literals inside a plan encode
// through msgpack.
func (v Value) MarshalBinary() ([]byte, error) { return AppendValue(nil, v), nil }

// UnmarshalBinary decodes a value MarshalBinary encoded.
func (v *Value) UnmarshalBinary(data []byte) error {
	w, rest, err := ReadValue(data)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("decode value: %d trailing bytes", len(rest))
	}
	*v = w
	return nil
}
