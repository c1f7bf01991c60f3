package runtime

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/internal/localjob"
	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// pipeline adds the operators under test between the job's input and its
// output.
type pipeline func(in *stream.DataStream[data.Row]) *stream.DataStream[data.Row]

// testJob runs a pipeline on the test's goroutine through localjob: a
// push returns once its effects reached the output. The job is a source,
// the pipeline and a sink; the test pushes rows into the pipeline's head
// itself (the source never runs) and reads the records on the edge into
// the sink, with their timestamps (the sink never runs either).
type testJob struct {
	t testing.TB
	// discard drops the output rows instead of keeping them, for
	// benchmarks.
	discard bool
	job     *localjob.Job
	plan    *scheduler.Plan
	input   jobgraph.EdgeID
	first   scheduler.TaskID
	next    int // the first task's subtask the next input row goes to
	out     []output
	outWms  []int64 // the watermarks that reached the sink
	codec   operator.Codec[data.Row]
}

// output is a row the pipeline emitted, with its event timestamp.
type output struct {
	row data.Row
	ts  int64
}

type unusedSource struct{}

func (unusedSource) NewReader(*operator.Context) (operator.SourceReader[data.Row], error) {
	return nil, errors.New("the test pushes its input")
}

type unusedSink struct{}

func (unusedSink) NewWriter(*operator.Context) (operator.SinkWriter[data.Row], error) {
	return nil, errors.New("the test reads its output")
}

// buildJob builds the test job around a pipeline.
func buildJob(parallelism int, build pipeline) (operator.Program, error) {
	return localjob.Build(parallelism, func(env *stream.Env) error {
		// The test pushes into a Map of its own, so that the pipeline's
		// first edge partitions as the pipeline says.
		src := stream.FromSource(env, unusedSource{}, "in")
		in := stream.Map(src.Rebalance(), func(r data.Row) data.Row { return r }).Name("input")
		stream.SinkTo(build(in).Rebalance(), unusedSink{}, "out").SetParallelism(1)
		return nil
	})
}

// startJob builds the job at the given default parallelism and opens its
// chains, restored from from unless it is nil.
func startJob(t testing.TB, parallelism int, build pipeline, from *localjob.Checkpoint) *testJob {
	t.Helper()
	prog, err := buildJob(parallelism, build)
	if err != nil {
		t.Fatal(err)
	}
	j := &testJob{t: t, codec: operator.CodecFor[data.Row]()}
	source, sink := jobgraph.VertexID(0), jobgraph.VertexID(len(prog.Graph().Vertices)-1)
	j.job, err = localjob.Start(prog, localjob.Options{
		Job: "test", Restore: from,
		Detached: map[jobgraph.VertexID]operator.RecordWriter{source: nil, sink: &outputWriter{j: j}},
	})
	if err != nil {
		t.Fatal(err)
	}
	j.plan = j.job.Plan()
	for _, e := range j.plan.Edges {
		if e.Source == j.plan.TaskOf(source) {
			j.input, j.first = e.Edge, e.Target
		}
	}
	return j
}

// push runs rows through the job, spread over the first task's subtasks,
// as records without a timestamp.
func (j *testJob) push(rows ...data.Row) {
	j.t.Helper()
	if err := j.pushErr(rows...); err != nil {
		j.t.Fatal(err)
	}
}

// pushErr is push for rows that may fail the job.
func (j *testJob) pushErr(rows ...data.Row) error {
	for _, r := range rows {
		b, err := j.codec.Append(nil, r)
		if err != nil {
			return err
		}
		if err := j.pushEncoded(b); err != nil {
			return err
		}
	}
	return nil
}

// pushEncoded pushes one encoded row.
func (j *testJob) pushEncoded(b []byte) error {
	first := j.job.Chains(j.first)
	if err := first[j.next%len(first)].PushRecord(j.input, operator.NoTimestamp, b); err != nil {
		return err
	}
	j.next++
	return j.job.Err()
}

// watermark advances event time at every subtask of the first task.
func (j *testJob) watermark(wm int64) {
	j.t.Helper()
	for _, c := range j.job.Chains(j.first) {
		if err := c.PushWatermark(wm); err != nil {
			j.t.Fatal(err)
		}
	}
	if err := j.job.Err(); err != nil {
		j.t.Fatal(err)
	}
}

// end sends the final watermark and ends every task's input, in order.
func (j *testJob) end() {
	j.t.Helper()
	j.watermark(operator.MaxWatermark)
	if err := j.job.EndInput(); err != nil {
		j.t.Fatal(err)
	}
}

// takeOutputs returns the rows emitted since the last take.
func (j *testJob) takeOutputs() []output {
	out := j.out
	j.out = nil
	return out
}

// take returns the rows emitted since the last take as Flink prints them.
func (j *testJob) take() []string { return rowStrings(j.takeOutputs()) }

func rowStrings(outs []output) []string {
	var rows []string
	for _, o := range outs {
		rows = append(rows, o.row.String())
	}
	return rows
}

// lateDropped sums the late records the job's windows dropped.
func (j *testJob) lateDropped() uint64 {
	var n uint64
	for ti := range j.plan.Tasks {
		for _, c := range j.job.Chains(scheduler.TaskID(ti)) {
			n += c.Metrics().LateRecordsDropped
		}
	}
	return n
}

// snapshot takes a checkpoint of every chain.
func (j *testJob) snapshot() *localjob.Checkpoint {
	j.t.Helper()
	c, err := j.job.Snapshot(1)
	if err != nil {
		j.t.Fatal(err)
	}
	return c
}

// outputWriter records what reaches the sink.
type outputWriter struct{ j *testJob }

func (w *outputWriter) NumChannels() int { return 1 }

func (w *outputWriter) Emit(_ int, ts int64, record []byte) error {
	if w.j.discard {
		return nil
	}
	r, err := operator.CodecFor[data.Row]().Decode(record)
	if err != nil {
		return err
	}
	w.j.out = append(w.j.out, output{row: r, ts: ts})
	return nil
}

func (w *outputWriter) Broadcast(ts int64, record []byte) error { return w.Emit(0, ts, record) }
func (w *outputWriter) EmitWatermark(wm int64) error {
	w.j.outWms = append(w.j.outWms, wm)
	return nil
}

func (*outputWriter) EmitIdle(bool) error { return nil }

// checkRows compares rows as Flink prints them.
func checkRows(t testing.TB, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %s\n want %s", what, strings.Join(got, " "), strings.Join(want, " "))
	}
}

// sorted returns rows sorted, for outputs whose order across keys or
// subtasks is not defined.
func sorted(rows []string) []string { return slices.Sorted(slices.Values(rows)) }

// row is an insert row.
func row(fields ...data.Value) data.Row { return data.NewRow(fields...) }

// changed is a row of the given kind.
func changed(kind data.RowKind, fields ...data.Value) data.Row {
	return data.MakeRow(kind, fields)
}

// ts is a TIMESTAMP(3) of epoch milliseconds.
func ts(millis int64) data.Value { return data.TimestampValue(millis * 1e6) }

// streamRows is a stream of rows.
type streamRows = stream.DataStream[data.Row]

// runsVertex fails t unless a task of j runs the vertex named name.
func (j *testJob) runsVertex(t testing.TB, name string) {
	t.Helper()
	for _, task := range j.plan.Tasks {
		if strings.Contains(task.Name, name) {
			return
		}
	}
	t.Fatalf("no task runs the %s vertex: %v", name, j.plan.Tasks)
}

// panics fails t unless build panics with a message holding want: what
// the planner should have refused fails a job's build.
func panics(t testing.TB, want string, build func()) {
	t.Helper()
	defer func() {
		if msg := fmt.Sprint(recover()); !strings.Contains(msg, want) {
			t.Fatalf("panic %q, want %q", msg, want)
		}
	}()
	build()
}
