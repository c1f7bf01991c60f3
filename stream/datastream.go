package stream

import (
	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// DataStream is a stream of records of type T: the output of one
// operator, or of several for a Union. The next operator that consumes it
// connects to it through one edge per input, partitioned as set by the
// partitioning methods.
type DataStream[T any] struct {
	env *Env
	op  *node // the producing operator; nil for a union
	// inputs are the edges the next operator will have.
	inputs []input[T]
}

// input is one future edge into the next operator.
type input[T any] struct {
	from        *node
	tag         string // side output tag id; "" for the main output
	partitioner jobgraph.Partitioner
	explicit    bool
	hash        func(T) uint64 // for Hash: the key's hash
}

func newStream[T any](n *node) *DataStream[T] {
	return &DataStream[T]{env: n.env, op: n, inputs: []input[T]{{from: n}}}
}

// connect makes s's inputs the input edges of n, whose instances take
// records of T as their input.
func connect[T any](s *DataStream[T], n *node) {
	connectInput(s, n, func(in any) any { return in })
}

// connectInput makes s's inputs input edges of n; pick selects, from an
// instance's input value, the collector these edges feed (a two-input
// operator has one per input).
func connectInput[T any](s *DataStream[T], n *node, pick func(in any) any) {
	for _, in := range s.inputs {
		n.inputs = append(n.inputs, &edgeSpec{
			from:        in.from,
			tag:         in.tag,
			decoder:     func(in any, run *chainState) func([]byte) error { return decoderFor[T](pick(in), run) },
			partitioner: in.partitioner,
			explicit:    in.explicit,
			newOutput:   outputFor(in.hash),
		})
	}
}

// FromSource adds a source vertex named "Source: name".
func FromSource[T any](env *Env, src operator.Source[T], name string) *DataStream[T] {
	n := env.add(jobgraph.Source, "Source: "+name)
	n.fanOut = fanOut[T]
	if src == nil {
		n.failf("nil source")
		return newStream[T](n)
	}
	n.newInstance = func(op *opEnv, out any) (any, operator.Lifecycle, func() (operator.InputStatus, error), error) {
		ctx, run := op.ctx, op.run
		r, err := src.NewReader(ctx)
		if err != nil {
			return nil, nil, nil, err
		}
		counted := &countIn[T]{next: out.(operator.Collector[T]), run: run}
		return nil, r, func() (operator.InputStatus, error) { return r.PollNext(counted) }, nil
	}
	return newStream[T](n)
}

// SinkTo adds a sink vertex named "Sink: name".
func SinkTo[T any](s *DataStream[T], sink operator.Sink[T], name string) *DataStreamSink {
	n := s.env.add(jobgraph.Sink, "Sink: "+name)
	connect(s, n)
	if sink == nil {
		n.failf("nil sink")
		return &DataStreamSink{op: n}
	}
	n.newInstance = func(op *opEnv, _ any) (any, operator.Lifecycle, func() (operator.InputStatus, error), error) {
		ctx, run := op.ctx, op.run
		w, err := sink.NewWriter(ctx)
		if err != nil {
			return nil, nil, nil, err
		}
		return &sinkInput[T]{w: w, run: run, ctx: ctx}, w, nil, nil
	}
	return &DataStreamSink{op: n}
}

// Union merges streams of the same type. As in Flink it adds no vertex:
// the next operator gets one input edge per merged input, each keeping
// its partitioning unless the union's is set.
func Union[T any](s *DataStream[T], others ...*DataStream[T]) *DataStream[T] {
	u := &DataStream[T]{env: s.env, inputs: append([]input[T](nil), s.inputs...)}
	for i, o := range others {
		switch {
		case o == nil:
			s.env.failf("Union: input %d is nil", i+1)
		case o.env != s.env:
			s.env.failf("Union: input %d belongs to another Env", i+1)
		default:
			u.inputs = append(u.inputs, o.inputs...)
		}
	}
	return u
}

// partition returns a stream whose edges to the next operator use p.
func (s *DataStream[T]) partition(p jobgraph.Partitioner) *DataStream[T] {
	ins := make([]input[T], len(s.inputs))
	for i, in := range s.inputs {
		ins[i] = input[T]{from: in.from, tag: in.tag, partitioner: p, explicit: true}
	}
	return &DataStream[T]{env: s.env, op: s.op, inputs: ins}
}

// Forward sends subtask i's records to subtask i of the next operator,
// which must have the same parallelism; Build fails otherwise.
func (s *DataStream[T]) Forward() *DataStream[T] { return s.partition(jobgraph.Forward) }

// Rebalance sends records round robin to all subtasks of the next
// operator.
func (s *DataStream[T]) Rebalance() *DataStream[T] { return s.partition(jobgraph.Rebalance) }

// Rescale sends records round robin to the subset of the next operator's
// subtasks that the executor connects this subtask to.
func (s *DataStream[T]) Rescale() *DataStream[T] { return s.partition(jobgraph.Rescale) }

// Shuffle sends each record to a random subtask of the next operator.
func (s *DataStream[T]) Shuffle() *DataStream[T] { return s.partition(jobgraph.Shuffle) }

// Broadcast sends every record to every subtask of the next operator.
func (s *DataStream[T]) Broadcast() *DataStream[T] { return s.partition(jobgraph.Broadcast) }

// operator returns the producing operator for a setting, recording an
// error for a union, which has none.
func (s *DataStream[T]) operator(setting string) *node {
	if s.op == nil {
		s.env.failf("Union: %s: a union has no operator of its own; set it on the inputs", setting)
	}
	return s.op
}

// SetParallelism sets the producing operator's number of subtasks.
func (s *DataStream[T]) SetParallelism(n int) *DataStream[T] {
	if op := s.operator("SetParallelism"); op != nil {
		op.setParallelism(n)
	}
	return s
}

// SetMaxParallelism sets the producing operator's number of key groups.
func (s *DataStream[T]) SetMaxParallelism(n int) *DataStream[T] {
	if op := s.operator("SetMaxParallelism"); op != nil {
		op.setMaxParallelism(n)
	}
	return s
}

// Name replaces the producing operator's name.
func (s *DataStream[T]) Name(name string) *DataStream[T] {
	if op := s.operator("Name"); op != nil {
		op.setName(name)
	}
	return s
}

// UID sets the producing operator's stable state id.
func (s *DataStream[T]) UID(uid string) *DataStream[T] {
	if op := s.operator("UID"); op != nil {
		op.setUID(uid)
	}
	return s
}

// SlotSharingGroup sets the producing operator's slot-sharing group,
// which operators downstream inherit unless they set their own.
func (s *DataStream[T]) SlotSharingGroup(group string) *DataStream[T] {
	if op := s.operator("SlotSharingGroup"); op != nil {
		op.setSlotSharingGroup(group)
	}
	return s
}

// DisableChaining keeps the producing operator alone in its task.
func (s *DataStream[T]) DisableChaining() *DataStream[T] {
	if op := s.operator("DisableChaining"); op != nil {
		op.chaining = jobgraph.ChainNever
	}
	return s
}

// StartNewChain makes the producing operator the head of a new chain.
func (s *DataStream[T]) StartNewChain() *DataStream[T] {
	if op := s.operator("StartNewChain"); op != nil {
		op.chaining = jobgraph.ChainHead
	}
	return s
}

// DataStreamSink is the end of a stream, returned by SinkTo to set the
// sink's operator settings.
type DataStreamSink struct{ op *node }

// SetParallelism sets the sink's number of subtasks.
func (s *DataStreamSink) SetParallelism(n int) *DataStreamSink {
	s.op.setParallelism(n)
	return s
}

// SetMaxParallelism sets the sink's number of key groups.
func (s *DataStreamSink) SetMaxParallelism(n int) *DataStreamSink {
	s.op.setMaxParallelism(n)
	return s
}

// Name replaces the sink's name.
func (s *DataStreamSink) Name(name string) *DataStreamSink {
	s.op.setName(name)
	return s
}

// UID sets the sink's stable state id.
func (s *DataStreamSink) UID(uid string) *DataStreamSink {
	s.op.setUID(uid)
	return s
}

// SlotSharingGroup sets the sink's slot-sharing group.
func (s *DataStreamSink) SlotSharingGroup(group string) *DataStreamSink {
	s.op.setSlotSharingGroup(group)
	return s
}

// DisableChaining keeps the sink alone in its task.
func (s *DataStreamSink) DisableChaining() *DataStreamSink {
	s.op.chaining = jobgraph.ChainNever
	return s
}

// StartNewChain makes the sink the head of a new chain.
func (s *DataStreamSink) StartNewChain() *DataStreamSink {
	s.op.chaining = jobgraph.ChainHead
	return s
}
