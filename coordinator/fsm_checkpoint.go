package coordinator

import (
	"errors"
	"fmt"
)

// ErrCheckpointRefused is returned for a checkpoint command that no longer
// fits the job: another one is pending, the attempt moved on, or the
// checkpoint was already given up.
var ErrCheckpointRefused = errors.New("checkpoint refused")

func (f *FSM) applyTriggerCheckpoint(body []byte, index uint64) any {
	var req TriggerCheckpointRequest
	decodeBody(body, index, TriggerCheckpointType, &req)
	job, ok := f.state.Jobs[req.JobID]
	cps := f.state.Checkpoints[req.JobID]
	switch {
	case !ok:
		return fmt.Errorf("trigger checkpoint of job %s: %w", req.JobID, ErrUnknownJob)
	case job.Status != JobRunning:
		return fmt.Errorf("trigger checkpoint of job %s: job is %s: %w", req.JobID, job.Status, ErrCheckpointRefused)
	case f.state.Deployments[req.JobID].Attempt != req.Attempt:
		return fmt.Errorf("trigger checkpoint of job %s: attempt %d is not current: %w", req.JobID, req.Attempt, ErrCheckpointRefused)
	case cps.Pending != nil:
		return fmt.Errorf("trigger checkpoint of job %s: checkpoint %d is pending: %w", req.JobID, cps.Pending.ID, ErrCheckpointRefused)
	}
	cps.JobID = req.JobID
	cps.Counter++
	cps.Pending = &PendingCheckpoint{ID: cps.Counter, Attempt: req.Attempt, Triggered: req.Time, Savepoint: req.Savepoint}
	f.state.Checkpoints[req.JobID] = cps
	f.notifyLocked()
	return cps.Counter
}

func (f *FSM) applyCompleteCheckpoint(body []byte, index uint64) any {
	var req CompleteCheckpointRequest
	decodeBody(body, index, CompleteCheckpointType, &req)
	c := req.Checkpoint
	cps := f.state.Checkpoints[c.JobID]
	if cps.Pending == nil || cps.Pending.ID != c.ID {
		return fmt.Errorf("complete checkpoint %d of job %s: not pending: %w", c.ID, c.JobID, ErrCheckpointRefused)
	}
	cps.Pending = nil
	cps.Failed = 0
	cps.NumCompleted++
	completed := append(cps.Completed[:len(cps.Completed):len(cps.Completed)], c)
	var retired []int64
	if keep := max(req.Retained, 1); len(completed) > keep {
		for _, old := range completed[:len(completed)-keep] {
			if !old.Savepoint { // a savepoint's files are its owner's
				retired = append(retired, old.ID)
			}
		}
		completed = completed[len(completed)-keep:]
	}
	cps.Completed = completed
	f.state.Checkpoints[c.JobID] = cps
	f.notifyLocked()
	return retired
}

func (f *FSM) applyAbortCheckpoint(body []byte, index uint64) any {
	var req AbortCheckpointRequest
	decodeBody(body, index, AbortCheckpointType, &req)
	cps := f.state.Checkpoints[req.JobID]
	if cps.Pending == nil || cps.Pending.ID != req.ID {
		return fmt.Errorf("abort checkpoint %d of job %s: not pending: %w", req.ID, req.JobID, ErrCheckpointRefused)
	}
	cps.Pending = nil
	cps.LastAborted = req.ID
	cps.Failed++
	cps.NumFailed++
	f.state.Checkpoints[req.JobID] = cps
	f.notifyLocked()
	return nil
}

// Checkpoints returns a job's checkpointing state.
func (f *FSM) Checkpoints(jobID string) JobCheckpoints {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.Checkpoints[jobID]
}
