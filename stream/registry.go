package stream

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// BuildFunc builds a job on env from its arguments. It runs once for the
// graph and again for every chain a node instantiates, possibly
// concurrently (see the package doc), so it must be deterministic, cheap
// and free of shared mutable state: do I/O in Open, not here.
type BuildFunc func(env *Env, args Args) error

// Registry maps job names to their build functions. Every node runs the
// same binary, so every node's registry holds the same jobs and builds
// the same graph from a submitted spec. *Registry is an operator.Builder.
type Registry struct {
	mu   sync.RWMutex
	jobs map[string]BuildFunc
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{jobs: map[string]BuildFunc{}} }

// Default is the registry RegisterJob adds to: a binary's jobs register
// here from init functions.
var Default = NewRegistry()

// RegisterJob adds a job to Default. It is meant for init functions and
// panics on a bad or duplicate name, as http.Handle does: a binary with
// two jobs of one name must not start.
func RegisterJob(name string, build BuildFunc) {
	if err := Default.Register(name, build); err != nil {
		panic("stream: RegisterJob: " + err.Error())
	}
}

// Register adds a job; the name must be valid in a jobgraph.Spec and not
// yet taken.
func (r *Registry) Register(name string, build BuildFunc) error {
	if err := (jobgraph.Spec{Job: name}).Validate(); err != nil {
		return err
	}
	if build == nil {
		return fmt.Errorf("job %q: nil build function", name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.jobs[name]; dup {
		return fmt.Errorf("job %q: already registered", name)
	}
	r.jobs[name] = build
	return nil
}

// Lookup returns the build function of a job.
func (r *Registry) Lookup(name string) (BuildFunc, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b, ok := r.jobs[name]
	return b, ok
}

// Walk calls fn with every job name, in sorted order.
func (r *Registry) Walk(fn func(name string)) {
	for _, name := range r.names() {
		fn(name)
	}
}

func (r *Registry) names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.jobs))
}

// Build runs the spec's job on a new Env, whose default parallelism is
// the spec's, and returns the job's validated program.
func (r *Registry) Build(spec jobgraph.Spec) (operator.Program, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	build, ok := r.Lookup(spec.Job)
	if !ok {
		known := strings.Join(r.names(), ", ")
		if known == "" {
			known = "(none)"
		}
		return nil, fmt.Errorf("unknown job %q; known: %s", spec.Job, known)
	}
	// Each run gets its own copy, so that a build function that changes
	// its args cannot make the next run differ.
	args := maps.Clone(spec.Args)
	p, err := buildProgram(spec.Job, spec.Parallelism, func(env *Env) error {
		return build(env, maps.Clone(args))
	})
	if err != nil {
		return nil, fmt.Errorf("job %q: %w", spec.Job, err)
	}
	return p, nil
}

var _ operator.Builder = (*Registry)(nil)
