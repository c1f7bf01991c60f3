package executor

import (
	"fmt"
	"slices"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// traceChain records what reaches it, in order.
type traceChain struct {
	operator.Chain // unused methods panic
	events         []string
}

func (c *traceChain) PushRecord(e jobgraph.EdgeID, _ int64, rec []byte) error {
	c.events = append(c.events, string(rec))
	return nil
}
func (c *traceChain) PushWatermark(wm int64) error {
	c.events = append(c.events, fmt.Sprintf("wm%d", wm))
	return nil
}
func (c *traceChain) PushIdle(bool) error { return nil }

// feed builds a buffer of records and barriers: "b3" is the barrier of
// checkpoint 3, anything else a record.
func feed(t *testing.T, tr *traced, idx int, elements ...string) {
	t.Helper()
	in := tr.in
	var buf []byte
	for _, e := range elements {
		var id int64
		if _, err := fmt.Sscanf(e, "b%d", &id); err == nil {
			buf = appendElement(buf, kindStatus, 0, barrier{id: id, atLeastOnce: tr.atLeastOnce}.payload())
			continue
		}
		buf = appendElement(buf, kindRecord, 0, []byte(e))
	}
	if err := in.deliver(gateItem{idx: idx, buf: buf}); err != nil {
		t.Fatal(err)
	}
}

// traced is inputs over a traceChain, fed barriers of one mode.
type traced struct {
	in          *inputs
	atLeastOnce bool
}

func newTraceInputs(channels int, atLeastOnce bool) (*traced, *traceChain) {
	c := &traceChain{}
	in := newInputs(c, channels, func(b barrier) error {
		c.events = append(c.events, fmt.Sprintf("snapshot%d", b.id))
		return nil
	}, func() error { return nil })
	return &traced{in: in, atLeastOnce: atLeastOnce}, c
}

// TestAlignmentHoldsRecordsAfterTheBarrier: in exactly-once mode, what a
// channel sends after its barrier waits until every channel's barrier
// came; then the snapshot, then the held records in order.
func TestAlignmentHoldsRecordsAfterTheBarrier(t *testing.T) {
	tr, c := newTraceInputs(3, false)
	feed(t, tr, 0, "a1", "b1", "a2")
	feed(t, tr, 1, "x1")
	feed(t, tr, 0, "a3")
	feed(t, tr, 1, "x2", "b1", "x3")
	feed(t, tr, 2, "y1", "y2")
	if want := []string{"a1", "x1", "x2", "y1", "y2"}; !slices.Equal(c.events, want) {
		t.Fatalf("before the last barrier: %v, want %v", c.events, want)
	}
	feed(t, tr, 2, "b1", "y3")
	want := []string{"a1", "x1", "x2", "y1", "y2", "snapshot1", "a2", "a3", "x3", "y3"}
	if !slices.Equal(c.events, want) {
		t.Fatalf("after alignment: %v, want %v", c.events, want)
	}
}

// TestAtLeastOnceDoesNotHold: records after a barrier flow on; the
// snapshot comes with the last barrier.
func TestAtLeastOnceDoesNotHold(t *testing.T) {
	tr, c := newTraceInputs(2, true)
	feed(t, tr, 0, "a1", "b1", "a2")
	feed(t, tr, 1, "x1", "b1")
	want := []string{"a1", "a2", "x1", "snapshot1"}
	if !slices.Equal(c.events, want) {
		t.Fatalf("events %v, want %v", c.events, want)
	}
}

// TestNewerBarrierGivesUpTheAlignment: a barrier of a newer checkpoint
// releases what the older one held and aligns anew; an ended channel
// counts as aligned.
func TestNewerBarrierGivesUpTheAlignment(t *testing.T) {
	tr, c := newTraceInputs(2, false)
	feed(t, tr, 0, "b1", "a1")
	feed(t, tr, 1, "b2", "x1")
	feed(t, tr, 0, "b2")
	want := []string{"a1", "snapshot2", "x1"}
	if !slices.Equal(c.events, want) {
		t.Fatalf("events %v, want %v", c.events, want)
	}
	feed(t, tr, 0, "b3", "a2")
	if err := tr.in.deliver(gateItem{idx: 1, err: errEndOfInput}); err != nil {
		t.Fatal(err)
	}
	want = append(want, "snapshot3", "a2")
	if got := removeWatermarks(c.events); !slices.Equal(got, want) {
		t.Fatalf("after the end of channel 1: %v, want %v", got, want)
	}
}

func removeWatermarks(events []string) []string {
	return slices.DeleteFunc(slices.Clone(events), func(e string) bool { return len(e) > 2 && e[:2] == "wm" })
}
