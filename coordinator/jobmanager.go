package coordinator

import (
	"log/slog"
	"sync"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// JobManager groups the roles that run on the leader only, as Flink's
// JobManager process does: the ResourceManager, the Dispatcher (in
// dispatcher.go) and one JobMaster per job that has not ended. It exists
// from the moment this node has established leadership until it loses it;
// a new leader builds a fresh one from the FSM, and its JobMasters adopt
// the running tasks from the nodes' reports: nothing restarts.
type JobManager struct {
	resources *ResourceManager
	fsm       *FSM
	apply     applyFunc
	builder   operator.Builder
	members   Membership
	cfg       Config
	log       *slog.Logger

	mu      sync.Mutex
	stopped bool // no JobMaster starts after stop
	masters map[string]*JobMaster
	// ended keeps the JobMasters of the newest ended jobs, oldest first,
	// so their last task reports stay visible in the job's details.
	ended []*JobMaster
	wg    sync.WaitGroup
}

// endedKept bounds how many ended jobs keep their task reports.
const endedKept = 100

// applyFunc writes a command through Raft (Coordinator.raftApply).
type applyFunc func(t MessageType, msg any) (any, error)

func newJobManager(c *Coordinator) *JobManager {
	return &JobManager{
		resources: &ResourceManager{fsm: c.fsm, apply: c.raftApply},
		fsm:       c.fsm,
		apply:     c.raftApply,
		builder:   c.cfg.Builder,
		members:   c.members,
		cfg:       c.cfg,
		log:       c.log.With("role", "jobmanager"),
		masters:   map[string]*JobMaster{},
	}
}

// start runs a JobMaster for every job that has not ended.
func (jm *JobManager) start() {
	for id, job := range jm.fsm.Jobs() {
		if !job.Status.Terminal() {
			jm.startJobMaster(id)
		}
	}
	jm.log.Info("JobManager started", "jobs", len(jm.masters))
}

func (jm *JobManager) stop() {
	jm.mu.Lock()
	jm.stopped = true
	masters := jm.masters
	jm.masters = map[string]*JobMaster{}
	jm.mu.Unlock()
	for _, m := range masters {
		m.stop()
	}
	jm.wg.Wait()
	jm.log.Info("JobManager stopped")
}

func (jm *JobManager) startJobMaster(id string) {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	if _, ok := jm.masters[id]; ok || jm.stopped {
		return
	}
	m := newJobMaster(jm, id)
	jm.masters[id] = m
	jm.wg.Add(1)
	go func() {
		defer jm.wg.Done()
		m.run()
		jm.mu.Lock()
		if jm.masters[id] == m {
			delete(jm.masters, id)
			jm.ended = append(jm.ended, m)
			if len(jm.ended) > endedKept {
				jm.ended = jm.ended[1:]
			}
		}
		jm.mu.Unlock()
	}()
}

// master returns the JobMaster of a job, running or recently ended.
func (jm *JobManager) master(id string) *JobMaster {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	if m, ok := jm.masters[id]; ok {
		return m
	}
	for _, m := range jm.ended {
		if m.id == id {
			return m
		}
	}
	return nil
}

// report routes task reports to their JobMasters.
func (jm *JobManager) report(reports []jobgraph.TaskReport) {
	byJob := map[string][]jobgraph.TaskReport{}
	for _, r := range reports {
		byJob[r.JobID] = append(byJob[r.JobID], r)
	}
	for id, rs := range byJob {
		if m := jm.master(id); m != nil {
			m.report(rs)
		}
	}
}

// freeSlots returns the slots of alive nodes that no deployment of another
// job that has not ended holds.
func (jm *JobManager) freeSlots(exceptJob string) map[string][]int {
	used := map[string]map[int]bool{}
	jobs := jm.fsm.Jobs()
	for id, d := range jm.fsm.Deployments() {
		if id == exceptJob || jobs[id].Status.Terminal() {
			continue
		}
		for _, p := range d.Subtasks {
			if used[p.Node] == nil {
				used[p.Node] = map[int]bool{}
			}
			used[p.Node][p.Slot] = true
		}
	}
	table := jm.fsm.Nodes()
	free := map[string][]int{}
	for _, m := range jm.members.Members() {
		n, ok := table[m.Name]
		if m.State != StateAlive || !ok || n.Incarnation != m.Incarnation {
			continue
		}
		for s := range n.Slots {
			if !used[m.Name][s] {
				free[m.Name] = append(free[m.Name], s)
			}
		}
	}
	return free
}
