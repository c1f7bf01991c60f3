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
	Job         string            `msgpack:"job" json:"job"`
	Args        map[string]string `msgpack:"args" json:"args"`
	Parallelism int               `msgpack:"p" json:"parallelism"`
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
	return nil
}
