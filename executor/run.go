package executor

import (
	"errors"
	"fmt"
	"time"

	"github.com/runnel/runnel/operator"
)

// runState is what a running subtask's loops share, on its goroutine.
type runState struct {
	chain    operator.Chain
	writers  []*recordWriter
	in       *inputs     // nil for a source
	uploads  chan upload // nil without checkpoints
	progress checkpointProgress
	ended    bool // the chain's EndInput has run
}

func (t *task) newRunState(chain operator.Chain, writers []*recordWriter) *runState {
	run := &runState{chain: chain, writers: writers}
	s := t.checkpointStatus()
	if s.Enabled {
		run.uploads = make(chan upload, 4)
	}
	// What happened before the subtask started is not news to it.
	run.progress.completed, run.progress.aborted = s.Completed, s.Aborted
	if t.asg.Restore != nil {
		run.progress.completed = max(run.progress.completed, t.asg.Restore.ID)
	}
	return run
}

// timerTick is how often processing-time timers are checked: their
// resolution.
const timerTick = 10 * time.Millisecond

// periodicTick is how often watermark generators are asked: every
// watermark interval, or every timer tick when the interval is 0. A
// generator of interval 0 emits after each record already, but only a
// periodic call finds that its stream went quiet and is idle.
func periodicTick(interval time.Duration) time.Duration {
	if interval == 0 {
		return timerTick
	}
	return interval
}

// pollSource drives a source chain until its input ends (endSource).
// Outputs are flushed on the buffer timeout and watermark generators
// asked every watermark interval, and checkpoint triggers taken, all
// between polls.
func (t *task) pollSource(run *runState) error {
	chain, writers := run.chain, run.writers
	timeout := t.e.cfg.BufferTimeout
	wmTick := periodicTick(t.prog.prog.Graph().WatermarkInterval)
	lastFlush, lastWatermark, lastTimers := time.Now(), time.Now(), time.Now()
	for {
		if err := t.ctx.Err(); err != nil {
			return err
		}
		select {
		case <-t.cp.kick:
			if err := t.onCheckpointStatus(run); err != nil {
				return err
			}
		default:
		}
		status, err := chain.PollSource()
		if err != nil {
			return err
		}
		if status == operator.EndOfInput {
			return t.endSource(run)
		}
		now := time.Now()
		if now.Sub(lastTimers) >= timerTick {
			if err := chain.OnProcessingTime(now.UnixMilli()); err != nil {
				return err
			}
			lastTimers = now
		}
		if now.Sub(lastWatermark) >= wmTick {
			if err := chain.OnPeriodicWatermark(); err != nil {
				return err
			}
			lastWatermark = now
		}
		if status == operator.NothingAvailable {
			if err := flushAll(writers); err != nil {
				return err
			}
			lastFlush = now
			select {
			case <-t.ctx.Done():
			case <-t.cp.kick:
				if err := t.onCheckpointStatus(run); err != nil {
					return err
				}
			case <-time.After(time.Millisecond):
			}
			continue
		}
		if timeout > 0 && now.Sub(lastFlush) >= timeout {
			if err := flushAll(writers); err != nil {
				return err
			}
			lastFlush = now
		}
	}
}

// endSource ends a bounded source's chain: the final MaxWatermark, so
// that everything downstream fires, then EndInput and end of data. With
// checkpoints, the subtask then waits for a checkpoint taken after its
// end to complete (Flink's final checkpoint), so that what it emitted last
// is committed by the sinks before its channels close.
func (t *task) endSource(run *runState) error {
	if err := run.chain.PushWatermark(operator.MaxWatermark); err != nil {
		return err
	}
	if err := t.endInput(run); err != nil {
		return err
	}
	if run.uploads == nil {
		return nil
	}
	endedAt := run.progress.triggered
	t.endOfData.Store(true)
	t.e.kick() // the JobMaster triggers the final checkpoint once all sources wait
	return t.awaitCheckpoints(run, func(p checkpointProgress) bool {
		return p.triggered > endedAt && p.completed >= p.triggered
	})
}

// awaitCheckpoints takes checkpoint news until done says the subtask's
// progress is what it waits for.
func (t *task) awaitCheckpoints(run *runState, done func(checkpointProgress) bool) error {
	for !done(run.progress) {
		select {
		case <-t.ctx.Done():
			return t.ctx.Err()
		case <-t.cp.kick:
			if err := t.onCheckpointStatus(run); err != nil {
				return err
			}
		}
	}
	return nil
}

// endInput runs the chain's EndInput once and tells every receiver that
// no records follow.
func (t *task) endInput(run *runState) error {
	if run.ended {
		return nil
	}
	run.ended = true
	if err := run.chain.EndInput(); err != nil {
		return fmt.Errorf("end input: %w", err)
	}
	for _, w := range run.writers {
		if err := w.emitEndOfData(); err != nil {
			return fmt.Errorf("%w: %v", errChannel, err)
		}
	}
	return nil
}

// awaitCompletion holds a subtask whose input ended until the last
// checkpoint it took part in completed or was given up, so that its
// operators hear of it (a sink commits then) before they close.
func (t *task) awaitCompletion(run *runState) error {
	return t.awaitCheckpoints(run, func(p checkpointProgress) bool {
		return p.snapshotted <= p.completed || p.snapshotted <= p.aborted
	})
}

// consume feeds the elements of every input channel into the chain until
// all inputs have ended, flushing outputs on the buffer timeout, asking
// watermark generators every watermark interval, and taking checkpoint
// news between buffers.
func (t *task) consume(run *runState, g *gate) error {
	chain, writers := run.chain, run.writers
	var flushTick <-chan time.Time
	if timeout := t.e.cfg.BufferTimeout; timeout > 0 {
		ticker := time.NewTicker(timeout)
		defer ticker.Stop()
		flushTick = ticker.C
	}
	wmTicker := time.NewTicker(periodicTick(t.prog.prog.Graph().WatermarkInterval))
	defer wmTicker.Stop()
	timers := time.NewTicker(timerTick)
	defer timers.Stop()
	in := newInputs(chain, g.open, func(b barrier) error { return t.checkpoint(run, b) }, func() error { return t.endInput(run) })
	run.in = in
	defer in.release()
	for in.open > 0 {
		select {
		case <-t.ctx.Done():
			return t.ctx.Err()
		case now := <-timers.C:
			if err := chain.OnProcessingTime(now.UnixMilli()); err != nil {
				return err
			}
		case <-flushTick:
			if err := flushAll(writers); err != nil {
				return err
			}
		case <-wmTicker.C:
			if err := chain.OnPeriodicWatermark(); err != nil {
				return err
			}
		case <-t.cp.kick:
			if err := t.onCheckpointStatus(run); err != nil {
				return err
			}
		case it := <-g.items:
			if it.err != nil && !errors.Is(it.err, errEndOfInput) {
				return fmt.Errorf("%w: %v", errChannel, it.err)
			}
			t.bytesIn.Add(uint64(len(it.buf)))
			if err := in.deliver(it); err != nil {
				return err
			}
		}
	}
	return nil
}

func flushAll(writers []*recordWriter) error {
	for _, w := range writers {
		if err := w.flushAll(); err != nil {
			return fmt.Errorf("%w: %v", errChannel, err)
		}
	}
	return nil
}
