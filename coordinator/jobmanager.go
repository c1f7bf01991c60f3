package coordinator

import "log/slog"

// JobManager groups the roles that run on the leader only, as Flink's
// JobManager process does. It exists from the moment this node has
// established leadership until it loses it; a new leader builds a fresh one
// from the FSM.
type JobManager struct {
	resources *ResourceManager
	log       *slog.Logger
}

// applyFunc writes a command through Raft (Coordinator.raftApply).
type applyFunc func(t MessageType, msg any) (any, error)

func newJobManager(fsm *FSM, apply applyFunc, logger *slog.Logger) *JobManager {
	return &JobManager{
		resources: &ResourceManager{fsm: fsm, apply: apply},
		log:       logger.With("role", "jobmanager"),
	}
}

func (jm *JobManager) start() { jm.log.Info("JobManager started") }

func (jm *JobManager) stop() { jm.log.Info("JobManager stopped") }
