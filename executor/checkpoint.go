package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/store"
)

// A subtask's part in checkpoints. Its goroutine takes the snapshot when
// the barrier is there (a source's when its checkpoint is triggered, any
// other's when alignment completes), forwards the barrier, and hands the
// snapshot to the subtask's uploader goroutine, which writes it to
// checkpoint storage and acknowledges it to the JobMaster, so that the
// record path waits only for the snapshot's copy.

// checkpoints is the job's checkpoint status as the executor last saw it,
// shared between reconcile (which sets it) and the subtask's goroutine.
type checkpoints struct {
	mu     sync.Mutex
	status CheckpointStatus
	kick   chan struct{} // a value when status changed
}

func (t *task) setCheckpoints(s CheckpointStatus) {
	t.cp.mu.Lock()
	changed := t.cp.status != s
	t.cp.status = s
	t.cp.mu.Unlock()
	if changed {
		select {
		case t.cp.kick <- struct{}{}:
		default:
		}
	}
}

func (t *task) checkpointStatus() CheckpointStatus {
	t.cp.mu.Lock()
	defer t.cp.mu.Unlock()
	return t.cp.status
}

// checkpointProgress is what the subtask's goroutine has done of the
// status: the newest checkpoint it triggered (a source), snapshotted, and
// heard was completed or aborted.
type checkpointProgress struct {
	triggered, snapshotted, completed, aborted int64
}

// onCheckpointStatus acts on a status change, on the subtask's goroutine:
// a source injects the barrier of a newly triggered checkpoint; every
// subtask gives up an aborted alignment and tells its operators of
// completed and aborted checkpoints.
func (t *task) onCheckpointStatus(run *runState) error {
	s := t.checkpointStatus()
	p := &run.progress
	if run.chain.IsSource() && s.Pending > p.triggered && s.Pending > p.aborted {
		p.triggered = s.Pending
		if err := t.checkpoint(run, barrier{id: s.Pending, atLeastOnce: s.Mode == jobgraph.AtLeastOnce}); err != nil {
			return err
		}
	}
	if s.Aborted > p.aborted {
		p.aborted = s.Aborted
		if run.in != nil {
			if err := run.in.abort(s.Aborted); err != nil {
				return err
			}
		}
		if err := run.chain.NotifyCheckpointAborted(s.Aborted); err != nil {
			return err
		}
	}
	if s.Completed > p.completed {
		p.completed = s.Completed
		return run.chain.NotifyCheckpointComplete(s.Completed)
	}
	return nil
}

// checkpoint snapshots the chain for barrier b, forwards the barrier and
// queues the snapshot for upload.
func (t *task) checkpoint(run *runState, b barrier) error {
	snap, err := run.chain.SnapshotState(b.id)
	if err != nil {
		return err
	}
	for _, w := range run.writers {
		if err := w.emitBarrier(b); err != nil {
			return fmt.Errorf("%w: %v", errChannel, err)
		}
	}
	run.progress.snapshotted = b.id
	select {
	case run.uploads <- upload{id: b.id, state: snap}:
		return nil
	case <-t.ctx.Done():
		return t.ctx.Err()
	}
}

// upload is one snapshot on its way to storage.
type upload struct {
	id    int64
	state map[string]operator.Snapshot
}

// ackTimeout bounds how long an acknowledgement is retried, while no
// leader answers: longer than an election, shorter than a checkpoint's
// default timeout.
const ackTimeout = time.Minute

// uploadLoop writes snapshots and acknowledges them, in order, until
// uploads is closed. A failed write declines the checkpoint; it does not
// fail the subtask, as in Flink, where the coordinator decides.
func (t *task) uploadLoop(uploads <-chan upload) {
	var last int64 // the previous checkpoint written, whose local copy goes
	for u := range uploads {
		ack := jobgraph.CheckpointAck{
			JobID: t.key.job, Attempt: t.key.attempt, Task: t.key.task, Index: t.key.index,
			Node: t.node, Incarnation: t.inc, CheckpointID: u.id,
		}
		n, err := t.writeSnapshot(u)
		if err != nil {
			t.e.log.Warn("checkpoint upload failed", "subtask", t.key.String(), "checkpoint", u.id, "err", err)
			ack.Error = err.Error()
		} else {
			t.dropLocalCopy(last)
			last = u.id
		}
		ack.Bytes = n
		for id := range u.state {
			ack.Operators = append(ack.Operators, id)
		}
		t.acknowledge(ack)
	}
}

func (t *task) writeSnapshot(u upload) (int64, error) {
	data, err := msgpack.Marshal(u.state)
	if err != nil {
		return 0, fmt.Errorf("encode checkpoint %d: %w", u.id, err)
	}
	st, err := t.e.storage(t.checkpointStatus().Storage)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(t.ctx, ackTimeout)
	defer cancel()
	if err := st.Write(ctx, jobgraph.CheckpointKey(t.key.job, u.id, t.key.task, t.key.index), data); err != nil {
		return 0, err
	}
	return int64(len(data)), nil
}

// dropLocalCopy removes this node's copy of the subtask's state in
// checkpoint id, keeping the storage's: local recovery needs only the
// latest.
func (t *task) dropLocalCopy(id int64) {
	if id == 0 {
		return
	}
	st, err := t.e.storage(t.checkpointStatus().Storage)
	if err == nil {
		err = st.DropLocalCopy(jobgraph.CheckpointKey(t.key.job, id, t.key.task, t.key.index))
	}
	if err != nil {
		t.e.log.Debug("drop local checkpoint copy", "subtask", t.key.String(), "checkpoint", id, "err", err)
	}
}

// acknowledge sends ack to the JobMaster, retrying while there is no
// leader to take it, until the subtask stops or ackTimeout passes.
func (t *task) acknowledge(ack jobgraph.CheckpointAck) {
	deadline := time.Now().Add(ackTimeout)
	for {
		ctx, cancel := context.WithTimeout(t.ctx, 5*time.Second)
		err := t.e.cluster.AcknowledgeCheckpoint(ctx, ack)
		cancel()
		if err == nil || t.ctx.Err() != nil || time.Now().After(deadline) {
			if err != nil && t.ctx.Err() == nil {
				t.e.log.Warn("checkpoint acknowledgement lost", "subtask", t.key.String(), "checkpoint", ack.CheckpointID, "err", err)
			}
			return
		}
		select {
		case <-t.ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// storage returns the opened checkpoint storage of url, opening it once.
func (e *Executor) storage(url string) (*store.CheckpointStorage, error) {
	if url == "" {
		return nil, errors.New("no checkpoint storage configured")
	}
	e.storageMu.Lock()
	defer e.storageMu.Unlock()
	if s, ok := e.storages[url]; ok {
		return s, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.OpenCheckpointStorage(ctx, url, e.cfg.LocalCheckpointDir)
	if err != nil {
		return nil, err
	}
	e.storages[url] = s
	return s, nil
}

func (e *Executor) closeStorages() {
	e.storageMu.Lock()
	defer e.storageMu.Unlock()
	for url, s := range e.storages {
		if err := s.Close(); err != nil {
			e.log.Debug("close checkpoint storage", "url", url, "err", err)
		}
		delete(e.storages, url)
	}
}

// restoreState reads, for the chain's operators, their state in the
// checkpoint the attempt restores: every old subtask's operator state and
// the keyed state of the key groups this subtask now owns.
func (t *task) restoreState(ctx context.Context, vertices []jobgraph.VertexID) (map[string]operator.Restored, error) {
	cp := t.asg.Restore
	if cp == nil {
		return nil, nil
	}
	st, err := t.e.storage(cp.Storage)
	if err != nil {
		return nil, err
	}
	ids := t.prog.prog.Graph().OperatorIDs()
	out := map[string]operator.Restored{}
	read := map[[2]int]map[string]operator.Snapshot{} // old (task, index) -> its state
	for _, v := range vertices {
		id := ids[v]
		old, ok := taskHolding(cp, id)
		if !ok {
			continue
		}
		vx := t.prog.prog.Graph().Vertices[v]
		mine := jobgraph.Range(vx.MaxParallelism, vx.Parallelism, t.key.index)
		if old.MaxParallelism != vx.MaxParallelism {
			return nil, fmt.Errorf("operator %q: max parallelism %d in checkpoint %d, %d now; key groups cannot move", id, old.MaxParallelism, cp.ID, vx.MaxParallelism)
		}
		r := operator.Restored{CheckpointID: cp.ID, Operator: make([][]byte, old.Parallelism), KeyGroups: map[int][]byte{}}
		for _, sub := range old.Subtasks {
			theirs := jobgraph.Range(old.MaxParallelism, old.Parallelism, sub.Index)
			k := [2]int{old.Task, sub.Index}
			state, ok := read[k]
			if !ok {
				data, err := st.Read(ctx, jobgraph.CheckpointKey(cp.JobID, cp.ID, old.Task, sub.Index))
				if err != nil {
					return nil, err
				}
				if err := msgpack.Unmarshal(data, &state); err != nil {
					return nil, fmt.Errorf("checkpoint %d: state of subtask %d.%d: %w", cp.ID, old.Task, sub.Index, err)
				}
				read[k] = state
			}
			s := state[id]
			r.Operator[sub.Index] = s.Operator
			for kg := max(mine.Start, theirs.Start); kg <= min(mine.End, theirs.End); kg++ {
				if b, ok := s.KeyGroups[kg]; ok {
					r.KeyGroups[kg] = b
				}
			}
		}
		out[id] = r
	}
	return out, nil
}

// taskHolding finds the task of checkpoint cp that holds operator id.
func taskHolding(cp *jobgraph.CompletedCheckpoint, id string) (jobgraph.CheckpointTask, bool) {
	for _, t := range cp.Tasks {
		for _, op := range t.Operators {
			if op == id {
				return t, true
			}
		}
	}
	return jobgraph.CheckpointTask{}, false
}
