package stream

import (
	"fmt"
	"sync/atomic"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// chainState is what the typed collectors of one chain share: record
// counters and the first per-record error. Only the subtask's goroutine
// touches it, so it needs no atomics; the chain publishes the counters
// after each call, which costs two atomic stores per call rather than one
// atomic add per record.
type chainState struct {
	in, out uint64
	err     error
	// ts is the event timestamp of the record passing through the chain
	// now (operator.NoTimestamp if it has none): set by the decoder or a
	// timestamp assigner, read by network outputs. One field per chain
	// instead of a timestamp per Collect keeps records passed by plain
	// calls.
	ts int64
	// lateDropped counts records that windows dropped as too late, with
	// no late-data side output: Flink's numLateRecordsDropped.
	lateDropped uint64
}

// fail records a per-record error (a sink's Write, a ProcessFunction, an
// encoding); the first one is returned by the chain call under way.
func (s *chainState) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// chainedOp is one operator of a chain.
type chainedOp struct {
	lc  operator.Lifecycle
	ctx *operator.Context
	id  string // the operator id its state is kept under
}

// chain implements operator.Chain over typed collectors wired by
// program.instantiate.
type chain struct {
	ops  []chainedOp // head first
	poll func() (operator.InputStatus, error)
	// decoders holds, by EdgeID, the decoder of each input edge of the
	// head; nil for other edges.
	decoders []func([]byte) error
	// opened is the index of the first open operator: Open opens tail
	// first, so ops[opened:] are open; len(ops) when none is.
	opened int
	run    chainState
	// Watermarks travel operator by operator: succ[i] are the chained
	// successors of ops[i], netOuts[i] its writers to other tasks.
	succ       [][]int
	netOuts    [][]operator.RecordWriter
	handlers   []operator.WatermarkHandler   // nil where the operator has none
	generators []operator.WatermarkGenerator // nil where the operator has none
	procTime   []operator.ProcessingTimeHandler
	in, out    atomic.Uint64
	lateDrops  atomic.Uint64
	watermark  atomic.Int64
}

// Open opens the operators tail first, so that each one's downstream is
// ready before it can emit. If one fails, those already open are closed
// again, so a failed deployment leaves nothing behind (a sink's part file).
func (c *chain) Open() error {
	for i := len(c.ops) - 1; i >= 0; i-- {
		op := c.ops[i]
		if err := op.lc.Open(op.ctx); err != nil {
			for _, opened := range c.ops[i+1:] {
				closeOp(opened)
			}
			return fmt.Errorf("%s: open: %w", op.ctx, err)
		}
		c.opened = i
	}
	return nil
}

func (c *chain) IsSource() bool { return c.poll != nil }

func (c *chain) PollSource() (operator.InputStatus, error) {
	if c.poll == nil {
		return operator.EndOfInput, fmt.Errorf("%s: not a source", c.ops[0].ctx)
	}
	if c.run.err != nil {
		return operator.EndOfInput, c.run.err
	}
	c.run.ts = operator.NoTimestamp
	st, err := c.poll()
	c.publish()
	if err != nil {
		return st, fmt.Errorf("%s: poll: %w", c.ops[0].ctx, err)
	}
	return st, c.run.err
}

func (c *chain) PushRecord(e jobgraph.EdgeID, ts int64, record []byte) error {
	if e < 0 || int(e) >= len(c.decoders) || c.decoders[e] == nil {
		return fmt.Errorf("%s: edge %d is not an input", c.ops[0].ctx, e)
	}
	if c.run.err != nil {
		return c.run.err
	}
	c.run.ts = ts
	err := c.decoders[e](record)
	c.publish()
	if err != nil {
		return fmt.Errorf("%s: input edge %d: %w", c.ops[0].ctx, e, err)
	}
	return c.run.err
}

// EndInput ends the operators head to tail, so that records an operator
// emits at its end reach its downstream before that one ends.
func (c *chain) EndInput() error {
	if c.run.err != nil {
		return c.run.err
	}
	defer c.publish()
	for _, op := range c.ops {
		if err := op.lc.EndInput(); err != nil {
			return fmt.Errorf("%s: end input: %w", op.ctx, err)
		}
		if c.run.err != nil {
			return c.run.err
		}
	}
	return nil
}

// Close closes every opened operator, head to tail, even after one fails
// or panics (an operator emitting from Close into a released channel
// does), and returns the first problem.
func (c *chain) Close() error {
	var first error
	for _, op := range c.ops[c.opened:] {
		if err := closeOp(op); err != nil && first == nil {
			first = err
		}
	}
	c.opened = len(c.ops)
	c.publish()
	return first
}

func closeOp(op chainedOp) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: close: panic: %v", op.ctx, r)
		}
	}()
	if err := op.lc.Close(); err != nil {
		return fmt.Errorf("%s: close: %w", op.ctx, err)
	}
	return nil
}

// PushWatermark runs an input watermark through the chain from its head.
func (c *chain) PushWatermark(wm int64) error {
	if c.run.err != nil {
		return c.run.err
	}
	c.watermark.Store(wm)
	err := c.watermarkInto(0, wm)
	c.publish()
	if err != nil {
		return err
	}
	return c.run.err
}

// watermarkInto gives ops[i] a watermark and passes on what it forwards.
func (c *chain) watermarkInto(i int, wm int64) error {
	if h := c.handlers[i]; h != nil {
		fwd, err := h.ProcessWatermark(wm)
		if err != nil {
			return fmt.Errorf("%s: watermark: %w", c.ops[i].ctx, err)
		}
		if fwd == operator.NoTimestamp {
			return nil
		}
		wm = fwd
	}
	return c.watermarkFrom(i, wm)
}

// watermarkFrom passes a watermark that ops[i] emits to its successors
// and writers. A writer that cannot send aborts the subtask, as a record
// would.
func (c *chain) watermarkFrom(i int, wm int64) error {
	for _, j := range c.succ[i] {
		if err := c.watermarkInto(j, wm); err != nil {
			return err
		}
	}
	for _, w := range c.netOuts[i] {
		if err := w.EmitWatermark(wm); err != nil {
			panic(operator.Abort{Err: err})
		}
	}
	return nil
}

// idleFrom passes an idle status that ops[i] emits to the writers
// downstream of it in the chain.
func (c *chain) idleFrom(i int, idle bool) error {
	for _, j := range c.succ[i] {
		if err := c.idleFrom(j, idle); err != nil {
			return err
		}
	}
	for _, w := range c.netOuts[i] {
		if err := w.EmitIdle(idle); err != nil {
			panic(operator.Abort{Err: err})
		}
	}
	return nil
}

// PushIdle passes the idle status to every writer of the chain.
func (c *chain) PushIdle(idle bool) error {
	for _, ws := range c.netOuts {
		for _, w := range ws {
			if err := w.EmitIdle(idle); err != nil {
				panic(operator.Abort{Err: err})
			}
		}
	}
	return nil
}

// OnPeriodicWatermark lets each generator emit downstream of itself.
func (c *chain) OnPeriodicWatermark() error {
	if c.run.err != nil {
		return c.run.err
	}
	for i, g := range c.generators {
		if g == nil {
			continue
		}
		if wm, ok := g.OnPeriodicWatermark(); ok {
			if err := c.watermarkFrom(i, wm); err != nil {
				return err
			}
		}
	}
	c.publish()
	return c.run.err
}

// OnProcessingTime lets every operator with processing-time timers fire
// the ones that are due.
func (c *chain) OnProcessingTime(now int64) error {
	if c.run.err != nil || len(c.procTime) == 0 {
		return c.run.err
	}
	for _, h := range c.procTime {
		if err := h.OnProcessingTime(now); err != nil {
			return err
		}
	}
	c.publish()
	return c.run.err
}

// Metrics lags by at most the chain call under way.
func (c *chain) Metrics() operator.ChainMetrics {
	return operator.ChainMetrics{
		RecordsIn: c.in.Load(), RecordsOut: c.out.Load(), Watermark: c.watermark.Load(),
		LateRecordsDropped: c.lateDrops.Load(),
	}
}

func (c *chain) publish() {
	c.in.Store(c.run.in)
	c.out.Store(c.run.out)
	c.lateDrops.Store(c.run.lateDropped)
}
