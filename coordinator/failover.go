package coordinator

import (
	"time"

	"github.com/runnel/runnel/scheduler"
)

// Failover, as Flink's for a whole job: a failure moves the job from
// RUNNING to FAILING, whose subtasks the executors stop; once they have
// stopped (or their nodes are gone), the restart strategy decides: FAILED,
// or RESTARTING, whose backoff ends with a new deployment attempt restored
// from the latest completed checkpoint.

// fail starts the failover of attempt d after failure.
func (m *JobMaster) fail(d Deployment, failure string) error {
	if p := m.jm.fsm.Checkpoints(m.id).Pending; p != nil {
		if err := m.abortCheckpoint(d, p.ID, "the job is failing: "+failure); err != nil {
			return err
		}
	}
	m.log.Warn("job failing", "attempt", d.Attempt, "reason", failure)
	return m.finish(JobRunning, JobFailing, failure)
}

// followFailing waits until the failed attempt's subtasks have stopped,
// then restarts the job or fails it for good. A subtask whose node is not
// alive, or that does not report stopping within the cancel timeout,
// counts as stopped: its node is gone or cut off, and the attempt number
// fences whatever it still does.
func (m *JobMaster) followFailing(job Job) error {
	d, _ := m.jm.fsm.Deployment(m.id)
	alive := m.aliveIncarnations()
	m.mu.Lock()
	if m.stopping.IsZero() {
		m.stopping = time.Now()
	}
	running := 0
	for _, p := range d.Subtasks {
		r, ok := m.reports[[2]int{p.Task, p.Index}]
		if alive[p.Node] == p.Incarnation && (!ok || !r.State.Terminal()) {
			running++
		}
	}
	waited := time.Since(m.stopping)
	m.mu.Unlock()
	if running > 0 && waited < m.jm.cfg.CancelTimeout {
		return nil
	}
	failedAt := job.FailedAt
	if failedAt.IsZero() {
		failedAt = time.Now()
	}
	m.mu.Lock()
	m.restart.notifyFailure(failedAt)
	restart := m.restart.canRestart()
	m.mu.Unlock()
	if !restart {
		return m.finish(JobFailing, JobFailed, job.Error)
	}
	return m.finish(JobFailing, JobRestarting, "")
}

// followRestarting deploys the next attempt once the backoff has passed
// since the failure.
func (m *JobMaster) followRestarting(plan *scheduler.Plan, job Job) error {
	m.mu.Lock()
	wait := m.restart.backoff() - time.Since(job.FailedAt)
	m.mu.Unlock()
	if wait > 0 {
		return nil
	}
	return m.schedule(plan, job)
}

// aliveIncarnations maps each node gossip sees alive to its incarnation.
func (m *JobMaster) aliveIncarnations() map[string]string {
	alive := map[string]string{}
	for _, mem := range m.jm.members.Members() {
		if mem.State == StateAlive {
			alive[mem.Name] = mem.Incarnation
		}
	}
	return alive
}
