package connector

import "github.com/runnel/runnel/operator"

// NewDiscardSink drops every record, as Flink's DiscardingSink and the
// blackhole connector: the sink for measuring a job without the cost of
// its output. Each writer counts what it dropped (DiscardWriter.Count);
// a record costs one increment.
func NewDiscardSink[T any]() operator.Sink[T] {
	return discardSink[T]{}
}

type discardSink[T any] struct{}

func (discardSink[T]) NewWriter(*operator.Context) (operator.SinkWriter[T], error) {
	return &DiscardWriter[T]{}, nil
}

// DiscardWriter is the writer of a discard sink.
type DiscardWriter[T any] struct {
	count uint64
}

// Count returns the records dropped so far. Like the writer's other
// methods it must be called from the subtask's goroutine, or after the
// subtask ended: the count is a plain field, to keep Write free.
func (w *DiscardWriter[T]) Count() uint64 { return w.count }

func (w *DiscardWriter[T]) Write(T) error {
	w.count++
	return nil
}

func (*DiscardWriter[T]) Open(*operator.Context) error { return nil }
func (*DiscardWriter[T]) EndInput() error              { return nil }
func (*DiscardWriter[T]) Close() error                 { return nil }
