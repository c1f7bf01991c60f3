package examples

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/stream"
)

const (
	testKeys  = 20
	testCount = 500
)

func seqCountSpec(output string, parallelism int) jobgraph.Spec {
	return jobgraph.Spec{Job: "seqcount", Parallelism: parallelism, Args: map[string]string{
		"keys": strconv.Itoa(testKeys), "count": strconv.Itoa(testCount), "output": output,
	}}
}

// runToEnd polls until every source ended, then takes the final
// checkpoint id, completes it and closes the job.
func runToEnd(t *testing.T, j *localJob, id int64) {
	t.Helper()
	for !j.poll(1) {
	}
	j.snapshot(id)
	j.complete(id)
	j.close()
}

func checkNoHiddenFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("hidden file %s left in the output", e.Name())
		}
	}
}

func TestSeqCountWithoutCheckpoints(t *testing.T) {
	dir := t.TempDir()
	j := startLocalJob(t, seqCountSpec(dir, 3), false, nil)
	for !j.poll(1) {
	}
	j.close()
	if err := CheckSeqCount(dir, testKeys, testCount); err != nil {
		t.Error(err)
	}
	checkNoHiddenFiles(t, dir)
}

func TestSeqCountWithCheckpoints(t *testing.T) {
	dir := t.TempDir()
	j := startLocalJob(t, seqCountSpec(dir, 2), true, nil)
	j.poll(2)
	j.snapshot(1)
	j.complete(1)
	if err := CheckSeqCount(dir, testKeys, testCount); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("mid-job, CheckSeqCount = %v, want seqs missing", err)
	}
	runToEnd(t, j, 2)
	if err := CheckSeqCount(dir, testKeys, testCount); err != nil {
		t.Error(err)
	}
	checkNoHiddenFiles(t, dir)
}

// TestSeqCountExactlyOnceAcrossFailuresAndRescaling fails the job twice,
// each time with records written after its last checkpoint, once with a
// checkpoint whose completion was never notified and once with one that
// was aborted, and restores it at another parallelism each time. The
// committed output must still be exactly once.
func TestSeqCountExactlyOnceAcrossFailuresAndRescaling(t *testing.T) {
	dir := t.TempDir()

	first := startLocalJob(t, seqCountSpec(dir, 3), true, nil)
	first.poll(1)
	first.complete(first.snapshot(1).id)
	first.poll(1)
	ck2 := first.snapshot(2) // completes, but the notification is lost in the failure
	first.poll(1)
	first.close()

	second := startLocalJob(t, seqCountSpec(dir, 2), true, ck2)
	second.poll(1)
	ck3 := second.snapshot(3)
	second.complete(3)
	second.poll(1)
	second.snapshot(4)
	for _, chains := range second.chains {
		for _, c := range chains {
			if err := c.NotifyCheckpointAborted(4); err != nil {
				t.Fatal(err)
			}
		}
	}
	second.poll(1)
	second.close()

	third := startLocalJob(t, seqCountSpec(dir, 5), true, ck3)
	runToEnd(t, third, 5)

	if err := CheckSeqCount(dir, testKeys, testCount); err != nil {
		t.Error(err)
	}
	checkNoHiddenFiles(t, dir)
}

// TestSeqSourceRescaling restores the source alone at other
// parallelisms: each key's records come out once and in order.
func TestSeqSourceRescaling(t *testing.T) {
	source := NewSeqSource(7, 300, 0)
	got := map[string][]int64{}
	var restored *operator.Restored
	for i, p := range []int{2, 5, 1, 3} {
		snaps := make([][]byte, p)
		for s := range p {
			ctx := &operator.Context{Subtask: s, Parallelism: p}
			r, err := source.NewReader(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cp := r.(operator.Checkpointed)
			if restored != nil {
				if err := cp.RestoreState(*restored); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Open(ctx); err != nil {
				t.Fatal(err)
			}
			out := &seqCollector{}
			for range (s+i)%3 + 1 {
				if _, err := r.PollNext(out); err != nil {
					t.Fatal(err)
				}
			}
			if i == 3 {
				for st := operator.MoreAvailable; st != operator.EndOfInput; {
					if st, err = r.PollNext(out); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, rec := range *out {
				got[rec.Key] = append(got[rec.Key], rec.Seq)
			}
			snap, err := cp.SnapshotState(int64(i + 1))
			if err != nil {
				t.Fatal(err)
			}
			snaps[s] = snap.Operator
		}
		restored = &operator.Restored{CheckpointID: int64(i + 1), Operator: snaps}
	}
	for k := range 7 {
		seqs := got[keyName(k)]
		if len(seqs) != 300 {
			t.Errorf("key k%d: %d records, want 300", k, len(seqs))
			continue
		}
		for i, seq := range seqs {
			if seq != int64(i+1) {
				t.Errorf("key k%d: record %d has seq %d", k, i, seq)
				break
			}
		}
	}
}

type seqCollector []SeqRecord

func (c *seqCollector) Collect(r SeqRecord) { *c = append(*c, r) }

func TestSeqSourceRejectsCorruptState(t *testing.T) {
	source := NewSeqSource(4, 10, 0)
	for name, b := range map[string][]byte{
		"wrong version": {seqSourceStateVersion + 1},
		"not msgpack":   {seqSourceStateVersion, 0xc1},
		"unknown key":   mustState(t, keyPosition{Key: 4, Next: 1}),
		"past count":    mustState(t, keyPosition{Key: 1, Next: 11}),
		"twice":         mustState(t, keyPosition{Key: 1, Next: 2}, keyPosition{Key: 1, Next: 3}),
	} {
		r, err := source.NewReader(&operator.Context{Subtask: 0, Parallelism: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.(operator.Checkpointed).RestoreState(operator.Restored{CheckpointID: 1, Operator: [][]byte{b}}); err == nil {
			t.Errorf("%s: RestoreState accepted it", name)
		}
	}
}

func mustState(t *testing.T, keys ...keyPosition) []byte {
	t.Helper()
	b, err := connector.MarshalState(seqSourceStateVersion, seqSourceState{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuildSeqCountRejectsBadArguments(t *testing.T) {
	for _, args := range []map[string]string{
		{},
		{"output": "/o", "keys": "0"},
		{"output": "/o", "count": "-1"},
		{"output": "/o", "rate": "fast"},
		{"output": "/o", "rate": "-3"},
		{"output": "/o", "checkpoint-interval": "-1s"},
		{"output": "/o", "checkpoint-interval": "often"},
		{"output": "/o", "checkpoint-interval": "1ms"},
	} {
		if _, err := buildSeqCountSpec(args); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	prog, err := buildSeqCountSpec(map[string]string{"output": "/o", "rate": "2.5", "checkpoint-interval": "10s"})
	if err != nil {
		t.Fatalf("good arguments refused: %v", err)
	}
	if got := prog.Graph().Checkpoint.Interval; got != 10*time.Second {
		t.Errorf("checkpoint-interval 10s gives a checkpoint interval of %s", got)
	}
	prog, err = buildSeqCountSpec(map[string]string{"output": "/o"})
	if err != nil {
		t.Fatal(err)
	}
	if prog.Graph().Checkpoint.Enabled() {
		t.Error("without checkpoint-interval the job enables checkpoints itself")
	}
}

func buildSeqCountSpec(args map[string]string) (operator.Program, error) {
	return stream.Default.Build(jobgraph.Spec{Job: "seqcount", Parallelism: 2, Args: args})
}

// The seqcount job chains into two tasks: the source on one side of the
// hash exchange, counting and writing on the other.
func Example_seqcount() {
	prog, err := buildSeqCountSpec(map[string]string{"output": "/data/out"})
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := scheduler.Chain(prog.Graph())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(plan)
	// Output:
	// task 0 "Source: sequences": parallelism 2, max parallelism 128, group "default", vertices 0
	// task 1 "Count -> Sink: output": parallelism 2, max parallelism 128, group "default", vertices 1 2
	// edge 0: task 0 -> task 1, HASH
	// group "default": 2 slots
	// slots needed: 2
}
