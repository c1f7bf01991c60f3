package stream

import (
	"fmt"

	"github.com/runnel/runnel/operator"
)

// ConnectedStreams are two streams, possibly of different types, that one
// two-input operator consumes together, as Flink's ConnectedStreams.
type ConnectedStreams[T1, T2 any] struct {
	first  *DataStream[T1]
	second *DataStream[T2]
}

// Connect pairs two streams for a two-input operator (CoProcess).
func Connect[T1, T2 any](first *DataStream[T1], second *DataStream[T2]) *ConnectedStreams[T1, T2] {
	return &ConnectedStreams[T1, T2]{first: first, second: second}
}

// CoProcessFunction is Flink's CoProcessFunction: it sees the records of
// both inputs, in the order they arrive, on one goroutine, so its fields
// may hold state shared by both. It may also implement InitializeState,
// Open, EndInput and Close as a ProcessFunction does. The operator's
// watermark is the minimum of both inputs'.
type CoProcessFunction[T1, T2, U any] interface {
	ProcessElement1(value T1, out operator.Collector[U]) error
	ProcessElement2(value T2, out operator.Collector[U]) error
}

// CoProcess adds a "Co-Process" vertex running fn over both inputs.
func CoProcess[T1, T2, U any](c *ConnectedStreams[T1, T2], fn CoProcessFunction[T1, T2, U]) *DataStream[U] {
	return twoInput(c.first, c.second, "Co-Process", nilFunc(fn == nil),
		func(env *opEnv, out operator.Collector[U]) (operator.Collector[T1], operator.Collector[T2], operator.Lifecycle) {
			p := &coProcessOp[T1, T2, U]{fn: fn, out: out, ctx: env.ctx, run: env.run}
			in1 := coInput[T1]{p.run, func(v T1) error { return p.fn.ProcessElement1(v, p.out) }, p.ctx}
			in2 := coInput[T2]{p.run, func(v T2) error { return p.fn.ProcessElement2(v, p.out) }, p.ctx}
			return in1, in2, p
		})
}

type coProcessOp[T1, T2, U any] struct {
	operatorState
	fn  CoProcessFunction[T1, T2, U]
	out operator.Collector[U]
	ctx *operator.Context
	run *chainState
}

// coInput is one input of a two-input operator.
type coInput[T any] struct {
	run     *chainState
	process func(T) error
	ctx     *operator.Context
}

func (c coInput[T]) Collect(v T) {
	if c.run.err != nil {
		return
	}
	if err := c.process(v); err != nil {
		c.run.fail(fmt.Errorf("%s: %w", c.ctx, err))
	}
}

func (p *coProcessOp[T1, T2, U]) Open(ctx *operator.Context) error {
	if err := p.open(p.fn, ctx); err != nil {
		return err
	}
	if o, ok := p.fn.(opener); ok {
		return o.Open(ctx)
	}
	return nil
}

func (p *coProcessOp[T1, T2, U]) EndInput() error {
	if e, ok := p.fn.(endInputer[U]); ok {
		return e.EndInput(p.out)
	}
	return nil
}

func (p *coProcessOp[T1, T2, U]) Close() error {
	if c, ok := p.fn.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}
