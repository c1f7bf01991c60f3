package stream

import (
	"fmt"

	"github.com/runnel/runnel/operator/state"
)

// stateInitializer is a function with operator state, the initializeState
// half of Flink's CheckpointedFunction: InitializeState gets the subtask's
// operator state store, on the subtask's goroutine before Open, to
// register its list, union list and broadcast states there.
type stateInitializer interface {
	InitializeState(store *state.OperatorStore) error
}

// openOperatorState returns the operator state store a subtask starts
// with, given to fn first if fn asks for it. Every subtask starts empty
// for now; a restore from a checkpoint will hand its store in here.
func openOperatorState(fn any) (*state.OperatorStore, error) {
	store := state.NewOperatorStore()
	if i, ok := fn.(stateInitializer); ok {
		if err := i.InitializeState(store); err != nil {
			return nil, fmt.Errorf("initialize state: %w", err)
		}
	}
	return store, nil
}
