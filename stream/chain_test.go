package stream

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

func ints(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func TestChainSourceMapFilterSink(t *testing.T) {
	log := &eventLog{}
	sink := &collectSink[int]{log: log}
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[int]{records: ints(10), batch: 3, log: log}, "nums")
		sq := Map(src, func(v int) int { return v * v })
		even := Filter(sq, func(v int) bool { return v%2 == 0 })
		SinkTo(even, sink, "out")
		return nil
	})
	c := newChain(t, p, ids(0, 1, 2, 3), nil)
	if !c.IsSource() {
		t.Fatal("source chain says it is not")
	}

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // Metrics is read from another goroutine while the chain runs
		for {
			select {
			case <-done:
				return
			default:
				_ = c.Metrics()
			}
		}
	})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	drain(t, c)
	if err := c.EndInput(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	close(done)
	wg.Wait()

	if got, want := sink.records(), []int{4, 16, 36, 64, 100}; !slices.Equal(got, want) {
		t.Errorf("sink got %v, want %v", got, want)
	}
	if m := c.Metrics(); m.RecordsIn != 10 || m.RecordsOut != 5 {
		t.Errorf("metrics %+v, want 10 in, 5 out", m)
	}
	want := []string{"open sink", "open source", "end source", "end sink", "close source", "close sink"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Errorf("lifecycle\n got %v\nwant %v", got, want)
	}
}

func TestChainHashOutput(t *testing.T) {
	var words []wordCount
	for i := range 60 {
		words = append(words, wordCount{Word: fmt.Sprintf("w%d", i%20), Count: 1})
	}
	p := mustBuild(t, 4, func(env *Env) error {
		src := FromSource(env, &sliceSource[wordCount]{records: words, batch: 7}, "words").SetParallelism(1)
		counts := Reduce(KeyBy(src, func(w wordCount) string { return w.Word }),
			func(a, b wordCount) wordCount { return wordCount{a.Word, a.Count + b.Count} })
		SinkTo(counts, &collectSink[wordCount]{}, "out")
		return nil
	})
	if e := p.Graph().Edges[0]; e.Partitioner != jobgraph.Hash {
		t.Fatalf("edge 0 is %s", e.Partitioner)
	}
	w := newFakeWriter(4)
	c := newChain(t, p, ids(0), map[jobgraph.EdgeID]operator.RecordWriter{0: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	drain(t, c)

	maxP := p.Graph().Vertices[1].MaxParallelism
	channelOf := map[string]int{}
	total := 0
	for ch, recs := range w.emitted {
		if len(recs) == 0 {
			t.Errorf("channel %d got nothing from 20 keys", ch)
		}
		for _, r := range decodeAll[wordCount](t, recs) {
			total++
			want := jobgraph.OperatorIndex(jobgraph.KeyGroup(KeyHash(r.Word), maxP), maxP, 4)
			if ch != want {
				t.Errorf("%q on channel %d, want %d", r.Word, ch, want)
			}
			if prev, seen := channelOf[r.Word]; seen && prev != ch {
				t.Errorf("%q on channels %d and %d", r.Word, prev, ch)
			}
			channelOf[r.Word] = ch
		}
	}
	if total != 60 || c.Metrics().RecordsOut != 60 || c.Metrics().RecordsIn != 60 {
		t.Errorf("%d records emitted, metrics %+v; want 60", total, c.Metrics())
	}
}

// partitionedChain builds source (parallelism 1) -> part -> Map
// (parallelism n) and runs the source's chain into a fake writer.
func partitionedChain(t *testing.T, n int, part func(*DataStream[int]) *DataStream[int], records int) *fakeWriter {
	t.Helper()
	p := mustBuild(t, n, func(env *Env) error {
		src := FromSource(env, &sliceSource[int]{records: ints(records), batch: 4}, "nums").SetParallelism(1)
		SinkTo(Map(part(src), func(v int) int { return v }), &collectSink[int]{}, "out")
		return nil
	})
	channels := n
	if p.Graph().Edges[0].Partitioner == jobgraph.Forward {
		channels = 1
	}
	w := newFakeWriter(channels)
	c := newChain(t, p, ids(0), map[jobgraph.EdgeID]operator.RecordWriter{0: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	drain(t, c)
	return w
}

func TestChainRoundRobin(t *testing.T) {
	for _, tt := range []struct {
		name string
		part func(*DataStream[int]) *DataStream[int]
	}{
		{"rebalance by default", func(s *DataStream[int]) *DataStream[int] { return s }},
		{"rescale", (*DataStream[int]).Rescale},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := partitionedChain(t, 3, tt.part, 9)
			chanOf := map[int]int{}
			for ch, recs := range w.emitted {
				if len(recs) != 3 {
					t.Errorf("channel %d got %d records, want 3", ch, len(recs))
				}
				for _, v := range decodeAll[int](t, recs) {
					chanOf[v] = ch
				}
			}
			for v := 2; v <= 9; v++ {
				if chanOf[v] != (chanOf[v-1]+1)%3 {
					t.Errorf("record %d on channel %d after record %d on %d", v, chanOf[v], v-1, chanOf[v-1])
				}
			}
			if tt.name == "rescale" && chanOf[1] != 0 {
				t.Errorf("rescale starts at channel %d, want 0", chanOf[1])
			}
		})
	}
}

func TestChainBroadcastShuffleForward(t *testing.T) {
	w := partitionedChain(t, 3, (*DataStream[int]).Broadcast, 5)
	if got := decodeAll[int](t, w.broadcast); !slices.Equal(got, ints(5)) {
		t.Errorf("broadcast %v", got)
	}
	for ch, recs := range w.emitted {
		if len(recs) > 0 {
			t.Errorf("broadcast emitted to channel %d", ch)
		}
	}

	w = partitionedChain(t, 3, (*DataStream[int]).Shuffle, 300)
	var all []int
	for ch, recs := range w.emitted {
		if len(recs) == 0 {
			t.Errorf("shuffle sent nothing of 300 records to channel %d", ch)
		}
		all = append(all, decodeAll[int](t, recs)...)
	}
	slices.Sort(all)
	if !slices.Equal(all, ints(300)) {
		t.Errorf("shuffle lost or duplicated records: %d", len(all))
	}

	w = partitionedChain(t, 1, (*DataStream[int]).Forward, 5)
	if got := decodeAll[int](t, w.emitted[0]); !slices.Equal(got, ints(5)) {
		t.Errorf("forward %v", got)
	}
}

func TestChainUnionPushRecord(t *testing.T) {
	sink := &collectSink[int]{}
	p := mustBuild(t, 1, func(env *Env) error {
		a := FromSource(env, &sliceSource[int]{}, "a")
		b := FromSource(env, &sliceSource[int]{}, "b")
		SinkTo(Map(Union(a, b), func(v int) int { return v * 10 }), sink, "out")
		return nil
	})
	c := newChain(t, p, ids(2, 3), nil)
	if c.IsSource() {
		t.Fatal("map head says it is a source")
	}
	if _, err := c.PollSource(); err == nil {
		t.Error("PollSource on a map head succeeded")
	}
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	for _, push := range []struct {
		edge jobgraph.EdgeID
		v    int
	}{{0, 1}, {1, 2}, {0, 3}} {
		if err := c.PushRecord(push.edge, operator.NoTimestamp, encode(t, push.v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.PushRecord(2, operator.NoTimestamp, encode(t, 4)); err == nil || !strings.Contains(err.Error(), "edge 2 is not an input") {
		t.Errorf("push on the chained edge: %v", err)
	}
	if err := c.PushRecord(0, operator.NoTimestamp, []byte{0xc1}); err == nil || !strings.Contains(err.Error(), "Map (1/1): input edge 0: decode int") {
		t.Errorf("push of garbage: %v", err)
	}
	if got := sink.records(); !slices.Equal(got, []int{10, 20, 30}) {
		t.Errorf("sink got %v", got)
	}
	if m := c.Metrics(); m.RecordsIn != 3 || m.RecordsOut != 3 {
		t.Errorf("metrics %+v", m)
	}
}

// recorder is a ProcessFunction with every optional hook, logging them.
type recorder struct {
	name      string
	log       *eventLog
	emitAtEnd *wordCount
	openErr   error
}

func (r *recorder) Open(ctx *operator.Context) error {
	r.log.add("open " + ctx.String())
	return r.openErr
}

func (r *recorder) ProcessElement(v wordCount, out operator.Collector[wordCount]) error {
	r.log.add(fmt.Sprintf("%s:%s%d", r.name, v.Word, v.Count))
	out.Collect(v)
	return nil
}

func (r *recorder) EndInput(out operator.Collector[wordCount]) error {
	r.log.add("end " + r.name)
	if r.emitAtEnd != nil {
		out.Collect(*r.emitAtEnd)
	}
	return nil
}

func (r *recorder) Close() error {
	r.log.add("close " + r.name)
	return nil
}

func TestChainEndInputOrderWithReduceAndProcess(t *testing.T) {
	log := &eventLog{}
	sink := &collectSink[wordCount]{log: log}
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[wordCount]{}, "in")
		sums := Reduce(KeyBy(src, func(w wordCount) string { return w.Word }),
			func(a, b wordCount) wordCount { return wordCount{a.Word, a.Count + b.Count} })
		p1 := Process(sums, ProcessFunction[wordCount, wordCount](&recorder{name: "p1", log: log, emitAtEnd: &wordCount{"end", 0}})).Name("p1")
		p2 := Process(p1, ProcessFunction[wordCount, wordCount](&recorder{name: "p2", log: log})).Name("p2")
		SinkTo(p2, sink, "out")
		return nil
	})
	c := newChain(t, p, ids(1, 2, 3, 4), nil)
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	for _, w := range []wordCount{{"a", 1}, {"b", 2}, {"a", 3}} {
		if err := c.PushRecord(0, operator.NoTimestamp, encode(t, w)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.EndInput(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"open sink", "open p2 (1/1)", "open p1 (1/1)",
		"p1:a1", "p2:a1", "p1:b2", "p2:b2", "p1:a4", "p2:a4",
		"end p1", "p2:end0", "end p2", "end sink",
		"close p1", "close p2", "close sink",
	}
	if got := log.get(); !slices.Equal(got, want) {
		t.Errorf("events\n got %v\nwant %v", got, want)
	}
	if got := sink.records(); !slices.Equal(got, []wordCount{{"a", 1}, {"b", 2}, {"a", 4}, {"end", 0}}) {
		t.Errorf("sink got %v", got)
	}
}

func TestChainOpenError(t *testing.T) {
	boom := errors.New("boom")
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[wordCount]{}, "in")
		SinkTo(Process(src, ProcessFunction[wordCount, wordCount](&recorder{log: &eventLog{}, openErr: boom})), &collectSink[wordCount]{}, "out")
		return nil
	})
	c := newChain(t, p, ids(0, 1, 2), nil)
	if err := c.Open(); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "Process (1/1): open: ") {
		t.Errorf("open: %v", err)
	}
}

func TestChainAbortWhenEmitFails(t *testing.T) {
	p := mustBuild(t, 2, func(env *Env) error {
		src := FromSource(env, &sliceSource[int]{records: ints(3)}, "in").SetParallelism(1)
		SinkTo(src, &collectSink[int]{}, "out")
		return nil
	})
	w := newFakeWriter(2)
	w.err = operator.ErrCanceled
	c := newChain(t, p, ids(0), map[jobgraph.EdgeID]operator.RecordWriter{0: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		a, ok := recover().(operator.Abort)
		if !ok || !errors.Is(a.Err, operator.ErrCanceled) {
			t.Errorf("recovered %v, want an Abort", a)
		}
	}()
	_, _ = c.PollSource()
	t.Error("PollSource returned")
}

func TestChainRecordErrors(t *testing.T) {
	two := 2
	sink := &collectSink[int]{failOn: &two}
	p := mustBuild(t, 1, func(env *Env) error {
		SinkTo(FromSource(env, &sliceSource[int]{records: ints(4), batch: 10}, "in"), sink, "out")
		return nil
	})
	c := newChain(t, p, ids(0, 1), nil)
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	_, err := c.PollSource()
	if !errors.Is(err, errWrite) || err.Error() != "Sink: out (1/1): write: disk full" {
		t.Errorf("poll: %v", err)
	}
	if _, again := c.PollSource(); again != err {
		t.Errorf("second poll: %v", again)
	}
	if err := c.EndInput(); !errors.Is(err, errWrite) {
		t.Errorf("end input: %v", err)
	}
	if got := sink.records(); !slices.Equal(got, []int{1}) {
		t.Errorf("sink got %v, want only the record before the failure", got)
	}
	if m := c.Metrics(); m.RecordsIn != 4 || m.RecordsOut != 1 {
		t.Errorf("metrics %+v", m)
	}

	bad := errors.New("bad record")
	sink = &collectSink[int]{}
	p = mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[int]{records: ints(4), batch: 10}, "in")
		SinkTo(Process(src, ProcessFunc[int, int](func(v int, out operator.Collector[int]) error {
			if v == 2 {
				return bad
			}
			out.Collect(v)
			return nil
		})), sink, "out")
		return nil
	})
	c = newChain(t, p, ids(0, 1, 2), nil)
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PollSource(); !errors.Is(err, bad) || err.Error() != "Process (1/1): bad record" {
		t.Errorf("poll: %v", err)
	}
	if got := sink.records(); !slices.Equal(got, []int{1}) {
		t.Errorf("sink got %v", got)
	}
}

// counter emits how many records its instance has seen.
type counter struct{ n int }

func (c *counter) ProcessElement(_ int, out operator.Collector[int]) error {
	c.n++
	out.Collect(c.n)
	return nil
}

func TestChainFreshFunctionsPerSubtask(t *testing.T) {
	sink := &collectSink[int]{}
	p := mustBuild(t, 2, func(env *Env) error {
		src := FromSource(env, &sliceSource[int]{records: ints(10)}, "in")
		SinkTo(Process[int, int](src, &counter{}), sink, "out")
		return nil
	})
	var wg sync.WaitGroup
	for subtask := range 2 {
		c, err := p.NewChain(operator.ChainSpec{Vertices: ids(0, 1, 2), Context: operator.Context{Subtask: subtask, Parallelism: 2}})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := c.Open(); err != nil {
				t.Error(err)
			}
			drain(t, c)
		})
	}
	wg.Wait()
	got := sink.records()
	slices.Sort(got)
	if want := []int{1, 1, 2, 2, 3, 3, 4, 4, 5, 5}; !slices.Equal(got, want) {
		t.Errorf("counts %v, want each subtask to count its own 5", got)
	}
	if sink.writers != 2 {
		t.Errorf("%d writers, want one per subtask", sink.writers)
	}
}

func TestChainNondeterministicBuild(t *testing.T) {
	runs := 0
	p := mustBuild(t, 1, func(env *Env) error {
		runs++
		SinkTo(FromSource(env, strs(), "in").SetParallelism(runs), &collectSink[string]{}, "out").SetParallelism(runs)
		return nil
	})
	_, err := p.NewChain(operator.ChainSpec{Vertices: ids(0, 1)})
	if err == nil || !strings.Contains(err.Error(), "not deterministic") {
		t.Errorf("NewChain: %v", err)
	}
}

func TestChainSpecErrors(t *testing.T) {
	p := mustBuild(t, 2, func(env *Env) error {
		src := FromSource(env, strs(), "in")                                          // 0
		m := Map(src, strings.ToUpper)                                                // 1, edge 0 forward
		r := Map(m.Rebalance(), strings.ToLower)                                      // 2, edge 1 rebalance
		k := Reduce(KeyBy(r, strings.ToLower), func(a, b string) string { return a }) // 3, edge 2 hash
		SinkTo(k, &collectSink[string]{}, "out")                                      // 4, edge 3 forward
		return nil
	})
	one, two, three := newFakeWriter(1), newFakeWriter(2), newFakeWriter(3)
	tests := []struct {
		name     string
		vertices []jobgraph.VertexID
		outputs  map[jobgraph.EdgeID]operator.RecordWriter
		subtask  int
		want     string
	}{
		{"empty", nil, nil, 0, "no vertices"},
		{"unknown vertex", ids(9), nil, 0, "unknown vertex 9"},
		{"twice", ids(3, 3), nil, 0, "vertex 3 appears twice"},
		{"source inside", ids(1, 0), nil, 0, "source Source: in is not the head"},
		{"missing writer", ids(0), nil, 0, "edge 0 to Map leaves the chain but has no writer"},
		{"forward writer", ids(0), map[jobgraph.EdgeID]operator.RecordWriter{0: two}, 0, "forward edge 0 to Map: writer has 2 channels, want 1"},
		{"hash writer", ids(2), map[jobgraph.EdgeID]operator.RecordWriter{2: three}, 0, "hash edge 2 to Keyed Reduce: writer has 3 channels, want its parallelism 2"},
		{"chained rebalance", ids(1, 2), map[jobgraph.EdgeID]operator.RecordWriter{2: two}, 0, "edge 1 (Map -> Map) is REBALANCE; only forward edges chain"},
		{"backwards", ids(0, 2, 1), nil, 0, "edge 1 runs from Map back to Map"},
		{"input inside", ids(3, 4, 1), map[jobgraph.EdgeID]operator.RecordWriter{1: two}, 0, "Map has input edge 0 from outside the chain"},
		{"stray writer", ids(4), map[jobgraph.EdgeID]operator.RecordWriter{0: one}, 0, "writer for edge 0, which does not leave the chain"},
		{"subtask", ids(4), nil, 2, "subtask 2 out of range for parallelism 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.NewChain(operator.ChainSpec{Vertices: tt.vertices, Outputs: tt.outputs, Context: operator.Context{Subtask: tt.subtask}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewChain: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestReduceAllocatesOnlyForNewKeys(t *testing.T) {
	sink := &countSink[wordCount]{}
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[wordCount]{}, "in")
		SinkTo(Reduce(KeyBy(src, func(w wordCount) string { return w.Word }),
			func(a, b wordCount) wordCount { return wordCount{a.Word, a.Count + b.Count} }), sink, "out")
		return nil
	})
	c := newChain(t, p, ids(1, 2), nil)
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	head := c.(*chain).ops[0].lc.(operator.Collector[wordCount])
	keys := []wordCount{{"a", 1}, {"b", 1}, {"c", 1}}
	for _, k := range keys {
		head.Collect(k)
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, k := range keys {
			head.Collect(k)
		}
	}); n != 0 {
		t.Errorf("%v allocations per run over known keys", n)
	}
	if sink.n != 3+101*3 {
		t.Errorf("sink got %d records", sink.n)
	}
}
