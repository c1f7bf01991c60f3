package operator

// Checkpoints, as the operators see them (Flink's CheckpointedFunction,
// CheckpointListener and the snapshot part of StreamOperator). The
// executor drives them from the subtask's goroutine: a barrier reaches a
// chain, the chain asks each stateful operator for its state, the
// executor stores it and acknowledges; once every subtask of the job has,
// the checkpoint is complete and each operator hears of it.

// Snapshot is one operator's state in one subtask's share of a
// checkpoint.
type Snapshot struct {
	// Operator is the operator's non-keyed state (source positions, a
	// sink's pending commits, operator list and broadcast state), in the
	// operator's own encoding. On restore every new subtask is given all
	// old subtasks' Operator state, and the operator picks its share.
	Operator []byte `msgpack:"op,omitempty"`
	// KeyGroups is keyed state and timers per key group, by key group
	// index: on restore a subtask is given the groups of its new range.
	KeyGroups map[int][]byte `msgpack:"kg,omitempty"`
}

// Restored is what one operator of a new subtask restores from: the state
// of the operator (matched by its operator id) in the checkpoint.
type Restored struct {
	// CheckpointID is the checkpoint restored from.
	CheckpointID int64
	// Operator holds every old subtask's Operator state, by old subtask
	// index; its length is the old parallelism.
	Operator [][]byte
	// KeyGroups holds the keyed state of the key groups the new subtask
	// owns, from whichever old subtask had them.
	KeyGroups map[int][]byte
}

// Checkpointed is implemented by operators, source readers and sink
// writers that keep state across failures.
type Checkpointed interface {
	// RestoreState is called once, before Open, when the subtask starts
	// from a checkpoint.
	RestoreState(r Restored) error
	// SnapshotState returns the state as of the checkpoint's barrier: the
	// effects of every record before the barrier and none after. It runs
	// on the record path, so it should copy rather than write out.
	SnapshotState(checkpointID int64) (Snapshot, error)
}

// CheckpointListener is implemented by operators that act when a
// checkpoint completes or is given up: a two-phase-commit sink commits
// what it prepared for the checkpoint, or discards it.
type CheckpointListener interface {
	NotifyCheckpointComplete(checkpointID int64) error
	NotifyCheckpointAborted(checkpointID int64) error
}
