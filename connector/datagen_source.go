package connector

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/runnel/runnel/operator"
)

// NewSequenceSource emits the numbers from to to, both included, as
// Flink's fromSequence: the range is cut into one contiguous share per
// subtask, the shares differing in size by at most one, each emitted in
// ascending order. Bounded. The whole int64 range is allowed; from > to
// fails NewReader.
//
// A reader keeps its position in checkpoints: the ranges it has still to
// emit. A restored job resumes after the last number emitted before the
// barrier, at any parallelism (datagen_state.go says how the ranges are
// shared out).
func NewSequenceSource(from, to int64) operator.Source[int64] {
	return sequenceSource{from: from, to: to}
}

type sequenceSource struct{ from, to int64 }

func (s sequenceSource) NewReader(ctx *operator.Context) (operator.SourceReader[int64], error) {
	if s.from > s.to {
		return nil, fmt.Errorf("sequence source: from %d is greater than to %d", s.from, s.to)
	}
	r := &sequenceReader{subtask: ctx.Subtask, parallelism: ctx.Parallelism}
	if first, last, ok := sequenceShare(s.from, s.to, ctx.Subtask, ctx.Parallelism); ok {
		r.ranges = []seqRange{{First: first, Last: last}}
	}
	return r, nil
}

// sequenceShare returns subtask i's share [first, last] of [from, to]:
// the offsets from floor(i*n/p) up to floor((i+1)*n/p), n = to-from+1. It
// reports false for an empty share (n < p).
func sequenceShare(from, to int64, i, p int) (first, last int64, ok bool) {
	lo := shareOffset(from, to, i, p)
	if i == p-1 {
		return from + int64(lo), to, true // lo <= n-1: never empty
	}
	hi := shareOffset(from, to, i+1, p)
	if hi == lo {
		return 0, 0, false
	}
	// The sums lie in [from, to], so int64's wrapping additions are exact.
	return from + int64(lo), from + int64(hi-1), true
}

// shareOffset returns floor(i*n/p) for n = to-from+1 and i < p. It works
// in 128 bits because n reaches 2^64 for the whole int64 range.
func shareOffset(from, to int64, i, p int) uint64 {
	hi, lo := bits.Mul64(uint64(i), uint64(to-from))
	lo, carry := bits.Add64(lo, uint64(i), 0)
	q, _ := bits.Div64(hi+carry, lo, uint64(p))
	return q
}

// sequenceReader emits its ranges one after the other, each in
// ascending order. A fresh reader has its one share; a restored one the
// ranges it took over (see datagen_state.go). ranges[0] is being read:
// its first is the next number, the position a checkpoint snapshots.
type sequenceReader struct {
	subtask, parallelism int // pick the share of restored ranges
	ranges               []seqRange
}

// seqRange is the numbers [first, last] still to emit; first <= last.
type seqRange struct {
	First int64 `msgpack:"f"`
	Last  int64 `msgpack:"l"`
}

func (r *sequenceReader) Open(*operator.Context) error { return nil }
func (r *sequenceReader) EndInput() error              { return nil }
func (r *sequenceReader) Close() error                 { return nil }

func (r *sequenceReader) PollNext(out operator.Collector[int64]) (operator.InputStatus, error) {
	for range maxBatchRecords {
		if len(r.ranges) == 0 {
			return operator.EndOfInput, nil
		}
		cur := &r.ranges[0]
		out.Collect(cur.First)
		// The range ends by comparison, not by First passing Last, which
		// would overflow at math.MaxInt64.
		if cur.First == cur.Last {
			r.ranges = r.ranges[1:]
		} else {
			cur.First++
		}
	}
	if len(r.ranges) == 0 {
		return operator.EndOfInput, nil
	}
	return operator.MoreAvailable, nil
}

// NewDataGen emits gen(i) for the indices i from 0 to count-1, or without
// end when count < 0, as Flink's DataGeneratorSource: subtask s of p
// generates the indices i with i % p == s, in ascending order. gen must
// be deterministic for a restarted job to produce the same records, and
// safe for concurrent use: every subtask calls it.
//
// rate limits the records per second over all subtasks (each subtask
// takes rate/p); 0 means as fast as possible. The limit is a token bucket
// holding at most one second of records, like the Guava limiter Flink
// uses: a subtask held back by backpressure catches up by at most one
// second's worth. A subtask ahead of its schedule reports
// NothingAvailable instead of sleeping, so the task stays responsive.
//
// A reader keeps its position in checkpoints: the next index of each
// progression of indices it generates. A restored job resumes after the
// last record generated before the barrier, at any parallelism
// (datagen_state.go says how the progressions are shared out).
func NewDataGen[T any](count int64, rate float64, gen func(index int64) T) operator.Source[T] {
	return &dataGen[T]{count: count, rate: rate, gen: gen}
}

type dataGen[T any] struct {
	count int64
	rate  float64
	gen   func(int64) T
}

func (s *dataGen[T]) NewReader(ctx *operator.Context) (operator.SourceReader[T], error) {
	if s.gen == nil {
		return nil, errors.New("datagen: nil generator function")
	}
	limit, err := NewRateLimiter(s.rate)
	if err != nil {
		return nil, fmt.Errorf("datagen: %w", err)
	}
	limit.rate /= float64(max(ctx.Parallelism, 1)) // each subtask takes its share
	r := &dataGenReader[T]{
		gen:         s.gen,
		count:       s.count,
		subtask:     ctx.Subtask,
		parallelism: ctx.Parallelism,
		limit:       limit,
	}
	if p := (progression{Next: int64(ctx.Subtask), Step: int64(ctx.Parallelism)}); !r.exhausted(p) {
		r.progs = []progression{p}
	}
	return r, nil
}

// dataGenReader generates the indices of its progressions. A fresh reader
// has one, its subtask's residue class; a restored one those it took over
// (see datagen_state.go). With several, it generates the smallest next
// index first, so that each subtask's indices still ascend and an
// unbounded generator serves all of them.
type dataGenReader[T any] struct {
	gen                  func(int64) T
	count                int64 // < 0: unbounded
	subtask, parallelism int   // pick the share of restored progressions
	progs                []progression
	limit                *RateLimiter
}

// progression is the indices Next, Next+Step, Next+2*Step, ... below the
// count: Next is the position a checkpoint snapshots.
type progression struct {
	Next int64 `msgpack:"n"`
	Step int64 `msgpack:"s"`
}

func (r *dataGenReader[T]) Open(*operator.Context) error {
	r.limit.Start()
	return nil
}

func (r *dataGenReader[T]) EndInput() error { return nil }
func (r *dataGenReader[T]) Close() error    { return nil }

func (r *dataGenReader[T]) PollNext(out operator.Collector[T]) (operator.InputStatus, error) {
	if len(r.progs) == 0 {
		return operator.EndOfInput, nil
	}
	n := r.limit.Grant(maxBatchRecords)
	if n == 0 {
		return operator.NothingAvailable, nil
	}
	emitted := 0
	for ; emitted < n && len(r.progs) > 0; emitted++ {
		k := r.lowest()
		p := &r.progs[k]
		out.Collect(r.gen(p.Next))
		p.Next += p.Step
		if r.exhausted(*p) {
			r.progs = append(r.progs[:k], r.progs[k+1:]...)
		}
	}
	r.limit.Spend(emitted)
	switch {
	case len(r.progs) == 0:
		return operator.EndOfInput, nil
	case !r.limit.Ready():
		return operator.NothingAvailable, nil
	}
	return operator.MoreAvailable, nil
}

// lowest returns the index of the progression with the smallest next
// index; a scan, since a reader rarely has more than a few.
func (r *dataGenReader[T]) lowest() int {
	k := 0
	for i, p := range r.progs[1:] {
		if p.Next < r.progs[k].Next {
			k = i + 1
		}
	}
	return k
}

func (r *dataGenReader[T]) exhausted(p progression) bool { return r.count >= 0 && p.Next >= r.count }
