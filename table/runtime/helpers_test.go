package runtime

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// pipeline adds the operators under test between the job's input and its
// output.
type pipeline func(in *stream.DataStream[data.Row]) *stream.DataStream[data.Row]

// testJob runs a pipeline as the executor would, its tasks' chains driven
// from the test's goroutine, with records and watermarks handed between
// tasks by call: a push returns once its effects reached the output.
// The job is a source, the pipeline and a sink; the test pushes rows into
// the pipeline's head itself (the source never runs) and reads the
// records on the edge into the sink, with their timestamps (the sink
// never runs either). Each receiving subtask merges its input channels'
// watermarks, as the executor's valve does.
type testJob struct {
	t testing.TB
	// discard drops the output rows instead of keeping them, for
	// benchmarks.
	discard bool
	plan    *scheduler.Plan
	chains  map[scheduler.TaskID][]*receiver
	input   jobgraph.EdgeID
	first   scheduler.TaskID
	next    int // the first task's subtask the next input row goes to
	out     []output
	outWms  []int64 // the watermarks that reached the sink
	codec   operator.Codec[data.Row]
	// failed is the first error of a chain downstream of the first task:
	// a writer that returned it would abort the sender instead.
	failed error
}

// output is a row the pipeline emitted, with its event timestamp.
type output struct {
	row data.Row
	ts  int64
}

// receiver is one subtask's chain and the watermarks of its channels.
type receiver struct {
	chain operator.Chain
	wms   []int64
	wm    int64
}

// checkpoint is a consistent cut of a testJob's state, by operator id.
type checkpoint struct {
	operators map[string][][]byte
	keyGroups map[string]map[int][]byte
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
	reg := stream.NewRegistry()
	err := reg.Register("test", func(env *stream.Env, _ stream.Args) error {
		// The test pushes into a Map of its own, so that the pipeline's
		// first edge partitions as the pipeline says.
		src := stream.FromSource(env, unusedSource{}, "in")
		in := stream.Map(src.Rebalance(), func(r data.Row) data.Row { return r }).Name("input")
		stream.SinkTo(build(in).Rebalance(), unusedSink{}, "out").SetParallelism(1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return reg.Build(jobgraph.Spec{Job: "test", Parallelism: parallelism})
}

// startJob builds the job at the given default parallelism and opens its
// chains, restored from from unless it is nil.
func startJob(t testing.TB, parallelism int, build pipeline, from *checkpoint) *testJob {
	t.Helper()
	prog, err := buildJob(parallelism, build)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := scheduler.Chain(prog.Graph())
	if err != nil {
		t.Fatal(err)
	}
	last := scheduler.TaskID(len(plan.Tasks) - 1)
	j := &testJob{t: t, plan: plan, chains: map[scheduler.TaskID][]*receiver{}, codec: operator.CodecFor[data.Row]()}
	for _, e := range plan.Edges {
		if e.Source == 0 {
			j.input, j.first = e.Edge, e.Target
		}
	}
	// Downstream first, so that every writer finds its receivers.
	for ti := last - 1; ti >= 1; ti-- {
		task := plan.Tasks[ti]
		senders := 1
		for _, e := range plan.Edges {
			if e.Target == task.ID && e.Partitioner != jobgraph.Forward {
				senders = plan.Tasks[e.Source].Parallelism
			}
		}
		for s := range task.Parallelism {
			c, err := prog.NewChain(operator.ChainSpec{
				Vertices: task.Vertices,
				Context:  operator.Context{JobName: "test", TaskName: task.Name, Subtask: s, Parallelism: task.Parallelism},
				Outputs:  j.writers(task.ID, s, last),
				Restore:  from.restore(task, s),
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Open(); err != nil {
				t.Fatal(err)
			}
			r := &receiver{chain: c, wms: make([]int64, senders), wm: operator.MinWatermark}
			for i := range r.wms {
				r.wms[i] = operator.MinWatermark
			}
			j.chains[task.ID] = append(j.chains[task.ID], r)
		}
	}
	return j
}

// writers are subtask s of task's writers for the edges leaving it.
func (j *testJob) writers(task scheduler.TaskID, s int, sink scheduler.TaskID) map[jobgraph.EdgeID]operator.RecordWriter {
	out := map[jobgraph.EdgeID]operator.RecordWriter{}
	for _, e := range j.plan.Edges {
		if e.Source != task {
			continue
		}
		if e.Target == sink {
			out[e.Edge] = &outputWriter{j: j}
			continue
		}
		w := &edgeWriter{j: j, edge: e.Edge, sender: s, to: j.chains[e.Target]}
		if e.Partitioner == jobgraph.Forward {
			w.to, w.sender = w.to[s:s+1], 0
		}
		out[e.Edge] = w
	}
	return out
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
	first := j.chains[j.first]
	if err := first[j.next%len(first)].chain.PushRecord(j.input, operator.NoTimestamp, b); err != nil {
		return err
	}
	j.next++
	return j.failed
}

// watermark advances event time at every subtask of the first task.
func (j *testJob) watermark(wm int64) {
	j.t.Helper()
	for _, r := range j.chains[j.first] {
		if err := r.chain.PushWatermark(wm); err != nil {
			j.t.Fatal(err)
		}
	}
	if j.failed != nil {
		j.t.Fatal(j.failed)
	}
}

// end sends the final watermark and ends every task's input, in order.
func (j *testJob) end() {
	j.t.Helper()
	j.watermark(operator.MaxWatermark)
	for ti := range j.plan.Tasks {
		for _, r := range j.chains[scheduler.TaskID(ti)] {
			if err := r.chain.EndInput(); err != nil {
				j.t.Fatal(err)
			}
		}
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
	for _, rs := range j.chains {
		for _, r := range rs {
			n += r.chain.Metrics().LateRecordsDropped
		}
	}
	return n
}

// snapshot takes a checkpoint of every chain.
func (j *testJob) snapshot() *checkpoint {
	j.t.Helper()
	c := &checkpoint{operators: map[string][][]byte{}, keyGroups: map[string]map[int][]byte{}}
	for ti, rs := range j.chains {
		for s, r := range rs {
			snaps, err := r.chain.SnapshotState(1)
			if err != nil {
				j.t.Fatal(err)
			}
			for op, snap := range snaps {
				if c.operators[op] == nil {
					c.operators[op] = make([][]byte, j.plan.Tasks[ti].Parallelism)
					c.keyGroups[op] = map[int][]byte{}
				}
				c.operators[op][s] = snap.Operator
				maps.Copy(c.keyGroups[op], snap.KeyGroups)
			}
		}
	}
	return c
}

// restore is what subtask s of task restores from c: every old subtask's
// operator state and the key groups of s's range.
func (c *checkpoint) restore(task scheduler.Task, s int) map[string]operator.Restored {
	if c == nil {
		return nil
	}
	groups := jobgraph.Range(task.MaxParallelism, task.Parallelism, s)
	out := map[string]operator.Restored{}
	for id, ops := range c.operators {
		r := operator.Restored{CheckpointID: 1, Operator: ops, KeyGroups: map[int][]byte{}}
		for kg, b := range c.keyGroups[id] {
			if groups.Contains(kg) {
				r.KeyGroups[kg] = b
			}
		}
		out[id] = r
	}
	return out
}

// edgeWriter hands one sender subtask's records on an edge to the
// receiving chains, and its watermarks to their valves.
type edgeWriter struct {
	j      *testJob
	edge   jobgraph.EdgeID
	sender int // the sender's channel at each receiver
	to     []*receiver
}

func (w *edgeWriter) NumChannels() int { return len(w.to) }

func (w *edgeWriter) Emit(channel int, ts int64, record []byte) error {
	w.j.fail(w.to[channel].chain.PushRecord(w.edge, ts, slices.Clone(record)))
	return nil
}

func (w *edgeWriter) Broadcast(ts int64, record []byte) error {
	for ch := range w.to {
		if err := w.Emit(ch, ts, record); err != nil {
			return err
		}
	}
	return nil
}

// fail keeps the first error of a downstream chain.
func (j *testJob) fail(err error) {
	if j.failed == nil {
		j.failed = err
	}
}

// EmitWatermark advances each receiver to the minimum over its channels.
func (w *edgeWriter) EmitWatermark(wm int64) error {
	for _, r := range w.to {
		r.wms[w.sender] = wm
		if m := slices.Min(r.wms); m > r.wm {
			r.wm = m
			w.j.fail(r.chain.PushWatermark(m))
		}
	}
	return nil
}

func (*edgeWriter) EmitIdle(bool) error { return nil }

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
	return data.Row{Kind: kind, Fields: fields}
}

// ts is a TIMESTAMP(3) of epoch milliseconds.
func ts(millis int64) data.Value { return data.TimestampValue(millis * 1e6) }

// streamRows is a stream of rows.
type streamRows = stream.DataStream[data.Row]
