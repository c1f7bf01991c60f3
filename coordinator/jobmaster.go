package coordinator

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/scheduler"
)

// JobMaster drives one job on the leader: it asks for slots and writes the
// deployment, follows the subtasks through the nodes' reports, and records
// the job-level transitions (RUNNING, FINISHED, FAILED, CANCELED) in Raft.
// The subtasks themselves are started and stopped by every node's executor
// reconciling against the FSM.
type JobMaster struct {
	jm  *JobManager
	id  string
	log *slog.Logger

	kick     chan struct{}
	stopCh   chan struct{}
	stopOnce sync.Once

	mu            sync.Mutex
	plan          *scheduler.Plan
	graph         string // the JobGraph's fingerprint
	planErr       error
	reports       map[[2]int]jobgraph.TaskReport // (task, index) of the current attempt
	lastReport    map[[2]int]time.Time
	followSince   time.Time // when this JobMaster began following the running job
	pendingReason string
	waitingSince  time.Time
	cancelSince   time.Time
	// secondarySince is when only secondary failures were first seen.
	secondarySince time.Time
	cp             checkpointRun
	// checkpoints and restart are the job's settled settings.
	checkpoints jobgraph.CheckpointConfig
	restart     restartBackoff
	restartable bool // the strategy is not "none"
	// stopping is when this JobMaster began waiting for a failed
	// attempt's subtasks to stop.
	stopping time.Time
	// suspects are nodes that went silent under a failed attempt, with
	// when; they get no subtasks for a while.
	suspects map[string]suspect
	// counted is the failure last given to the restart strategy.
	counted time.Time
}

func newJobMaster(jm *JobManager, id string) *JobMaster {
	return &JobMaster{
		jm:         jm,
		id:         id,
		log:        jm.log.With("job", id),
		kick:       make(chan struct{}, 1),
		stopCh:     make(chan struct{}),
		reports:    map[[2]int]jobgraph.TaskReport{},
		lastReport: map[[2]int]time.Time{},
		suspects:   map[string]suspect{},
	}
}

func (m *JobMaster) stop() { m.stopOnce.Do(func() { close(m.stopCh) }) }

func (m *JobMaster) wake() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// report takes the subtask reports of the current attempt from the node
// processes the subtasks were placed on; reports of older attempts or of
// a restarted node are fenced off.
func (m *JobMaster) report(rs []jobgraph.TaskReport) {
	d, _ := m.jm.fsm.Deployment(m.id)
	placed := map[[2]int]string{}
	for _, p := range d.Subtasks {
		placed[[2]int{p.Task, p.Index}] = p.Incarnation
	}
	m.mu.Lock()
	changed := false
	for _, r := range rs {
		k := [2]int{r.Task, r.Index}
		if inc, ok := placed[k]; r.Attempt != d.Attempt || !ok || inc != r.Incarnation {
			continue
		}
		if m.reports[k].State != r.State {
			changed = true
		}
		m.reports[k] = r
		m.lastReport[k] = time.Now()
	}
	m.mu.Unlock()
	if changed {
		m.wake()
	}
}

func (m *JobMaster) run() {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		done, err := m.step()
		if err != nil {
			m.log.Warn("job master", "err", err)
		}
		if done {
			return
		}
		select {
		case <-m.stopCh:
			return
		case <-tick.C:
		case <-m.kick:
		}
	}
}

// step moves the job one transition forward, if it can; done means the
// job has ended and the JobMaster exits.
func (m *JobMaster) step() (done bool, err error) {
	job, ok := m.jm.fsm.Job(m.id)
	if !ok || job.Status.Terminal() {
		return true, nil
	}
	plan, err := m.planOf(job)
	if err != nil {
		return false, m.finish(job.Status, JobFailed, fmt.Sprintf("build job: %v", err))
	}
	switch job.Status {
	case JobCreated:
		return false, m.schedule(plan, job)
	case JobRunning:
		return false, m.follow(plan)
	case JobFailing:
		return false, m.followFailing(job)
	case JobRestarting:
		return false, m.followRestarting(plan, job)
	case JobCanceling:
		return false, m.followCancel(plan)
	}
	return false, nil
}

func (m *JobMaster) planOf(job Job) (*scheduler.Plan, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.plan == nil && m.planErr == nil {
		prog, err := m.jm.builder.Build(job.Spec)
		if err == nil {
			m.graph = prog.Graph().Fingerprint()
			m.plan, err = scheduler.Chain(prog.Graph())
		}
		if err == nil {
			var rs jobgraph.RestartStrategy
			m.checkpoints, rs, err = job.Spec.Settled(prog.Graph(), m.jm.cfg.CheckpointStorage)
			m.restart = newRestartBackoff(rs, nil)
			m.restartable = rs.Type != jobgraph.RestartNone
		}
		m.planErr = err
	}
	return m.plan, m.planErr
}

// schedule asks for slots and deploys the job's next attempt, from the
// latest completed checkpoint if there is one; without enough slots it
// records why the job waits and fails it after the slot request timeout.
func (m *JobMaster) schedule(plan *scheduler.Plan, job Job) error {
	free := m.usable(m.jm.freeSlots(m.id))
	var nodes []scheduler.NodeSlots
	for name, slots := range free {
		nodes = append(nodes, scheduler.NodeSlots{Node: name, Free: slots})
	}
	slices.SortFunc(nodes, func(a, b scheduler.NodeSlots) int { return cmp.Compare(a.Node, b.Node) })
	asg, err := scheduler.Assign(plan, nodes)
	if errors.Is(err, scheduler.ErrNotEnoughSlots) {
		m.mu.Lock()
		if m.waitingSince.IsZero() {
			m.waitingSince = time.Now()
			m.log.Info("job waits for slots", "reason", err)
		}
		m.pendingReason = err.Error()
		waited := time.Since(m.waitingSince)
		m.mu.Unlock()
		if waited >= m.jm.cfg.SlotRequestTimeout {
			return m.finish(job.Status, JobFailed, fmt.Sprintf("no slots within %s: %v", m.jm.cfg.SlotRequestTimeout, err))
		}
		return nil
	}
	if err != nil {
		return m.finish(job.Status, JobFailed, fmt.Sprintf("schedule: %v", err))
	}
	prev, _ := m.jm.fsm.Deployment(m.id)
	m.mu.Lock()
	d := Deployment{JobID: m.id, Attempt: prev.Attempt + 1, Graph: m.graph, Checkpoints: m.checkpoints}
	m.mu.Unlock()
	if latest, ok := m.jm.fsm.Checkpoints(m.id).Latest(); ok {
		d.Restore = &latest
	} else if job.Savepoint != nil {
		d.Restore = job.Savepoint
	}
	table := m.jm.fsm.Nodes()
	for id, slot := range asg {
		d.Subtasks = append(d.Subtasks, jobgraph.Placement{
			Task: int(id.Task), Index: id.Index, Node: slot.Node, Slot: slot.Index, Incarnation: table[slot.Node].Incarnation,
		})
	}
	slices.SortFunc(d.Subtasks, func(a, b jobgraph.Placement) int {
		if a.Task != b.Task {
			return a.Task - b.Task
		}
		return a.Index - b.Index
	})
	if _, err := m.jm.apply(DeployJobType, DeployJobRequest{Deployment: d, StartTime: time.Now()}); err != nil {
		return err
	}
	m.mu.Lock()
	m.pendingReason = ""
	m.waitingSince = time.Time{}
	m.reports = map[[2]int]jobgraph.TaskReport{}
	m.lastReport = map[[2]int]time.Time{}
	m.followSince, m.secondarySince, m.stopping = time.Time{}, time.Time{}, time.Time{}
	m.mu.Unlock()
	restored := int64(0)
	if d.Restore != nil {
		restored = d.Restore.ID
	}
	m.log.Info("job deployed", "attempt", d.Attempt, "subtasks", len(d.Subtasks), "restored_checkpoint", restored)
	return nil
}

// follow fails over a running job when a subtask failed or a node running
// an unfinished subtask is gone, ends it when every subtask finished, and
// otherwise moves its checkpoints on.
func (m *JobMaster) follow(plan *scheduler.Plan) error {
	d, _ := m.jm.fsm.Deployment(m.id)
	// The process a subtask was placed on is gone when gossip no longer
	// sees it alive, or sees the node back with a new incarnation.
	alive := m.aliveIncarnations()
	m.mu.Lock()
	if m.followSince.IsZero() {
		m.followSince = time.Now()
	}
	finished, runningN := 0, 0
	var failure, secondary string
	for _, p := range d.Subtasks {
		k := [2]int{p.Task, p.Index}
		r, ok := m.reports[k]
		last := m.lastReport[k]
		if last.IsZero() {
			last = m.followSince
		}
		name := fmt.Sprintf("%s (%d/%d)", plan.Tasks[p.Task].Name, p.Index+1, plan.Tasks[p.Task].Parallelism)
		switch {
		case ok && r.State == jobgraph.Finished:
			finished++
		case ok && r.State == jobgraph.Running && alive[p.Node] == p.Incarnation:
			runningN++
		case failure != "":
		case alive[p.Node] != p.Incarnation:
			failure = fmt.Sprintf("node %s running %s was lost", p.Node, name)
		case ok && r.State == jobgraph.Failed && r.Secondary:
			if secondary == "" {
				secondary = r.Error
			}
		case ok && r.State == jobgraph.Failed:
			failure = r.Error
		case ok && r.State == jobgraph.Canceled:
			failure = fmt.Sprintf("%s on %s stopped without being canceled", name, p.Node)
		case time.Since(last) > reportTimeout:
			failure = fmt.Sprintf("no report from %s on %s for %s", name, p.Node, reportTimeout)
		}
	}
	// A broken channel is usually the echo of a failure elsewhere (a lost
	// node, a failed subtask); give the root cause a moment to show,
	// unless the job restarts anyway, when every moment counts.
	if failure == "" && secondary != "" && m.restartable {
		failure = secondary
	}
	if failure == "" && secondary != "" {
		if m.secondarySince.IsZero() {
			m.secondarySince = time.Now()
		}
		if time.Since(m.secondarySince) >= rootCauseWait {
			failure = secondary
		}
	}
	m.mu.Unlock()
	switch {
	case failure != "":
		return m.fail(d, failure)
	case finished == len(d.Subtasks):
		return m.finish(JobRunning, JobFinished, "")
	}
	return m.checkpointStep(d, plan, runningN > 0 && runningN+finished == len(d.Subtasks), m.sourcesAtEnd(d, plan))
}

// reportTimeout fails a job whose subtask's node, though alive in gossip,
// has not reported the subtask for this long (Flink's heartbeat timeout
// between JobMaster and TaskManager): a wedged executor or a broken path
// to the leader must not leave the job RUNNING forever.
const reportTimeout = 30 * time.Second

// rootCauseWait is how long a JobMaster that only sees broken channels
// waits for the failure that broke them before it fails the job with one.
const rootCauseWait = 5 * time.Second

// followCancel marks a canceling job CANCELED once every subtask stopped,
// or after the cancel timeout (a node may be gone).
func (m *JobMaster) followCancel(plan *scheduler.Plan) error {
	d, _ := m.jm.fsm.Deployment(m.id)
	m.mu.Lock()
	if m.cancelSince.IsZero() {
		m.cancelSince = time.Now()
	}
	stopped := 0
	for _, p := range d.Subtasks {
		if r, ok := m.reports[[2]int{p.Task, p.Index}]; ok && r.State.Terminal() {
			stopped++
		}
	}
	waited := time.Since(m.cancelSince)
	m.mu.Unlock()
	if stopped == len(d.Subtasks) || waited >= m.jm.cfg.CancelTimeout {
		return m.finish(JobCanceling, JobCanceled, "")
	}
	return nil
}

// finish ends the job with status, unless it has left the status from
// that the decision was based on.
func (m *JobMaster) finish(from, status JobStatus, reason string) error {
	_, err := m.jm.apply(UpdateJobStatusType, UpdateJobStatusRequest{JobID: m.id, From: from, Status: status, Error: reason, Time: time.Now()})
	if err == nil {
		m.log.Info("job "+string(status), "reason", reason)
	}
	return err
}
