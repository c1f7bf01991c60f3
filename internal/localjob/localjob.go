// Package localjob runs a job's chains on the caller's goroutine, as the
// executor would but with records and watermarks handed between tasks by
// call: a source poll, or a record a test pushes into a chain, goes
// through every downstream task before it returns. A snapshot of every
// chain between two calls is therefore a consistent cut, the one aligned
// barriers give, so tests can take checkpoints, fail a job and restore it
// at another parallelism without the executor, the network or timing.
//
// It is the one home of that harness for the tests of the packages above
// stream and scheduler; nothing outside tests imports it.
package localjob

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/stream"
)

// Build builds a job, named "test", that build makes at parallelism p,
// through a registry of its own so that tests need not register globally.
func Build(p int, build func(env *stream.Env) error) (operator.Program, error) {
	reg := stream.NewRegistry()
	if err := reg.Register("test", func(env *stream.Env, _ stream.Args) error { return build(env) }); err != nil {
		return nil, err
	}
	return reg.Build(jobgraph.Spec{Job: "test", Parallelism: p})
}

// Options say how Start runs a program.
type Options struct {
	// Job is the job name the chains see.
	Job string
	// Checkpointing runs the chains as in a checkpointing job.
	Checkpointing bool
	// Restore is the checkpoint every chain restores from, nil for none.
	Restore *Checkpoint
	// Detached are vertices whose tasks the job does not run, each with
	// the writer that takes the records and watermarks of every edge into
	// its task (nil for a task nothing sends to). A test that pushes its
	// own input detaches the source; one that reads an edge's records
	// detaches the sink.
	Detached map[jobgraph.VertexID]operator.RecordWriter
}

// Job is a running program: its plan and its open chains.
type Job struct {
	plan      *scheduler.Plan
	detached  map[scheduler.TaskID]operator.RecordWriter
	receivers [][]*receiver // by task, then subtask; none for detached tasks
	ended     [][]bool      // source subtasks that reached their end
	starved   bool          // no source had input in the last poll
	failed    error
}

// receiver is one subtask's chain and its watermark valve: the
// watermarks of its input channels, merged as the executor's valve does.
type receiver struct {
	chain operator.Chain
	wms   []int64
	wm    int64
}

// Start chains prog and opens every chain of every task not detached.
func Start(prog operator.Program, opts Options) (*Job, error) {
	plan, err := scheduler.Chain(prog.Graph())
	if err != nil {
		return nil, err
	}
	j := &Job{
		plan: plan, detached: map[scheduler.TaskID]operator.RecordWriter{},
		receivers: make([][]*receiver, len(plan.Tasks)), ended: make([][]bool, len(plan.Tasks)),
	}
	for v, w := range opts.Detached {
		j.detached[plan.TaskOf(v)] = w
	}
	// Downstream tasks first, so that every writer finds its receivers.
	for ti := len(plan.Tasks) - 1; ti >= 0; ti-- {
		task := plan.Tasks[ti]
		if _, ok := j.detached[task.ID]; ok {
			continue
		}
		j.ended[ti] = make([]bool, task.Parallelism)
		for s := range task.Parallelism {
			outputs, err := j.writers(task.ID, s)
			if err != nil {
				return nil, errors.Join(err, j.Close())
			}
			c, err := prog.NewChain(operator.ChainSpec{
				Vertices: task.Vertices,
				Context: operator.Context{
					JobName: opts.Job, TaskName: task.Name, Subtask: s,
					Parallelism: task.Parallelism, Checkpointing: opts.Checkpointing,
				},
				Outputs: outputs,
				Restore: opts.Restore.restore(task, s),
			})
			if err != nil {
				return nil, errors.Join(err, j.Close())
			}
			r := &receiver{chain: c, wms: make([]int64, j.channels(task.ID)), wm: operator.MinWatermark}
			for i := range r.wms {
				r.wms[i] = operator.MinWatermark
			}
			if err := c.Open(); err != nil {
				return nil, errors.Join(err, j.Close())
			}
			j.receivers[ti] = append(j.receivers[ti], r)
		}
	}
	return j, nil
}

// Run runs prog at its parallelism to its end: it drains the sources
// and, with checkpointing, takes and completes a final checkpoint, as the
// executor does at the end of a bounded job. It returns the job's first
// error.
func Run(prog operator.Program, checkpointing bool) error {
	j, err := Start(prog, Options{Job: "test", Checkpointing: checkpointing})
	if err != nil {
		return err
	}
	err = j.Drain()
	if err == nil && checkpointing {
		if _, err = j.Snapshot(1); err == nil {
			err = j.Complete(1)
		}
	}
	return errors.Join(err, j.Close())
}

// channels is the number of input channels of each subtask of task: one
// per sender subtask of every edge into it from a task that runs.
func (j *Job) channels(task scheduler.TaskID) int {
	n := 0
	for _, e := range j.plan.Edges {
		if e.Target == task {
			n += j.width(e)
		}
	}
	return n
}

// width is the number of channels e has at each receiver.
func (j *Job) width(e scheduler.TaskEdge) int {
	switch _, ok := j.detached[e.Source]; {
	case ok:
		return 0
	case e.Partitioner == jobgraph.Forward:
		return 1
	}
	return j.plan.Tasks[e.Source].Parallelism
}

// writers returns subtask s of task's writers for its outgoing edges.
func (j *Job) writers(task scheduler.TaskID, s int) (map[jobgraph.EdgeID]operator.RecordWriter, error) {
	out := map[jobgraph.EdgeID]operator.RecordWriter{}
	offset := map[scheduler.TaskID]int{} // each target's channels of the edges before
	for _, e := range j.plan.Edges {
		channel := offset[e.Target]
		offset[e.Target] += j.width(e)
		if e.Source != task {
			continue
		}
		if w, ok := j.detached[e.Target]; ok {
			out[e.Edge] = w
			continue
		}
		w := &callWriter{j: j, edge: e.Edge, channel: channel + s, to: j.receivers[e.Target]}
		switch e.Partitioner {
		case jobgraph.Forward:
			w.to, w.channel = w.to[s:s+1], channel
		case jobgraph.Rescale:
			return nil, fmt.Errorf("edge %d: the local job does not route %s", e.Edge, e.Partitioner)
		}
		out[e.Edge] = w
	}
	return out, nil
}

// Plan is the job's chained plan.
func (j *Job) Plan() *scheduler.Plan { return j.plan }

// Chains are the chains of task's subtasks, in subtask order, for a test
// that pushes input into them or reads their metrics.
func (j *Job) Chains(task scheduler.TaskID) []operator.Chain {
	var out []operator.Chain
	for _, r := range j.receivers[task] {
		out = append(out, r.chain)
	}
	return out
}

// Err is the first error of a chain a record or watermark was handed to:
// the job's failure, which a writer returning it would instead have made
// the sender's.
func (j *Job) Err() error { return j.failed }

// Poll polls every source subtask that has not ended n times, ending a
// subtask's input when it ends, and reports whether all sources ended;
// then it ends the other tasks' input, in task order.
func (j *Job) Poll(n int) (bool, error) {
	all, starved := true, true
	for ti, task := range j.plan.Tasks {
		rs := j.receivers[ti]
		if len(rs) == 0 || !rs[0].chain.IsSource() {
			continue
		}
		for s, r := range rs {
			for range n {
				if j.ended[ti][s] {
					break
				}
				status, err := r.chain.PollSource()
				if err == nil {
					err = j.failed
				}
				if err != nil {
					return false, fmt.Errorf("%s (%d): %w", task.Name, s, err)
				}
				starved = starved && status == operator.NothingAvailable
				if status == operator.EndOfInput {
					j.ended[ti][s] = true
					if err := r.chain.EndInput(); err != nil {
						return false, err
					}
				}
			}
			all = all && j.ended[ti][s]
		}
	}
	j.starved = starved
	if !all {
		return false, nil
	}
	for _, rs := range j.receivers {
		for _, r := range rs {
			if r.chain.IsSource() {
				continue
			}
			if err := r.chain.EndInput(); err != nil {
				return false, err
			}
		}
	}
	return true, j.failed
}

// Drain polls until every source ended, pausing a millisecond whenever
// no source had input, as a rate-limited source asks.
func (j *Job) Drain() error {
	for {
		done, err := j.Poll(1)
		if done || err != nil {
			return err
		}
		if j.starved {
			time.Sleep(time.Millisecond)
		}
	}
}

// EndInput ends every task's input, in task order, for a job whose test
// pushes its input rather than polling sources.
func (j *Job) EndInput() error {
	for _, rs := range j.receivers {
		for _, r := range rs {
			if err := r.chain.EndInput(); err != nil {
				return err
			}
		}
	}
	return j.failed
}

// Checkpoint is a completed checkpoint as the coordinator keeps it: per
// operator id, every subtask's operator state by subtask index, and the
// key groups of all subtasks.
type Checkpoint struct {
	ID        int64
	operators map[string][][]byte
	keyGroups map[string]map[int][]byte
}

// Snapshot takes checkpoint id of every chain.
func (j *Job) Snapshot(id int64) (*Checkpoint, error) {
	c := &Checkpoint{ID: id, operators: map[string][][]byte{}, keyGroups: map[string]map[int][]byte{}}
	for ti, rs := range j.receivers {
		task := j.plan.Tasks[ti]
		for s, r := range rs {
			snaps, err := r.chain.SnapshotState(id)
			if err != nil {
				return nil, fmt.Errorf("%s (%d): checkpoint %d: %w", task.Name, s, id, err)
			}
			for _, op := range slices.Sorted(maps.Keys(snaps)) {
				if c.operators[op] == nil {
					c.operators[op] = make([][]byte, task.Parallelism)
					c.keyGroups[op] = map[int][]byte{}
				}
				c.operators[op][s] = snaps[op].Operator
				maps.Copy(c.keyGroups[op], snaps[op].KeyGroups)
			}
		}
	}
	return c, nil
}

// restore returns what subtask s of task restores from c: every old
// subtask's operator state and the key groups of s's range.
func (c *Checkpoint) restore(task scheduler.Task, s int) map[string]operator.Restored {
	if c == nil {
		return nil
	}
	groups := jobgraph.Range(task.MaxParallelism, task.Parallelism, s)
	out := map[string]operator.Restored{}
	for id, ops := range c.operators {
		r := operator.Restored{CheckpointID: c.ID, Operator: ops, KeyGroups: map[int][]byte{}}
		for kg, b := range c.keyGroups[id] {
			if groups.Contains(kg) {
				r.KeyGroups[kg] = b
			}
		}
		out[id] = r
	}
	return out
}

// Complete tells every chain that checkpoint id completed.
func (j *Job) Complete(id int64) error {
	return j.each(func(c operator.Chain) error { return c.NotifyCheckpointComplete(id) })
}

// Abort tells every chain that checkpoint id was aborted.
func (j *Job) Abort(id int64) error {
	return j.each(func(c operator.Chain) error { return c.NotifyCheckpointAborted(id) })
}

// Close closes every chain, as the end of the job or as a failure, and
// returns the errors of all.
func (j *Job) Close() error {
	var errs []error
	for _, rs := range j.receivers {
		for _, r := range rs {
			errs = append(errs, r.chain.Close())
		}
	}
	return errors.Join(errs...)
}

func (j *Job) each(f func(operator.Chain) error) error {
	for _, rs := range j.receivers {
		for _, r := range rs {
			if err := f(r.chain); err != nil {
				return err
			}
		}
	}
	return nil
}

// fail keeps the first error of a receiving chain.
func (j *Job) fail(err error) {
	if j.failed == nil {
		j.failed = err
	}
}

// callWriter hands one sender subtask's records on an edge to the
// receiving chains' PushRecord, and its watermarks to their valves.
type callWriter struct {
	j       *Job
	edge    jobgraph.EdgeID
	channel int // the sender's channel at each receiver
	to      []*receiver
}

func (w *callWriter) NumChannels() int { return len(w.to) }

// Emit copies the record: the sender may reuse its buffer once Emit
// returns, and the receiver may keep what it was pushed.
func (w *callWriter) Emit(channel int, ts int64, record []byte) error {
	w.j.fail(w.to[channel].chain.PushRecord(w.edge, ts, slices.Clone(record)))
	return nil
}

func (w *callWriter) Broadcast(ts int64, record []byte) error {
	for ch := range w.to {
		w.j.fail(w.to[ch].chain.PushRecord(w.edge, ts, slices.Clone(record)))
	}
	return nil
}

// EmitWatermark advances each receiver to the minimum over its channels.
func (w *callWriter) EmitWatermark(wm int64) error {
	for _, r := range w.to {
		r.wms[w.channel] = wm
		if m := slices.Min(r.wms); m > r.wm {
			r.wm = m
			w.j.fail(r.chain.PushWatermark(m))
		}
	}
	return nil
}

// EmitIdle is dropped: the valve merges watermarks only, so an idle
// channel holds its receivers back; no test's job depends on idleness.
func (*callWriter) EmitIdle(bool) error { return nil }
