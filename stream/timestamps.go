package stream

import (
	"fmt"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/watermark"
)

// AssignTimestampsAndWatermarks adds a "Timestamps/Watermarks" vertex, as
// Flink's: it sets each record's event timestamp with the strategy's
// assigner and emits watermarks from the strategy's generator, after
// every record or every watermark interval (Env.SetAutoWatermarkInterval).
// Watermarks from upstream are dropped, except the final MaxWatermark of
// a bounded input, which passes so that everything downstream fires.
func AssignTimestampsAndWatermarks[T any](s *DataStream[T], strategy watermark.Strategy[T]) *DataStream[T] {
	problem := ""
	if strategy.Generator == nil {
		problem = "watermark strategy without a generator"
	}
	interval := s.env.watermarkInterval
	return oneInput(s, "Timestamps/Watermarks", problem, func(env *opEnv, out operator.Collector[T]) (operator.Collector[T], operator.Lifecycle) {
		ctx := env.ctx
		run := env.run
		op := &assignerOp[T]{strategy: strategy, interval: interval, out: out, ctx: ctx, run: run}
		return op, op
	})
}

type assignerOp[T any] struct {
	strategy watermark.Strategy[T]
	interval time.Duration
	emitter  *watermark.Emitter
	out      operator.Collector[T]
	ctx      *operator.Context
	run      *chainState
	emit     func(wm int64) error
	emitIdle func(idle bool) error
	// idle is what downstream was last told.
	idle bool
}

func (a *assignerOp[T]) setEmit(emit func(wm int64) error, emitIdle func(idle bool) error) {
	a.emit, a.emitIdle = emit, emitIdle
}

// send tells downstream about a changed status: idleness first when the
// stream goes quiet, activity before the watermark when it wakes. Only the
// idleness change is sent from here when wm is false: the periodic path
// returns its watermark to the chain instead.
func (a *assignerOp[T]) send(st watermark.Status, wm bool) error {
	if st.Idle != a.idle {
		a.idle = st.Idle
		if err := a.emitIdle(st.Idle); err != nil {
			return err
		}
	}
	if wm && !st.Idle {
		return a.emit(st.Watermark)
	}
	return nil
}

func (a *assignerOp[T]) Open(*operator.Context) error {
	em, err := watermark.NewEmitter(a.strategy.CreateGenerator(nil), a.interval)
	if err != nil {
		return err
	}
	a.emitter = em
	return nil
}

// Collect stamps the record, passes it on, then lets the generator see
// its timestamp, in Flink's order.
func (a *assignerOp[T]) Collect(v T) {
	if a.run.err != nil {
		return
	}
	ts := a.strategy.ExtractTimestamp(v, a.run.ts)
	a.run.ts = ts
	a.out.Collect(v)
	if st, changed := a.emitter.OnEvent(ts); changed {
		if err := a.send(st, true); err != nil {
			a.run.fail(fmt.Errorf("%s: %w", a.ctx, err))
		}
	}
}

// OnPeriodicWatermark implements operator.WatermarkGenerator; a change of
// idleness goes downstream from here, the watermark through the chain.
func (a *assignerOp[T]) OnPeriodicWatermark() (int64, bool) {
	st, changed := a.emitter.OnPeriodicEmit()
	if !changed {
		return 0, false
	}
	if err := a.send(st, false); err != nil {
		a.run.fail(fmt.Errorf("%s: %w", a.ctx, err))
		return 0, false
	}
	return st.Watermark, !st.Idle
}

// ProcessWatermark implements operator.WatermarkHandler: this operator's
// own watermarks replace its input's.
func (a *assignerOp[T]) ProcessWatermark(wm int64) (int64, error) {
	if wm == operator.MaxWatermark {
		return wm, nil
	}
	return operator.NoTimestamp, nil
}

func (a *assignerOp[T]) EndInput() error { return nil }
func (a *assignerOp[T]) Close() error    { return nil }
