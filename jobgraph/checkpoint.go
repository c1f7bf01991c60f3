package jobgraph

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CheckpointMode says whether a task with several inputs aligns barriers
// (exactly-once: records after a barrier wait until every input's barrier
// came) or not (at-least-once: records keep flowing, so some are in the
// snapshot's future and replay after a restore).
type CheckpointMode string

const (
	ExactlyOnce CheckpointMode = "EXACTLY_ONCE"
	AtLeastOnce CheckpointMode = "AT_LEAST_ONCE"
)

// CheckpointConfig is a job's checkpointing, as Flink's
// execution.checkpointing options. An Interval of 0 turns checkpoints off.
type CheckpointConfig struct {
	Interval time.Duration  `msgpack:"interval,omitempty"`
	Timeout  time.Duration  `msgpack:"timeout,omitempty"`
	MinPause time.Duration  `msgpack:"minpause,omitempty"`
	Mode     CheckpointMode `msgpack:"mode,omitempty"`
	// Retained is how many completed checkpoints are kept.
	Retained int `msgpack:"retained,omitempty"`
	// Storage is the checkpoint storage URL; empty means the node's.
	Storage string `msgpack:"storage,omitempty"`
}

// Flink's defaults: a checkpoint times out after 10 minutes, none waits
// between checkpoints, exactly-once, one completed checkpoint retained.
// We keep three, so that a checkpoint whose files were lost (a local
// storage URL on a dead machine) is not the only one.
const (
	DefaultCheckpointTimeout   = 10 * time.Minute
	DefaultRetainedCheckpoints = 3
)

// Enabled reports whether the job takes checkpoints.
func (c CheckpointConfig) Enabled() bool { return c.Interval > 0 }

// WithDefaults fills what is unset.
func (c CheckpointConfig) WithDefaults() CheckpointConfig {
	if c.Timeout == 0 {
		c.Timeout = DefaultCheckpointTimeout
	}
	if c.Mode == "" {
		c.Mode = ExactlyOnce
	}
	if c.Retained == 0 {
		c.Retained = DefaultRetainedCheckpoints
	}
	return c
}

// Validate checks the settings' ranges.
func (c CheckpointConfig) Validate() error {
	switch {
	case c.Interval < 0:
		return fmt.Errorf("checkpoint interval %s: must be 0 (off) or more", c.Interval)
	case c.Interval > 0 && c.Interval < 10*time.Millisecond:
		return fmt.Errorf("checkpoint interval %s: must be at least 10ms", c.Interval)
	case c.Timeout < 0:
		return fmt.Errorf("checkpoint timeout %s: must be positive", c.Timeout)
	case c.MinPause < 0:
		return fmt.Errorf("checkpoint min pause %s: must be 0 or more", c.MinPause)
	case c.Mode != "" && c.Mode != ExactlyOnce && c.Mode != AtLeastOnce:
		return fmt.Errorf("checkpoint mode %q: want %s or %s", c.Mode, ExactlyOnce, AtLeastOnce)
	case c.Retained < 0:
		return fmt.Errorf("retained checkpoints %d: must be at least 1", c.Retained)
	}
	return nil
}

// The settings keys of a job's checkpointing, Flink's names.
const (
	SettingCheckpointInterval = "execution.checkpointing.interval"
	SettingCheckpointTimeout  = "execution.checkpointing.timeout"
	SettingCheckpointMinPause = "execution.checkpointing.min-pause"
	SettingCheckpointMode     = "execution.checkpointing.mode"
	SettingCheckpointRetained = "state.checkpoints.num-retained"
	SettingCheckpointStorage  = "state.checkpoints.dir"
)

var checkpointKeys = map[string]bool{
	SettingCheckpointInterval: true, SettingCheckpointTimeout: true, SettingCheckpointMinPause: true,
	SettingCheckpointMode: true, SettingCheckpointRetained: true, SettingCheckpointStorage: true,
}

// ApplyCheckpointSettings returns c with the checkpoint keys of settings
// applied over it; other keys are left for others to read.
func ApplyCheckpointSettings(c CheckpointConfig, settings map[string]string) (CheckpointConfig, error) {
	for k, v := range settings {
		var err error
		switch k {
		case SettingCheckpointInterval:
			c.Interval, err = ParseDuration(v)
		case SettingCheckpointTimeout:
			c.Timeout, err = ParseDuration(v)
		case SettingCheckpointMinPause:
			c.MinPause, err = ParseDuration(v)
		case SettingCheckpointMode:
			c.Mode = CheckpointMode(strings.ToUpper(strings.ReplaceAll(v, "-", "_")))
		case SettingCheckpointRetained:
			c.Retained, err = strconv.Atoi(v)
		case SettingCheckpointStorage:
			c.Storage = v
		default:
			continue
		}
		if err != nil {
			return c, fmt.Errorf("setting %s=%q: %w", k, v, err)
		}
	}
	return c, c.Validate()
}

// CompletedCheckpoint is a checkpoint's metadata as the FSM keeps it: where
// every subtask's state is, so that any node can restore any subtask,
// also at another parallelism.
type CompletedCheckpoint struct {
	ID      int64  `msgpack:"id"`
	JobID   string `msgpack:"job"`
	Attempt uint64 `msgpack:"attempt"`
	// Storage is the URL the state was written under.
	Storage   string           `msgpack:"storage"`
	Triggered time.Time        `msgpack:"triggered"`
	Completed time.Time        `msgpack:"completed"`
	Tasks     []CheckpointTask `msgpack:"tasks"`
	// Savepoint marks a checkpoint a user asked for; it is not retired
	// with the job's checkpoints.
	Savepoint bool `msgpack:"savepoint,omitempty"`
}

// Bytes is the checkpoint's size in storage.
func (c CompletedCheckpoint) Bytes() int64 {
	var n int64
	for _, t := range c.Tasks {
		for _, s := range t.Subtasks {
			n += s.Bytes
		}
	}
	return n
}

// CheckpointTask is one chained task's state in a checkpoint.
type CheckpointTask struct {
	Task           int `msgpack:"task"`
	Parallelism    int `msgpack:"p"`
	MaxParallelism int `msgpack:"maxp"`
	// Operators are the ids (JobGraph.OperatorIDs) of the task's stateful
	// operators.
	Operators []string            `msgpack:"ops"`
	Subtasks  []CheckpointSubtask `msgpack:"subtasks"`
}

// CheckpointSubtask is where one subtask's state is.
type CheckpointSubtask struct {
	Index int   `msgpack:"index"`
	Bytes int64 `msgpack:"bytes"`
}

// CheckpointKey is the storage key of a subtask's state in a checkpoint.
func CheckpointKey(job string, id int64, task, index int) string {
	return fmt.Sprintf("%s/%s/%d-%d", job, CheckpointDir(id), task, index)
}

// CheckpointDir is the folder of checkpoint id under its job's, as Flink
// names it.
func CheckpointDir(id int64) string { return fmt.Sprintf("chk-%d", id) }

// CheckpointAck is a subtask's acknowledgement of a checkpoint: its state
// is in storage (Flink's acknowledgeCheckpoint), or, with Error set, it
// could not take part (declineCheckpoint) and the checkpoint is given up.
type CheckpointAck struct {
	JobID        string `msgpack:"job"`
	Attempt      uint64 `msgpack:"attempt"`
	Task         int    `msgpack:"task"`
	Index        int    `msgpack:"index"`
	Node         string `msgpack:"node"`
	Incarnation  string `msgpack:"inc"`
	CheckpointID int64  `msgpack:"id"`
	Bytes        int64  `msgpack:"bytes"`
	// Operators are the ids of the operators whose state the subtask
	// wrote.
	Operators []string `msgpack:"ops,omitempty"`
	Error     string   `msgpack:"error,omitempty"`
}
