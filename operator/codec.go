package operator

import (
	"encoding"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// Codec encodes records of type T for the network. Append must not retain
// buf; Decode must not retain data (the buffer is reused).
type Codec[T any] interface {
	Append(buf []byte, record T) ([]byte, error)
	Decode(data []byte) (T, error)
}

// CodecFor returns T's own codec when *T implements encoding.BinaryAppender
// and encoding.BinaryUnmarshaler (hot types bring their own), else msgpack.
func CodecFor[T any]() Codec[T] {
	var zero T
	if _, ok := any(&zero).(binaryCodec); ok {
		return selfCodec[T]{}
	}
	return msgpackCodec[T]{}
}

type binaryCodec interface {
	encoding.BinaryAppender
	encoding.BinaryUnmarshaler
}

type selfCodec[T any] struct{}

func (selfCodec[T]) Append(buf []byte, record T) ([]byte, error) {
	return any(&record).(binaryCodec).AppendBinary(buf)
}

func (selfCodec[T]) Decode(data []byte) (T, error) {
	var v T
	err := any(&v).(binaryCodec).UnmarshalBinary(data)
	return v, err
}

// msgpackCodec is the default codec.
type msgpackCodec[T any] struct{}

func (msgpackCodec[T]) Append(buf []byte, record T) ([]byte, error) {
	b, err := msgpack.Marshal(record)
	if err != nil {
		return buf, fmt.Errorf("encode %T: %w", record, err)
	}
	return append(buf, b...), nil
}

func (msgpackCodec[T]) Decode(data []byte) (T, error) {
	var v T
	if err := msgpack.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("decode %T: %w", v, err)
	}
	return v, nil
}
