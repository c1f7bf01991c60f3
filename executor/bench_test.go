package executor

import (
	"testing"
	"time"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/stream"
)

type reading struct {
	Key, Value int64
}

// BenchmarkPipelineOneProcess runs source → map → keyBy → reduce →
// discard at parallelism 2 on one executor (channels in memory), b.N
// records in all, and reports records per second:
//
//	go test ./executor -run '^$' -bench PipelineOneProcess -benchtime 5000000x
func BenchmarkPipelineOneProcess(b *testing.B) {
	_, c := startExecutor(b)
	reg := c.registry
	n := int64(b.N)
	if err := reg.Register("bench", func(env *stream.Env, _ stream.Args) error {
		gen := stream.FromSource(env, connector.NewDataGen(n, 0, func(i int64) int64 { return i }), "gen")
		rs := stream.Map(gen, func(i int64) reading { return reading{Key: i % 1000, Value: i} })
		sums := stream.Reduce(stream.KeyBy(rs, func(r reading) int64 { return r.Key }), func(a, b reading) reading {
			return reading{Key: a.Key, Value: a.Value + b.Value}
		})
		stream.SinkTo(sums, connector.NewDiscardSink[reading](), "discard")
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	c.set(Assignment{
		JobID: "bench-id", Spec: jobgraph.Spec{Job: "bench", Parallelism: 2}, Attempt: 1, Active: true,
		Subtasks: []jobgraph.Placement{
			{Task: 0, Index: 0, Node: "n1", Slot: 0}, {Task: 0, Index: 1, Node: "n1", Slot: 1},
			{Task: 1, Index: 0, Node: "n1", Slot: 0}, {Task: 1, Index: 1, Node: "n1", Slot: 1},
		},
	})
	waitN(b, c, 4, jobgraph.Finished)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
}
