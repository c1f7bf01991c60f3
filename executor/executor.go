// Package executor is the TaskManager: it runs the subtasks the cluster's
// desired state places on this node, one goroutine each, wires their
// inputs and outputs to the transport's data channels, and reports their
// state to the JobMaster.
//
// The executor reconciles, as Nomad's client does with allocations: on
// every change of the desired state it diffs the subtasks that should run
// here against those that do, starts the missing ones and stops those of
// jobs that ended or of older attempts. The attempt number is the fence.
package executor

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/store"
	"github.com/runnel/runnel/transport"
)

// Assignment is one job as the executor needs it: the spec to rebuild its
// operators from, the attempt, and where every subtask runs.
type Assignment struct {
	JobID   string
	Spec    jobgraph.Spec
	Attempt uint64
	// Graph is the JobGraph fingerprint the deployment was planned with.
	Graph string
	// Active is false once the job is canceling or terminal: its subtasks
	// must stop.
	Active   bool
	Subtasks []jobgraph.Placement
	// Checkpoints is the job's checkpointing as the FSM has it.
	Checkpoints CheckpointStatus
	// Restore is the checkpoint the attempt starts from; nil for none.
	Restore *jobgraph.CompletedCheckpoint
}

// CheckpointStatus is what subtasks need to know of their job's
// checkpoints. The executor passes every change to the attempt's
// subtasks: a source subtask injects a barrier for a new Pending id, and
// every subtask hears of completed and aborted ones.
type CheckpointStatus struct {
	Enabled bool
	Mode    jobgraph.CheckpointMode
	// Storage is the URL the job's checkpoints go to.
	Storage string
	// Pending is the checkpoint triggered for this attempt and not yet
	// complete or aborted; 0 for none.
	Pending int64
	// Completed and Aborted are the newest completed and aborted ids.
	Completed, Aborted int64
}

// Cluster is the executor's view of the cluster, wired by node.
type Cluster interface {
	// Assignments returns every non-terminal job's assignment.
	Assignments() []Assignment
	// Changed receives a value whenever Assignments may have changed.
	Changed() <-chan struct{}
	// NodeRPCAddr returns a node's RPC address.
	NodeRPCAddr(name string) (string, bool)
	// Report sends subtask reports to the JobMaster.
	Report(ctx context.Context, reports []jobgraph.TaskReport) error
	// AcknowledgeCheckpoint tells the JobMaster that a subtask's state
	// for a checkpoint is stored, or that it could not be.
	AcknowledgeCheckpoint(ctx context.Context, ack jobgraph.CheckpointAck) error
}

// Config tunes the executor.
type Config struct {
	// NodeName is this node's name, as in placements.
	NodeName string
	// Incarnation is this process's id: placements made for an earlier
	// process of this node are not run (that process's subtasks are lost).
	Incarnation string
	// BufferTimeout is the longest a record waits in a partly filled
	// buffer; 0 sends every record at once.
	BufferTimeout time.Duration
	// Credits is the number of buffers a receiver grants each channel.
	Credits int
	// ReportInterval is how often task reports go to the JobMaster.
	ReportInterval time.Duration
	// LocalCheckpointDir keeps a copy of this node's subtasks' latest
	// checkpoint state, so that a subtask restarted here restores from
	// local disk (Flink's local recovery); empty keeps none.
	LocalCheckpointDir string
}

// Executor runs this node's subtasks.
type Executor struct {
	cfg     Config
	cluster Cluster
	builder operator.Builder
	net     *transport.Network
	log     *slog.Logger

	mu    sync.Mutex
	tasks map[taskKey]*task

	progMu   sync.Mutex
	programs map[programKey]*programEntry

	storageMu sync.Mutex
	storages  map[string]*store.CheckpointStorage // by URL

	kickReport chan struct{}
	stop       chan struct{}
	stopOnce   sync.Once
	wg         sync.WaitGroup
}

type taskKey struct {
	job     string
	attempt uint64
	task    int
	index   int
}

func (k taskKey) String() string {
	return fmt.Sprintf("%s/%d/%d.%d", k.job, k.attempt, k.task, k.index)
}

// New returns an executor; Start runs it.
func New(cfg Config, cluster Cluster, builder operator.Builder, net *transport.Network, logger *slog.Logger) *Executor {
	return &Executor{
		cfg:        cfg,
		cluster:    cluster,
		builder:    builder,
		net:        net,
		log:        logger.With("component", "executor"),
		tasks:      map[taskKey]*task{},
		programs:   map[programKey]*programEntry{},
		storages:   map[string]*store.CheckpointStorage{},
		kickReport: make(chan struct{}, 1),
		stop:       make(chan struct{}),
	}
}

// Start begins reconciling and reporting.
func (e *Executor) Start() {
	e.wg.Add(2)
	go func() {
		defer e.wg.Done()
		e.reconcileLoop()
	}()
	go func() {
		defer e.wg.Done()
		e.reportLoop()
	}()
}

// Stop cancels every subtask and waits for them and the loops to end, at
// most until ctx ends: a subtask stuck in user code (an endless loop, a
// blocking call that ignores cancellation) cannot be stopped in Go, and is
// then left behind with a log line rather than hanging the node's shutdown.
// Stop may be called more than once.
func (e *Executor) Stop(ctx context.Context) {
	e.stopOnce.Do(func() { close(e.stop) })
	e.mu.Lock()
	for _, t := range e.tasks {
		t.cancel()
	}
	e.mu.Unlock()
	done := make(chan struct{})
	go func() {
		e.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		e.mu.Lock()
		for _, t := range e.tasks {
			if !t.isDone() {
				e.log.Error("subtask did not stop; leaving it behind", "subtask", t.key.String())
			}
		}
		e.mu.Unlock()
	}
	e.closeStorages()
}

func (e *Executor) reconcileLoop() {
	changed := e.cluster.Changed()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		e.reconcile()
		select {
		case <-e.stop:
			return
		case <-changed:
		case <-tick.C:
		}
	}
}

// reconcile starts the subtasks placed here that do not run yet, and
// cancels those whose job is no longer active or whose attempt is stale.
// Finished subtasks stay in the table, so they are not started again and
// keep being reported, until their job leaves the desired state.
func (e *Executor) reconcile() {
	want := map[taskKey]Assignment{}
	live := map[string]uint64{} // job -> attempt, for every job that has not ended
	for _, a := range e.cluster.Assignments() {
		live[a.JobID] = a.Attempt
		if !a.Active {
			continue
		}
		for _, p := range a.Subtasks {
			if p.Node == e.cfg.NodeName && p.Incarnation == e.cfg.Incarnation {
				want[taskKey{a.JobID, a.Attempt, p.Task, p.Index}] = a
			}
		}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-e.stop:
		return // Stop has canceled the tasks; start no more
	default:
	}
	for k, t := range e.tasks {
		if a, ok := want[k]; ok {
			t.setCheckpoints(a.Checkpoints)
			continue
		}
		t.cancel()
		if t.isDone() && live[k.job] != k.attempt {
			delete(e.tasks, k)
		}
	}
	for k, a := range want {
		if _, ok := e.tasks[k]; ok {
			continue
		}
		t := e.newTask(k, a)
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			t.run()
			e.kick()
		}()
		e.tasks[k] = t
	}
	e.progMu.Lock()
	for k := range e.programs {
		if live[k.job] != k.attempt {
			delete(e.programs, k)
		}
	}
	e.progMu.Unlock()
}

func (e *Executor) kick() {
	select {
	case e.kickReport <- struct{}{}:
	default:
	}
}

// reportLoop sends every known subtask's report to the JobMaster on an
// interval and at once after a subtask changed state.
func (e *Executor) reportLoop() {
	tick := time.NewTicker(e.cfg.ReportInterval)
	defer tick.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-tick.C:
		case <-e.kickReport:
		}
		e.mu.Lock()
		reports := make([]jobgraph.TaskReport, 0, len(e.tasks))
		for _, t := range e.tasks {
			reports = append(reports, t.report())
		}
		e.mu.Unlock()
		if len(reports) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := e.cluster.Report(ctx, reports); err != nil {
			e.log.Debug("report tasks", "err", err)
		}
		cancel()
	}
}
