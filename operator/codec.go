package operator

import (
	"bytes"
	"encoding"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// Codec encodes records of type T for the network. Append must not retain
// buf; Decode must not retain data (the buffer is reused). A Codec keeps
// scratch space so the hot path does not allocate: use one per goroutine.
type Codec[T any] interface {
	Append(buf []byte, record T) ([]byte, error)
	Decode(data []byte) (T, error)
}

// CodecFor returns a new codec for T: T's own when *T implements
// encoding.BinaryAppender and encoding.BinaryUnmarshaler (hot types bring
// their own), a direct one for the basic types (basiccodec.go), else
// msgpack.
func CodecFor[T any]() Codec[T] {
	var zero T
	if _, ok := any(&zero).(binaryCodec); ok {
		return &selfCodec[T]{}
	}
	if c := basicCodec[T](); c != nil {
		return c
	}
	c := &msgpackCodec[T]{}
	c.enc = msgpack.NewEncoder(&c.out)
	c.dec = msgpack.NewDecoder(&c.in)
	return c
}

type binaryCodec interface {
	encoding.BinaryAppender
	encoding.BinaryUnmarshaler
}

// selfCodec calls T's own methods on a scratch value, so that taking its
// address does not make every record escape to the heap.
type selfCodec[T any] struct {
	scratch T
}

func (c *selfCodec[T]) Append(buf []byte, record T) ([]byte, error) {
	c.scratch = record
	return any(&c.scratch).(binaryCodec).AppendBinary(buf)
}

func (c *selfCodec[T]) Decode(data []byte) (T, error) {
	var zero T
	c.scratch = zero
	err := any(&c.scratch).(binaryCodec).UnmarshalBinary(data)
	return c.scratch, err
}

// msgpackCodec is the default codec; it reuses one encoder, one decoder
// and their buffers.
type msgpackCodec[T any] struct {
	scratch T
	out     bytes.Buffer
	enc     *msgpack.Encoder
	in      bytes.Reader
	dec     *msgpack.Decoder
}

func (c *msgpackCodec[T]) Append(buf []byte, record T) ([]byte, error) {
	c.out.Reset()
	c.scratch = record
	if err := c.enc.Encode(&c.scratch); err != nil {
		return buf, fmt.Errorf("encode %T: %w", record, err)
	}
	return append(buf, c.out.Bytes()...), nil
}

func (c *msgpackCodec[T]) Decode(data []byte) (T, error) {
	var zero T
	c.scratch = zero
	c.in.Reset(data)
	c.dec.Reset(&c.in)
	if err := c.dec.Decode(&c.scratch); err != nil {
		return zero, fmt.Errorf("decode %T: %w", zero, err)
	}
	return c.scratch, nil
}
