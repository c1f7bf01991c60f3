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
// then restarts the job or fails it for good. A subtask counts as stopped
// when its node is not alive in gossip, or when its node has gone silent:
// no report for staleReport, where a live node reports every second.
// Gossip takes seconds to declare a killed process dead; silence tells
// sooner. Such a node is kept out of the next attempt for a while (it is
// gone or cut off), and the attempt number fences whatever it still does.
func (m *JobMaster) followFailing(job Job) error {
	d, _ := m.jm.fsm.Deployment(m.id)
	alive := m.aliveIncarnations()
	m.mu.Lock()
	if m.stopping.IsZero() {
		m.stopping = time.Now()
	}
	running := 0
	silent := map[string]string{} // node -> the incarnation that went silent
	for _, p := range d.Subtasks {
		k := [2]int{p.Task, p.Index}
		r, ok := m.reports[k]
		switch {
		case alive[p.Node] != p.Incarnation || ok && r.State.Terminal():
		case time.Since(lastReported(m.lastReport[k], m.stopping)) > staleReport:
			silent[p.Node] = p.Incarnation
		default:
			running++
		}
	}
	waited := time.Since(m.stopping)
	m.mu.Unlock()
	if running > 0 && waited < m.jm.cfg.CancelTimeout {
		return nil
	}
	m.mu.Lock()
	for n, inc := range silent {
		m.suspects[n] = suspect{since: time.Now(), incarnation: inc}
	}
	m.mu.Unlock()
	failedAt := job.FailedAt
	if failedAt.IsZero() {
		failedAt = time.Now()
	}
	m.mu.Lock()
	if !m.counted.Equal(failedAt) { // a retried step counts its failure once
		m.restart.notifyFailure(failedAt)
		m.counted = failedAt
	}
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

// lastReported is when a subtask last reported, or since when this
// JobMaster has waited if it never heard of it (a new leader's).
func lastReported(last, waitingSince time.Time) time.Time {
	if last.IsZero() {
		return waitingSince
	}
	return last
}

// staleReport is how long a node may go without reporting a subtask
// before a failing job stops waiting for it: past one missed report.
const staleReport = 2500 * time.Millisecond

// suspectFor is how long a node that went silent is kept out of a job's
// next attempts, unless it shows up with a new incarnation (a restart).
const suspectFor = 30 * time.Second

// suspect is a node that went silent under a failed attempt.
type suspect struct {
	since       time.Time
	incarnation string
}

// usable drops from free the nodes suspected of being gone.
func (m *JobMaster) usable(free map[string][]int) map[string][]int {
	alive := m.aliveIncarnations()
	m.mu.Lock()
	defer m.mu.Unlock()
	for n, s := range m.suspects {
		if time.Since(s.since) > suspectFor || alive[n] != s.incarnation {
			delete(m.suspects, n)
			continue
		}
		delete(free, n)
	}
	return free
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
