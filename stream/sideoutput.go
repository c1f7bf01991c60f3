package stream

import (
	"fmt"

	"github.com/runnel/runnel/operator"
)

// OutputTag names a side output of type X, as Flink's OutputTag: an
// operator emits to it next to its main output (late records of a
// window, records a function sets aside), and GetSideOutput reads it.
type OutputTag[X any] struct {
	ID string
}

// NewOutputTag returns the tag id names; within a job, one id is one type.
func NewOutputTag[X any](id string) OutputTag[X] { return OutputTag[X]{ID: id} }

// GetSideOutput returns the stream of the side output tag of the
// operator that produced s. Reading a side output nobody emits to gives
// an empty stream.
func GetSideOutput[T, X any](s *DataStream[T], tag OutputTag[X]) *DataStream[X] {
	out := &DataStream[X]{env: s.env}
	switch {
	case s.op == nil:
		s.env.failf("side output %q: a union has no operator of its own to read it from", tag.ID)
		return out
	case tag.ID == "":
		s.op.failf("side output with an empty tag id")
		return out
	}
	typeName := fmt.Sprintf("%T", *new(X))
	if s.op.sides == nil {
		s.op.sides = map[string]sideOutput{}
	}
	if prev, ok := s.op.sides[tag.ID]; ok && prev.typeName != typeName {
		s.op.failf("side output %q read as %s and as %s", tag.ID, prev.typeName, typeName)
		return out
	}
	s.op.sides[tag.ID] = sideOutput{fanOut: fanOut[X], typeName: typeName}
	out.inputs = []input[X]{{from: s.op, tag: tag.ID}}
	return out
}

// sideOutputs is implemented by the contexts through which functions
// emit to side outputs.
type sideOutputs interface {
	side(id string) any
}

// Output emits v to the side output tag from a function's context (a
// KeyedContext). It does nothing when no operator reads the side output,
// and fails the job when the tag's type differs from the reader's.
func Output[X any](ctx sideOutputs, tag OutputTag[X], v X) {
	c := ctx.side(tag.ID)
	if c == nil {
		return
	}
	c.(operator.Collector[X]).Collect(v)
}
