package stream

import (
	"fmt"
	"io"

	"github.com/runnel/runnel/operator"
)

// ProcessFunction is Flink's ProcessFunction: the general operator. It
// may also implement any of
//
//	InitializeState(store *state.OperatorStore) error // first; registers operator state
//	Open(ctx *operator.Context) error                 // before the first record
//	EndInput(out operator.Collector[U]) error         // after the last; may emit
//	Close() error                                     // at the end, also after a failure
//
// An error from ProcessElement fails the job; the function gets no more
// records. Each subtask has its own instance (see the package doc), so
// fields may hold state.
type ProcessFunction[T, U any] interface {
	ProcessElement(value T, out operator.Collector[U]) error
}

// ProcessFunc adapts a plain function to a ProcessFunction.
type ProcessFunc[T, U any] func(value T, out operator.Collector[U]) error

// ProcessElement calls f.
func (f ProcessFunc[T, U]) ProcessElement(value T, out operator.Collector[U]) error {
	return f(value, out)
}

type opener interface {
	Open(ctx *operator.Context) error
}

type endInputer[U any] interface {
	EndInput(out operator.Collector[U]) error
}

// Process adds a "Process" vertex running fn.
func Process[T, U any](s *DataStream[T], fn ProcessFunction[T, U]) *DataStream[U] {
	f, isFunc := fn.(ProcessFunc[T, U])
	return oneInput(s, "Process", nilFunc(fn == nil || isFunc && f == nil), func(env *opEnv, out operator.Collector[U]) (operator.Collector[T], operator.Lifecycle) {
		ctx := env.ctx
		run := env.run
		op := &processOp[T, U]{fn: fn, out: out, ctx: ctx, run: run}
		return op, op
	})
}

type processOp[T, U any] struct {
	operatorState
	fn  ProcessFunction[T, U]
	out operator.Collector[U]
	ctx *operator.Context
	run *chainState
}

func (p *processOp[T, U]) Collect(v T) {
	if p.run.err != nil {
		return
	}
	if err := p.fn.ProcessElement(v, p.out); err != nil {
		p.run.fail(fmt.Errorf("%s: %w", p.ctx, err))
	}
}

func (p *processOp[T, U]) Open(ctx *operator.Context) error {
	if err := p.open(p.fn, ctx); err != nil {
		return err
	}
	if o, ok := p.fn.(opener); ok {
		return o.Open(ctx)
	}
	return nil
}

func (p *processOp[T, U]) EndInput() error {
	if e, ok := p.fn.(endInputer[U]); ok {
		return e.EndInput(p.out)
	}
	return nil
}

func (p *processOp[T, U]) Close() error {
	if c, ok := p.fn.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
