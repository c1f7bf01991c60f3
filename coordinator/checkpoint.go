package coordinator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/store"
)

// The JobMaster's checkpoint coordinator (Flink's CheckpointCoordinator).
// It triggers a checkpoint through Raft, which hands out the id and tells
// every node's executor, whose source subtasks inject the barrier; it
// collects the subtasks' acknowledgements; and it completes the checkpoint
// through Raft, whose executors then tell every subtask, or gives it up
// when a subtask declines or the timeout passes. One checkpoint at a time.

// checkpointRun is the coordinator's memory of the pending checkpoint:
// acknowledgements are not in Raft, so a new leader gives up the
// checkpoint its predecessor left pending.
type checkpointRun struct {
	id   int64
	acks map[[2]int]jobgraph.CheckpointAck
	// lastEnd is when the previous checkpoint ended, for the min pause;
	// lastTrigger is when the last one started, for the interval.
	lastEnd, lastTrigger time.Time
	// savepoint is the savepoint a user asked for, until it is done;
	// stopped ends periodic checkpoints after a savepoint that stops
	// the job.
	savepoint *savepointRequest
	stopped   bool
}

// acknowledge takes a subtask's acknowledgement of the pending checkpoint;
// one from another attempt, another process or for another checkpoint is
// dropped.
func (m *JobMaster) acknowledge(ack jobgraph.CheckpointAck) {
	d, _ := m.jm.fsm.Deployment(m.id)
	if ack.Attempt != d.Attempt {
		return
	}
	placed := slices.ContainsFunc(d.Subtasks, func(p jobgraph.Placement) bool {
		return p.Task == ack.Task && p.Index == ack.Index && p.Incarnation == ack.Incarnation
	})
	m.mu.Lock()
	if placed && ack.CheckpointID == m.cp.id {
		m.cp.acks[[2]int{ack.Task, ack.Index}] = ack
	}
	m.mu.Unlock()
	m.wake()
}

// checkpointStep moves the job's checkpointing on, from follow, while the
// job is RUNNING: complete, give up or trigger. Checkpoints go on while
// some subtasks have finished, as Flink's since FLIP-147: a subtask
// finishes only once a completed checkpoint covers all it did, so it
// owes no acknowledgement, and its state in later checkpoints is empty.
// triggerable is whether every subtask runs or has finished; atEnd,
// whether every source has ended and some wait for their final
// checkpoint, which then comes without waiting for the interval.
func (m *JobMaster) checkpointStep(d Deployment, plan *scheduler.Plan, triggerable, atEnd bool) error {
	cfg := d.Checkpoints
	cps := m.jm.fsm.Checkpoints(m.id)
	now := time.Now()
	if p := cps.Pending; p != nil {
		m.mu.Lock()
		mine := p.ID == m.cp.id && p.Attempt == d.Attempt
		acks, owed := len(m.cp.acks), 0
		for _, pl := range d.Subtasks {
			k := [2]int{pl.Task, pl.Index}
			if _, acked := m.cp.acks[k]; !acked && m.reports[k].State != jobgraph.Finished {
				owed++
			}
		}
		var declined string
		for _, a := range m.cp.acks {
			if a.Error != "" {
				declined = fmt.Sprintf("subtask %d.%d declined: %s", a.Task, a.Index, a.Error)
				break
			}
		}
		m.mu.Unlock()
		switch {
		case !mine:
			return m.abortCheckpoint(d, p.ID, "left pending by an earlier leader or attempt")
		case declined != "":
			return m.abortCheckpoint(d, p.ID, declined)
		case owed == 0:
			return m.completeCheckpoint(d, plan, *p)
		case now.Sub(p.Triggered) > cfg.Timeout:
			return m.abortCheckpoint(d, p.ID, fmt.Sprintf("expired after %s with %d of %d acknowledgements", cfg.Timeout, acks, len(d.Subtasks)))
		}
		return nil
	}
	m.mu.Lock()
	savepoint := m.cp.savepoint != nil && !m.cp.savepoint.triggered
	due := cfg.Enabled() && triggerable && !m.cp.stopped &&
		(savepoint || now.Sub(m.cp.lastEnd) >= cfg.MinPause && (atEnd || now.Sub(m.cp.lastTrigger) >= cfg.Interval))
	if due && savepoint {
		m.cp.savepoint.triggered = true
		m.cp.stopped = m.cp.savepoint.cancel // stop with savepoint: no checkpoint after it
	}
	m.mu.Unlock()
	if !due {
		return nil
	}
	// The FSM hands out the counter's next id; expecting it before the
	// apply lets acknowledgements that arrive before the apply returns
	// (this node's own subtasks are quick) count.
	next := cps.Counter + 1
	m.mu.Lock()
	m.cp.id, m.cp.acks, m.cp.lastTrigger = next, map[[2]int]jobgraph.CheckpointAck{}, now
	m.mu.Unlock()
	res, err := m.jm.apply(TriggerCheckpointType, TriggerCheckpointRequest{JobID: m.id, Attempt: d.Attempt, Time: now, Savepoint: savepoint})
	if err != nil {
		m.mu.Lock()
		m.cp.id, m.cp.acks = 0, nil
		if savepoint {
			m.cp.savepoint.triggered, m.cp.stopped = false, false
		}
		m.mu.Unlock()
		if errors.Is(err, ErrCheckpointRefused) {
			return nil // the job moved on; the next step sees where to
		}
		return fmt.Errorf("trigger checkpoint: %w", err)
	}
	if id := res.(int64); id != next {
		return fmt.Errorf("trigger checkpoint: the FSM gave id %d, expected %d", id, next)
	}
	return nil
}

// sourcesAtEnd reports whether every source subtask has ended its input
// and at least one waits for its final checkpoint.
func (m *JobMaster) sourcesAtEnd(d Deployment, plan *scheduler.Plan) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	fed := map[int]bool{} // tasks with an input: not sources
	for _, e := range plan.Edges {
		fed[int(e.Target)] = true
	}
	waiting := false
	for _, p := range d.Subtasks {
		if fed[p.Task] {
			continue
		}
		r := m.reports[[2]int{p.Task, p.Index}]
		switch {
		case r.State == jobgraph.Finished:
		case r.EndOfData:
			waiting = true
		default:
			return false
		}
	}
	return waiting
}

func (m *JobMaster) completeCheckpoint(d Deployment, plan *scheduler.Plan, p PendingCheckpoint) error {
	c := jobgraph.CompletedCheckpoint{
		ID: p.ID, JobID: m.id, Attempt: d.Attempt, Storage: d.Checkpoints.Storage,
		Triggered: p.Triggered, Completed: time.Now(), Savepoint: p.Savepoint,
	}
	m.mu.Lock()
	byTask := map[int]*jobgraph.CheckpointTask{}
	for _, pl := range d.Subtasks {
		a, ok := m.cp.acks[[2]int{pl.Task, pl.Index}]
		if !ok {
			continue // finished: nothing to restore
		}
		t, ok := byTask[pl.Task]
		if !ok {
			spec := plan.Tasks[pl.Task]
			t = &jobgraph.CheckpointTask{Task: pl.Task, Parallelism: spec.Parallelism, MaxParallelism: spec.MaxParallelism, Operators: a.Operators}
			byTask[pl.Task] = t
		}
		t.Subtasks = append(t.Subtasks, jobgraph.CheckpointSubtask{Index: pl.Index, Bytes: a.Bytes})
	}
	m.mu.Unlock()
	// A task whose subtasks all finished acknowledged nothing; it keeps
	// an entry without subtasks, so that a restore tells its operators
	// they had finished (empty state) instead of starting them afresh.
	if latest, ok := m.jm.fsm.Checkpoints(m.id).Latest(); ok {
		for _, old := range latest.Tasks {
			if _, ok := byTask[old.Task]; !ok {
				byTask[old.Task] = &jobgraph.CheckpointTask{
					Task: old.Task, Parallelism: old.Parallelism, MaxParallelism: old.MaxParallelism, Operators: old.Operators,
				}
			}
		}
	}
	for _, t := range byTask {
		slices.Sort(t.Operators)
		c.Tasks = append(c.Tasks, *t)
	}
	slices.SortFunc(c.Tasks, func(a, b jobgraph.CheckpointTask) int { return a.Task - b.Task })
	res, err := m.jm.apply(CompleteCheckpointType, CompleteCheckpointRequest{Checkpoint: c, Retained: d.Checkpoints.Retained})
	if errors.Is(err, ErrCheckpointRefused) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("complete checkpoint %d: %w", p.ID, err)
	}
	m.endCheckpoint()
	m.log.Info("checkpoint completed", "checkpoint", p.ID, "bytes", c.Bytes(), "duration", c.Completed.Sub(c.Triggered), "savepoint", p.Savepoint)
	if p.Savepoint {
		m.savepointDone(d, c)
	}
	for _, id := range res.([]int64) {
		m.jm.discard(d.Checkpoints.Storage, m.id, id)
	}
	return nil
}

func (m *JobMaster) abortCheckpoint(d Deployment, id int64, reason string) error {
	_, err := m.jm.apply(AbortCheckpointType, AbortCheckpointRequest{JobID: m.id, ID: id, Reason: reason})
	if err != nil && !errors.Is(err, ErrCheckpointRefused) {
		return fmt.Errorf("abort checkpoint %d: %w", id, err)
	}
	m.endCheckpoint()
	m.log.Warn("checkpoint aborted", "checkpoint", id, "reason", reason)
	m.savepointFailed(id, reason)
	m.jm.discard(d.Checkpoints.Storage, m.id, id)
	return nil
}

func (m *JobMaster) endCheckpoint() {
	m.mu.Lock()
	m.cp.id, m.cp.acks, m.cp.lastEnd = 0, nil, time.Now()
	m.mu.Unlock()
}

// discard deletes a retired or aborted checkpoint's files, in the
// background: storage may be slow, and nothing waits for it.
func (jm *JobManager) discard(url, job string, id int64) {
	if url == "" {
		return
	}
	jm.mu.Lock()
	defer jm.mu.Unlock()
	if jm.stopped {
		return
	}
	jm.wg.Add(1)
	go func() {
		defer jm.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := store.OpenCheckpointStorage(ctx, url, "")
		if err == nil {
			err = st.Delete(ctx, job+"/"+jobgraph.CheckpointDir(id)+"/")
			st.Close()
		}
		if err != nil {
			jm.log.Warn("discard checkpoint", "job", job, "checkpoint", id, "err", err)
		}
	}()
}
