package executor

import (
	"fmt"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/scheduler"
)

type programKey struct {
	job     string
	attempt uint64
}

// program is a job's operators and chained plan, built once per attempt
// and shared by the attempt's subtasks on this node.
type program struct {
	prog operator.Program
	plan *scheduler.Plan
}

// programFor builds (or reuses) the program of an assignment. Build is
// deterministic, so this node's plan equals the JobMaster's. Called with
// e.mu held.
func (e *Executor) programFor(a Assignment) (*program, error) {
	k := programKey{a.JobID, a.Attempt}
	if p, ok := e.programs[k]; ok {
		return p, nil
	}
	prog, err := e.builder.Build(a.Spec)
	if err != nil {
		return nil, fmt.Errorf("build job %s: %w", a.Spec.Job, err)
	}
	plan, err := scheduler.Chain(prog.Graph())
	if err != nil {
		return nil, fmt.Errorf("chain job %s: %w", a.Spec.Job, err)
	}
	p := &program{prog: prog, plan: plan}
	e.programs[k] = p
	return p, nil
}
