package data

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Encoding of a value: a tag byte (the kind, 0x80 when NULL), then the
// payload: a varint for the integer-like kinds, 8 bytes for DOUBLE, a length
// and the bytes for STRING and BYTES, and for DECIMAL the scale byte then
// either a varint or (tag 0x40) a sign byte, length and big-endian bytes.

// AppendValue appends v's encoding to buf.
func AppendValue(buf []byte, v Value) []byte {
	if v.IsNull() {
		return append(buf, byte(v.Kind())|tagNull)
	}
	switch v.Kind() {
	case Double:
		buf = append(buf, byte(v.Kind()))
		return binary.LittleEndian.AppendUint64(buf, uint64(v.n))
	case String, Bytes:
		buf = append(buf, byte(v.Kind()))
		buf = binary.AppendUvarint(buf, uint64(len(v.s)))
		return append(buf, v.s...)
	case Decimal:
		if v.IsWide() {
			buf = append(buf, byte(v.Kind())|tagWide, v.scale)
			if v.tag&tagNeg != 0 {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
			}
			buf = binary.AppendUvarint(buf, uint64(len(v.s)))
			return append(buf, v.s...)
		}
		buf = append(buf, byte(v.Kind()), v.scale)
		return binary.AppendVarint(buf, v.n)
	default:
		buf = append(buf, byte(v.Kind()))
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
	v := Value{tag: byte(k)}
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
			v.tag |= tagWide
			if data[0] == 1 {
				v.tag |= tagNeg
			}
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
