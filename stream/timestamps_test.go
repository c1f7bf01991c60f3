package stream

import (
	"slices"
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/watermark"
)

// boundedByValue uses each record as its own timestamp, 10 ms out of order.
func boundedByValue() watermark.Strategy[int] {
	return watermark.Strategy[int]{
		Generator:  func() watermark.Generator { return watermark.BoundedOutOfOrderness(10 * time.Millisecond) },
		Timestamps: func(v int, _ int64) int64 { return int64(v) },
	}
}

// TestAssignerStampsRecordsAndEmitsWatermarks runs source → assigner →
// Map with a watermark interval of 0: every record leaves with its
// timestamp, a watermark follows every record that raised the maximum,
// and the final MaxWatermark passes.
func TestAssignerStampsRecordsAndEmitsWatermarks(t *testing.T) {
	input := []int{100, 105, 103, 120, 111}
	p := mustBuild(t, 1, func(env *Env) error {
		env.SetAutoWatermarkInterval(0)
		src := FromSource(env, &sliceSource[int]{records: input, batch: 10, log: &eventLog{}}, "events")
		stamped := AssignTimestampsAndWatermarks(src, boundedByValue())
		doubled := Map(stamped, func(v int) int { return 2 * v }).SetParallelism(1)
		SinkTo(doubled.Rebalance(), &collectSink[int]{log: &eventLog{}}, "out").SetParallelism(2)
		return nil
	})
	w := newFakeWriter(2)
	c := newChain(t, p, ids(0, 1, 2), map[jobgraph.EdgeID]operator.RecordWriter{2: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	drain(t, c)
	if err := c.PushWatermark(operator.MaxWatermark); err != nil {
		t.Fatal(err)
	}
	var stamps []int64
	for _, ch := range w.timestamps {
		stamps = append(stamps, ch...)
	}
	slices.Sort(stamps)
	if want := []int64{100, 103, 105, 111, 120}; !slices.Equal(stamps, want) {
		t.Fatalf("timestamps %v, want %v", stamps, want)
	}
	if want := []int64{89, 94, 109, operator.MaxWatermark}; !slices.Equal(w.watermarks, want) {
		t.Fatalf("watermarks %v, want %v (max ts - 10 - 1 as the maximum rises, then the end)", w.watermarks, want)
	}
	if got := c.Metrics().Watermark; got != operator.MaxWatermark {
		t.Fatalf("chain watermark %d", got)
	}
}

// TestAssignerReplacesUpstreamWatermarks puts the assigner at the head of
// a non-source chain: upstream watermarks stop there, its own go on.
func TestAssignerReplacesUpstreamWatermarks(t *testing.T) {
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[int]{records: ints(3), batch: 10, log: &eventLog{}}, "events")
		stamped := AssignTimestampsAndWatermarks(src.Rebalance(), boundedByValue()).SetParallelism(1)
		SinkTo(stamped.Rebalance(), &collectSink[int]{log: &eventLog{}}, "out").SetParallelism(1)
		return nil
	})
	w := newFakeWriter(1)
	c := newChain(t, p, ids(1), map[jobgraph.EdgeID]operator.RecordWriter{1: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	if err := c.PushRecord(0, operator.NoTimestamp, encode(t, 50)); err != nil {
		t.Fatal(err)
	}
	if err := c.PushWatermark(1000); err != nil {
		t.Fatal(err)
	}
	if len(w.watermarks) != 0 {
		t.Fatalf("upstream watermark passed the assigner: %v", w.watermarks)
	}
	if err := c.OnPeriodicWatermark(); err != nil {
		t.Fatal(err)
	}
	if want := []int64{39}; !slices.Equal(w.watermarks, want) {
		t.Fatalf("watermarks %v, want %v", w.watermarks, want)
	}
	if w.timestamps[0][0] != 50 {
		t.Fatalf("record timestamp %d, want 50", w.timestamps[0][0])
	}
}

// TestAssignerDeclaresIdleness: a stream quiet for longer than the
// strategy's idleness is declared idle downstream, and the next record
// makes it active again before its watermark.
func TestAssignerDeclaresIdleness(t *testing.T) {
	strategy := boundedByValue()
	strategy.Idleness = 30 * time.Millisecond
	p := mustBuild(t, 1, func(env *Env) error {
		env.SetAutoWatermarkInterval(5 * time.Millisecond)
		src := FromSource(env, &sliceSource[int]{log: &eventLog{}}, "events")
		stamped := AssignTimestampsAndWatermarks(src.Rebalance(), strategy).SetParallelism(1)
		SinkTo(stamped.Rebalance(), &collectSink[int]{log: &eventLog{}}, "out").SetParallelism(1)
		return nil
	})
	w := newFakeWriter(1)
	c := newChain(t, p, ids(1), map[jobgraph.EdgeID]operator.RecordWriter{1: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	if err := c.PushRecord(0, operator.NoTimestamp, encode(t, 50)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(w.idles) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the quiet stream was never declared idle")
		}
		if err := c.OnPeriodicWatermark(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !w.idles[0] {
		t.Fatalf("first status %v, want idle", w.idles)
	}
	if err := c.PushRecord(0, operator.NoTimestamp, encode(t, 80)); err != nil {
		t.Fatal(err)
	}
	if err := c.OnPeriodicWatermark(); err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false}; !slices.Equal(w.idles, want) {
		t.Fatalf("statuses %v, want %v", w.idles, want)
	}
	if last := w.watermarks[len(w.watermarks)-1]; last != 69 {
		t.Fatalf("last watermark %d, want 69", last)
	}
}
