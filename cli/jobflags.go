package cli

import (
	"strings"

	"github.com/spf13/pflag"

	"github.com/runnel/runnel/jobgraph"
)

// jobFlags are the flags that describe a job, shared by run and plan.
type jobFlags struct {
	parallelism      int
	args             []string
	settings         []string
	fromSavepoint    string
	allowNonRestored bool
}

func (f *jobFlags) bind(fs *pflag.FlagSet) {
	fs.IntVarP(&f.parallelism, "parallelism", "p", 0, "default parallelism of the job's operators (0: the job's default)")
	fs.StringArrayVar(&f.args, "arg", nil, "job argument as key=value; repeat for several")
	fs.StringArrayVarP(&f.settings, "setting", "D", nil, "Flink setting as key=value (execution.checkpointing.*, state.checkpoints.*, restart-strategy.*); repeat for several")
	fs.StringVarP(&f.fromSavepoint, "from-savepoint", "s", "", "start from the savepoint at this location")
	fs.BoolVar(&f.allowNonRestored, "allow-non-restored-state", false, "drop the savepoint's state of operators the job does not have")
}

// spec builds the job spec, refusing malformed --arg values.
func (f *jobFlags) spec(name string) (jobgraph.Spec, error) {
	s := jobgraph.Spec{
		Job: name, Parallelism: f.parallelism, Args: map[string]string{},
		FromSavepoint: f.fromSavepoint, AllowNonRestoredState: f.allowNonRestored,
	}
	for _, a := range f.args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return s, usagef("--arg %q: want key=value", a)
		}
		s.Args[k] = v
	}
	for _, a := range f.settings {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return s, usagef("--setting %q: want key=value", a)
		}
		if s.Settings == nil {
			s.Settings = map[string]string{}
		}
		s.Settings[k] = v
	}
	if err := s.Validate(); err != nil {
		return s, usageError{err}
	}
	return s, nil
}
