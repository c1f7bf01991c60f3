package data

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unsafe"
)

// Allocator builds rows, carving their bytes out of blocks of blockSize,
// so that an operator emitting a row per input row makes an allocation
// per block rather than one per row: as a row is pointer-free and never
// written once built, rows can share a block as Flink's rows share a
// memory segment. The rows of a block keep the whole block alive, so
// what keeps rows or their strings for long (state, a buffer, an
// accumulator's MIN) keeps a Clone. An Allocator serves one goroutine;
// the nil *Allocator allocates every row on its own.
type Allocator struct {
	block []byte
	// used is the length of block handed out: an offset rather than a
	// resliced block, so that a row costs no pointer write (and no write
	// barrier while the collector marks).
	used int
}

// blockSize holds some hundreds of rows of a few columns. A filter-project
// job ran a few percent slower with 8 KiB blocks (more allocations) and
// with 32 KiB (the runtime's large-object path). A row larger than an
// eighth of a block gets an allocation of its own, so that little of a
// block is left unused.
const blockSize = 16 << 10

func (a *Allocator) alloc(n int) []byte {
	if a == nil || n > blockSize/8 {
		return make([]byte, n)
	}
	if n > len(a.block)-a.used {
		a.block, a.used = make([]byte, blockSize), 0
	}
	b := a.block[a.used : a.used+n : a.used+n]
	a.used += n
	return b
}

// MakeRow is a row of the given kind and fields, which it copies.
func (a *Allocator) MakeRow(kind RowKind, fields []Value) Row {
	size := slotSize * len(fields)
	for i := range fields {
		if isVarTag(fields[i].tag) {
			size += len(fields[i].s)
		}
	}
	b := a.alloc(size)
	at := slotSize * len(fields)
	for i := range fields {
		v := &fields[i]
		slot := b[i*slotSize:][:slotSize]
		n := uint64(v.n)
		if isVarTag(v.tag) {
			n = uint64(at-i*slotSize) | uint64(len(v.s))<<32
			at += copy(b[at:], v.s)
		}
		binary.LittleEndian.PutUint64(slot, n)
		slot[slotTag], slot[slotScale] = v.tag, v.scale
	}
	return Row{Kind: kind, width: uint32(len(fields)), b: b}
}

// Project is the row of the given kind whose field i is in's field
// cols[i] when cols[i] ≥ 0 and values[i] otherwise (all of values when
// cols is nil): a projection copies fields slot to slot, without building
// their Values. values is as long as the row is wide.
func (a *Allocator) Project(kind RowKind, in Row, cols []int, values []Value) Row {
	width := len(values)
	size := slotSize * width
	for i := range width {
		if cols != nil && cols[i] >= 0 {
			if slot := in.slot(cols[i]); isVarTag(slot[slotTag]) {
				size += int(binary.LittleEndian.Uint64(slot) >> 32)
			}
		} else if values[i].isVar() {
			size += len(values[i].s)
		}
	}
	b := a.alloc(size)
	at := slotSize * width // where the next variable-length bytes go
	for i := range width {
		slot := b[i*slotSize : (i+1)*slotSize : (i+1)*slotSize]
		var n int
		if cols != nil && cols[i] >= 0 {
			copy(slot, in.slot(cols[i]))
			if !isVarTag(slot[slotTag]) {
				continue
			}
			n = copy(b[at:], in.varBytes(cols[i]))
		} else {
			v := &values[i]
			binary.LittleEndian.PutUint64(slot, uint64(v.n))
			slot[slotTag] = v.tag
			slot[slotScale] = v.scale
			if !v.isVar() {
				continue
			}
			n = copy(b[at:], v.s)
		}
		binary.LittleEndian.PutUint64(slot, uint64(at-i*slotSize)|uint64(n)<<32)
		at += n
	}
	return Row{Kind: kind, width: uint32(width), b: b}
}

// Clone is a copy of r in bytes of its own, without the bytes of fields a
// Slice left out: a row kept for long.
func (r Row) Clone() Row {
	cols := make([]int, r.width)
	for i := range cols {
		cols[i] = i
	}
	return (*Allocator)(nil).Project(r.Kind, r, cols, make([]Value, r.width))
}

// Clone is v with a copy of its bytes, so that a value kept past its row
// does not keep the row's block alive.
func (v Value) Clone() Value {
	if len(v.s) > 0 {
		v.s = strings.Clone(v.s)
	}
	return v
}

// isVarTag reports whether the value of a slot with this tag keeps bytes
// outside its slot.
func isVarTag(tag byte) bool {
	k := Kind(tag & tagKind)
	return tag&tagNull == 0 && (k == String || k == Bytes || tag&tagWide != 0)
}

// varBytes is field i's variable-length bytes, none if it has none.
func (r Row) varBytes(i int) []byte {
	slot := r.slot(i)
	if !isVarTag(slot[slotTag]) {
		return nil
	}
	n := binary.LittleEndian.Uint64(slot)
	at := i*slotSize + int(uint32(n))
	return r.b[at : at+int(n>>32)]
}

// Concat is the row of l's fields then r's, of the given kind: a joined
// row. A side of an outer join without a match is a row of NULLs.
func (a *Allocator) Concat(kind RowKind, l, r Row) Row {
	lw := int(l.width)
	width := lw + int(r.width)
	size := slotSize * width
	for i := range lw {
		size += len(l.varBytes(i))
	}
	for i := range int(r.width) {
		size += len(r.varBytes(i))
	}
	b := a.alloc(size)
	at := slotSize * width
	for i := range width {
		src, j := l, i
		if i >= lw {
			src, j = r, i-lw
		}
		slot := b[i*slotSize:][:slotSize]
		copy(slot, src.slot(j))
		if !isVarTag(slot[slotTag]) {
			continue
		}
		n := copy(b[at:], src.varBytes(j))
		binary.LittleEndian.PutUint64(slot, uint64(at-i*slotSize)|uint64(n)<<32)
		at += n
	}
	return Row{Kind: kind, width: uint32(width), b: b}
}

// AppendFields appends r's fields, without its kind, in a canonical
// encoding: rows with equal fields (equal bit for bit: Flink's
// BinaryRowData equality) encode equally, so the bytes serve as the key of
// a row kept in state. FieldsRow reads them back.
func (r Row) AppendFields(buf []byte) []byte {
	if !r.compact() {
		r = r.Clone()
	}
	buf = binary.AppendUvarint(buf, uint64(r.width))
	return append(buf, r.b...)
}

// compact reports whether r's bytes are exactly its fields', laid out as
// MakeRow lays them out: not a Slice of a wider row.
func (r Row) compact() bool {
	at := slotSize * int(r.width)
	for i := range int(r.width) {
		if v := r.varBytes(i); len(v) > 0 {
			if at >= len(r.b) || &r.b[at] != &v[0] {
				return false
			}
			at += len(v)
		}
	}
	return at == len(r.b)
}

// FieldsRow is the row of the given kind whose fields AppendFields
// encoded in s. The row shares s's bytes rather than copying them (a
// string never changes, and neither does a row), so that a row kept in
// state as its key is read without an allocation.
func FieldsRow(kind RowKind, s string) (Row, error) {
	width, w := binary.Uvarint(unsafe.Slice(unsafe.StringData(s), min(len(s), binary.MaxVarintLen64)))
	if w <= 0 || width > uint64(len(s))/slotSize {
		return Row{}, fmt.Errorf("decode row fields: bad field count")
	}
	b := unsafe.Slice(unsafe.StringData(s[w:]), len(s)-w)
	if err := checkSlots(b, int(width)); err != nil {
		return Row{}, err
	}
	return Row{Kind: kind, width: uint32(width), b: b}, nil
}
