package stream

import (
	"fmt"
	"math/rand/v2"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// fanOut joins the collectors of a vertex's outgoing edges (each an
// operator.Collector[T]) into the one its instance emits to.
func fanOut[T any](outs []any) any {
	switch len(outs) {
	case 0:
		return discard[T]{} // an operator nobody reads, as Flink allows
	case 1:
		return outs[0].(operator.Collector[T])
	}
	cs := make(multiCollector[T], len(outs))
	for i, o := range outs {
		cs[i] = o.(operator.Collector[T])
	}
	return cs
}

type multiCollector[T any] []operator.Collector[T]

func (m multiCollector[T]) Collect(v T) {
	for _, c := range m {
		c.Collect(v)
	}
}

type discard[T any] struct{}

func (discard[T]) Collect(T) {}

// countIn counts the records a source emits into the chain.
type countIn[T any] struct {
	next operator.Collector[T]
	run  *chainState
}

func (c *countIn[T]) Collect(v T) {
	c.run.in++
	c.next.Collect(v)
}

// sinkInput hands records to a sink writer. A Write error is recorded
// rather than panicked: the sink takes no more records and the chain call
// returns the error.
type sinkInput[T any] struct {
	w   operator.SinkWriter[T]
	run *chainState
	ctx *operator.Context
}

func (s *sinkInput[T]) Collect(v T) {
	if s.run.err != nil {
		return
	}
	if err := s.w.Write(v); err != nil {
		s.run.fail(fmt.Errorf("%s: write: %w", s.ctx, err))
		return
	}
	s.run.out++
}

// decoderFor returns the function that decodes records of type T from
// the network and passes them to in, an operator.Collector[T].
func decoderFor[T any](in any, run *chainState) func([]byte) error {
	c := in.(operator.Collector[T])
	codec := operator.CodecFor[T]()
	return func(record []byte) error {
		v, err := codec.Decode(record)
		if err != nil {
			return err
		}
		run.in++
		c.Collect(v)
		return nil
	}
}

// outputFor returns the builder of an edge's network output for records
// of type T; hash is the key hash of a Hash edge.
func outputFor[T any](hash func(T) uint64) func(jobgraph.Partitioner, operator.RecordWriter, int, *chainState, *operator.Context) any {
	return func(part jobgraph.Partitioner, w operator.RecordWriter, targetMaxParallelism int, run *chainState, ctx *operator.Context) any {
		o := &netOutput[T]{
			w:     w,
			codec: operator.CodecFor[T](),
			part:  part,
			n:     w.NumChannels(),
			hash:  hash,
			maxP:  targetMaxParallelism,
			run:   run,
			ctx:   ctx,
		}
		if part == jobgraph.Rebalance {
			o.next = rand.IntN(o.n) // as Flink, so that senders do not all start at channel 0
		}
		return o
	}
}

// netOutput encodes records into a reused buffer and sends them on one
// edge, choosing the channel as the edge's partitioner does.
type netOutput[T any] struct {
	w     operator.RecordWriter
	codec operator.Codec[T]
	buf   []byte
	part  jobgraph.Partitioner
	n     int // channels
	next  int // round robin position
	hash  func(T) uint64
	maxP  int // the receiver's key groups
	run   *chainState
	ctx   *operator.Context
}

func (o *netOutput[T]) Collect(v T) {
	b, err := o.codec.Append(o.buf[:0], v)
	if err != nil {
		o.run.fail(fmt.Errorf("%s: encode: %w", o.ctx, err))
		return
	}
	o.buf = b
	if o.part == jobgraph.Broadcast {
		err = o.w.Broadcast(o.run.ts, b)
	} else {
		err = o.w.Emit(o.channel(v), o.run.ts, b)
	}
	if err != nil {
		panic(operator.Abort{Err: err})
	}
	o.run.out++
}

// channel picks the receiver of v. Forward's writer has the one channel
// to the same-index subtask; Rescale's has the subset it round robins
// over.
func (o *netOutput[T]) channel(v T) int {
	switch o.part {
	case jobgraph.Rebalance, jobgraph.Rescale:
		c := o.next
		if o.next++; o.next == o.n {
			o.next = 0
		}
		return c
	case jobgraph.Shuffle:
		return rand.IntN(o.n)
	case jobgraph.Hash:
		kg := jobgraph.KeyGroup(o.hash(v), o.maxP)
		return jobgraph.OperatorIndex(kg, o.maxP, o.n)
	}
	return 0
}
