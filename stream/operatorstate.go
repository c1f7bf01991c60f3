package stream

import (
	"bytes"
	"fmt"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
)

// stateInitializer is a function with operator state, the initializeState
// half of Flink's CheckpointedFunction: InitializeState gets the subtask's
// operator state store, on the subtask's goroutine before Open, to
// register its list, union list and broadcast states there.
type stateInitializer interface {
	InitializeState(store *state.OperatorStore) error
}

// operatorState is the operator state of one subtask of a function
// operator: restored from a checkpoint (RestoreState comes before Open,
// which makes the store) and snapshotted into every checkpoint.
type operatorState struct {
	store    *state.OperatorStore
	restored *operator.Restored
}

func (s *operatorState) RestoreState(r operator.Restored) error {
	s.restored = &r
	return nil
}

// open makes the subtask's store, from its share of the restored state
// if there is one, and gives it to fn if fn asks for it.
func (s *operatorState) open(fn any, ctx *operator.Context) error {
	s.store = state.NewOperatorStore()
	if r := s.restored; r != nil {
		old := make([][]byte, len(r.Operator))
		for i, b := range r.Operator {
			if len(b) == 0 { // a subtask that had finished
				b, _ = state.NewOperatorStore().AppendSnapshot(nil)
			}
			old[i] = b
		}
		shares, err := state.RedistributeOperatorState(old, ctx.Parallelism)
		if err != nil {
			return fmt.Errorf("restore operator state: %w", err)
		}
		if err := s.store.Restore(bytes.NewReader(shares[ctx.Subtask])); err != nil {
			return fmt.Errorf("restore operator state: %w", err)
		}
		s.restored = nil
	}
	if i, ok := fn.(stateInitializer); ok {
		if err := i.InitializeState(s.store); err != nil {
			return fmt.Errorf("initialize state: %w", err)
		}
	}
	return nil
}

func (s *operatorState) SnapshotState(int64) (operator.Snapshot, error) {
	b, err := s.store.AppendSnapshot(nil)
	return operator.Snapshot{Operator: b}, err
}
