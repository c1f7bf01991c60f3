package integration

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/examples"
	"github.com/runnel/runnel/node"
)

// TestSeqCountCheckpointsToTheEnd runs seqcount with checkpoints on three
// in-process nodes: checkpoints complete while it runs, the final one
// commits the last output, and the output is exactly once.
func TestSeqCountCheckpointsToTheEnd(t *testing.T) {
	c := NewCluster(t, 3, nil)
	leader := c.WaitForLeader()
	out := filepath.Join(t.TempDir(), "out")
	const keys, count = 12, 400
	id := SubmitJobWithSettings(t, leader.HTTPAddr(), "seqcount", 3, map[string]string{
		"keys": strconv.Itoa(keys), "count": strconv.Itoa(count), "rate": "3000", "output": out,
	}, map[string]string{"execution.checkpointing.interval": "200ms"})
	d := WaitForJobStatus(t, leader.HTTPAddr(), id, coordinator.JobFinished, 20*time.Second)
	if d.Attempt != 1 || d.Restarts != 0 {
		t.Fatalf("attempt %d, %d restarts: want one attempt", d.Attempt, d.Restarts)
	}
	stats, err := GetCheckpoints(leader.HTTPAddr(), id)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Counts.Completed < 2 || stats.Latest.Completed == nil {
		t.Fatalf("checkpoints %+v: want several completed", stats.Counts)
	}
	if err := examples.CheckSeqCount(out, keys, count); err != nil {
		t.Fatal(err)
	}
}

// TestSavepointRescales stops seqcount with a savepoint at parallelism 2,
// goes on from it at 4, stops again and finishes at 1: the output is
// exactly once, as if the job had never stopped.
func TestSavepointRescales(t *testing.T) {
	c := NewCluster(t, 3, nil)
	addr := c.WaitForLeader().HTTPAddr()
	out := filepath.Join(t.TempDir(), "out")
	const keys, count = 12, 3000
	req := node.SubmitRequest{
		Job:      "seqcount",
		Args:     map[string]string{"keys": strconv.Itoa(keys), "count": strconv.Itoa(count), "rate": "3000", "output": out},
		Settings: map[string]string{"execution.checkpointing.interval": "300ms"},
	}
	location := ""
	for _, p := range []int{2, 4} {
		req.Parallelism, req.FromSavepoint = p, location
		id := Submit(t, addr, req)
		WaitForJobStatus(t, addr, id, coordinator.JobRunning, 30*time.Second)
		waitCheckpoint(t, addr, id)
		location = TakeSavepoint(t, addr, id, true)
		WaitForJobStatus(t, addr, id, coordinator.JobCanceled, 30*time.Second)
	}
	req.Parallelism, req.FromSavepoint = 1, location
	id := Submit(t, addr, req)
	d := WaitForJobStatus(t, addr, id, coordinator.JobFinished, time.Minute)
	stats, err := GetCheckpoints(addr, id)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Latest.Restored == nil || !stats.Latest.Restored.IsSavepoint || d.Attempt != 1 {
		t.Fatalf("restored %+v, attempt %d: want the savepoint, one attempt", stats.Latest.Restored, d.Attempt)
	}
	if err := examples.CheckSeqCount(out, keys, count); err != nil {
		t.Fatal(err)
	}
}
