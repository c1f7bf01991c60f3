package operator

import (
	"errors"
	"fmt"
	"math"

	"github.com/runnel/runnel/jobgraph"
)

// Context tells an operator instance where it runs.
type Context struct {
	JobID          jobgraph.JobID
	JobName        string
	Attempt        uint64
	OperatorName   string
	TaskName       string
	Subtask        int // index of this subtask, 0-based
	Parallelism    int
	MaxParallelism int
	// Checkpointing reports whether the job takes checkpoints: a
	// two-phase-commit sink then commits what a checkpoint covers when it
	// completes, else everything at the end of its input.
	Checkpointing bool
	// Done is closed when the subtask is cancelled or fails, so that an
	// operator blocked on something outside the runtime (a full buffer, a
	// slow service) can give up; nil when nothing will cancel it.
	Done <-chan struct{}
}

// String names the subtask as Flink's logs do: "Map (2/4)".
func (c *Context) String() string {
	return fmt.Sprintf("%s (%d/%d)", c.OperatorName, c.Subtask+1, c.Parallelism)
}

// Collector receives the records of type T that an operator emits. It is
// how a chain passes records by call.
type Collector[T any] interface {
	Collect(record T)
}

// Lifecycle is the untyped part of every operator in a chain: the
// executor calls Open once before any record, EndInput once when every
// input of the operator has ended (an operator holding records back, like
// a bounded aggregation, emits them here; called head to tail so
// downstream operators see them before their own EndInput), and Close once
// at the end, also after a failure or cancellation (release resources
// here; emit nothing).
type Lifecycle interface {
	Open(ctx *Context) error
	EndInput() error
	Close() error
}

// InputStatus is what a source reader reports after a poll, as Flink's.
type InputStatus uint8

const (
	// MoreAvailable: poll again at once.
	MoreAvailable InputStatus = iota
	// NothingAvailable: nothing now; the task polls again after a short
	// pause (during which it handles control messages).
	NothingAvailable
	// EndOfInput: this reader is done; a bounded source.
	EndOfInput
)

// SourceReader reads one source subtask's share of the input. The pull
// style (rather than a run loop) lets the task interleave control work,
// such as cancellation and, later, checkpoint barriers, between polls.
type SourceReader[T any] interface {
	Lifecycle
	// PollNext emits the records that are available now, preferably a
	// bounded batch, to out, and says whether more may come. It should
	// not block for long: return NothingAvailable instead.
	PollNext(out Collector[T]) (InputStatus, error)
}

// SinkWriter writes records out of the job; it is the tail of a chain.
type SinkWriter[T any] interface {
	Lifecycle
	// Write takes one record. An error fails the job.
	Write(record T) error
}

// Event time is int64 milliseconds since the epoch, as in Flink.
const (
	// NoTimestamp marks a record without an event timestamp.
	NoTimestamp int64 = math.MinInt64
	// MinWatermark is the watermark before any: nothing is known yet.
	MinWatermark int64 = math.MinInt64
	// MaxWatermark ends event time: a bounded input sends it at its end,
	// so every timer and window fires.
	MaxWatermark int64 = math.MaxInt64
)

// WatermarkHandler is implemented by operators that act on watermarks:
// event-time timers and windows fire in ProcessWatermark. It returns the
// watermark to pass downstream, or NoTimestamp to pass none (an operator
// that assigns its own watermarks swallows its input's).
type WatermarkHandler interface {
	ProcessWatermark(wm int64) (forward int64, err error)
}

// WatermarkGenerator is implemented by operators that create watermarks
// (timestamp assigners); the chain calls it every watermark interval and
// passes what it returns downstream of the operator.
type WatermarkGenerator interface {
	OnPeriodicWatermark() (wm int64, ok bool)
}

// ProcessingTimeHandler is implemented by operators with processing-time
// timers; the executor calls it every few milliseconds with the wall
// clock in epoch milliseconds.
type ProcessingTimeHandler interface {
	OnProcessingTime(now int64) error
}

// Abort is the panic value a Collect raises when it cannot deliver
// because the task is shutting down; the executor recognises it and does
// not report it as a user failure.
type Abort struct{ Err error }

func (a Abort) Error() string { return "abort: " + a.Err.Error() }

// ErrCanceled is the error of an Abort caused by cancellation.
var ErrCanceled = errors.New("task canceled")

// Source defines a source: it creates one reader per source subtask. A
// source is a value in the job's build function, so it is created anew on
// every node from the job's arguments.
type Source[T any] interface {
	// NewReader creates the reader of subtask ctx.Subtask of
	// ctx.Parallelism; each reader must read a disjoint share.
	NewReader(ctx *Context) (SourceReader[T], error)
}

// Sink defines a sink: it creates one writer per sink subtask.
type Sink[T any] interface {
	NewWriter(ctx *Context) (SinkWriter[T], error)
}
