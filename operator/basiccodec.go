package operator

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
)

// Codecs of the basic types, which keys, namespaces and small states
// mostly are: msgpack goes through reflection and a type cache for each
// value, which a checkpoint of a million keys pays a million times.

// basicCodec returns the codec of T if T is one of the basic types or has
// no bytes at all (struct{} and named empty structs), else nil.
func basicCodec[T any]() Codec[T] {
	var zero T
	var c any
	switch any(zero).(type) {
	case string:
		c = stringCodec{}
	case []byte:
		c = bytesCodec{}
	case int:
		c = varintCodec[int]{}
	case int64:
		c = varintCodec[int64]{}
	case int32:
		c = varintCodec[int32]{}
	case uint64:
		c = uvarintCodec[uint64]{}
	case uint32:
		c = uvarintCodec[uint32]{}
	case bool:
		c = boolCodec{}
	case float64:
		c = float64Codec{}
	default:
		if t := reflect.TypeFor[T](); t.Kind() == reflect.Struct && t.Size() == 0 {
			return emptyCodec[T]{}
		}
		return nil
	}
	return c.(Codec[T])
}

type stringCodec struct{}

func (stringCodec) Append(buf []byte, v string) ([]byte, error) { return append(buf, v...), nil }
func (stringCodec) Decode(data []byte) (string, error)          { return string(data), nil }

type bytesCodec struct{}

func (bytesCodec) Append(buf []byte, v []byte) ([]byte, error) { return append(buf, v...), nil }
func (bytesCodec) Decode(data []byte) ([]byte, error)          { return append([]byte(nil), data...), nil }

type signed interface{ ~int | ~int64 | ~int32 }

type varintCodec[T signed] struct{}

func (varintCodec[T]) Append(buf []byte, v T) ([]byte, error) {
	return binary.AppendVarint(buf, int64(v)), nil
}

func (varintCodec[T]) Decode(data []byte) (T, error) {
	v, n := binary.Varint(data)
	if n <= 0 || n != len(data) || int64(T(v)) != v {
		return 0, fmt.Errorf("decode %T: bad varint", T(0))
	}
	return T(v), nil
}

type unsigned interface{ ~uint64 | ~uint32 }

type uvarintCodec[T unsigned] struct{}

func (uvarintCodec[T]) Append(buf []byte, v T) ([]byte, error) {
	return binary.AppendUvarint(buf, uint64(v)), nil
}

func (uvarintCodec[T]) Decode(data []byte) (T, error) {
	v, n := binary.Uvarint(data)
	if n <= 0 || n != len(data) || uint64(T(v)) != v {
		return 0, fmt.Errorf("decode %T: bad uvarint", T(0))
	}
	return T(v), nil
}

type boolCodec struct{}

func (boolCodec) Append(buf []byte, v bool) ([]byte, error) {
	if v {
		return append(buf, 1), nil
	}
	return append(buf, 0), nil
}

func (boolCodec) Decode(data []byte) (bool, error) {
	if len(data) != 1 || data[0] > 1 {
		return false, fmt.Errorf("decode bool: bad byte")
	}
	return data[0] == 1, nil
}

type float64Codec struct{}

func (float64Codec) Append(buf []byte, v float64) ([]byte, error) {
	return binary.BigEndian.AppendUint64(buf, math.Float64bits(v)), nil
}

func (float64Codec) Decode(data []byte) (float64, error) {
	if len(data) != 8 {
		return 0, fmt.Errorf("decode float64: %d bytes, want 8", len(data))
	}
	return math.Float64frombits(binary.BigEndian.Uint64(data)), nil
}

type emptyCodec[T any] struct{}

func (emptyCodec[T]) Append(buf []byte, _ T) ([]byte, error) { return buf, nil }

func (emptyCodec[T]) Decode(data []byte) (T, error) {
	var zero T
	if len(data) != 0 {
		return zero, fmt.Errorf("decode %T: %d bytes, want none", zero, len(data))
	}
	return zero, nil
}
