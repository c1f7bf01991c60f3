package examples

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/internal/localjob"
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

// startSeqCount starts the seqcount job writing to dir at parallelism
// p, restored from from unless it is nil.
func startSeqCount(t *testing.T, dir string, p int, checkpointing bool, from *localjob.Checkpoint) *localjob.Job {
	t.Helper()
	prog, err := stream.Default.Build(seqCountSpec(dir, p))
	check(t, err)
	j, err := localjob.Start(prog, localjob.Options{Job: "seqcount", Checkpointing: checkpointing, Restore: from})
	check(t, err)
	return j
}

// runToEnd polls until every source ended, then takes the final
// checkpoint id, completes it and closes the job.
func runToEnd(t *testing.T, j *localjob.Job, id int64) {
	t.Helper()
	check(t, j.Drain())
	snapshot(t, j, id)
	check(t, j.Complete(id))
	check(t, j.Close())
}

// poll polls every source subtask of j that has not ended n times.
func poll(t *testing.T, j *localjob.Job, n int) {
	t.Helper()
	_, err := j.Poll(n)
	check(t, err)
}

// snapshot takes checkpoint id of j.
func snapshot(t *testing.T, j *localjob.Job, id int64) *localjob.Checkpoint {
	t.Helper()
	c, err := j.Snapshot(id)
	check(t, err)
	return c
}

// check fails the test on err.
func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
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
	j := startSeqCount(t, dir, 3, false, nil)
	check(t, j.Drain())
	check(t, j.Close())
	if err := CheckSeqCount(dir, testKeys, testCount); err != nil {
		t.Error(err)
	}
	checkNoHiddenFiles(t, dir)
}

func TestSeqCountWithCheckpoints(t *testing.T) {
	dir := t.TempDir()
	j := startSeqCount(t, dir, 2, true, nil)
	poll(t, j, 2)
	snapshot(t, j, 1)
	check(t, j.Complete(1))
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

	first := startSeqCount(t, dir, 3, true, nil)
	poll(t, first, 1)
	check(t, first.Complete(snapshot(t, first, 1).ID))
	poll(t, first, 1)
	ck2 := snapshot(t, first, 2) // completes, but the notification is lost in the failure
	poll(t, first, 1)
	check(t, first.Close())

	second := startSeqCount(t, dir, 2, true, ck2)
	poll(t, second, 1)
	ck3 := snapshot(t, second, 3)
	check(t, second.Complete(3))
	poll(t, second, 1)
	snapshot(t, second, 4)
	check(t, second.Abort(4))
	poll(t, second, 1)
	check(t, second.Close())

	third := startSeqCount(t, dir, 5, true, ck3)
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
