package stream

import (
	"fmt"
	"strconv"
	"time"
)

// Args are a job's submitted arguments (jobgraph.Spec.Args), as Flink's
// ParameterTool. Errors name the argument, since they reach the user who
// submitted the job.
type Args map[string]string

// Get returns the argument, or def when it is absent.
func (a Args) Get(name, def string) string {
	if v, ok := a[name]; ok {
		return v
	}
	return def
}

// Required returns the argument, or an error when it is absent or empty.
func (a Args) Required(name string) (string, error) {
	v := a[name]
	if v == "" {
		return "", fmt.Errorf("argument %q: required", name)
	}
	return v, nil
}

// Int returns the argument as a decimal integer, or def when it is
// absent.
func (a Args) Int(name string, def int) (int, error) {
	v, ok := a[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("argument %q: %q is not an integer", name, v)
	}
	return n, nil
}

// Duration returns the argument as a time.ParseDuration string ("1m30s"),
// or def when it is absent.
func (a Args) Duration(name string, def time.Duration) (time.Duration, error) {
	v, ok := a[name]
	if !ok {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("argument %q: %q is not a duration (like 1m30s)", name, v)
	}
	return d, nil
}
