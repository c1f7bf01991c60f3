package operator

import (
	"github.com/runnel/runnel/jobgraph"
)

// Builder turns a submitted job spec into its Program. The job registry
// (stream) and, later, the SQL planner implement it; node wires one into
// the coordinator, which builds the JobGraph, and into the executor, which
// builds the operators. Build must be deterministic: every node builds the
// same graph from the same spec.
//
// The interface lives here rather than in jobgraph because a Program hands
// out operator chains, which are this package's.
type Builder interface {
	// Build returns the job's program, or an error naming what is wrong
	// with the spec (an unknown job, a bad argument).
	Build(spec jobgraph.Spec) (Program, error)
}

// Program is a job's runnable form: its graph and the means to build one
// subtask of any chained task.
type Program interface {
	Graph() *jobgraph.JobGraph
	// NewChain builds one subtask's instance of the chain of vertices in
	// spec. The returned chain is not yet open.
	NewChain(spec ChainSpec) (Chain, error)
}

// ChainSpec describes one subtask of a chained task.
type ChainSpec struct {
	// Vertices are the chained vertices, head first; consecutive vertices
	// are connected by a forward edge.
	Vertices []jobgraph.VertexID
	// Context is the subtask's context; its OperatorName is filled in per
	// operator by the program.
	Context Context
	// Outputs holds the executor's writer for each edge that leaves the
	// chain (from any of its vertices) to another task.
	Outputs map[jobgraph.EdgeID]RecordWriter
	// Restore holds, by operator id (JobGraph.OperatorIDs), the state the
	// chain's operators start from; nil for a fresh start. The chain
	// hands it to each operator before Open.
	Restore map[string]Restored
}

// RecordWriter is the executor's side of one edge leaving a chain, for one
// subtask: the channels to the receiver subtasks. Records handed to it are
// copied, so the caller may reuse its buffer at once.
type RecordWriter interface {
	// NumChannels is the number of receiver subtasks this sender feeds:
	// the receiver's parallelism, except for forward (1) and rescale (a
	// contiguous subset, as Flink wires pointwise edges).
	NumChannels() int
	// Emit sends one encoded record, with its event timestamp (or
	// NoTimestamp), to the receiver subtask channel. It blocks while that
	// channel has no credit (backpressure) and returns an error when the
	// task is shutting down or the record is too large.
	Emit(channel int, ts int64, record []byte) error
	// Broadcast sends one encoded record to every channel.
	Broadcast(ts int64, record []byte) error
	// EmitWatermark sends a watermark to every channel, in band, after
	// the records before it.
	EmitWatermark(wm int64) error
	// EmitIdle tells every channel that this sender's output became idle
	// (true: it sends no watermarks for now, so receivers must not wait
	// for them) or active again (false).
	EmitIdle(idle bool) error
}

// Chain is one subtask of a chained task, built by a Program. The executor
// drives it from the subtask's goroutine.
type Chain interface {
	// Open opens every operator, tail first, so that each operator's
	// downstream is ready before it can emit.
	Open() error
	// IsSource reports whether the head is a source; the executor then
	// calls PollSource, else PushRecord.
	IsSource() bool
	// PollSource polls the head source once.
	PollSource() (InputStatus, error)
	// PushRecord decodes one record that arrived on input edge e, with
	// its event timestamp (or NoTimestamp), and runs it through the chain.
	PushRecord(e jobgraph.EdgeID, ts int64, record []byte) error
	// PushWatermark hands the chain a new input watermark: the minimum
	// over the task's active input channels, or MaxWatermark at the end
	// of a bounded source. Each operator sees it in chain order, after
	// every record before it, and passes it on (an operator that assigns
	// timestamps replaces it with its own).
	PushWatermark(wm int64) error
	// PushIdle tells the chain that all its inputs became idle, or that
	// one became active again; it passes the status to its outputs.
	PushIdle(idle bool) error
	// OnPeriodicWatermark lets the chain's watermark generators emit;
	// the executor calls it every watermark interval.
	OnPeriodicWatermark() error
	// OnProcessingTime fires the chain's processing-time timers that are
	// due at now (epoch ms); the executor calls it every few milliseconds.
	OnProcessingTime(now int64) error
	// EndInput tells the chain that all its inputs have ended: every
	// operator's EndInput, head to tail.
	EndInput() error
	// Close closes every operator, head to tail, and returns the first
	// error.
	Close() error
	// SnapshotState collects the state of the chain's stateful operators
	// for a checkpoint, by operator id, as of the barrier that reached the
	// chain: call it between records.
	SnapshotState(checkpointID int64) (map[string]Snapshot, error)
	// NotifyCheckpointComplete and NotifyCheckpointAborted pass a
	// checkpoint's outcome to every operator that listens.
	NotifyCheckpointComplete(checkpointID int64) error
	NotifyCheckpointAborted(checkpointID int64) error
	// Metrics returns the records that entered the head and left the
	// chain's tail operators so far; safe to call from any goroutine.
	Metrics() ChainMetrics
}

// ChainMetrics counts records through a chain.
type ChainMetrics struct {
	RecordsIn  uint64
	RecordsOut uint64
	// Watermark is the chain's current input watermark (MinWatermark
	// before the first).
	Watermark int64
	// LateRecordsDropped counts records that event-time windows dropped
	// as too late, having no late-data side output (Flink's
	// numLateRecordsDropped).
	LateRecordsDropped uint64
}
