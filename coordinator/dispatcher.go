package coordinator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/hashicorp/raft"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/scheduler"
)

// Errors of the Dispatcher, which the API maps to statuses.
var (
	// ErrBadJob means the submitted spec cannot become a job.
	ErrBadJob = errors.New("bad job")
	// ErrJobEnded means the job has already ended.
	ErrJobEnded = errors.New("job has ended")
)

// NewJobID returns a fresh job id. The node that takes a submission picks
// it, so a submission retried on a new leader after the old one lost
// leadership mid-write cannot create the job twice: the FSM refuses a
// second job with the same id.
func NewJobID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("job id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// SubmitJob is the Dispatcher's submit: it checks that the spec builds a
// valid, chainable graph, records the job in Raft under id and starts its
// JobMaster. Leader only.
func (c *Coordinator) SubmitJob(ctx context.Context, id string, spec jobgraph.Spec) error {
	jm, err := c.jobManager()
	if err != nil {
		return err
	}
	if job, ok := c.fsm.Job(id); ok && job.Spec.Job == spec.Job {
		return nil // a retried submission that did commit
	}
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadJob, err)
	}
	prog, err := c.cfg.Builder.Build(spec)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadJob, err)
	}
	if _, err := scheduler.Chain(prog.Graph()); err != nil {
		return fmt.Errorf("%w: %v", ErrBadJob, err)
	}
	job := Job{ID: id, Spec: spec, SubmitTime: time.Now()}
	if spec.FromSavepoint != "" {
		if job.Savepoint, err = readSavepoint(ctx, spec.FromSavepoint); err != nil {
			return fmt.Errorf("%w: %v", ErrBadJob, err)
		}
		if err := checkSavepointFits(job.Savepoint, prog.Graph(), spec.AllowNonRestoredState); err != nil {
			return fmt.Errorf("%w: %v", ErrBadJob, err)
		}
	}
	if _, err := c.raftApply(SubmitJobType, SubmitJobRequest{Job: job}); err != nil {
		return err
	}
	jm.startJobMaster(id)
	c.log.Info("job submitted", "job", id, "name", spec.DisplayName(), "parallelism", spec.Parallelism)
	return ctx.Err()
}

// CancelJob moves a job to CANCELING (or straight to CANCELED if it was
// never deployed); the executors stop its subtasks and the JobMaster marks
// it CANCELED. Leader only.
func (c *Coordinator) CancelJob(ctx context.Context, id string) error {
	jm, err := c.jobManager()
	if err != nil {
		return err
	}
	job, ok := c.fsm.Job(id)
	switch {
	case !ok:
		return fmt.Errorf("cancel %s: %w", id, ErrUnknownJob)
	case job.Status.Terminal():
		return fmt.Errorf("cancel %s: %w (%s)", id, ErrJobEnded, job.Status)
	case job.Status == JobCanceling:
		return nil
	}
	status := JobCanceling
	if job.Status == JobCreated {
		status = JobCanceled
	}
	if _, err := c.raftApply(UpdateJobStatusType, UpdateJobStatusRequest{JobID: id, From: job.Status, Status: status, Time: time.Now()}); err != nil {
		return err
	}
	if m := jm.master(id); m != nil {
		m.wake()
	}
	return ctx.Err()
}

// ReportTasks hands the nodes' task reports to the JobMasters. Leader only.
func (c *Coordinator) ReportTasks(reports []jobgraph.TaskReport) error {
	jm, err := c.jobManager()
	if err != nil {
		return err
	}
	jm.report(reports)
	return nil
}

// AcknowledgeCheckpoint hands a subtask's checkpoint acknowledgement to
// its JobMaster. Leader only.
func (c *Coordinator) AcknowledgeCheckpoint(ack jobgraph.CheckpointAck) error {
	jm, err := c.jobManager()
	if err != nil {
		return err
	}
	if m := jm.master(ack.JobID); m != nil {
		m.acknowledge(ack)
	}
	return nil
}

// jobManager returns the running JobManager. A node that has just won an
// election needs a moment (a Raft barrier) before it runs one; requests
// that arrive in that moment wait for it rather than fail.
func (c *Coordinator) jobManager() (*JobManager, error) {
	deadline := time.Now().Add(c.cfg.ApplyTimeout)
	for {
		if c.raft.State() != raft.Leader {
			return nil, ErrNotLeader
		}
		c.mu.Lock()
		jm := c.jm
		c.mu.Unlock()
		if jm != nil {
			return jm, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: leadership not yet established", ErrNotLeader)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// JobSummary is one job in GET /v1/jobs.
type JobSummary struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Status      JobStatus `json:"status"`
	Parallelism int       `json:"parallelism"`
	SubmitTime  time.Time `json:"submit_time"`
	StartTime   time.Time `json:"start_time"`
	EndTime     time.Time `json:"end_time"`
}

// ListJobs returns every job from this node's FSM, newest first. Any node
// answers it.
func (c *Coordinator) ListJobs() []JobSummary {
	var out []JobSummary
	for _, j := range c.fsm.Jobs() {
		out = append(out, JobSummary{
			ID: j.ID, Name: j.Spec.DisplayName(), Status: j.Status, Parallelism: j.Spec.Parallelism,
			SubmitTime: j.SubmitTime, StartTime: j.StartTime, EndTime: j.EndTime,
		})
	}
	slices.SortFunc(out, func(a, b JobSummary) int { return b.SubmitTime.Compare(a.SubmitTime) })
	return out
}

// JobDetails is GET /v1/jobs/{id}: the job, and per chained task (vertex)
// its subtasks with placement, state and counters.
type JobDetails struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Args          map[string]string `json:"args"`
	Parallelism   int               `json:"parallelism"`
	Status        JobStatus         `json:"status"`
	PendingReason string            `json:"pending_reason,omitempty"`
	Attempt       uint64            `json:"attempt"`
	Restarts      int               `json:"restarts"`
	SubmitTime    time.Time         `json:"submit_time"`
	StartTime     time.Time         `json:"start_time"`
	EndTime       time.Time         `json:"end_time"`
	Error         string            `json:"error"`
	Vertices      []VertexDetails   `json:"vertices"`
}

// VertexDetails is one chained task.
type VertexDetails struct {
	Name        string           `json:"name"`
	Parallelism int              `json:"parallelism"`
	Subtasks    []SubtaskDetails `json:"subtasks"`
}

// SubtaskDetails is one subtask.
type SubtaskDetails struct {
	Index        int     `json:"index"`
	Node         string  `json:"node"`
	Slot         int     `json:"slot"`
	Status       string  `json:"status"`
	RecordsIn    uint64  `json:"records_in"`
	RecordsOut   uint64  `json:"records_out"`
	BytesIn      uint64  `json:"bytes_in"`
	BytesOut     uint64  `json:"bytes_out"`
	Backpressure float64 `json:"backpressure"`
	// Watermark is the subtask's input watermark in epoch milliseconds;
	// absent before the first.
	Watermark *int64 `json:"watermark,omitempty"`
	// WatermarkLag is how far event time trails the leader's clock, in
	// milliseconds, when the subtask has a watermark below the maximum
	// (Flink's currentEventTimeLag view of the watermark).
	WatermarkLag *int64 `json:"watermark_lag_ms,omitempty"`
	// LateRecordsDropped counts records windows dropped as too late.
	LateRecordsDropped uint64 `json:"late_records_dropped"`
}

// JobDetails returns a job with its subtasks as the JobMaster knows them.
// Leader only: task state lives with the JobMaster, not in Raft.
func (c *Coordinator) JobDetails(id string) (JobDetails, error) {
	jm, err := c.jobManager()
	if err != nil {
		return JobDetails{}, err
	}
	job, ok := c.fsm.Job(id)
	if !ok {
		return JobDetails{}, fmt.Errorf("job %s: %w", id, ErrUnknownJob)
	}
	d, _ := c.fsm.Deployment(id)
	out := JobDetails{
		ID: id, Name: job.Spec.DisplayName(), Args: job.Spec.Args, Parallelism: job.Spec.Parallelism, Status: job.Status,
		Attempt: d.Attempt, Restarts: job.Restarts, SubmitTime: job.SubmitTime, StartTime: job.StartTime, EndTime: job.EndTime, Error: job.Error,
		Vertices: []VertexDetails{},
	}
	m := jm.master(id)
	if m == nil {
		m = newJobMaster(jm, id) // an ended job: only its plan is of use
	}
	plan, err := m.planOf(job)
	if err != nil {
		return out, nil
	}
	now := time.Now().UnixMilli()
	placed := map[[2]int]jobgraph.Placement{}
	for _, p := range d.Subtasks {
		placed[[2]int{p.Task, p.Index}] = p
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out.PendingReason = m.pendingReason
	for _, t := range plan.Tasks {
		v := VertexDetails{Name: t.Name, Parallelism: t.Parallelism, Subtasks: []SubtaskDetails{}}
		for i := range t.Parallelism {
			k := [2]int{int(t.ID), i}
			s := SubtaskDetails{Index: i, Slot: -1, Status: "CREATED"}
			if p, ok := placed[k]; ok {
				s.Node, s.Slot, s.Status = p.Node, p.Slot, string(jobgraph.Deploying)
			}
			if r, ok := m.reports[k]; ok {
				s.Status = string(r.State)
				s.RecordsIn, s.RecordsOut, s.BytesIn, s.BytesOut, s.Backpressure = r.RecordsIn, r.RecordsOut, r.BytesIn, r.BytesOut, r.Backpressure
				s.LateRecordsDropped = r.LateRecordsDropped
				if r.Watermark != math.MinInt64 {
					wm := r.Watermark
					s.Watermark = &wm
					if wm != math.MaxInt64 {
						lag := now - wm
						s.WatermarkLag = &lag
					}
				}
			}
			v.Subtasks = append(v.Subtasks, s)
		}
		out.Vertices = append(out.Vertices, v)
	}
	return out, nil
}
