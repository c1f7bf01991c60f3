package cli

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/runnel/runnel/jobgraph"
)

// jobFlags are the flags that describe a job, shared by run and plan.
type jobFlags struct {
	parallelism int
	args        []string
}

func (f *jobFlags) bind(fs *pflag.FlagSet) {
	fs.IntVarP(&f.parallelism, "parallelism", "p", 0, "default parallelism of the job's operators (0: the job's default)")
	fs.StringArrayVar(&f.args, "arg", nil, "job argument as key=value; repeat for several")
}

// spec builds the job spec, refusing malformed --arg values.
func (f *jobFlags) spec(name string) (jobgraph.Spec, error) {
	s := jobgraph.Spec{Job: name, Parallelism: f.parallelism, Args: map[string]string{}}
	for _, a := range f.args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return s, usagef("--arg %q: want key=value", a)
		}
		s.Args[k] = v
	}
	if err := s.Validate(); err != nil {
		return s, usageError{err}
	}
	return s, nil
}
