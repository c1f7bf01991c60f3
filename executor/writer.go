package executor

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/transport"
)

// recordWriter is one edge leaving a subtask's chain: it packs records,
// each prefixed by its uvarint length, into one buffer (of
// transport.BufferSize, or one record's size if larger) per receiver
// channel and hands a buffer to the transport when it is full, when the
// buffer timeout fires (flushAll), or at once when the timeout is 0.
// Used by the subtask's goroutine only, except release and backpressure.
type recordWriter struct {
	chans     []*channelWriter
	immediate bool
	bytesOut  *atomic.Uint64
}

type channelWriter struct {
	sub *transport.Subpartition
	buf []byte
}

func newRecordWriter(subs []*transport.Subpartition, immediate bool, bytesOut *atomic.Uint64) *recordWriter {
	w := &recordWriter{immediate: immediate, bytesOut: bytesOut}
	for _, s := range subs {
		w.chans = append(w.chans, &channelWriter{sub: s})
	}
	return w
}

// NumChannels implements operator.RecordWriter.
func (w *recordWriter) NumChannels() int { return len(w.chans) }

// maxRecordSize keeps a record, as an element, within one transport frame.
const maxRecordSize = transport.DefaultMaxFrameSize - maxElementOverhead

// errRecordTooLarge is a user error, not a broken channel.
var errRecordTooLarge = errors.New("record too large")

// Emit implements operator.RecordWriter.
func (w *recordWriter) Emit(channel int, ts int64, record []byte) error {
	if len(record) > maxRecordSize {
		return fmt.Errorf("%w: %d bytes encoded, at most %d", errRecordTooLarge, len(record), maxRecordSize)
	}
	kind := kindTimestamped
	if ts == operator.NoTimestamp {
		kind = kindRecord
	}
	return w.append(w.chans[channel], kind, ts, record)
}

// append adds one element to a channel's buffer, sending the buffer first
// if the element does not fit.
func (w *recordWriter) append(c *channelWriter, kind int, ts int64, payload []byte) error {
	need := maxElementOverhead + len(payload)
	if len(c.buf) > 0 && len(c.buf)+need > cap(c.buf) {
		if err := w.flush(c); err != nil {
			return err
		}
	}
	if c.buf == nil {
		if need <= transport.BufferSize {
			c.buf = transport.GetBuffer()
		} else {
			c.buf = make([]byte, 0, need)
		}
	}
	c.buf = appendElement(c.buf, kind, ts, payload)
	if w.immediate {
		return w.flush(c)
	}
	return nil
}

// Broadcast implements operator.RecordWriter.
func (w *recordWriter) Broadcast(ts int64, record []byte) error {
	for i := range w.chans {
		if err := w.Emit(i, ts, record); err != nil {
			return err
		}
	}
	return nil
}

// EmitWatermark implements operator.RecordWriter.
func (w *recordWriter) EmitWatermark(wm int64) error {
	for _, c := range w.chans {
		if err := w.append(c, kindWatermark, wm, nil); err != nil {
			return err
		}
	}
	return nil
}

// EmitIdle implements operator.RecordWriter.
func (w *recordWriter) EmitIdle(idle bool) error {
	status := []byte{0}
	if idle {
		status[0] = 1
	}
	for _, c := range w.chans {
		if err := w.append(c, kindStatus, 0, status); err != nil {
			return err
		}
	}
	return nil
}

// emitBarrier sends a checkpoint barrier to every channel, after the
// records before it, and flushes: downstream aligns on it, so it must not
// wait for a buffer timeout.
func (w *recordWriter) emitBarrier(b barrier) error {
	payload := b.payload()
	for _, c := range w.chans {
		if err := w.append(c, kindStatus, 0, payload); err != nil {
			return err
		}
		if err := w.flush(c); err != nil {
			return err
		}
	}
	return nil
}

// emitEndOfData tells every channel that no records follow, and flushes.
func (w *recordWriter) emitEndOfData() error {
	for _, c := range w.chans {
		if err := w.append(c, kindStatus, 0, []byte{statusEndOfData}); err != nil {
			return err
		}
		if err := w.flush(c); err != nil {
			return err
		}
	}
	return nil
}

// flush hands the channel's buffer to the transport, which owns it from
// then on.
func (w *recordWriter) flush(c *channelWriter) error {
	if len(c.buf) == 0 {
		return nil
	}
	n := len(c.buf)
	buf := c.buf
	c.buf = nil
	if err := c.sub.Write(buf); err != nil {
		return err
	}
	w.bytesOut.Add(uint64(n))
	return nil
}

func (w *recordWriter) flushAll() error {
	for _, c := range w.chans {
		if err := w.flush(c); err != nil {
			return err
		}
	}
	return nil
}

// finish flushes and ends every channel: the receivers see end of input.
func (w *recordWriter) finish() error {
	if err := w.flushAll(); err != nil {
		return err
	}
	for _, c := range w.chans {
		if err := c.sub.Finish(); err != nil {
			return err
		}
	}
	return nil
}

// release aborts every channel; safe from any goroutine, it unblocks an
// Emit waiting for credit.
func (w *recordWriter) release() {
	for _, c := range w.chans {
		c.sub.Release()
	}
}

func (w *recordWriter) backpressured() time.Duration {
	var d time.Duration
	for _, c := range w.chans {
		d += c.sub.BackpressuredTime()
	}
	return d
}
