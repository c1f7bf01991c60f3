package stream

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"sync"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"
)

// KeyHash returns the stable hash of a key: the same on every node, in
// every run and on every platform, since a key's hash picks its key group
// and so the subtask that owns its state. It hashes a canonical encoding
// of the key: a string's bytes; an integer of any width as 8 bytes
// big-endian (so int is the same on 32- and 64-bit platforms); a bool as
// one byte; a float as its IEEE bits big-endian with -0 folded into +0
// (they are equal keys); any other comparable type as msgpack with sorted
// map keys. The msgpack form skips unexported struct fields (keys that
// differ only there share a key group, which is correct but may skew) and
// does not fold -0 inside composite keys.
//
// The bytes go through FNV-1a 64 and then murmur3's 64-bit finalizer:
// FNV-1a alone leaves its low bits depending only on the low bits of the
// input bytes, and key groups are the hash modulo a power of two.
//
// The unsafe casts read a K as the basic type it is defined on, which has
// the same memory layout: a type switch on any(k) would miss named types
// (type Word string) and box the key.
func KeyHash[K comparable](k K) uint64 {
	p := unsafe.Pointer(&k)
	switch reflect.TypeFor[K]().Kind() {
	case reflect.String:
		return hashString(*(*string)(p))
	case reflect.Bool:
		if *(*bool)(p) {
			return hashUint8(1)
		}
		return hashUint8(0)
	case reflect.Int:
		return hashUint64(uint64(*(*int)(p)))
	case reflect.Int8:
		return hashUint64(uint64(*(*int8)(p)))
	case reflect.Int16:
		return hashUint64(uint64(*(*int16)(p)))
	case reflect.Int32:
		return hashUint64(uint64(*(*int32)(p)))
	case reflect.Int64:
		return hashUint64(uint64(*(*int64)(p)))
	case reflect.Uint:
		return hashUint64(uint64(*(*uint)(p)))
	case reflect.Uint8:
		return hashUint64(uint64(*(*uint8)(p)))
	case reflect.Uint16:
		return hashUint64(uint64(*(*uint16)(p)))
	case reflect.Uint32:
		return hashUint64(uint64(*(*uint32)(p)))
	case reflect.Uint64:
		return hashUint64(*(*uint64)(p))
	case reflect.Uintptr:
		return hashUint64(uint64(*(*uintptr)(p)))
	case reflect.Float32:
		return hashFloat(float64(*(*float32)(p)))
	case reflect.Float64:
		return hashFloat(*(*float64)(p))
	}
	return hashMsgpack(k)
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashString(s string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return fmix64(h)
}

func hashUint8(b uint8) uint64 {
	return fmix64((fnvOffset ^ uint64(b)) * fnvPrime)
}

func hashBytes(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return fmix64(h)
}

// hashUint64 hashes v's 8 big-endian bytes.
func hashUint64(v uint64) uint64 {
	h := uint64(fnvOffset)
	for shift := 56; shift >= 0; shift -= 8 {
		h ^= (v >> shift) & 0xff
		h *= fnvPrime
	}
	return fmix64(h)
}

func hashFloat(f float64) uint64 {
	if f == 0 {
		f = 0 // -0 == +0 as keys, so they must share a hash
	}
	return hashUint64(math.Float64bits(f))
}

// fmix64 is murmur3's finalizer: every input bit affects every output bit.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// keyEncoder is a pooled msgpack encoder for composite keys, so that
// hashing one does not allocate an encoder and buffer every time.
type keyEncoder struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

var keyEncoders = sync.Pool{New: func() any {
	e := &keyEncoder{}
	e.enc = msgpack.NewEncoder(&e.buf)
	// So that the bytes never depend on map iteration order.
	e.enc.SetSortMapKeys(true)
	return e
}}

// hashMsgpack hashes a composite key. A key msgpack cannot encode (a
// channel) panics: there is no hash to route it by, and the executor
// fails the job with the message.
func hashMsgpack[K comparable](k K) uint64 {
	e := keyEncoders.Get().(*keyEncoder)
	defer keyEncoders.Put(e)
	e.buf.Reset()
	if err := e.enc.Encode(k); err != nil {
		panic(fmt.Sprintf("stream: cannot hash key of type %T: %v", k, err))
	}
	return hashBytes(e.buf.Bytes())
}
