package transport

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// BufferSize is the size of the buffers GetBuffer hands out: the executor's
// default network buffer, and the size a receiver reads a data frame of up
// to this length into.
const BufferSize = 32 << 10

const (
	minPooledSize = 1 << 10
	maxPooledSize = 1 << 20
	// maxPoolClasses bounds the number of distinct capacities pooled, so
	// callers asking for many odd sizes cannot grow the class table forever.
	maxPoolClasses = 64
)

// Buffers are pooled by exact capacity: a buffer goes back to the pool of
// its cap, so a class only ever holds buffers of one size. The pools hold
// *[]byte, and the holders themselves circulate through holders, so neither
// Get nor Put allocates in steady state (putting a bare []byte into a
// sync.Pool would allocate its interface box every time).
var (
	defaultPool sync.Pool // cap == BufferSize, the hot class
	pools       sync.Map  // cap -> *sync.Pool, every other class
	poolClasses atomic.Int32
	holders     = sync.Pool{New: func() any { return new([]byte) }}
)

// GetBuffer returns an empty buffer of capacity BufferSize, from the pool
// when one is free. Fill it with append and pass it to Subpartition.Write,
// which takes ownership; a buffer that is not written can be handed back
// with PutBuffer.
func GetBuffer() []byte { return getBuffer(BufferSize) }

// PutBuffer returns buf to the pool. The caller must not touch buf (or any
// slice of it) afterwards. Buffers whose capacity is not a pooled class are
// left to the garbage collector.
func PutBuffer(buf []byte) {
	p := classPool(cap(buf), false)
	if p == nil {
		return
	}
	h := holders.Get().(*[]byte)
	*h = buf[:0]
	p.Put(h)
}

// getBuffer returns an empty buffer whose capacity is exactly size when size
// is a pooled class (or can become one), else a fresh one of that capacity.
func getBuffer(size int) []byte {
	if p := classPool(size, true); p != nil {
		if h, _ := p.Get().(*[]byte); h != nil {
			b := *h
			*h = nil
			holders.Put(h)
			return b
		}
	}
	return make([]byte, 0, size)
}

// recvBuffer returns a buffer of length n for an incoming data frame: the
// default class for the usual sizes, else the next power of two, so a
// receiver needs few classes whatever sizes its senders use.
func recvBuffer(n int) []byte {
	size := BufferSize
	if n > BufferSize {
		size = 1 << bits.Len(uint(n-1))
	}
	return getBuffer(size)[:n]
}

func classPool(size int, create bool) *sync.Pool {
	if size == BufferSize {
		return &defaultPool
	}
	if size < minPooledSize || size > maxPooledSize {
		return nil
	}
	if p, ok := pools.Load(size); ok {
		return p.(*sync.Pool)
	}
	if !create || poolClasses.Load() >= maxPoolClasses {
		return nil
	}
	p, loaded := pools.LoadOrStore(size, new(sync.Pool))
	if !loaded {
		poolClasses.Add(1)
	}
	return p.(*sync.Pool)
}
