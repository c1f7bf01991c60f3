package stream

import (
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// eventLog records lifecycle events across operators in order.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) add(e string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// sliceSource reads records[i] for i ≡ subtask (mod parallelism), batch
// records per poll.
type sliceSource[T any] struct {
	records []T
	batch   int
	log     *eventLog
}

func (s *sliceSource[T]) NewReader(ctx *operator.Context) (operator.SourceReader[T], error) {
	var mine []T
	for i, r := range s.records {
		if i%ctx.Parallelism == ctx.Subtask {
			mine = append(mine, r)
		}
	}
	return &sliceReader[T]{records: mine, batch: max(s.batch, 1), log: s.log}, nil
}

type sliceReader[T any] struct {
	records []T
	batch   int
	log     *eventLog
}

func (r *sliceReader[T]) Open(*operator.Context) error { r.log.add("open source"); return nil }
func (r *sliceReader[T]) EndInput() error              { r.log.add("end source"); return nil }
func (r *sliceReader[T]) Close() error                 { r.log.add("close source"); return nil }

func (r *sliceReader[T]) PollNext(out operator.Collector[T]) (operator.InputStatus, error) {
	n := min(r.batch, len(r.records))
	for _, v := range r.records[:n] {
		out.Collect(v)
	}
	r.records = r.records[n:]
	if len(r.records) == 0 {
		return operator.EndOfInput, nil
	}
	return operator.MoreAvailable, nil
}

// collectSink collects what all its writers write; failOn makes Write
// fail for that record.
type collectSink[T comparable] struct {
	mu      sync.Mutex
	got     []T
	log     *eventLog
	failOn  *T
	writers int
}

func (s *collectSink[T]) NewWriter(*operator.Context) (operator.SinkWriter[T], error) {
	s.mu.Lock()
	s.writers++
	s.mu.Unlock()
	return &collectWriter[T]{s: s}, nil
}

func (s *collectSink[T]) records() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

type collectWriter[T comparable] struct{ s *collectSink[T] }

func (w *collectWriter[T]) Open(*operator.Context) error { w.s.log.add("open sink"); return nil }
func (w *collectWriter[T]) EndInput() error              { w.s.log.add("end sink"); return nil }
func (w *collectWriter[T]) Close() error                 { w.s.log.add("close sink"); return nil }

var errWrite = errors.New("disk full")

func (w *collectWriter[T]) Write(v T) error {
	if w.s.failOn != nil && *w.s.failOn == v {
		return errWrite
	}
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	w.s.got = append(w.s.got, v)
	return nil
}

// fakeWriter is a RecordWriter that records what was sent per channel.
type fakeWriter struct {
	channels   int
	emitted    [][][]byte // per channel
	timestamps [][]int64  // per channel, the timestamp of each emitted record
	broadcast  [][]byte
	watermarks []int64
	idles      []bool
	err        error
}

func newFakeWriter(channels int) *fakeWriter {
	return &fakeWriter{channels: channels, emitted: make([][][]byte, channels), timestamps: make([][]int64, channels)}
}

func (w *fakeWriter) NumChannels() int { return w.channels }

func (w *fakeWriter) Emit(channel int, ts int64, record []byte) error {
	if w.err != nil {
		return w.err
	}
	w.emitted[channel] = append(w.emitted[channel], slices.Clone(record))
	w.timestamps[channel] = append(w.timestamps[channel], ts)
	return nil
}

func (w *fakeWriter) Broadcast(_ int64, record []byte) error {
	if w.err != nil {
		return w.err
	}
	w.broadcast = append(w.broadcast, slices.Clone(record))
	return nil
}

func (w *fakeWriter) EmitWatermark(wm int64) error {
	if w.err != nil {
		return w.err
	}
	w.watermarks = append(w.watermarks, wm)
	return nil
}

func (w *fakeWriter) EmitIdle(idle bool) error {
	if w.err != nil {
		return w.err
	}
	w.idles = append(w.idles, idle)
	return nil
}

// decodeAll decodes the records of one channel.
func decodeAll[T any](t testing.TB, records [][]byte) []T {
	t.Helper()
	codec := operator.CodecFor[T]()
	var out []T
	for _, r := range records {
		v, err := codec.Decode(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func encode[T any](t testing.TB, v T) []byte {
	t.Helper()
	b, err := operator.CodecFor[T]().Append(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustBuild(t testing.TB, parallelism int, build func(env *Env) error) *program {
	t.Helper()
	p, err := buildProgram("test", parallelism, build)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func buildErr(t *testing.T, build func(env *Env) error) error {
	t.Helper()
	_, err := buildProgram("test", 1, build)
	if err == nil {
		t.Fatal("Build succeeded, want an error")
	}
	return err
}

// newChain builds subtask 0 of the chain of vertices.
func newChain(t testing.TB, p *program, vertices []jobgraph.VertexID, outputs map[jobgraph.EdgeID]operator.RecordWriter) operator.Chain {
	t.Helper()
	c, err := p.NewChain(operator.ChainSpec{
		Vertices: vertices,
		Context:  operator.Context{JobName: "test", TaskName: "task"},
		Outputs:  outputs,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// drain polls a source chain to its end.
func drain(t testing.TB, c operator.Chain) {
	t.Helper()
	for {
		st, err := c.PollSource()
		if err != nil {
			t.Fatal(err)
		}
		if st == operator.EndOfInput {
			return
		}
	}
}

func ids(vs ...int) []jobgraph.VertexID {
	out := make([]jobgraph.VertexID, len(vs))
	for i, v := range vs {
		out[i] = jobgraph.VertexID(v)
	}
	return out
}

// wordCount brings its own codec, as hot record types should, so that
// encoding it does not allocate.
type wordCount struct {
	Word  string
	Count int64
}

func (w wordCount) AppendBinary(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(w.Word)))
	b = append(b, w.Word...)
	return binary.AppendVarint(b, w.Count), nil
}

func (w *wordCount) UnmarshalBinary(data []byte) error {
	n, k := binary.Uvarint(data)
	if k <= 0 || uint64(len(data)-k) < n {
		return errors.New("wordCount: short word")
	}
	w.Word = string(data[k : k+int(n)])
	c, m := binary.Varint(data[k+int(n):])
	if m <= 0 {
		return errors.New("wordCount: bad count")
	}
	w.Count = c
	return nil
}
