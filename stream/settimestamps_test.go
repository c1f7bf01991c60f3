package stream

import (
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// TestSetTimestamps: records leave with the timestamp the function gives,
// whatever they came with, and upstream watermarks pass unchanged.
func TestSetTimestamps(t *testing.T) {
	p := mustBuild(t, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[int]{log: &eventLog{}}, "events")
		stamped := SetTimestamps(src.Rebalance(), func(v int) int64 { return int64(v) * 10 })
		SinkTo(stamped.Rebalance(), &collectSink[int]{log: &eventLog{}}, "out")
		return nil
	})
	w := newFakeWriter(1)
	c := newChain(t, p, ids(1), map[jobgraph.EdgeID]operator.RecordWriter{1: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	for i, ts := range []int64{operator.NoTimestamp, 999} {
		if err := c.PushRecord(0, ts, encode(t, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.PushWatermark(5); err != nil {
		t.Fatal(err)
	}
	if got, want := w.timestamps[0], []int64{10, 20}; !slices.Equal(got, want) {
		t.Fatalf("timestamps %v, want %v", got, want)
	}
	if want := []int64{5}; !slices.Equal(w.watermarks, want) {
		t.Fatalf("watermarks %v, want %v", w.watermarks, want)
	}
}

func TestSetTimestampsNilFunction(t *testing.T) {
	err := buildErr(t, func(env *Env) error {
		src := FromSource(env, &sliceSource[int]{log: &eventLog{}}, "events")
		SinkTo(SetTimestamps[int](src, nil), &collectSink[int]{log: &eventLog{}}, "out")
		return nil
	})
	if !strings.Contains(err.Error(), "nil function") {
		t.Fatalf("error %q, want a nil function", err)
	}
}
