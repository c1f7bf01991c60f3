package data

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unsafe"
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
//
// The fields live in one pointer-free byte slice, as in Flink's
// BinaryRowData: a slot of slotSize bytes per field (the Value's 8-byte
// payload, a tag with its kind and flags, a DECIMAL's scale), then the
// bytes of the variable-length values, which a slot locates by an offset
// from the slot itself and a length. Being pointer-free, a row is one
// allocation that the garbage collector never scans, where a slice of
// Values was a scanned allocation with a pointer per field; that was most
// of a SQL job's cost. A STRING read from a row points into the row's
// bytes, so reading one copies nothing, and a row is therefore immutable
// once built: MakeRow and decoding are the only writers.
type Row struct {
	Kind  RowKind
	width uint32
	b     []byte
}

// The slot of a field: the little-endian payload (Value.n, or for a
// variable-length value its offset from the slot start in the low 32 bits
// and its length in the high 32), then the Value's tag, then its scale.
const (
	slotSize  = 10
	slotTag   = 8
	slotScale = 9
)

// MakeRow is a row of the given kind and fields, which it copies: a
// caller may reuse fields for the next row. It allocates the row's bytes
// alone; an operator emitting many rows uses an Allocator.
func MakeRow(kind RowKind, fields []Value) Row {
	return (*Allocator)(nil).MakeRow(kind, fields)
}

// NewRow is an insert row of the given fields.
func NewRow(fields ...Value) Row { return MakeRow(Insert, fields) }

// isVar reports whether v keeps bytes outside its slot.
func (v *Value) isVar() bool { return isVarTag(v.tag) }

// Width is the number of fields.
func (r Row) Width() int { return int(r.width) }

// slot is field i's slot; it panics, as a slice index does, when i is out
// of range.
func (r Row) slot(i int) []byte {
	if uint(i) >= uint(r.width) {
		fieldOutOfRange(i, r.width)
	}
	return r.b[i*slotSize:][:slotSize]
}

//go:noinline
func fieldOutOfRange(i int, width uint32) {
	panic(fmt.Sprintf("data.Row: field %d of a row of %d", i, width))
}

// Field is field i.
func (r Row) Field(i int) Value {
	slot := r.slot(i)
	v := Value{n: int64(binary.LittleEndian.Uint64(slot)), tag: slot[slotTag], scale: slot[slotScale]}
	if v.isVar() {
		at := i*slotSize + int(uint32(v.n))
		s := r.b[at : at+int(v.n>>32)]
		v.n = 0
		if len(s) > 0 {
			v.s = unsafe.String(unsafe.SliceData(s), len(s))
		}
	}
	return v
}

// IsNullAt reports whether field i is NULL.
func (r Row) IsNullAt(i int) bool { return r.slot(i)[slotTag]&tagNull != 0 }

// Int64At is field i's Value.Int64 and whether it is NULL, read without
// building a Value: the integer path of expressions and keys. Field i is
// of an integer-like kind (not STRING, BYTES or DECIMAL).
func (r Row) Int64At(i int) (n int64, null bool) {
	slot := r.slot(i)
	return int64(binary.LittleEndian.Uint64(slot)), slot[slotTag]&tagNull != 0
}

// Values is a copy of the fields.
func (r Row) Values() []Value { return r.AppendValues(make([]Value, 0, r.width)) }

// AppendValues appends the fields to dst.
func (r Row) AppendValues(dst []Value) []Value {
	for i := range int(r.width) {
		dst = append(dst, r.Field(i))
	}
	return dst
}

// Slice is the row of fields [from, to), sharing r's bytes: a projection
// of a run of columns costs nothing. The slot offsets are relative, so
// they hold in the shorter row.
func (r Row) Slice(from, to int) Row {
	if from < 0 || from > to || to > int(r.width) {
		panic(fmt.Sprintf("data.Row: fields [%d, %d) of a row of %d", from, to, r.width))
	}
	return Row{Kind: r.Kind, width: uint32(to - from), b: r.b[from*slotSize:]}
}

// Equal reports whether r and o have the same kind and equal fields.
func (r Row) Equal(o Row) bool {
	if r.Kind != o.Kind || r.width != o.width {
		return false
	}
	for i := range int(r.width) {
		if !r.Field(i).Equal(o.Field(i)) {
			return false
		}
	}
	return true
}

// String prints the row as Flink's Row.toString: +I[1, a, NULL].
func (r Row) String() string {
	var b strings.Builder
	b.WriteString(r.Kind.String())
	b.WriteByte('[')
	for i := range int(r.width) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.Field(i).debugString())
	}
	b.WriteByte(']')
	return b.String()
}

// AppendBinary encodes the row: its kind, the field count, the length of
// its bytes, the bytes. It makes Row a self-coding record type for the
// network and state; decoding is a copy and a check, not a parse.
func (r *Row) AppendBinary(buf []byte) ([]byte, error) {
	buf = append(buf, byte(r.Kind))
	buf = binary.AppendUvarint(buf, uint64(r.width))
	buf = binary.AppendUvarint(buf, uint64(len(r.b)))
	return append(buf, r.b...), nil
}

// MarshalBinary is AppendBinary to a new buffer, for encoders that look
// for encoding.BinaryMarshaler.
func (r Row) MarshalBinary() ([]byte, error) { return r.AppendBinary(nil) }

// UnmarshalBinary decodes a row AppendBinary encoded into a copy of its
// bytes, after checking every slot: a bad frame is an error, never a read
// outside the row.
func (r *Row) UnmarshalBinary(data []byte) error {
	if len(data) < 1 || data[0] > byte(Delete) {
		return fmt.Errorf("decode row: bad row kind")
	}
	kind := RowKind(data[0])
	width, w := binary.Uvarint(data[1:])
	if w <= 0 || width > uint64(len(data))/slotSize {
		return fmt.Errorf("decode row: bad field count")
	}
	p := 1 + w
	size, w := binary.Uvarint(data[p:])
	if w <= 0 || size != uint64(len(data)-p-w) || size > math.MaxUint32 {
		return fmt.Errorf("decode row: the row's bytes do not match its length")
	}
	b := data[p+w:]
	if err := checkSlots(b, int(width)); err != nil {
		return err
	}
	*r = Row{Kind: kind, width: uint32(width), b: append([]byte(nil), b...)}
	return nil
}

// checkSlots checks that b holds width slots of known kinds whose
// variable-length bytes lie inside b.
func checkSlots(b []byte, width int) error {
	if len(b) < width*slotSize {
		return fmt.Errorf("decode row: %d bytes hold no %d fields", len(b), width)
	}
	for i := range width {
		slot := b[i*slotSize:]
		tag := slot[slotTag]
		if Kind(tag&tagKind) > IntervalYearMonth || tag&0x10 != 0 {
			return fmt.Errorf("decode row field %d: unknown value kind %d", i, tag)
		}
		if isVarTag(tag) {
			n := binary.LittleEndian.Uint64(slot)
			if end := uint64(i*slotSize) + uint64(uint32(n)) + n>>32; end > uint64(len(b)) {
				return fmt.Errorf("decode row field %d: value past the row's end", i)
			}
		}
	}
	return nil
}

// AppendKey appends the encoding of the fields at idx: equal keys encode
// equally, so the bytes serve as a grouping or partitioning key.
func (r Row) AppendKey(buf []byte, idx []int) []byte {
	for _, i := range idx {
		buf = AppendValue(buf, r.Field(i))
	}
	return buf
}

// debugString prints a value without its type's precision, for messages.
func (v Value) debugString() string {
	if v.IsNull() {
		return "NULL"
	}
	switch v.Kind() {
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
