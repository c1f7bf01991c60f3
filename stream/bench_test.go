package stream

import (
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// countSink counts what its writer gets, without retaining it.
type countSink[T any] struct{ n int }

func (s *countSink[T]) NewWriter(*operator.Context) (operator.SinkWriter[T], error) {
	return &countWriter[T]{s: s}, nil
}

type countWriter[T any] struct {
	stateless
	s *countSink[T]
}

func (w *countWriter[T]) Write(T) error {
	w.s.n++
	return nil
}

// nSource emits 0..n-1 in one poll.
type nSource struct{ n int }

func (s *nSource) NewReader(*operator.Context) (operator.SourceReader[int], error) {
	return &nReader{n: s.n}, nil
}

type nReader struct {
	stateless
	n int
}

func (r *nReader) PollNext(out operator.Collector[int]) (operator.InputStatus, error) {
	for i := range r.n {
		out.Collect(i)
	}
	return operator.EndOfInput, nil
}

func BenchmarkChainedMapFilter(b *testing.B) {
	build := func(n int, sink *countSink[int]) func(env *Env) error {
		return func(env *Env) error {
			m := Map(FromSource(env, &nSource{n: n}, "in"), func(v int) int { return v * 3 })
			SinkTo(Filter(m, func(v int) bool { return v&1 == 0 }), sink, "out")
			return nil
		}
	}
	// The head Map's input collector, called as an upstream chained
	// operator or a decoder would.
	b.Run("collect", func(b *testing.B) {
		sink := &countSink[int]{}
		c := newChain(b, mustBuild(b, 1, build(0, sink)), ids(1, 2, 3), nil)
		if err := c.Open(); err != nil {
			b.Fatal(err)
		}
		head := c.(*chain).ops[0].lc.(operator.Collector[int])
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			head.Collect(i)
		}
		if sink.n == 0 {
			b.Fatal("nothing reached the sink")
		}
	})
	// The whole source chain: reader, RecordsIn counting, Map, Filter, sink.
	b.Run("poll", func(b *testing.B) {
		sink := &countSink[int]{}
		c := newChain(b, mustBuild(b, 1, build(b.N, sink)), ids(0, 1, 2, 3), nil)
		if err := c.Open(); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		if _, err := c.PollSource(); err != nil {
			b.Fatal(err)
		}
		if m := c.Metrics(); m.RecordsIn != uint64(b.N) {
			b.Fatalf("metrics %+v", m)
		}
	})
}

// discardWriter is a RecordWriter that drops what it is sent.
type discardWriter struct {
	channels int
	bytes    int
}

func (w *discardWriter) NumChannels() int { return w.channels }
func (w *discardWriter) Emit(_ int, _ int64, r []byte) error {
	w.bytes += len(r)
	return nil
}
func (w *discardWriter) Broadcast(_ int64, r []byte) error {
	w.bytes += len(r)
	return nil
}
func (w *discardWriter) EmitWatermark(int64) error { return nil }
func (w *discardWriter) EmitIdle(bool) error       { return nil }

// plainCount has no codec of its own, so it goes through msgpack.
type plainCount struct {
	Word  string
	Count int64
}

func benchmarkHashOutput[T any](b *testing.B, key func(T) string, mk func(i int) T) {
	w := &discardWriter{channels: 8}
	out := outputFor(func(v T) uint64 { return KeyHash(key(v)) })(jobgraph.Hash, w, 128, &chainState{}, &operator.Context{OperatorName: "bench"}).(operator.Collector[T])
	records := make([]T, 1024)
	for i := range records {
		records[i] = mk(i)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		out.Collect(records[i&1023])
	}
}

func BenchmarkNetworkOutputHash(b *testing.B) {
	b.Run("own-codec", func(b *testing.B) {
		benchmarkHashOutput(b, func(w wordCount) string { return w.Word },
			func(i int) wordCount { return wordCount{Word: "word-" + string(rune('a'+i%26)), Count: int64(i)} })
	})
	b.Run("msgpack", func(b *testing.B) {
		benchmarkHashOutput(b, func(w plainCount) string { return w.Word },
			func(i int) plainCount { return plainCount{Word: "word-" + string(rune('a'+i%26)), Count: int64(i)} })
	})
}

// BenchmarkPushRecord is the receiving side: decode, then Map and sink.
func BenchmarkPushRecord(b *testing.B) {
	sink := &countSink[wordCount]{}
	p := mustBuild(b, 1, func(env *Env) error {
		m := Map(FromSource(env, &sliceSource[wordCount]{}, "in"), func(w wordCount) wordCount { w.Count++; return w })
		SinkTo(m, sink, "out")
		return nil
	})
	c := newChain(b, p, ids(1, 2), nil)
	if err := c.Open(); err != nil {
		b.Fatal(err)
	}
	rec := encode(b, wordCount{Word: "hello", Count: 1})
	b.ReportAllocs()
	for b.Loop() {
		if err := c.PushRecord(0, operator.NoTimestamp, rec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKeyHash(b *testing.B) {
	b.Run("string", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			KeyHash("word-a")
		}
	})
	b.Run("int", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			KeyHash(i)
		}
	})
	b.Run("struct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			KeyHash(plainCount{"word-a", 1})
		}
	})
}
