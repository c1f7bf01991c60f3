package connector

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/runnel/runnel/operator"
)

// NewSequenceSource emits the numbers from to to, both included, as
// Flink's fromSequence: the range is cut into one contiguous share per
// subtask, the shares differing in size by at most one, each emitted in
// ascending order. Bounded. The whole int64 range is allowed; from > to
// fails NewReader.
func NewSequenceSource(from, to int64) operator.Source[int64] {
	return sequenceSource{from: from, to: to}
}

type sequenceSource struct{ from, to int64 }

func (s sequenceSource) NewReader(ctx *operator.Context) (operator.SourceReader[int64], error) {
	if s.from > s.to {
		return nil, fmt.Errorf("sequence source: from %d is greater than to %d", s.from, s.to)
	}
	first, last, ok := sequenceShare(s.from, s.to, ctx.Subtask, ctx.Parallelism)
	return &sequenceReader{next: first, last: last, done: !ok}, nil
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

// sequenceReader emits [next, last]; next is the position a checkpoint
// will snapshot.
type sequenceReader struct {
	next, last int64
	done       bool
}

func (r *sequenceReader) Open(*operator.Context) error { return nil }
func (r *sequenceReader) EndInput() error              { return nil }
func (r *sequenceReader) Close() error                 { return nil }

func (r *sequenceReader) PollNext(out operator.Collector[int64]) (operator.InputStatus, error) {
	for range maxBatchRecords {
		if r.done {
			return operator.EndOfInput, nil
		}
		out.Collect(r.next)
		if r.next == r.last {
			r.done = true
		} else {
			r.next++
		}
	}
	if r.done {
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
	if !(s.rate >= 0) || math.IsInf(s.rate, 1) {
		return nil, fmt.Errorf("datagen: rate %v is not a finite number of records per second >= 0", s.rate)
	}
	return &dataGenReader[T]{
		gen:   s.gen,
		count: s.count,
		step:  int64(ctx.Parallelism),
		next:  int64(ctx.Subtask),
		rate:  s.rate / float64(ctx.Parallelism),
		now:   time.Now,
	}, nil
}

type dataGenReader[T any] struct {
	gen   func(int64) T
	count int64 // < 0: unbounded
	step  int64 // parallelism: the distance between this subtask's indices
	next  int64 // next index to generate: the position a checkpoint will snapshot

	rate   float64 // this subtask's records per second; 0: unlimited
	tokens float64 // records that may go now
	last   time.Time
	now    func() time.Time
}

// Open starts the schedule with one token, so that the first record goes
// at once.
func (r *dataGenReader[T]) Open(*operator.Context) error {
	r.tokens = 1
	r.last = r.now()
	return nil
}

func (r *dataGenReader[T]) EndInput() error { return nil }
func (r *dataGenReader[T]) Close() error    { return nil }

func (r *dataGenReader[T]) PollNext(out operator.Collector[T]) (operator.InputStatus, error) {
	n := maxBatchRecords
	if r.rate > 0 {
		now := r.now()
		r.tokens = min(r.tokens+now.Sub(r.last).Seconds()*r.rate, max(1, r.rate))
		r.last = now
		if r.tokens < 1 {
			return operator.NothingAvailable, nil
		}
		n = min(n, int(r.tokens))
	}
	emitted := 0
	for ; emitted < n && !r.ended(); emitted++ {
		out.Collect(r.gen(r.next))
		r.next += r.step
	}
	r.tokens -= float64(emitted)
	switch {
	case r.ended():
		return operator.EndOfInput, nil
	case r.rate > 0 && r.tokens < 1:
		return operator.NothingAvailable, nil
	}
	return operator.MoreAvailable, nil
}

func (r *dataGenReader[T]) ended() bool { return r.count >= 0 && r.next >= r.count }
