package connector

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// runJob runs the job build makes at parallelism p on the test's
// goroutine, as the executor would but with records handed between tasks
// by call: each source poll pushes its records through every downstream
// task before it returns. With checkpointing, the chains run as in a
// checkpointing job and a final checkpoint is taken and completed once
// the sources ended, as the executor does at the end of a bounded job.
// It returns the first error of a chain, the job's failure.
func runJob(t *testing.T, p int, checkpointing bool, build func(env *stream.Env) error) error {
	t.Helper()
	reg := stream.NewRegistry()
	if err := reg.Register("test", func(env *stream.Env, _ stream.Args) error { return build(env) }); err != nil {
		t.Fatal(err)
	}
	prog, err := reg.Build(jobgraph.Spec{Job: "test", Parallelism: p})
	if err != nil {
		return err
	}
	plan, err := scheduler.Chain(prog.Graph())
	if err != nil {
		t.Fatal(err)
	}
	chains := make([][]operator.Chain, len(plan.Tasks))
	defer func() {
		for _, cs := range chains {
			for _, c := range cs {
				if err := c.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			}
		}
	}()
	// Downstream tasks first, so that every writer finds its receivers.
	for ti := len(plan.Tasks) - 1; ti >= 0; ti-- {
		task := plan.Tasks[ti]
		for s := range task.Parallelism {
			outputs := map[jobgraph.EdgeID]operator.RecordWriter{}
			for _, e := range plan.Edges {
				if e.Source == task.ID {
					to := chains[e.Target]
					if e.Partitioner == jobgraph.Forward {
						to = to[s : s+1]
					}
					outputs[e.Edge] = &callWriter{edge: e.Edge, to: to}
				}
			}
			c, err := prog.NewChain(operator.ChainSpec{
				Vertices: task.Vertices,
				Context: operator.Context{JobName: "test", TaskName: task.Name, Subtask: s,
					Parallelism: task.Parallelism, MaxParallelism: 128, Checkpointing: checkpointing},
				Outputs: outputs,
			})
			if err != nil {
				return err
			}
			if err := c.Open(); err != nil {
				return err
			}
			chains[ti] = append(chains[ti], c)
		}
	}
	for ti := range plan.Tasks {
		for _, c := range chains[ti] {
			if c.IsSource() {
				if err := drainSource(c); err != nil {
					return err
				}
			}
			if err := c.EndInput(); err != nil {
				return err
			}
		}
	}
	if checkpointing {
		for _, cs := range chains {
			for _, c := range cs {
				if _, err := c.SnapshotState(1); err != nil {
					return err
				}
			}
		}
		for _, cs := range chains {
			for _, c := range cs {
				if err := c.NotifyCheckpointComplete(1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// drainSource polls a source chain to its end.
func drainSource(c operator.Chain) error {
	for {
		status, err := c.PollSource()
		switch {
		case err != nil:
			return err
		case status == operator.EndOfInput:
			return nil
		case status == operator.NothingAvailable:
			time.Sleep(time.Millisecond)
		}
	}
}

// callWriter hands each record to a receiver chain's PushRecord.
type callWriter struct {
	edge jobgraph.EdgeID
	to   []operator.Chain
}

func (w *callWriter) NumChannels() int { return len(w.to) }

func (w *callWriter) Emit(channel int, ts int64, record []byte) error {
	return w.to[channel].PushRecord(w.edge, ts, slices.Clone(record))
}

func (w *callWriter) Broadcast(ts int64, record []byte) error {
	for _, c := range w.to {
		if err := c.PushRecord(w.edge, ts, slices.Clone(record)); err != nil {
			return err
		}
	}
	return nil
}

func (*callWriter) EmitWatermark(int64) error { return nil }
func (*callWriter) EmitIdle(bool) error       { return nil }

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
	err := runJob(t, p, false, func(env *stream.Env) error {
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
	return runJob(t, p, checkpointing, func(env *stream.Env) error {
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
