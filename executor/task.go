package executor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/transport"
)

// task is one subtask running on its own goroutine.
type task struct {
	key  taskKey
	node string
	inc  string // this node process's incarnation
	e    *Executor
	asg  Assignment
	prog *program // set by the task's goroutine, used only by it

	ctx       context.Context
	cancelCtx context.CancelFunc
	canceled  atomic.Bool   // stopped on request, not by a failure
	cancelReq chan struct{} // closed by cancel
	cancelOne sync.Once
	done      chan struct{}
	started   time.Time // set before the goroutine starts, then read only

	bytesIn, bytesOut atomic.Uint64
	endOfData         atomic.Bool // a source waiting for its final checkpoint

	mu        sync.Mutex
	name      string // "Map -> Filter (2/4)" once the program is built
	state     jobgraph.ExecutionState
	err       string
	secondary bool
	cp        checkpoints
	chain     operator.Chain
	writers   []*recordWriter
	inputs    []*transport.InputChannel
}

// newTask makes the task of subtask k; its goroutine builds the program.
func (e *Executor) newTask(k taskKey, a Assignment) *task {
	ctx, cancel := context.WithCancel(context.Background())
	return &task{
		key: k, node: e.cfg.NodeName, inc: e.cfg.Incarnation, e: e, asg: a,
		name:      k.String(),
		ctx:       ctx,
		cancelCtx: cancel,
		cancelReq: make(chan struct{}),
		done:      make(chan struct{}),
		started:   time.Now(),
		state:     jobgraph.Deploying,
		cp:        checkpoints{status: a.Checkpoints, kick: make(chan struct{}, 1)},
	}
}

func (t *task) isDone() bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}

// cancel stops the subtask on request, from any goroutine; it ends
// CANCELED.
func (t *task) cancel() {
	t.canceled.Store(true)
	t.cancelOne.Do(func() { close(t.cancelReq) })
	t.abort()
}

// abort cancels the subtask's context and aborts its channels, which
// unblocks a wait for data or for credit.
func (t *task) abort() {
	t.cancelCtx()
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, w := range t.writers {
		w.release()
	}
	for _, in := range t.inputs {
		in.Close()
	}
}

func (t *task) setState(s jobgraph.ExecutionState, err error) {
	t.mu.Lock()
	t.state = s
	if err != nil {
		t.err = fmt.Sprintf("%s on %s: %v", t.name, t.node, err)
		t.secondary = errors.Is(err, errChannel)
	}
	t.mu.Unlock()
	t.e.kick()
}

func (t *task) report() jobgraph.TaskReport {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := jobgraph.TaskReport{
		JobID: t.key.job, Attempt: t.key.attempt, Task: t.key.task, Index: t.key.index, Node: t.node,
		Incarnation: t.inc, State: t.state, Error: t.err, Secondary: t.secondary,
		Watermark: operator.MinWatermark,
		BytesIn:   t.bytesIn.Load(), BytesOut: t.bytesOut.Load(),
		EndOfData: t.endOfData.Load(),
	}
	if t.chain != nil {
		m := t.chain.Metrics()
		r.RecordsIn, r.RecordsOut, r.Watermark, r.LateRecordsDropped = m.RecordsIn, m.RecordsOut, m.Watermark, m.LateRecordsDropped
	}
	if elapsed := time.Since(t.started); !t.started.IsZero() && elapsed > 0 {
		var bp time.Duration
		for _, w := range t.writers {
			bp += w.backpressured()
		}
		r.Backpressure = min(1, float64(bp)/float64(elapsed))
	}
	return r
}

// run executes the subtask and records how it ended. A panic anywhere in
// the chain fails the subtask (and so the job) with its message; it never
// takes the process down.
func (t *task) run() {
	ended := false
	defer func() {
		if !ended {
			// Only runtime.Goexit in user code gets here.
			t.setState(jobgraph.Failed, errors.New("subtask goroutine exited (runtime.Goexit in user code)"))
		}
		close(t.done)
	}()
	err := t.execute()
	ended = true
	switch {
	case err == nil:
		t.setState(jobgraph.Finished, nil)
	case t.canceled.Load() || errors.Is(err, errChannel) && t.awaitCancel():
		t.setState(jobgraph.Canceled, nil)
	default:
		t.e.log.Warn("subtask failed", "subtask", t.key.String(), "job", t.key.job, "err", err)
		t.setState(jobgraph.Failed, err)
	}
}

// errChannel marks a failure of a data channel: the other side went away.
// When a job is canceled, the subtasks on other nodes stop a moment before
// this node hears of it, and their channels break first.
var errChannel = errors.New("data channel closed")

// channelGrace is how long a subtask whose channel broke waits for a
// cancellation that explains it before it reports a failure.
const channelGrace = 2 * time.Second

func (t *task) awaitCancel() bool {
	select {
	case <-t.cancelReq:
		return true
	case <-time.After(channelGrace):
		return false
	}
}

func (t *task) execute() (err error) {
	var (
		built operator.Chain // closed on failure; Close skips operators never opened
		g     *gate
	)
	defer func() {
		if r := recover(); r != nil {
			if abort, ok := r.(operator.Abort); ok {
				err = abort.Err
				if !errors.Is(err, errRecordTooLarge) {
					err = fmt.Errorf("%w: %v", errChannel, abort.Err)
				}
			} else {
				t.e.log.Debug("subtask panic", "subtask", t.key.String(), "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}
		if err != nil {
			t.abort()
			if g != nil {
				g.wait()
			}
			if built != nil {
				built.Close()
			}
		}
	}()

	if t.prog, err = t.e.programFor(t.asg); err != nil {
		return err
	}
	if t.key.task < 0 || t.key.task >= len(t.prog.plan.Tasks) {
		return fmt.Errorf("deployment names task %d; the job has %d", t.key.task, len(t.prog.plan.Tasks))
	}
	spec := t.prog.plan.Tasks[t.key.task]
	t.mu.Lock()
	t.name = fmt.Sprintf("%s (%d/%d)", spec.Name, t.key.index+1, spec.Parallelism)
	t.mu.Unlock()
	chainSpec := operator.ChainSpec{
		Vertices: spec.Vertices,
		Context: operator.Context{
			JobID: jobgraph.JobID(t.key.job), JobName: t.asg.Spec.Job, Attempt: t.key.attempt,
			TaskName: spec.Name, Subtask: t.key.index, Parallelism: spec.Parallelism, MaxParallelism: spec.MaxParallelism,
			Checkpointing: t.asg.Checkpoints.Enabled, Done: t.ctx.Done(),
		},
		Outputs: map[jobgraph.EdgeID]operator.RecordWriter{},
	}
	writers, err := t.openOutputs(spec, chainSpec.Outputs)
	if err != nil {
		return err
	}
	if chainSpec.Restore, err = t.restoreState(t.ctx, spec.Vertices); err != nil {
		return fmt.Errorf("restore from checkpoint %d: %w", t.asg.Restore.ID, err)
	}
	chain, err := t.prog.prog.NewChain(chainSpec)
	if err != nil {
		return fmt.Errorf("build chain: %w", err)
	}
	built = chain
	t.mu.Lock()
	t.chain = chain
	t.mu.Unlock()
	g = newGate(t.ctx)
	if err := t.openInputs(spec, g); err != nil {
		return err
	}
	if err := chain.Open(); err != nil {
		return fmt.Errorf("open: %w", err)
	}
	run := t.newRunState(chain, writers)
	if run.uploads != nil {
		uploaded := make(chan struct{})
		go func() {
			defer close(uploaded)
			t.uploadLoop(run.uploads)
		}()
		defer func() {
			if built != nil {
				// A failure: stop the uploads rather than wait minutes for
				// storage or a leader before the failure is reported.
				t.cancelCtx()
			}
			close(run.uploads)
			<-uploaded
		}()
	}
	t.setState(jobgraph.Running, nil)

	if chain.IsSource() {
		err = t.pollSource(run)
	} else {
		err = t.consume(run, g)
		if err == nil {
			g.wait()
		}
	}
	if err != nil {
		return err
	}
	if err := t.endInput(run); err != nil {
		return err
	}
	if err := t.awaitCompletion(run); err != nil {
		return err
	}
	for _, w := range writers {
		if err := w.finish(); err != nil {
			return fmt.Errorf("%w: %v", errChannel, err)
		}
	}
	built = nil
	return chain.Close()
}

// openOutputs creates a subpartition for every channel of every edge that
// leaves the task.
func (t *task) openOutputs(spec scheduler.Task, outputs map[jobgraph.EdgeID]operator.RecordWriter) ([]*recordWriter, error) {
	var writers []*recordWriter
	for _, edge := range t.prog.plan.Edges {
		if int(edge.Source) != t.key.task {
			continue
		}
		target := t.prog.plan.Tasks[edge.Target]
		var subs []*transport.Subpartition
		for _, r := range scheduler.Channels(edge.Partitioner, t.key.index, spec.Parallelism, target.Parallelism) {
			sub, err := t.e.net.CreateSubpartition(transport.ChannelID{
				Job: t.key.job, Attempt: t.key.attempt, Edge: int(edge.Edge), Sender: t.key.index, Receiver: r,
			})
			if err != nil {
				for _, s := range subs {
					s.Release()
				}
				return nil, fmt.Errorf("output to %s: %w", target.Name, err)
			}
			subs = append(subs, sub)
		}
		w := newRecordWriter(subs, t.e.cfg.BufferTimeout == 0, &t.bytesOut)
		outputs[edge.Edge] = w
		writers = append(writers, w)
		t.mu.Lock()
		t.writers = append(t.writers, w)
		t.mu.Unlock()
	}
	if t.ctx.Err() != nil {
		return nil, t.ctx.Err()
	}
	return writers, nil
}

// openInputs requests every channel that feeds the task from the nodes of
// its sender subtasks.
func (t *task) openInputs(spec scheduler.Task, g *gate) error {
	nodeOf := map[[2]int]string{}
	for _, p := range t.asg.Subtasks {
		nodeOf[[2]int{p.Task, p.Index}] = p.Node
	}
	for _, edge := range t.prog.plan.Edges {
		if int(edge.Target) != t.key.task {
			continue
		}
		source := t.prog.plan.Tasks[edge.Source]
		for _, s := range scheduler.Senders(edge.Partitioner, t.key.index, source.Parallelism, spec.Parallelism) {
			node := nodeOf[[2]int{int(edge.Source), s}]
			addr, ok := t.e.cluster.NodeRPCAddr(node)
			if !ok {
				return fmt.Errorf("input from %s (%d/%d): node %q unknown", source.Name, s+1, source.Parallelism, node)
			}
			in, err := t.e.net.OpenInputChannel(t.ctx, addr, transport.ChannelID{
				Job: t.key.job, Attempt: t.key.attempt, Edge: int(edge.Edge), Sender: s, Receiver: t.key.index,
			}, t.e.cfg.Credits)
			if err != nil {
				return fmt.Errorf("input from %s (%d/%d) on %s: %w", source.Name, s+1, source.Parallelism, node, err)
			}
			t.mu.Lock()
			t.inputs = append(t.inputs, in)
			t.mu.Unlock()
			g.add(edge.Edge, in)
		}
	}
	return nil
}
