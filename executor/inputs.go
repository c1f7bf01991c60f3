package executor

import (
	"errors"
	"fmt"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/watermark"
)

// inputs feeds what the gate delivers into the chain: records as they
// come, watermarks through the valve, which passes on the minimum over
// the channels that are not idle (Flink's StatusWatermarkValve), and
// checkpoint barriers through alignment.
//
// Alignment is Flink's aligned checkpoint barrier handler: once a channel
// delivered the barrier of the checkpoint being aligned, what it delivers
// next is held back, and so is its credit, until every open channel
// delivered that barrier; then the subtask snapshots (onBarrier) and the
// held elements go through in order. In at-least-once mode nothing is
// held: the snapshot is taken when the last barrier comes, and records
// after a barrier may be in it. A newer barrier arriving mid-alignment
// gives the older checkpoint up, as Flink does.
type inputs struct {
	chain operator.Chain
	valve *watermark.Valve
	idle  bool
	open  int // channels that have not ended

	onBarrier func(b barrier) error
	// onEndOfData runs once every channel has sent end of data (or
	// ended): the chain's EndInput, before the final checkpoint's barrier.
	onEndOfData func() error
	dataOpen    int // channels that may still send records
	dataEnded   []bool

	aligning    int64 // the checkpoint being aligned; 0 for none
	atLeastOnce bool
	arrived     []bool // per channel: its barrier for aligning came
	ended       []bool
	waiting     int // open channels whose barrier has not come
	held        [][]heldItem
	lastDone    int64 // the newest checkpoint snapshotted or given up
	draining    bool
}

// heldItem is a buffer, from offset off on, that came after its
// channel's barrier.
type heldItem struct {
	it  gateItem
	off int
}

func newInputs(chain operator.Chain, channels int, onBarrier func(barrier) error, onEndOfData func() error) *inputs {
	return &inputs{
		chain: chain, valve: watermark.NewValve(channels), open: channels,
		onBarrier: onBarrier, onEndOfData: onEndOfData, dataOpen: channels, dataEnded: make([]bool, channels),
		arrived: make([]bool, channels), ended: make([]bool, channels), held: make([][]heldItem, channels),
	}
}

func (in *inputs) blocked(idx int) bool {
	return in.aligning != 0 && !in.atLeastOnce && in.arrived[idx]
}

// deliver takes one item from the gate: a buffer, or a channel's end. A
// buffer is recycled (its credit returned) once its elements went through.
func (in *inputs) deliver(it gateItem) error {
	if in.blocked(it.idx) {
		in.held[it.idx] = append(in.held[it.idx], heldItem{it: it})
		return nil
	}
	return in.process(it, 0)
}

// process runs the elements of it.buf from off on through the chain,
// until the buffer ends or a barrier blocks its channel. A malformed
// buffer fails the subtask; it never panics the node.
func (in *inputs) process(it gateItem, off int) error {
	if errors.Is(it.err, errEndOfInput) {
		return in.endChannel(it.idx)
	}
	buf := it.buf[off:]
	for len(buf) > 0 {
		e, rest, err := nextElement(buf)
		if err != nil {
			return fmt.Errorf("input edge %d: %w", it.edge, err)
		}
		buf = rest
		switch {
		case e.kind == kindRecord || e.kind == kindTimestamped:
			err = in.chain.PushRecord(it.edge, e.ts, e.record)
		case e.kind == kindWatermark:
			if out, advanced := in.valve.InputWatermark(it.idx, e.ts); advanced {
				err = in.chain.PushWatermark(out)
			}
		case e.barrier != nil:
			err = in.barrier(it.idx, *e.barrier)
			if err == nil && in.blocked(it.idx) && len(rest) > 0 {
				// The rest waits, first in its channel's queue (empty
				// until now: the channel was not blocked).
				in.held[it.idx] = append([]heldItem{{it: it, off: len(it.buf) - len(rest)}}, in.held[it.idx]...)
				return nil
			}
		case e.endOfData:
			err = in.endData(it.idx)
		default:
			err = in.status(it.idx, e.idle)
		}
		if err != nil {
			return err
		}
	}
	if it.ch != nil { // nil for buffers made by hand, in tests
		it.ch.Recycle(it.buf)
	}
	return nil
}

// barrier counts a channel's barrier and snapshots once all came.
func (in *inputs) barrier(idx int, b barrier) error {
	switch {
	case b.id <= in.lastDone || in.aligning != 0 && b.id < in.aligning:
		return nil // of a checkpoint done, given up or overtaken
	case in.aligning != 0 && b.id > in.aligning:
		if err := in.abort(in.aligning); err != nil {
			return err
		}
	}
	if in.aligning == 0 {
		in.aligning, in.atLeastOnce, in.waiting = b.id, b.atLeastOnce, in.open
		clear(in.arrived)
	}
	if !in.arrived[idx] {
		in.arrived[idx] = true
		in.waiting--
	}
	return in.maybeAligned()
}

// maybeAligned snapshots when no open channel's barrier is missing, then
// lets the held elements through.
func (in *inputs) maybeAligned() error {
	if in.aligning == 0 || in.waiting > 0 {
		return nil
	}
	b := barrier{id: in.aligning, atLeastOnce: in.atLeastOnce}
	in.aligning, in.lastDone = 0, b.id
	if err := in.onBarrier(b); err != nil {
		return err
	}
	return in.drainHeld()
}

// abort gives up the alignment of checkpoint id (the coordinator gave it
// up, or a newer barrier overtook it) and lets the held elements through.
func (in *inputs) abort(id int64) error {
	in.lastDone = max(in.lastDone, id)
	if in.aligning == 0 || in.aligning > id {
		return nil
	}
	in.aligning = 0
	return in.drainHeld()
}

// drainHeld processes held elements channel by channel, in order, until
// every queue is empty or blocked again by the next checkpoint's barrier.
// A barrier met on the way may complete an alignment and drain again from
// within; the flag keeps that to the outermost loop.
func (in *inputs) drainHeld() error {
	if in.draining {
		return nil
	}
	in.draining = true
	defer func() { in.draining = false }()
	for progress := true; progress; {
		progress = false
		for idx := range in.held {
			for len(in.held[idx]) > 0 && !in.blocked(idx) {
				h := in.held[idx][0]
				in.held[idx] = in.held[idx][1:]
				if err := in.process(h.it, h.off); err != nil {
					return err
				}
				progress = true
			}
		}
	}
	return nil
}

func (in *inputs) status(idx int, idle bool) error {
	out, advanced, allIdle := in.valve.InputIdle(idx, idle)
	if advanced {
		if err := in.chain.PushWatermark(out); err != nil {
			return err
		}
	}
	if allIdle != in.idle {
		in.idle = allIdle
		return in.chain.PushIdle(allIdle)
	}
	return nil
}

// endData counts a channel that sends no more records; the last one ends
// the chain's input.
func (in *inputs) endData(idx int) error {
	if in.dataEnded[idx] {
		return nil
	}
	in.dataEnded[idx] = true
	if in.dataOpen--; in.dataOpen == 0 {
		return in.onEndOfData()
	}
	return nil
}

// endChannel takes a finished channel out of the watermark minimum and
// out of any alignment: it has no barrier left to send.
func (in *inputs) endChannel(idx int) error {
	if in.ended[idx] {
		return nil
	}
	in.ended[idx] = true
	in.open--
	if in.aligning != 0 && !in.arrived[idx] {
		in.arrived[idx] = true
		in.waiting--
	}
	if out, advanced := in.valve.InputWatermark(idx, operator.MaxWatermark); advanced {
		if err := in.chain.PushWatermark(out); err != nil {
			return err
		}
	}
	if err := in.endData(idx); err != nil {
		return err
	}
	return in.maybeAligned()
}

// release recycles every held buffer, when the subtask stops.
func (in *inputs) release() {
	for idx, q := range in.held {
		for _, h := range q {
			if h.it.ch != nil && h.it.err == nil {
				h.it.ch.Recycle(h.it.buf)
			}
		}
		in.held[idx] = nil
	}
}
