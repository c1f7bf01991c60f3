package executor

import (
	"fmt"
	"sync"

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

// programEntry builds a program once for all subtasks that need it.
type programEntry struct {
	once sync.Once
	p    *program
	err  error
}

// programFor builds (or reuses) the program of an assignment. Build runs
// the user's build function, so it runs on the subtask's goroutine, never
// under the executor's lock. Build is deterministic, so this node's plan
// equals the JobMaster's.
func (e *Executor) programFor(a Assignment) (*program, error) {
	k := programKey{a.JobID, a.Attempt}
	e.progMu.Lock()
	entry, ok := e.programs[k]
	if !ok {
		entry = &programEntry{}
		e.programs[k] = entry
	}
	e.progMu.Unlock()
	entry.once.Do(func() {
		prog, err := e.builder.Build(a.Spec)
		if err != nil {
			entry.err = fmt.Errorf("build job %s: %w", a.Spec.Job, err)
			return
		}
		if got := prog.Graph().Fingerprint(); a.Graph != "" && got != a.Graph {
			entry.err = fmt.Errorf("job %s builds a different graph on %s than on the leader (fingerprint %s, want %s): is every node running the same binary?",
				a.Spec.Job, e.cfg.NodeName, got, a.Graph)
			return
		}
		plan, err := scheduler.Chain(prog.Graph())
		if err != nil {
			entry.err = fmt.Errorf("chain job %s: %w", a.Spec.Job, err)
			return
		}
		entry.p = &program{prog: prog, plan: plan}
	})
	return entry.p, entry.err
}
