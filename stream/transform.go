package stream

import (
	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// oneInput adds an operator vertex consuming s. problem, if not empty,
// is recorded against the vertex (a nil function); newOp then is never
// called, since Build fails. newOp creates one subtask's instance: its
// input collector and its lifecycle.
func oneInput[IN, OUT any](s *DataStream[IN], name, problem string,
	newOp func(env *opEnv, out operator.Collector[OUT]) (operator.Collector[IN], operator.Lifecycle),
) *DataStream[OUT] {
	n := s.env.add(jobgraph.Operator, name)
	connect(s, n)
	n.fanOut = fanOut[OUT]
	if problem != "" {
		n.failf("%s", problem)
		return newStream[OUT](n)
	}
	n.newInstance = func(op *opEnv, out any) (any, operator.Lifecycle, func() (operator.InputStatus, error), error) {
		in, lc := newOp(op, out.(operator.Collector[OUT]))
		return in, lc, nil, nil
	}
	return newStream[OUT](n)
}

// twoInput adds an operator vertex consuming first and second, the way
// oneInput does for one: newOp creates a subtask's instance, a collector
// per input and its lifecycle.
func twoInput[IN1, IN2, OUT any](first *DataStream[IN1], second *DataStream[IN2], name, problem string,
	newOp func(env *opEnv, out operator.Collector[OUT]) (operator.Collector[IN1], operator.Collector[IN2], operator.Lifecycle),
) *DataStream[OUT] {
	n := first.env.add(jobgraph.Operator, name)
	connectInput(first, n, func(in any) any { return in.(*twoInputs[IN1, IN2]).in1 })
	connectInput(second, n, func(in any) any { return in.(*twoInputs[IN1, IN2]).in2 })
	n.fanOut = fanOut[OUT]
	if problem == "" && second.env != first.env {
		problem = "connected streams of two different jobs"
	}
	if problem != "" {
		n.failf("%s", problem)
		return newStream[OUT](n)
	}
	n.newInstance = func(op *opEnv, out any) (any, operator.Lifecycle, func() (operator.InputStatus, error), error) {
		in1, in2, lc := newOp(op, out.(operator.Collector[OUT]))
		return &twoInputs[IN1, IN2]{in1: in1, in2: in2}, lc, nil, nil
	}
	return newStream[OUT](n)
}

// twoInputs are the input collectors of a two-input operator's instance.
type twoInputs[T1, T2 any] struct {
	in1 operator.Collector[T1]
	in2 operator.Collector[T2]
}

// nilFunc is the problem of a nil user function.
func nilFunc(isNil bool) string {
	if isNil {
		return "nil function"
	}
	return ""
}

// Map adds a "Map" vertex that emits fn(v) for every record v.
func Map[T, U any](s *DataStream[T], fn func(T) U) *DataStream[U] {
	return oneInput(s, "Map", nilFunc(fn == nil), func(env *opEnv, out operator.Collector[U]) (operator.Collector[T], operator.Lifecycle) {
		op := &mapOp[T, U]{fn: fn, out: out}
		return op, op
	})
}

// FlatMap adds a "Flat Map" vertex: fn emits zero or more records per
// input record to the collector it is given.
func FlatMap[T, U any](s *DataStream[T], fn func(T, operator.Collector[U])) *DataStream[U] {
	return oneInput(s, "Flat Map", nilFunc(fn == nil), func(env *opEnv, out operator.Collector[U]) (operator.Collector[T], operator.Lifecycle) {
		op := &flatMapOp[T, U]{fn: fn, out: out}
		return op, op
	})
}

// Filter adds a "Filter" vertex that keeps the records for which fn is
// true.
func Filter[T any](s *DataStream[T], fn func(T) bool) *DataStream[T] {
	return oneInput(s, "Filter", nilFunc(fn == nil), func(env *opEnv, out operator.Collector[T]) (operator.Collector[T], operator.Lifecycle) {
		op := &filterOp[T]{fn: fn, out: out}
		return op, op
	})
}

// stateless is the lifecycle of operators that hold nothing.
type stateless struct{}

func (stateless) Open(*operator.Context) error { return nil }
func (stateless) EndInput() error              { return nil }
func (stateless) Close() error                 { return nil }

type mapOp[T, U any] struct {
	stateless
	fn  func(T) U
	out operator.Collector[U]
}

func (m *mapOp[T, U]) Collect(v T) { m.out.Collect(m.fn(v)) }

type flatMapOp[T, U any] struct {
	stateless
	fn  func(T, operator.Collector[U])
	out operator.Collector[U]
}

func (f *flatMapOp[T, U]) Collect(v T) { f.fn(v, f.out) }

type filterOp[T any] struct {
	stateless
	fn  func(T) bool
	out operator.Collector[T]
}

func (f *filterOp[T]) Collect(v T) {
	if f.fn(v) {
		f.out.Collect(v)
	}
}
