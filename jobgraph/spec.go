package jobgraph

import (
	"fmt"
	"regexp"
)

// JobID identifies a submitted job.
type JobID string

// Spec is what a client submits: a registered job's name, its arguments
// and the default parallelism. Every node rebuilds the same JobGraph and
// operators from it, since every node runs the same binary.
type Spec struct {
	Job string `msgpack:"job" json:"job"`
	// Name is the pipeline's name (Flink's pipeline.name) where it is not
	// the job's: a SQL job is the registered job "sql" running a plan.
	Name        string            `msgpack:"name,omitempty" json:"name,omitempty"`
	Args        map[string]string `msgpack:"args" json:"args"`
	Parallelism int               `msgpack:"p" json:"parallelism"`
	// Settings are Flink configuration keys for this job (Flink's -D):
	// checkpointing and the restart strategy.
	Settings map[string]string `msgpack:"settings,omitempty" json:"settings,omitempty"`
	// FromSavepoint is the location of a savepoint to start from (Flink's
	// --fromSavepoint); AllowNonRestoredState lets it hold state of
	// operators the job no longer has.
	FromSavepoint         string `msgpack:"savepoint,omitempty" json:"from_savepoint,omitempty"`
	AllowNonRestoredState bool   `msgpack:"allow_nonrestored,omitempty" json:"allow_non_restored_state,omitempty"`
}

var jobNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Validate checks the spec's form; whether the job exists is the
// registry's question.
func (s Spec) Validate() error {
	switch {
	case s.Job == "":
		return fmt.Errorf("job: required")
	case !jobNameRE.MatchString(s.Job):
		return fmt.Errorf("job %q: use letters, digits, '.', '_' or '-'", s.Job)
	case s.Parallelism < 0 || s.Parallelism > MaxKeyGroups:
		return fmt.Errorf("parallelism %d: want 1 to %d (0 for the default)", s.Parallelism, MaxKeyGroups)
	}
	for k := range s.Settings {
		if !IsSetting(k) {
			return fmt.Errorf("setting %s: unknown (known: execution.checkpointing.*, state.checkpoints.*, restart-strategy.*)", k)
		}
	}
	if _, err := ApplyCheckpointSettings(CheckpointConfig{}, s.Settings); err != nil {
		return err
	}
	_, err := ParseRestartStrategy(s.Settings)
	return err
}

// Settled returns g's checkpointing and restart strategy with the spec's
// settings applied over the graph's own and the defaults filled in;
// storage is the checkpoint storage URL when neither names one.
func (s Spec) Settled(g *JobGraph, storage string) (CheckpointConfig, RestartStrategy, error) {
	cp, err := ApplyCheckpointSettings(g.Checkpoint, s.Settings)
	if err != nil {
		return CheckpointConfig{}, RestartStrategy{}, err
	}
	cp = cp.WithDefaults()
	if cp.Storage == "" {
		cp.Storage = storage
	}
	rs := g.Restart
	if anyRestartKey(s.Settings) {
		if rs, err = ParseRestartStrategy(s.Settings); err != nil {
			return CheckpointConfig{}, RestartStrategy{}, err
		}
	}
	switch {
	case rs.Type != "":
	case cp.Enabled():
		rs = DefaultRestartStrategy()
	default:
		// As Flink: without checkpoints a restart would lose all state,
		// so a job that chose no strategy does not restart.
		rs = RestartStrategy{Type: RestartNone}
	}
	return cp, rs, nil
}

func anyRestartKey(settings map[string]string) bool {
	for k := range settings {
		if knownRestartKey(k) {
			return true
		}
	}
	return false
}

// IsSetting reports whether k is a key a spec's Settings may hold.
func IsSetting(k string) bool { return knownRestartKey(k) || checkpointKeys[k] }

// DisplayName is the name a user sees for the job.
func (s Spec) DisplayName() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Job
}
