package examples

import (
	"maps"
	"slices"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/stream"
)

// localJob runs a built-in job's chains in the test's goroutine, as the
// executor would but with records handed between tasks by call: a source
// poll pushes its records through every downstream task before it
// returns. A snapshot of every chain between polls is then a consistent
// cut, the one aligned barriers give, so the test can take checkpoints,
// fail the job and restore it at another parallelism. Watermarks are
// dropped: the jobs it runs do not use event time.
type localJob struct {
	t      *testing.T
	plan   *scheduler.Plan
	chains [][]operator.Chain // by task, then subtask
	ended  [][]bool           // source subtasks that reached their end
}

// checkpoint is a completed checkpoint as the coordinator would keep it:
// per operator id, every subtask's operator state by subtask index, and
// the key groups of all subtasks.
type checkpoint struct {
	id        int64
	operators map[string][][]byte
	keyGroups map[string]map[int][]byte
}

// startLocalJob builds spec (checkpointing as said) and opens every
// chain, each restored from from when it is not nil.
func startLocalJob(t *testing.T, spec jobgraph.Spec, checkpointing bool, from *checkpoint) *localJob {
	t.Helper()
	prog, err := stream.Default.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := scheduler.Chain(prog.Graph())
	if err != nil {
		t.Fatal(err)
	}
	j := &localJob{t: t, plan: plan, chains: make([][]operator.Chain, len(plan.Tasks)), ended: make([][]bool, len(plan.Tasks))}
	// Downstream tasks first, so that every writer finds its receivers.
	for ti := len(plan.Tasks) - 1; ti >= 0; ti-- {
		task := plan.Tasks[ti]
		j.ended[ti] = make([]bool, task.Parallelism)
		for s := range task.Parallelism {
			c, err := prog.NewChain(operator.ChainSpec{
				Vertices: task.Vertices,
				Context: operator.Context{
					JobName: spec.Job, TaskName: task.Name, Subtask: s,
					Parallelism: task.Parallelism, Checkpointing: checkpointing,
				},
				Outputs: j.writers(task.ID, s),
				Restore: from.restore(task, s),
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Open(); err != nil {
				t.Fatal(err)
			}
			j.chains[ti] = append(j.chains[ti], c)
		}
	}
	return j
}

// writers returns subtask s of task's writers for its outgoing edges.
func (j *localJob) writers(task scheduler.TaskID, s int) map[jobgraph.EdgeID]operator.RecordWriter {
	out := map[jobgraph.EdgeID]operator.RecordWriter{}
	for _, e := range j.plan.Edges {
		if e.Source != task {
			continue
		}
		w := &callWriter{edge: e.Edge, to: j.chains[e.Target]}
		switch e.Partitioner {
		case jobgraph.Hash, jobgraph.Rebalance:
		case jobgraph.Forward:
			w.to = j.chains[e.Target][s : s+1]
		default:
			j.t.Fatalf("edge %d: the local job does not route %s", e.Edge, e.Partitioner)
		}
		out[e.Edge] = w
	}
	return out
}

// restore returns what subtask s of task restores from c: every old
// subtask's operator state and the key groups of s's range.
func (c *checkpoint) restore(task scheduler.Task, s int) map[string]operator.Restored {
	if c == nil {
		return nil
	}
	groups := jobgraph.Range(task.MaxParallelism, task.Parallelism, s)
	out := map[string]operator.Restored{}
	for id, ops := range c.operators {
		r := operator.Restored{CheckpointID: c.id, Operator: ops, KeyGroups: map[int][]byte{}}
		for kg, b := range c.keyGroups[id] {
			if groups.Contains(kg) {
				r.KeyGroups[kg] = b
			}
		}
		out[id] = r
	}
	return out
}

// poll polls every source subtask that has not ended n times and reports
// whether all sources have ended; then it ends the other tasks' input,
// in task order.
func (j *localJob) poll(n int) bool {
	j.t.Helper()
	all := true
	for ti, task := range j.plan.Tasks {
		if !j.chains[ti][0].IsSource() {
			continue
		}
		for s := range task.Parallelism {
			for range n {
				if j.ended[ti][s] {
					break
				}
				status, err := j.chains[ti][s].PollSource()
				if err != nil {
					j.t.Fatalf("%s (%d): %v", task.Name, s, err)
				}
				if status == operator.EndOfInput {
					j.ended[ti][s] = true
					if err := j.chains[ti][s].EndInput(); err != nil {
						j.t.Fatal(err)
					}
				}
			}
			all = all && j.ended[ti][s]
		}
	}
	if all {
		for ti := range j.plan.Tasks {
			if j.chains[ti][0].IsSource() {
				continue
			}
			for _, c := range j.chains[ti] {
				if err := c.EndInput(); err != nil {
					j.t.Fatal(err)
				}
			}
		}
	}
	return all
}

// snapshot takes checkpoint id of every chain.
func (j *localJob) snapshot(id int64) *checkpoint {
	j.t.Helper()
	c := &checkpoint{id: id, operators: map[string][][]byte{}, keyGroups: map[string]map[int][]byte{}}
	for ti, task := range j.plan.Tasks {
		for s, chain := range j.chains[ti] {
			snaps, err := chain.SnapshotState(id)
			if err != nil {
				j.t.Fatalf("%s (%d): checkpoint %d: %v", task.Name, s, id, err)
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
	return c
}

// complete tells every chain that checkpoint id completed.
func (j *localJob) complete(id int64) {
	j.t.Helper()
	for _, chains := range j.chains {
		for _, c := range chains {
			if err := c.NotifyCheckpointComplete(id); err != nil {
				j.t.Fatal(err)
			}
		}
	}
}

// close closes every chain, as the end of the job or as a failure.
func (j *localJob) close() {
	j.t.Helper()
	for _, chains := range j.chains {
		for _, c := range chains {
			if err := c.Close(); err != nil {
				j.t.Fatal(err)
			}
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
