package connector

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/runnel/runnel/internal/localjob"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// runJob runs the job build makes at parallelism p to its end, with a
// final checkpoint when checkpointing, and returns the job's failure.
func runJob(p int, checkpointing bool, build func(env *stream.Env) error) error {
	prog, err := localjob.Build(p, build)
	if err != nil {
		return err
	}
	return localjob.Run(prog, checkpointing)
}

// rowSink collects the rows all its writers get; every build of a job
// shares it.
type rowSink struct {
	mu   sync.Mutex
	rows []data.Row
}

func (s *rowSink) NewWriter(*operator.Context) (operator.SinkWriter[data.Row], error) {
	return rowWriter{s}, nil
}

type rowWriter struct{ s *rowSink }

func (w rowWriter) Open(*operator.Context) error { return nil }
func (w rowWriter) EndInput() error              { return nil }
func (w rowWriter) Close() error                 { return nil }
func (w rowWriter) Write(r data.Row) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	w.s.rows = append(w.s.rows, r)
	return nil
}

// readTable runs a job scanning t's columns at fields at parallelism p
// and returns the rows, as sorted strings.
func readTable(t *testing.T, f SourceFactory, tbl Table, fields []int, p int) ([]string, error) {
	t.Helper()
	sink := &rowSink{}
	err := runJob(p, false, func(env *stream.Env) error {
		rows, err := f.Source(env, tbl, fields, "scan")
		if err != nil {
			return err
		}
		stream.SinkTo(rows, operator.Sink[data.Row](sink), "collect")
		return nil
	})
	return sortedRows(sink.rows), err
}

// writeTable runs a job writing rows into t through f at parallelism p.
func writeTable(t *testing.T, f SinkFactory, tbl Table, rows []data.Row, p int, checkpointing bool) error {
	t.Helper()
	return runJob(p, checkpointing, func(env *stream.Env) error {
		return f.Sink(stream.FromSource(env, &sliceSource{rows}, "rows"), tbl, "write")
	})
}

// sliceSource reads rows[i] in subtask i % parallelism.
type sliceSource struct{ rows []data.Row }

func (s *sliceSource) NewReader(ctx *operator.Context) (operator.SourceReader[data.Row], error) {
	var mine []data.Row
	for i, r := range s.rows {
		if i%ctx.Parallelism == ctx.Subtask {
			mine = append(mine, r)
		}
	}
	return &sliceReader{mine}, nil
}

type sliceReader struct{ rows []data.Row }

func (r *sliceReader) Open(*operator.Context) error { return nil }
func (r *sliceReader) EndInput() error              { return nil }
func (r *sliceReader) Close() error                 { return nil }
func (r *sliceReader) PollNext(out operator.Collector[data.Row]) (operator.InputStatus, error) {
	for _, row := range r.rows {
		out.Collect(row)
	}
	return operator.EndOfInput, nil
}

func sortedRows(rows []data.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.String()
	}
	slices.Sort(out)
	return out
}

// lookupSource and lookupSink find a registered connector.
func lookupSource(t *testing.T, name string) SourceFactory {
	t.Helper()
	f, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return f.(SourceFactory)
}

func lookupSink(t *testing.T, name string) SinkFactory {
	t.Helper()
	f, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return f.(SinkFactory)
}

// wantError checks that err is an error whose message contains want.
func wantError(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("no error, want one with %q", want)
	case !strings.Contains(err.Error(), want):
		t.Errorf("error %q, want one with %q", err, want)
	}
}

// optionCase is a table's options and the error Validate gives them
// ("" for none).
type optionCase struct {
	options map[string]string
	err     string
}

func checkValidate(t *testing.T, f Factory, schema data.Schema, cases []optionCase) {
	t.Helper()
	for _, c := range cases {
		err := f.Validate(Table{Name: "t", Schema: schema, Options: c.options})
		if c.err == "" {
			if err != nil {
				t.Errorf("options %v: %v", c.options, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("options %v: no error, want %q", c.options, c.err)
		} else if err.Error() != c.err {
			t.Errorf("options %v:\n got %s\nwant %s", c.options, err, c.err)
		}
	}
}
