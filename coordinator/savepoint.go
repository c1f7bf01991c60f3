package coordinator

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/store"
)

// Savepoints are checkpoints a user asks for (Flink's savepoints): taken
// like any checkpoint, in the job's checkpoint storage, and then described
// by a _metadata file in a savepoint folder, whose location a new job
// starts from. Their files are never discarded by the job.

// ErrNoCheckpointing refuses a savepoint of a job without checkpoints:
// its sinks commit only at the end of their input, so a savepoint could
// not say what they have written.
var ErrNoCheckpointing = errors.New("the job takes no checkpoints (set execution.checkpointing.interval)")

// ErrSavepointBusy refuses a savepoint while another is under way.
var ErrSavepointBusy = errors.New("another savepoint is under way")

// savepointRequest is one user's savepoint, waiting for its outcome.
type savepointRequest struct {
	dir       string // where the savepoint folder goes; "" for the default
	cancel    bool   // cancel the job once the savepoint is complete
	triggered bool
	done      chan savepointResult
}

type savepointResult struct {
	location string
	err      error
}

// savepointTimeout bounds a savepoint request.
const savepointTimeout = 10 * time.Minute

// TriggerSavepoint takes a savepoint of a running job and returns its
// location; with cancel, the job is canceled right after it, and takes no
// checkpoint in between, so that a job started from the savepoint goes
// on exactly where this one stopped. Leader only.
func (c *Coordinator) TriggerSavepoint(ctx context.Context, id, dir string, cancel bool) (string, error) {
	jm, err := c.jobManager()
	if err != nil {
		return "", err
	}
	job, ok := c.fsm.Job(id)
	switch {
	case !ok:
		return "", fmt.Errorf("savepoint of %s: %w", id, ErrUnknownJob)
	case job.Status.Terminal():
		return "", fmt.Errorf("savepoint of %s: %w (%s)", id, ErrJobEnded, job.Status)
	}
	m := jm.master(id)
	if m == nil {
		return "", fmt.Errorf("savepoint of %s: %w", id, ErrUnknownJob)
	}
	req := &savepointRequest{dir: dir, cancel: cancel, done: make(chan savepointResult, 1)}
	if err := m.requestSavepoint(job, req); err != nil {
		return "", fmt.Errorf("savepoint of %s: %w", id, err)
	}
	ctx, stop := context.WithTimeout(ctx, savepointTimeout)
	defer stop()
	select {
	case r := <-req.done:
		return r.location, r.err
	case <-ctx.Done():
		m.mu.Lock()
		if m.cp.savepoint == req {
			m.cp.savepoint, m.cp.stopped = nil, false
		}
		m.mu.Unlock()
		return "", fmt.Errorf("savepoint of %s: %w", id, ctx.Err())
	}
}

func (m *JobMaster) requestSavepoint(job Job, req *savepointRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case job.Status != JobRunning:
		return fmt.Errorf("the job is %s, not RUNNING: %w", job.Status, ErrJobEnded)
	case !m.checkpoints.Enabled():
		return ErrNoCheckpointing
	case m.cp.savepoint != nil:
		return ErrSavepointBusy
	}
	m.cp.savepoint = req
	m.wake()
	return nil
}

// savepointDone writes the savepoint's metadata, answers the request and,
// if asked, cancels the job.
func (m *JobMaster) savepointDone(d Deployment, c jobgraph.CompletedCheckpoint) {
	m.mu.Lock()
	req := m.cp.savepoint
	m.cp.savepoint = nil
	m.mu.Unlock()
	if req == nil {
		return // its requester gave up
	}
	dir := req.dir
	if dir == "" {
		dir = strings.TrimSuffix(d.Checkpoints.Storage, "/") + "/savepoints"
	}
	location, err := writeSavepoint(dir, c)
	if err == nil && req.cancel {
		_, err = m.jm.apply(UpdateJobStatusType, UpdateJobStatusRequest{JobID: m.id, From: JobRunning, Status: JobCanceling, Time: time.Now()})
	}
	if err != nil {
		m.mu.Lock()
		m.cp.stopped = false
		m.mu.Unlock()
	}
	req.done <- savepointResult{location: location, err: err}
}

// savepointFailed answers the request of a savepoint given up.
func (m *JobMaster) savepointFailed(id int64, reason string) {
	m.mu.Lock()
	req := m.cp.savepoint
	if req == nil || !req.triggered {
		m.mu.Unlock()
		return
	}
	m.cp.savepoint, m.cp.stopped = nil, false
	m.mu.Unlock()
	req.done <- savepointResult{err: fmt.Errorf("savepoint %d failed: %s", id, reason)}
}

// metadataFile is a savepoint folder's description of its checkpoint.
const metadataFile = "_metadata"

func writeSavepoint(dir string, c jobgraph.CompletedCheckpoint) (string, error) {
	data, err := msgpack.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode savepoint %d: %w", c.ID, err)
	}
	name := fmt.Sprintf("savepoint-%s-%d", c.JobID[:min(6, len(c.JobID))], c.ID)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := store.OpenCheckpointStorage(ctx, dir, "")
	if err != nil {
		return "", err
	}
	defer st.Close()
	if err := st.Write(ctx, name+"/"+metadataFile, data); err != nil {
		return "", err
	}
	return strings.TrimSuffix(dir, "/") + "/" + name, nil
}

// readSavepoint reads the metadata of the savepoint at location. Opening
// a file URL's storage creates its directory, which a read must not: a
// mistyped location would leave a folder behind.
func readSavepoint(ctx context.Context, location string) (*jobgraph.CompletedCheckpoint, error) {
	if u, err := url.Parse(location); err == nil && u.Scheme == "file" {
		if _, err := os.Stat(u.Path); err != nil {
			return nil, fmt.Errorf("savepoint %s: %w", location, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	st, err := store.OpenCheckpointStorage(ctx, location, "")
	if err != nil {
		return nil, fmt.Errorf("savepoint %s: %w", location, err)
	}
	defer st.Close()
	data, err := st.Read(ctx, metadataFile)
	if err != nil {
		return nil, fmt.Errorf("savepoint %s: %w", location, err)
	}
	var c jobgraph.CompletedCheckpoint
	if err := msgpack.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("savepoint %s: bad metadata: %w", location, err)
	}
	return &c, nil
}

// checkSavepointFits refuses a savepoint with state for operators g does
// not have (unless allowed, as Flink's --allowNonRestoredState) or whose
// max parallelism differs: key groups cannot move between those.
func checkSavepointFits(sp *jobgraph.CompletedCheckpoint, g *jobgraph.JobGraph, allowNonRestored bool) error {
	ids := g.OperatorIDs()
	for _, t := range sp.Tasks {
		for _, op := range t.Operators {
			i := slices.Index(ids, op)
			switch {
			case i < 0 && !allowNonRestored:
				return fmt.Errorf("savepoint %d has state of operator %q, which the job does not have (allow non-restored state to drop it)", sp.ID, op)
			case i >= 0 && g.Vertices[i].MaxParallelism != t.MaxParallelism:
				return fmt.Errorf("operator %q: max parallelism %d, the savepoint's is %d", op, g.Vertices[i].MaxParallelism, t.MaxParallelism)
			}
		}
	}
	return nil
}
