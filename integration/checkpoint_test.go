package integration

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/examples"
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
