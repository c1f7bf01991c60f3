package coordinator

import (
	"fmt"
	"slices"
	"time"

	"github.com/runnel/runnel/jobgraph"
)

// CheckpointStats is GET /v1/jobs/{id}/checkpoints, with Flink's field
// names where the concept is the same.
type CheckpointStats struct {
	Counts  CheckpointCounts        `json:"counts"`
	Latest  LatestCheckpoints       `json:"latest"`
	History []CheckpointHistoryItem `json:"history"`
}

// CheckpointCounts counts a job's checkpoints.
type CheckpointCounts struct {
	Total      int64 `json:"total"`
	InProgress int64 `json:"in_progress"`
	Completed  int64 `json:"completed"`
	Failed     int64 `json:"failed"`
}

// LatestCheckpoints are the newest completed checkpoint and the one the
// current attempt restored.
type LatestCheckpoints struct {
	Completed *CheckpointHistoryItem `json:"completed"`
	Restored  *CheckpointHistoryItem `json:"restored"`
}

// CheckpointHistoryItem is one checkpoint: the pending one and the
// retained completed ones.
type CheckpointHistoryItem struct {
	ID               int64     `json:"id"`
	Status           string    `json:"status"`
	IsSavepoint      bool      `json:"is_savepoint"`
	TriggerTimestamp time.Time `json:"trigger_timestamp"`
	// EndToEndDuration is in milliseconds, as Flink's.
	EndToEndDuration int64  `json:"end_to_end_duration"`
	StateSize        int64  `json:"state_size"`
	ExternalPath     string `json:"external_path,omitempty"`
}

// CheckpointStats reads a job's checkpoints from this node's FSM: any
// node answers, as they all replicate it.
func (c *Coordinator) CheckpointStats(id string) (CheckpointStats, error) {
	if _, ok := c.fsm.Job(id); !ok {
		return CheckpointStats{}, fmt.Errorf("checkpoints of %s: %w", id, ErrUnknownJob)
	}
	cps := c.fsm.Checkpoints(id)
	out := CheckpointStats{
		Counts:  CheckpointCounts{Completed: cps.NumCompleted, Failed: cps.NumFailed},
		History: []CheckpointHistoryItem{},
	}
	if p := cps.Pending; p != nil {
		out.Counts.InProgress = 1
		out.History = append(out.History, CheckpointHistoryItem{
			ID: p.ID, Status: "IN_PROGRESS", IsSavepoint: p.Savepoint, TriggerTimestamp: p.Triggered,
		})
	}
	out.Counts.Total = out.Counts.Completed + out.Counts.Failed + out.Counts.InProgress
	for _, cp := range slices.Backward(cps.Completed) {
		out.History = append(out.History, historyItem(cp))
	}
	if latest, ok := cps.Latest(); ok {
		item := historyItem(latest)
		out.Latest.Completed = &item
	}
	if d, ok := c.fsm.Deployment(id); ok && d.Restore != nil {
		item := historyItem(*d.Restore)
		out.Latest.Restored = &item
	}
	return out, nil
}

func historyItem(cp jobgraph.CompletedCheckpoint) CheckpointHistoryItem {
	return CheckpointHistoryItem{
		ID: cp.ID, Status: "COMPLETED", IsSavepoint: cp.Savepoint, TriggerTimestamp: cp.Triggered,
		EndToEndDuration: cp.Completed.Sub(cp.Triggered).Milliseconds(), StateSize: cp.Bytes(),
		ExternalPath: cp.Storage + "/" + cp.JobID + "/" + jobgraph.CheckpointDir(cp.ID),
	}
}
