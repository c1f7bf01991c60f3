package coordinator

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"sync"

	"github.com/hashicorp/raft"
	"github.com/vmihailenco/msgpack/v5"
)

// FSM applies committed Raft log entries to the cluster State. Every node
// runs one; readers get consistent copies through its accessor methods.
type FSM struct {
	mu       sync.RWMutex
	state    *State
	watchers []chan struct{}
}

// NewFSM returns an FSM holding an empty State.
func NewFSM() *FSM {
	return &FSM{state: newState()}
}

// Apply applies one committed entry. It returns an error value for a command
// that is well formed but refused (the caller of raftApply sees it), and
// panics on an entry it cannot decode: a replica that cannot apply the log
// must stop rather than diverge from the others.
func (f *FSM) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	t, body, err := decodeHeader(l.Data)
	if err != nil {
		panic(fmt.Sprintf("raft log index %d: %v", l.Index, err))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch t {
	case SetClusterIDType:
		return f.applySetClusterID(body, l.Index)
	case UpsertNodeType:
		return f.applyUpsertNode(body, l.Index)
	case DeleteNodeType:
		return f.applyDeleteNode(body, l.Index)
	case SubmitJobType:
		return f.applySubmitJob(body, l.Index)
	case DeployJobType:
		return f.applyDeployJob(body, l.Index)
	case UpdateJobStatusType:
		return f.applyUpdateJobStatus(body, l.Index)
	case TriggerCheckpointType:
		return f.applyTriggerCheckpoint(body, l.Index)
	case CompleteCheckpointType:
		return f.applyCompleteCheckpoint(body, l.Index)
	case AbortCheckpointType:
		return f.applyAbortCheckpoint(body, l.Index)
	case PutCatalogEntryType:
		return f.applyPutCatalogEntry(body, l.Index)
	case DeleteCatalogEntryType:
		return f.applyDeleteCatalogEntry(body, l.Index)
	}
	panic(fmt.Sprintf("raft log index %d: unknown message type %d", l.Index, uint8(t)))
}

func decodeBody(body []byte, index uint64, t MessageType, v any) {
	if err := msgpack.Unmarshal(body, v); err != nil {
		panic(fmt.Sprintf("raft log index %d: decode %s: %v", index, t, err))
	}
}

func (f *FSM) applySetClusterID(body []byte, index uint64) any {
	var req SetClusterIDRequest
	decodeBody(body, index, SetClusterIDType, &req)
	if f.state.ClusterID == "" {
		f.state.ClusterID = req.ID
	}
	return f.state.ClusterID
}

func (f *FSM) applyUpsertNode(body []byte, index uint64) any {
	var req UpsertNodeRequest
	decodeBody(body, index, UpsertNodeType, &req)
	if req.Node.Name == "" {
		return errors.New("upsert node: empty name")
	}
	f.state.Nodes[req.Node.Name] = req.Node
	return nil
}

func (f *FSM) applyDeleteNode(body []byte, index uint64) any {
	var req DeleteNodeRequest
	decodeBody(body, index, DeleteNodeType, &req)
	delete(f.state.Nodes, req.Name)
	return nil
}

func (f *FSM) applySubmitJob(body []byte, index uint64) any {
	var req SubmitJobRequest
	decodeBody(body, index, SubmitJobType, &req)
	if req.Job.ID == "" {
		return errors.New("submit job: empty id")
	}
	if _, dup := f.state.Jobs[req.Job.ID]; dup {
		return fmt.Errorf("submit job: id %s exists", req.Job.ID)
	}
	req.Job.Status = JobCreated
	f.state.Jobs[req.Job.ID] = req.Job
	if sp := req.Job.Savepoint; sp != nil {
		// As Flink's: a job restored from a savepoint goes on counting
		// checkpoints from the savepoint's id, so ids keep growing for the
		// operators whose state it restores.
		f.state.Checkpoints[req.Job.ID] = JobCheckpoints{JobID: req.Job.ID, Counter: sp.ID}
	}
	f.notifyLocked()
	return nil
}

func (f *FSM) applyDeployJob(body []byte, index uint64) any {
	var req DeployJobRequest
	decodeBody(body, index, DeployJobType, &req)
	d := req.Deployment
	job, ok := f.state.Jobs[d.JobID]
	switch {
	case !ok:
		return fmt.Errorf("deploy job %s: %w", d.JobID, ErrUnknownJob)
	case job.Status.Terminal() || job.Status == JobCanceling:
		return fmt.Errorf("deploy job %s: job is %s", d.JobID, job.Status)
	case d.Attempt <= f.state.Deployments[d.JobID].Attempt:
		return fmt.Errorf("deploy job %s: attempt %d is not newer than %d", d.JobID, d.Attempt, f.state.Deployments[d.JobID].Attempt)
	}
	f.state.Deployments[d.JobID] = d
	job.Status = JobRunning
	if job.StartTime.IsZero() {
		job.StartTime = req.StartTime
	}
	f.state.Jobs[d.JobID] = job
	f.notifyLocked()
	return nil
}

func (f *FSM) applyUpdateJobStatus(body []byte, index uint64) any {
	var req UpdateJobStatusRequest
	decodeBody(body, index, UpdateJobStatusType, &req)
	job, ok := f.state.Jobs[req.JobID]
	switch {
	case !ok:
		return fmt.Errorf("update job %s: %w", req.JobID, ErrUnknownJob)
	case job.Status.Terminal():
		return fmt.Errorf("update job %s: job is already %s", req.JobID, job.Status)
	case job.Status != req.From:
		return fmt.Errorf("update job %s: job is %s, not %s", req.JobID, job.Status, req.From)
	}
	job.Status = req.Status
	if req.Error != "" {
		job.Error = req.Error
	}
	switch req.Status {
	case JobFailing:
		job.FailedAt = req.Time
	case JobRestarting:
		job.Restarts++
	}
	if req.Status.Terminal() {
		job.EndTime = req.Time
	}
	f.state.Jobs[req.JobID] = job
	f.notifyLocked()
	return nil
}

// Watch returns a channel that receives a value (without blocking Apply;
// changes coalesce) whenever jobs or deployments change: the executor's
// reconcile trigger.
func (f *FSM) Watch() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{}, 1)
	f.watchers = append(f.watchers, ch)
	return ch
}

func (f *FSM) notifyLocked() {
	for _, ch := range f.watchers {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Job returns one job.
func (f *FSM) Job(id string) (Job, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	j, ok := f.state.Jobs[id]
	return j, ok
}

// Jobs returns a copy of the job table.
func (f *FSM) Jobs() map[string]Job {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return maps.Clone(f.state.Jobs)
}

// Deployment returns a job's current deployment.
func (f *FSM) Deployment(jobID string) (Deployment, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	d, ok := f.state.Deployments[jobID]
	return d, ok
}

// Deployments returns a copy of the deployment table.
func (f *FSM) Deployments() map[string]Deployment {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return maps.Clone(f.state.Deployments)
}

// ClusterID returns the cluster's id, empty until the first leader set it.
func (f *FSM) ClusterID() string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.ClusterID
}

// Nodes returns a copy of the node table.
func (f *FSM) Nodes() map[string]Node {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.clone().Nodes
}

// State returns a copy of the whole state.
func (f *FSM) State() *State {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.clone()
}

// Snapshot copies the state under the lock; Persist then writes the copy
// while Apply goes on.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	return &snapshot{state: f.State()}, nil
}

// Restore replaces the state with a snapshot's.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	s, err := readSnapshot(bufio.NewReader(rc))
	if err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	f.mu.Lock()
	f.state = s
	f.notifyLocked()
	f.mu.Unlock()
	return nil
}
