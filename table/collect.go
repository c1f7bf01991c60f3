package table

import (
	"errors"
	"sync"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/table/data"
)

// maxBufferedResults is how many rows a SELECT's collect sink holds for its
// client before it waits for a fetch: the backpressure of Flink's collect
// sink, so that an unbounded query cannot fill a node's memory.
const maxBufferedResults = 100_000

// ErrResultsDropped fails a collect sink whose client has gone.
var ErrResultsDropped = errors.New("the query's results were dropped: its client cancelled it")

// Results holds the rows of the SELECT jobs whose collect sink runs in this
// process, by job, until their client fetches them. A collect sink has
// parallelism 1, so one process holds all of a job's rows.
type Results struct {
	mu   sync.Mutex
	cond *sync.Cond
	jobs map[jobgraph.JobID]*resultBuffer
}

type resultBuffer struct {
	schema  data.Schema
	rows    []data.Row
	base    int64 // token of rows[0]
	ended   bool
	dropped bool
}

// LocalResults is this process's result store.
var LocalResults = newResults()

func newResults() *Results {
	r := &Results{jobs: map[jobgraph.JobID]*resultBuffer{}}
	r.cond = sync.NewCond(&r.mu)
	return r
}

// Page is one fetch of a query's rows.
type Page struct {
	Rows []data.Row
	// Next is the token to fetch the following rows with.
	Next int64
	// Ended is true when the query's input ended and every row was
	// fetched.
	Ended bool
}

// Fetch returns up to limit rows from token on, with the rows' schema, and
// forgets the rows before token (the client has them). ok is false when no
// collect sink of the job runs in this process.
func (r *Results) Fetch(job jobgraph.JobID, token int64, limit int) (_ Page, _ data.Schema, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.jobs[job]
	if !ok {
		return Page{}, data.Schema{}, false
	}
	if drop := token - b.base; drop > 0 {
		drop = min(drop, int64(len(b.rows)))
		b.rows = b.rows[drop:]
		b.base += drop
		r.cond.Broadcast()
	}
	start := max(token-b.base, 0)
	end := min(int(start)+limit, len(b.rows))
	p := Page{Next: b.base + int64(end)}
	if int(start) < end {
		p.Rows = append([]data.Row(nil), b.rows[start:end]...)
	} else {
		p.Next = max(token, b.base)
	}
	p.Ended = b.ended && end == len(b.rows)
	return p, b.schema, true
}

// Jobs are the jobs whose rows this process holds.
func (r *Results) Jobs() []jobgraph.JobID {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]jobgraph.JobID, 0, len(r.jobs))
	for id := range r.jobs {
		out = append(out, id)
	}
	return out
}

// Drop forgets a job's rows and fails its collect sink if it still runs.
func (r *Results) Drop(job jobgraph.JobID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b, ok := r.jobs[job]; ok {
		b.dropped = true
		delete(r.jobs, job)
		r.cond.Broadcast()
	}
}

// collectSink is the sink of a SELECT job.
type collectSink struct {
	results *Results
	schema  data.Schema
}

func (s collectSink) NewWriter(ctx *operator.Context) (operator.SinkWriter[data.Row], error) {
	s.results.mu.Lock()
	defer s.results.mu.Unlock()
	b, ok := s.results.jobs[ctx.JobID]
	if !ok {
		b = &resultBuffer{schema: s.schema}
		s.results.jobs[ctx.JobID] = b
	}
	// A restarted attempt goes on appending: its client sees the rows
	// replayed since the last checkpoint again (at-least-once).
	b.ended = false
	return &collectWriter{r: s.results, b: b, done: ctx.Done}, nil
}

type collectWriter struct {
	r    *Results
	b    *resultBuffer
	done <-chan struct{}
}

// errCollectCancelled ends a write that waited for a fetch when its
// subtask was cancelled.
var errCollectCancelled = errors.New("collect sink cancelled while its buffer was full")

func (w *collectWriter) Open(*operator.Context) error { return nil }

// Write appends the row, waiting while the buffer is full. The wait wakes
// on a fetch, a drop, or every 100 ms (sync.Cond has no timeout) to see
// whether the subtask was cancelled.
func (w *collectWriter) Write(row data.Row) error {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	for len(w.b.rows) >= maxBufferedResults && !w.b.dropped {
		select {
		case <-w.done:
			return errCollectCancelled
		default:
		}
		t := time.AfterFunc(100*time.Millisecond, w.r.cond.Broadcast)
		w.r.cond.Wait()
		t.Stop()
	}
	if w.b.dropped {
		return ErrResultsDropped
	}
	w.b.rows = append(w.b.rows, row.Clone()) // kept until fetched: not its block
	return nil
}

func (w *collectWriter) EndInput() error {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	w.b.ended = true
	return nil
}

func (w *collectWriter) Close() error { return nil }
