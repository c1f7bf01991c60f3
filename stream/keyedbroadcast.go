package stream

import (
	"fmt"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/operator/timer"
)

// KeyedBroadcastConnectedStreams are a keyed stream and a broadcast
// stream that one operator reads together, as Flink's
// BroadcastConnectedStream of a KeyedStream.
type KeyedBroadcastConnectedStreams[T1 any, K comparable, T2 any] struct {
	first     *KeyedStream[T1, K]
	broadcast *BroadcastStream[T2]
}

// ConnectKeyedBroadcast pairs a keyed stream with a broadcast stream for
// KeyedBroadcastProcess.
func ConnectKeyedBroadcast[T1 any, K comparable, T2 any](ks *KeyedStream[T1, K], b *BroadcastStream[T2]) *KeyedBroadcastConnectedStreams[T1, K, T2] {
	return &KeyedBroadcastConnectedStreams[T1, K, T2]{first: ks, broadcast: b}
}

// KeyedBroadcastProcessFunction is Flink's KeyedBroadcastProcessFunction:
// a BroadcastProcessFunction whose first input is keyed, so that
// ProcessElement also has keyed state and timers, as a
// KeyedProcessFunction's. It may also implement
//
//	InitializeState(store *state.OperatorStore) error
//	Open(ctx *KeyedRuntimeContext[K]) error   // get keyed state handles here
//	OnTimer(timestamp int64, ctx *KeyedReadOnlyBroadcastContext[K], out operator.Collector[U]) error
//	EndInput(out operator.Collector[U]) error
//	Close() error
//
// ProcessBroadcastElement has no current key: keyed state handles there
// act on whatever key was current last. It reaches the keyed state of all
// the subtask's keys with ApplyToKeyedState.
type KeyedBroadcastProcessFunction[K comparable, T1, T2, U any] interface {
	ProcessElement(value T1, ctx *KeyedReadOnlyBroadcastContext[K], out operator.Collector[U]) error
	ProcessBroadcastElement(value T2, ctx *KeyedBroadcastContext[K], out operator.Collector[U]) error
}

// KeyedReadOnlyBroadcastContext is what ProcessElement and OnTimer of a
// KeyedBroadcastProcessFunction see: a KeyedContext (the key, timers,
// side outputs) with broadcast state for reading
// (GetReadOnlyBroadcastState).
type KeyedReadOnlyBroadcastContext[K comparable] struct {
	KeyedContext[K]
	core *broadcastCore
}

func (c *KeyedReadOnlyBroadcastContext[K]) readBroadcast() *broadcastCore { return c.core }

// KeyedBroadcastContext is what ProcessBroadcastElement of a
// KeyedBroadcastProcessFunction sees: a BroadcastContext, and the keyed
// state of the subtask through ApplyToKeyedState.
type KeyedBroadcastContext[K comparable] struct {
	BroadcastContext
	op *keyedProcessOp[K]
}

// ApplyToKeyedState calls fn for every key of the subtask that has an
// entry of s, with that key current, as Flink's applyToKeyedState. s is
// a handle the function got in Open (state.GetListState and friends,
// namespace state.VoidNamespace); fn may read, change or clear it and the
// key's other keyed state. The first error fn returns stops the calls.
// Afterwards the last key visited stays current.
func ApplyToKeyedState[K comparable, S state.KeyedState[K, state.VoidNamespace]](ctx *KeyedBroadcastContext[K], s S, fn func(key K, s S) error) error {
	b := ctx.op.backend
	for k := range state.Keys(s, state.VoidNamespace{}) {
		if err := b.SetCurrentKey(k); err != nil {
			return fmt.Errorf("apply to keyed state: %w", err)
		}
		if err := fn(k, s); err != nil {
			return fmt.Errorf("apply to keyed state: key %v: %w", k, err)
		}
	}
	return nil
}

type keyedBroadcastOnTimer[K comparable, U any] interface {
	OnTimer(timestamp int64, ctx *KeyedReadOnlyBroadcastContext[K], out operator.Collector[U]) error
}

// KeyedBroadcastProcess adds a "Co-Process-Broadcast-Keyed" vertex
// running fn over both inputs. Its watermark is the minimum of both
// inputs'; event-time timers fire when it passes them.
func KeyedBroadcastProcess[T1 any, K comparable, T2, U any](c *KeyedBroadcastConnectedStreams[T1, K, T2], fn KeyedBroadcastProcessFunction[K, T1, T2, U]) *DataStream[U] {
	problem := nilFunc(fn == nil)
	if c.first.key == nil {
		problem = "nil key selector"
	}
	key := c.first.key
	return twoInput(c.first.stream, c.broadcast.stream, "Co-Process-Broadcast-Keyed", problem,
		func(env *opEnv, out operator.Collector[U]) (operator.Collector[T1], operator.Collector[T2], operator.Lifecycle) {
			p := &keyedBroadcastProcess[K, T1, T2, U]{
				op:   &keyedProcessOp[K]{ctx: env.ctx, run: env.run, sides: env.sides},
				core: newBroadcastCore(env, c.broadcast.descriptors),
				fn:   fn,
				key:  key,
				out:  out,
			}
			p.op.typed = p
			p.roc.op, p.roc.core = p.op, &p.core
			p.bc.core, p.bc.op = &p.core, p.op
			return coInput[T1]{env.run, p.processElement, env.ctx}, coInput[T2]{env.run, p.processBroadcastElement, env.ctx}, p
		})
}

type keyedBroadcastProcess[K comparable, T1, T2, U any] struct {
	op   *keyedProcessOp[K]
	core broadcastCore
	fn   KeyedBroadcastProcessFunction[K, T1, T2, U]
	key  func(T1) K
	out  operator.Collector[U]
	roc  KeyedReadOnlyBroadcastContext[K]
	bc   KeyedBroadcastContext[K]
}

func (p *keyedBroadcastProcess[K, T1, T2, U]) processElement(v T1) error {
	if err := p.op.backend.SetCurrentKey(p.key(v)); err != nil {
		return err
	}
	p.roc.ts = p.op.run.ts
	return p.fn.ProcessElement(v, &p.roc, p.out)
}

func (p *keyedBroadcastProcess[K, T1, T2, U]) processBroadcastElement(v T2) error {
	p.bc.ts = p.op.run.ts
	return p.fn.ProcessBroadcastElement(v, &p.bc, p.out)
}

func (p *keyedBroadcastProcess[K, T1, T2, U]) RestoreState(r operator.Restored) error {
	if err := p.op.RestoreState(r); err != nil {
		return err
	}
	return p.core.RestoreState(r)
}

// SnapshotState holds the keyed state and timers per key group and the
// broadcast and other operator state of the subtask.
func (p *keyedBroadcastProcess[K, T1, T2, U]) SnapshotState(id int64) (operator.Snapshot, error) {
	s, err := p.op.snapshotKeyed(p.op.timers)
	if err != nil {
		return s, err
	}
	ops, err := p.core.SnapshotState(id)
	s.Operator = ops.Operator
	return s, err
}

// Open makes keyed state and timers first, then operator state, so that
// InitializeState and Open find both, as in Flink.
func (p *keyedBroadcastProcess[K, T1, T2, U]) Open(ctx *operator.Context) error {
	groups := p.op.openState()
	p.op.timers = timer.NewService[K, state.VoidNamespace](KeyHash[K], ctx.MaxParallelism, groups)
	if err := p.op.restoreKeyed(p.op.timers); err != nil {
		return err
	}
	if err := p.core.open(p.fn, ctx); err != nil {
		return err
	}
	if o, ok := p.fn.(keyedOpener[K]); ok {
		return o.Open(&KeyedRuntimeContext[K]{Context: ctx, State: p.op.backend})
	}
	return nil
}

// fire calls OnTimer with the timer's key current and its time as the
// timestamp of whatever OnTimer emits.
func (p *keyedBroadcastProcess[K, T1, T2, U]) fire(t timer.Timer[K, state.VoidNamespace]) error {
	f, ok := p.fn.(keyedBroadcastOnTimer[K, U])
	if !ok {
		return nil
	}
	if err := p.op.backend.SetCurrentKey(t.Key); err != nil {
		return err
	}
	p.op.run.ts = t.Time
	p.roc.ts = t.Time
	if err := f.OnTimer(t.Time, &p.roc, p.out); err != nil {
		return fmt.Errorf("%s: on timer: %w", p.op.ctx, err)
	}
	return nil
}

func (p *keyedBroadcastProcess[K, T1, T2, U]) ProcessWatermark(wm int64) (int64, error) {
	p.core.watermark = wm
	return p.op.ProcessWatermark(wm)
}

func (p *keyedBroadcastProcess[K, T1, T2, U]) OnProcessingTime(now int64) error {
	return p.op.OnProcessingTime(now)
}

func (p *keyedBroadcastProcess[K, T1, T2, U]) EndInput() error {
	if e, ok := p.fn.(endInputer[U]); ok {
		return e.EndInput(p.out)
	}
	return nil
}

func (p *keyedBroadcastProcess[K, T1, T2, U]) Close() error {
	if c, ok := p.fn.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}
