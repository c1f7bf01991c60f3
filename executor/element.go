package executor

import (
	"encoding/binary"
	"fmt"

	"github.com/runnel/runnel/operator"
)

// The elements of a buffer, one after another. Each starts with a uvarint
// header, its payload length shifted left by two bits and ORed with its
// kind; records, watermarks and stream status travel in band on the same
// channel, so a watermark never overtakes the records before it.
//
//	record             payload = the encoded record
//	timestamped record payload = 8-byte big-endian event timestamp, record
//	watermark          payload = 8-byte big-endian watermark
//	status             payload = 1 byte: 1 idle, 0 active
//	barrier            a status whose payload is 10 bytes: 2, the
//	                   8-byte big-endian checkpoint id, 1 byte of mode
//	                   (0 exactly-once, 1 at-least-once)
//	end of data        a status of payload 3: the sender emits no more
//	                   records, but its channel stays open for the final
//	                   checkpoint's barrier (Flink's EndOfData)
//
// A barrier rides on the status kind because the header has room for
// four kinds only.
const (
	kindRecord = iota
	kindTimestamped
	kindWatermark
	kindStatus
)

// maxElementOverhead is the most an element adds to its record's bytes.
const maxElementOverhead = binary.MaxVarintLen64 + 8

// appendElement appends one element of the given kind.
func appendElement(buf []byte, kind int, ts int64, payload []byte) []byte {
	n := len(payload)
	if kind == kindTimestamped || kind == kindWatermark {
		n += 8
	}
	buf = binary.AppendUvarint(buf, uint64(n)<<2|uint64(kind))
	if kind == kindTimestamped || kind == kindWatermark {
		buf = binary.BigEndian.AppendUint64(buf, uint64(ts))
	}
	return append(buf, payload...)
}

const (
	statusActive    = 0
	statusIdle      = 1
	statusBarrier   = 2
	statusEndOfData = 3
	barrierLen      = 10
)

// payload is the barrier as a status element's payload.
func (b barrier) payload() []byte {
	p := make([]byte, 0, barrierLen)
	p = append(p, statusBarrier)
	p = binary.BigEndian.AppendUint64(p, uint64(b.id))
	mode := byte(0)
	if b.atLeastOnce {
		mode = 1
	}
	return append(p, mode)
}

// barrier is a checkpoint barrier: it splits a channel's records into
// those before checkpoint id, whose effects the snapshot holds, and those
// after.
type barrier struct {
	id          int64
	atLeastOnce bool
}

// element is one decoded element; record aliases the buffer.
type element struct {
	kind      int
	ts        int64 // timestamp, or the watermark
	idle      bool
	barrier   *barrier // a status that is a barrier
	endOfData bool
	record    []byte
}

// nextElement decodes the element at the start of buf and returns the
// rest. A malformed buffer is an error, never a panic.
func nextElement(buf []byte) (element, []byte, error) {
	h, k := binary.Uvarint(buf)
	if k <= 0 {
		return element{}, nil, fmt.Errorf("corrupt buffer: bad element header")
	}
	n, kind := h>>2, int(h&3)
	buf = buf[k:]
	if n > uint64(len(buf)) {
		return element{}, nil, fmt.Errorf("corrupt buffer: element of %d bytes, %d left", n, len(buf))
	}
	payload, rest := buf[:n], buf[n:]
	e := element{kind: kind, ts: operator.NoTimestamp}
	switch kind {
	case kindRecord:
		e.record = payload
	case kindTimestamped, kindWatermark:
		if len(payload) < 8 || kind == kindWatermark && len(payload) != 8 {
			return element{}, nil, fmt.Errorf("corrupt buffer: %d-byte element of kind %d", len(payload), kind)
		}
		e.ts = int64(binary.BigEndian.Uint64(payload))
		e.record = payload[8:]
	case kindStatus:
		switch {
		case len(payload) == 1 && payload[0] <= statusIdle:
			e.idle = payload[0] == statusIdle
		case len(payload) == 1 && payload[0] == statusEndOfData:
			e.endOfData = true
		case len(payload) == barrierLen && payload[0] == statusBarrier && payload[9] <= 1:
			e.barrier = &barrier{id: int64(binary.BigEndian.Uint64(payload[1:])), atLeastOnce: payload[9] == 1}
		default:
			return element{}, nil, fmt.Errorf("corrupt buffer: bad %d-byte status", len(payload))
		}
	}
	return e, rest, nil
}
