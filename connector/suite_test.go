package connector

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/runnel/runnel/operator"
)

// The conformance suite every connector runs, in the spirit of benthos's
// integration.StreamTests: the contract of operator.Source and
// operator.Sink checked at several parallelisms, with one goroutine per
// subtask as the executor runs them.

var suiteParallelisms = []int{1, 2, 3, 5}

// maxPolls bounds the polls of one reader, so that a reader that never
// ends fails the test instead of hanging it.
const maxPolls = 100_000

func testContext(subtask, parallelism int) *operator.Context {
	return &operator.Context{
		JobName:        "conformance",
		OperatorName:   "connector",
		TaskName:       "connector",
		Subtask:        subtask,
		Parallelism:    parallelism,
		MaxParallelism: 128,
	}
}

// sliceCollector keeps what a reader emits.
type sliceCollector[T any] struct{ records []T }

func (c *sliceCollector[T]) Collect(record T) { c.records = append(c.records, record) }

// testSourceConformance checks, for each parallelism, that the readers of
// a source together emit want as a multiset, each record by one reader
// only, in bounded batches, and end; and that a reader closed after
// partial reading closes cleanly.
func testSourceConformance[T comparable](t *testing.T, newSource func(t *testing.T) operator.Source[T], want []T) {
	t.Helper()
	for _, p := range suiteParallelisms {
		t.Run(fmt.Sprintf("p=%d/read all", p), func(t *testing.T) {
			source := newSource(t)
			got := make([][]T, p)
			var wg sync.WaitGroup
			for s := range p {
				wg.Go(func() { got[s] = readAll(t, source, s, p) })
			}
			wg.Wait()
			checkSameRecords(t, got, want)
		})
		t.Run(fmt.Sprintf("p=%d/close early", p), func(t *testing.T) {
			source := newSource(t)
			for s := range p {
				r := openReader(t, source, s, p)
				if r == nil {
					return
				}
				if _, err := r.PollNext(&sliceCollector[T]{}); err != nil {
					t.Errorf("subtask %d: PollNext: %v", s, err)
				}
				if err := r.Close(); err != nil {
					t.Errorf("subtask %d: Close after partial reading: %v", s, err)
				}
			}
		})
	}
}

func openReader[T any](t *testing.T, source operator.Source[T], s, p int) operator.SourceReader[T] {
	t.Helper()
	ctx := testContext(s, p)
	r, err := source.NewReader(ctx)
	if err != nil {
		t.Errorf("subtask %d: NewReader: %v", s, err)
		return nil
	}
	if err := r.Open(ctx); err != nil {
		t.Errorf("subtask %d: Open: %v", s, err)
		return nil
	}
	return r
}

// readAll runs one source subtask to its end as a task would. It reports
// through t.Errorf, being called from the subtask's goroutine.
func readAll[T any](t *testing.T, source operator.Source[T], s, p int) []T {
	r := openReader(t, source, s, p)
	if r == nil {
		return nil
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("subtask %d: Close: %v", s, err)
		}
	}()
	var all []T
	for range maxPolls {
		batch := &sliceCollector[T]{}
		status, err := r.PollNext(batch)
		if err != nil {
			t.Errorf("subtask %d: PollNext: %v", s, err)
			return all
		}
		if len(batch.records) > maxBatchRecords {
			t.Errorf("subtask %d: one poll emitted %d records, more than %d", s, len(batch.records), maxBatchRecords)
		}
		all = append(all, batch.records...)
		switch status {
		case operator.EndOfInput:
			if err := r.EndInput(); err != nil {
				t.Errorf("subtask %d: EndInput: %v", s, err)
			}
			return all
		case operator.NothingAvailable:
			time.Sleep(100 * time.Microsecond)
		}
	}
	t.Errorf("subtask %d: no end of input after %d polls", s, maxPolls)
	return all
}

// checkSameRecords checks that the subtasks' records add up to want as
// multisets. A record some subtasks emitted twice shows up as emitted more
// often than wanted: that is the disjointness check.
func checkSameRecords[T comparable](t *testing.T, got [][]T, want []T) {
	t.Helper()
	diff := make(map[T]int)
	for _, r := range want {
		diff[r]--
	}
	for _, records := range got {
		for _, r := range records {
			diff[r]++
		}
	}
	reported := 0
	for r, d := range diff {
		if d == 0 {
			continue
		}
		if reported++; reported > 10 {
			t.Errorf("... and more differences")
			return
		}
		if d > 0 {
			t.Errorf("record %v emitted %d times more than wanted", r, d)
		} else {
			t.Errorf("record %v missing %d times", r, -d)
		}
	}
}

// sinkUnderTest is a fresh sink and the means to read back what it has
// made visible.
type sinkUnderTest[T any] struct {
	sink operator.Sink[T]
	// visible returns the records the sink has published, in any order;
	// nil when it publishes nothing.
	visible func(t *testing.T) []T
}

// testSinkConformance checks, for each parallelism, that writers opened,
// fed records, ended and closed concurrently publish exactly the records;
// and that writers closed without end of input (a failure) close cleanly
// and publish no record they were not given.
func testSinkConformance[T comparable](t *testing.T, newSink func(t *testing.T) sinkUnderTest[T], records []T) {
	t.Helper()
	for _, p := range suiteParallelisms {
		t.Run(fmt.Sprintf("p=%d/commit", p), func(t *testing.T) {
			sut := newSink(t)
			runWriters(t, sut.sink, p, records, true)
			if sut.visible != nil {
				checkSameRecords(t, [][]T{sut.visible(t)}, records)
			}
		})
		t.Run(fmt.Sprintf("p=%d/abort", p), func(t *testing.T) {
			sut := newSink(t)
			written := records[:len(records)/2]
			runWriters(t, sut.sink, p, written, false)
			if sut.visible == nil {
				return
			}
			left := make(map[T]int)
			for _, r := range written {
				left[r]++
			}
			for _, r := range sut.visible(t) {
				if left[r]--; left[r] < 0 {
					t.Errorf("aborted writers published %v more often than it was written", r)
				}
			}
		})
	}
}

// runWriters runs p sink subtasks concurrently, subtask s writing records
// k with k % p == s, then ending its input if endInput, then closing.
func runWriters[T any](t *testing.T, sink operator.Sink[T], p int, records []T, endInput bool) {
	t.Helper()
	var wg sync.WaitGroup
	for s := range p {
		wg.Go(func() {
			ctx := testContext(s, p)
			w, err := sink.NewWriter(ctx)
			if err != nil {
				t.Errorf("subtask %d: NewWriter: %v", s, err)
				return
			}
			defer func() {
				if err := w.Close(); err != nil {
					t.Errorf("subtask %d: Close: %v", s, err)
				}
			}()
			if err := w.Open(ctx); err != nil {
				t.Errorf("subtask %d: Open: %v", s, err)
				return
			}
			for k := s; k < len(records); k += p {
				if err := w.Write(records[k]); err != nil {
					t.Errorf("subtask %d: Write: %v", s, err)
					return
				}
			}
			if endInput {
				if err := w.EndInput(); err != nil {
					t.Errorf("subtask %d: EndInput: %v", s, err)
				}
			}
		})
	}
	wg.Wait()
}
