package stream

import (
	"fmt"
	"reflect"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
)

// BroadcastStream is a stream each record of which reaches every subtask
// of the operator that reads it, with the broadcast states that operator
// keeps from it, as Flink's BroadcastStream: the broadcast state pattern,
// where a low-volume stream (rules, configuration) is applied to every
// record of another.
type BroadcastStream[T any] struct {
	stream      *DataStream[T]
	descriptors map[string]state.BroadcastDescriptor
}

// BroadcastState broadcasts s with the broadcast states descriptors
// (state.MapStateDescriptor values), as Flink's
// DataStream.broadcast(MapStateDescriptor...): the edge to the reading
// operator is Broadcast, and that operator's functions reach broadcast
// state through these descriptors only.
func BroadcastState[T any](s *DataStream[T], descriptors ...state.BroadcastDescriptor) *BroadcastStream[T] {
	b := &BroadcastStream[T]{stream: s.partition(jobgraph.Broadcast), descriptors: map[string]state.BroadcastDescriptor{}}
	if len(descriptors) == 0 {
		s.env.failf("BroadcastState: no broadcast state descriptor")
	}
	for i, d := range descriptors {
		switch {
		case d == nil:
			s.env.failf("BroadcastState: descriptor %d is nil", i+1)
		case d.StateName() == "":
			s.env.failf("BroadcastState: descriptor %d has no name", i+1)
		case b.descriptors[d.StateName()] != nil:
			s.env.failf("BroadcastState: two descriptors named %q", d.StateName())
		default:
			b.descriptors[d.StateName()] = d
		}
	}
	return b
}

// BroadcastConnectedStreams are a stream and a broadcast stream that one
// operator reads together, as Flink's BroadcastConnectedStream.
type BroadcastConnectedStreams[T1, T2 any] struct {
	first     *DataStream[T1]
	broadcast *BroadcastStream[T2]
}

// ConnectBroadcast pairs a stream with a broadcast stream for
// BroadcastProcess. ConnectKeyedBroadcast does so for a keyed stream.
func ConnectBroadcast[T1, T2 any](nonBroadcast *DataStream[T1], b *BroadcastStream[T2]) *BroadcastConnectedStreams[T1, T2] {
	return &BroadcastConnectedStreams[T1, T2]{first: nonBroadcast, broadcast: b}
}

// BroadcastProcessFunction is Flink's BroadcastProcessFunction. Every
// subtask sees every broadcast record, in ProcessBroadcastElement, which
// may change the broadcast state; ProcessElement sees the subtask's share
// of the other stream and may only read it, so that the state stays the
// same on every subtask. The order of records across the two inputs is
// the order they arrive in, which differs between subtasks: a function
// that must not miss a rule buffers records until it has it. It may also
// implement InitializeState, Open, EndInput and Close as a
// ProcessFunction does.
type BroadcastProcessFunction[T1, T2, U any] interface {
	ProcessElement(value T1, ctx *ReadOnlyBroadcastContext, out operator.Collector[U]) error
	ProcessBroadcastElement(value T2, ctx *BroadcastContext, out operator.Collector[U]) error
}

// BroadcastProcess adds a "Co-Process-Broadcast" vertex running fn over
// both inputs. Its watermark is the minimum of both inputs'.
func BroadcastProcess[T1, T2, U any](c *BroadcastConnectedStreams[T1, T2], fn BroadcastProcessFunction[T1, T2, U]) *DataStream[U] {
	return twoInput(c.first, c.broadcast.stream, "Co-Process-Broadcast", nilFunc(fn == nil),
		func(env *opEnv, out operator.Collector[U]) (operator.Collector[T1], operator.Collector[T2], operator.Lifecycle) {
			p := &broadcastProcess[T1, T2, U]{core: newBroadcastCore(env, c.broadcast.descriptors), fn: fn, out: out}
			p.roc.core, p.bc.core = &p.core, &p.core
			return coInput[T1]{env.run, p.processElement, env.ctx}, coInput[T2]{env.run, p.processBroadcastElement, env.ctx}, p
		})
}

// broadcastCore is what the broadcast operators share whatever their
// types: the subtask's operator state, which holds the broadcast states,
// the broadcast states the broadcast stream declared, and the watermark.
type broadcastCore struct {
	operatorState
	ctx       *operator.Context
	run       *chainState
	sides     map[string]any
	declared  map[string]state.BroadcastDescriptor
	watermark int64
}

func newBroadcastCore(env *opEnv, declared map[string]state.BroadcastDescriptor) broadcastCore {
	return broadcastCore{ctx: env.ctx, run: env.run, sides: env.sides, declared: declared, watermark: operator.MinWatermark}
}

// declaredBroadcastState returns the broadcast state d, if the broadcast
// stream declared it with d's types.
func declaredBroadcastState[UK comparable, UV any](c *broadcastCore, d state.MapStateDescriptor[UK, UV]) (*state.BroadcastState[UK, UV], error) {
	declared, ok := c.declared[d.Name]
	switch {
	case !ok:
		return nil, fmt.Errorf("broadcast state %q: not a state of the broadcast stream; declare it in BroadcastState", d.Name)
	case reflect.TypeOf(declared) != reflect.TypeOf(d):
		return nil, fmt.Errorf("broadcast state %q is declared as a %T, not a %T", d.Name, declared, d)
	}
	return state.GetBroadcastState(c.store, d)
}

// broadcastReader and broadcastWriter are the contexts through which a
// function reads, or also writes, broadcast state.
type broadcastReader interface{ readBroadcast() *broadcastCore }

type broadcastWriter interface{ writeBroadcast() *broadcastCore }

// GetBroadcastState returns the broadcast state d for reading and
// writing, from the context of ProcessBroadcastElement. d must be one of
// the descriptors given to BroadcastState.
func GetBroadcastState[UK comparable, UV any](ctx broadcastWriter, d state.MapStateDescriptor[UK, UV]) (*state.BroadcastState[UK, UV], error) {
	return declaredBroadcastState(ctx.writeBroadcast(), d)
}

// GetReadOnlyBroadcastState returns the broadcast state d for reading,
// from the context of any method of a broadcast function. d must be one
// of the descriptors given to BroadcastState.
func GetReadOnlyBroadcastState[UK comparable, UV any](ctx broadcastReader, d state.MapStateDescriptor[UK, UV]) (state.ReadOnlyBroadcastState[UK, UV], error) {
	s, err := declaredBroadcastState(ctx.readBroadcast(), d)
	if err != nil {
		return state.ReadOnlyBroadcastState[UK, UV]{}, err
	}
	return s.ReadOnly(), nil
}

// broadcastView is what every context of a broadcast function tells.
type broadcastView struct {
	core *broadcastCore
	ts   int64
}

// Timestamp returns the event timestamp of the record, if it has one.
func (v *broadcastView) Timestamp() (int64, bool) { return v.ts, v.ts != operator.NoTimestamp }

// CurrentWatermark returns the operator's current event time.
func (v *broadcastView) CurrentWatermark() int64 { return v.core.watermark }

// CurrentProcessingTime returns the wall clock in epoch milliseconds.
func (v *broadcastView) CurrentProcessingTime() int64 { return time.Now().UnixMilli() }

func (v *broadcastView) side(id string) any {
	if v.core.sides == nil {
		return nil
	}
	return v.core.sides[id]
}

func (v *broadcastView) readBroadcast() *broadcastCore { return v.core }

// ReadOnlyBroadcastContext is what a BroadcastProcessFunction's
// ProcessElement sees, as Flink's ReadOnlyContext: the record's
// timestamp, the watermark, side outputs (Output) and broadcast state
// for reading (GetReadOnlyBroadcastState).
type ReadOnlyBroadcastContext struct{ broadcastView }

// BroadcastContext is what ProcessBroadcastElement sees: as a
// ReadOnlyBroadcastContext, with broadcast state for writing as well
// (GetBroadcastState).
type BroadcastContext struct{ broadcastView }

func (c *BroadcastContext) writeBroadcast() *broadcastCore { return c.core }

type broadcastProcess[T1, T2, U any] struct {
	core broadcastCore
	fn   BroadcastProcessFunction[T1, T2, U]
	out  operator.Collector[U]
	roc  ReadOnlyBroadcastContext
	bc   BroadcastContext
}

func (p *broadcastProcess[T1, T2, U]) processElement(v T1) error {
	p.roc.ts = p.core.run.ts
	return p.fn.ProcessElement(v, &p.roc, p.out)
}

func (p *broadcastProcess[T1, T2, U]) processBroadcastElement(v T2) error {
	p.bc.ts = p.core.run.ts
	return p.fn.ProcessBroadcastElement(v, &p.bc, p.out)
}

func (p *broadcastProcess[T1, T2, U]) RestoreState(r operator.Restored) error {
	return p.core.RestoreState(r)
}

func (p *broadcastProcess[T1, T2, U]) SnapshotState(id int64) (operator.Snapshot, error) {
	return p.core.SnapshotState(id)
}

func (p *broadcastProcess[T1, T2, U]) Open(ctx *operator.Context) error {
	if err := p.core.open(p.fn, ctx); err != nil {
		return err
	}
	if o, ok := p.fn.(opener); ok {
		return o.Open(ctx)
	}
	return nil
}

// ProcessWatermark keeps the watermark for CurrentWatermark and forwards
// it.
func (p *broadcastProcess[T1, T2, U]) ProcessWatermark(wm int64) (int64, error) {
	p.core.watermark = wm
	return wm, nil
}

func (p *broadcastProcess[T1, T2, U]) EndInput() error {
	if e, ok := p.fn.(endInputer[U]); ok {
		return e.EndInput(p.out)
	}
	return nil
}

func (p *broadcastProcess[T1, T2, U]) Close() error {
	if c, ok := p.fn.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}
