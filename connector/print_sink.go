package connector

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"

	"github.com/runnel/runnel/operator"
)

// NewPrintSink writes each record to w as one line, formatted with %v, as
// Flink's print(): prefixed with "<subtask+1>> " when the sink runs with
// parallelism above 1, so "2> hello" came from the second subtask.
//
// Subtasks write concurrently. Every line is one Write call under a mutex
// shared by all print writers on the same w in this process (even from
// different sinks), so lines never interleave and a w that is not safe
// for concurrent use, such as a bytes.Buffer, is still safe here. A w
// that cannot be a map key (a non-comparable value) gets a mutex per
// sink instead. Nothing is buffered: a line is written when its record
// arrives, so printed lines are not retracted when a job fails.
func NewPrintSink[T any](w io.Writer) operator.Sink[T] {
	return &printSink[T]{out: w}
}

// NewPrintSinkWithIdentifier is NewPrintSink with lines prefixed as by
// Flink's print(sinkIdentifier): "identifier> " at parallelism 1,
// "identifier:2> " from the second subtask above, so that the output of
// several sinks on one terminal can be told apart.
func NewPrintSinkWithIdentifier[T any](w io.Writer, identifier string) operator.Sink[T] {
	return &printSink[T]{out: w, identifier: identifier}
}

type printSink[T any] struct {
	out        io.Writer
	identifier string
	mu         sync.Mutex // guards out when out cannot key printLocks
}

func (s *printSink[T]) NewWriter(*operator.Context) (operator.SinkWriter[T], error) {
	if s.out == nil {
		return nil, errors.New("print sink: nil writer")
	}
	return &printWriter[T]{sink: s}, nil
}

type printWriter[T any] struct {
	sink   *printSink[T]
	prefix string
	mu     *sync.Mutex // nil until Open and after Close
	line   []byte      // reused for every record
}

func (w *printWriter[T]) Open(ctx *operator.Context) error {
	switch id := w.sink.identifier; {
	case id != "" && ctx.Parallelism > 1:
		w.prefix = fmt.Sprintf("%s:%d> ", id, ctx.Subtask+1)
	case id != "":
		w.prefix = id + "> "
	case ctx.Parallelism > 1:
		w.prefix = fmt.Sprintf("%d> ", ctx.Subtask+1)
	}
	w.mu = acquirePrintLock(w.sink.out, &w.sink.mu)
	return nil
}

func (w *printWriter[T]) Write(record T) error {
	w.line = fmt.Appendf(w.line[:0], "%s%v\n", w.prefix, record)
	w.mu.Lock()
	_, err := w.sink.out.Write(w.line)
	w.mu.Unlock()
	if err != nil {
		return fmt.Errorf("print sink: %w", err)
	}
	return nil
}

func (w *printWriter[T]) EndInput() error { return nil }

func (w *printWriter[T]) Close() error {
	if w.mu != nil {
		releasePrintLock(w.sink.out)
		w.mu = nil
	}
	return nil
}

// printLocks holds one mutex per io.Writer that open print writers use,
// counted so that a writer's entry goes when its last print writer closes.
var printLocks = struct {
	sync.Mutex
	m map[io.Writer]*sharedLock
}{m: make(map[io.Writer]*sharedLock)}

type sharedLock struct {
	sync.Mutex
	users int
}

// acquirePrintLock returns the mutex of out, or fallback when out cannot
// be a map key.
func acquirePrintLock(out io.Writer, fallback *sync.Mutex) *sync.Mutex {
	if !reflect.ValueOf(out).Comparable() {
		return fallback
	}
	printLocks.Lock()
	defer printLocks.Unlock()
	l := printLocks.m[out]
	if l == nil {
		l = &sharedLock{}
		printLocks.m[out] = l
	}
	l.users++
	return &l.Mutex
}

func releasePrintLock(out io.Writer) {
	if !reflect.ValueOf(out).Comparable() {
		return
	}
	printLocks.Lock()
	defer printLocks.Unlock()
	if l := printLocks.m[out]; l != nil {
		if l.users--; l.users == 0 {
			delete(printLocks.m, out)
		}
	}
}
