package coordinator

import (
	"maps"
	"time"

	"github.com/runnel/runnel/jobgraph"
)

// State is the cluster state every node replicates through Raft. It is the
// desired state of the cluster: what the leader decided, not what the nodes
// last reported.
//
// The job, deployment, checkpoint and catalog tables are the homes the
// dataflow runtime, fault tolerance and SQL catalog write into; their
// commands arrive with those features.
type State struct {
	// ClusterID names the cluster for its whole life; the first leader sets
	// it once, so a restart from disk keeps it.
	ClusterID string
	// Nodes is the ResourceManager's view: every node that has been seen
	// alive, with its addresses and task slots, keyed by name.
	Nodes map[string]Node
	// Jobs are submitted jobs keyed by job id.
	Jobs map[string]Job
	// Deployments hold, per job id, the current attempt's subtask placement.
	Deployments map[string]Deployment
	// Checkpoints hold, per job id, its checkpoint id counter, the pending
	// checkpoint and the completed ones.
	Checkpoints map[string]JobCheckpoints
	// Catalog holds SQL catalog objects by qualified name as versioned opaque
	// records: the table layer encodes them, the FSM only stores them.
	Catalog map[string]CatalogEntry
}

// Node is one TaskManager as the ResourceManager knows it.
type Node struct {
	Name     string `msgpack:"name"`
	RPCAddr  string `msgpack:"rpc"`
	HTTPAddr string `msgpack:"http"`
	// GossipAddr lets any node rejoin gossip with this one, which
	// memberlist alone never does after a partition or a full restart.
	GossipAddr string `msgpack:"gossip"`
	Slots      int    `msgpack:"slots"`
	// Incarnation is new at every process start (Flink's ResourceID): a node
	// seen with a new incarnation has lost whatever tasks it ran.
	Incarnation string `msgpack:"inc"`
	Version     string `msgpack:"version"`
}

// JobStatus is a job's state, with Flink's names.
type JobStatus string

const (
	JobCreated   JobStatus = "CREATED"
	JobRunning   JobStatus = "RUNNING"
	JobFinished  JobStatus = "FINISHED"
	JobFailed    JobStatus = "FAILED"
	JobCanceling JobStatus = "CANCELING"
	JobCanceled  JobStatus = "CANCELED"
	// JobFailing: a subtask failed or a node was lost; the attempt's
	// subtasks are being stopped before a restart or the end.
	JobFailing JobStatus = "FAILING"
	// JobRestarting: the attempt has stopped; the restart strategy's
	// backoff runs before the next attempt is deployed.
	JobRestarting JobStatus = "RESTARTING"
)

// Terminal reports whether the job will never run again.
func (s JobStatus) Terminal() bool {
	return s == JobFinished || s == JobFailed || s == JobCanceled
}

// Job is a submitted job and its job-level state. Task-level state lives
// with the tasks and the JobMaster, not in Raft.
type Job struct {
	ID     string        `msgpack:"id"`
	Spec   jobgraph.Spec `msgpack:"spec"`
	Status JobStatus     `msgpack:"status"`
	// Error says why a FAILED job failed, and where.
	Error      string    `msgpack:"error,omitempty"`
	SubmitTime time.Time `msgpack:"submit"`
	StartTime  time.Time `msgpack:"start,omitempty"`
	EndTime    time.Time `msgpack:"end,omitempty"`
	// Restarts counts the job's restarts after failures.
	Restarts int `msgpack:"restarts,omitempty"`
	// FailedAt is when the failure that is being handled happened.
	FailedAt time.Time `msgpack:"failed,omitempty"`
	// Savepoint is the savepoint the job starts from, as the Dispatcher
	// read it at submission; nil for none.
	Savepoint *jobgraph.CompletedCheckpoint `msgpack:"savepoint,omitempty"`
}

// Deployment is the placement of one attempt of a job. The attempt number
// fences everything that belongs to older attempts.
type Deployment struct {
	JobID   string `msgpack:"job"`
	Attempt uint64 `msgpack:"attempt"`
	// Graph is the JobGraph's fingerprint as the JobMaster built it; an
	// executor whose build differs refuses the deployment.
	Graph    string               `msgpack:"graph"`
	Subtasks []jobgraph.Placement `msgpack:"subtasks"`
	// Checkpoints is the job's checkpointing for this attempt, its
	// storage URL resolved by the JobMaster.
	Checkpoints jobgraph.CheckpointConfig `msgpack:"checkpoints,omitempty"`
	// Restore is the checkpoint the attempt starts from; nil for none.
	Restore *jobgraph.CompletedCheckpoint `msgpack:"restore,omitempty"`
}

// JobCheckpoints is a job's checkpointing as the FSM keeps it.
type JobCheckpoints struct {
	JobID string `msgpack:"job"`
	// Counter is the last checkpoint id handed out, as Flink's
	// CheckpointIDCounter in its HA store: a new leader never reuses an
	// id of its predecessor's.
	Counter int64 `msgpack:"counter"`
	// Pending is the checkpoint under way; nil for none.
	Pending *PendingCheckpoint `msgpack:"pending,omitempty"`
	// Completed are the retained completed checkpoints, oldest first.
	Completed []jobgraph.CompletedCheckpoint `msgpack:"completed,omitempty"`
	// LastAborted is the newest checkpoint given up.
	LastAborted int64 `msgpack:"aborted,omitempty"`
	// Failed counts checkpoints given up in a row.
	Failed int `msgpack:"failed,omitempty"`
	// NumCompleted and NumFailed count the job's checkpoints ever.
	NumCompleted int64 `msgpack:"ncompleted,omitempty"`
	NumFailed    int64 `msgpack:"nfailed,omitempty"`
}

// Latest returns the newest completed checkpoint, if any.
func (c JobCheckpoints) Latest() (jobgraph.CompletedCheckpoint, bool) {
	if len(c.Completed) == 0 {
		return jobgraph.CompletedCheckpoint{}, false
	}
	return c.Completed[len(c.Completed)-1], true
}

// PendingCheckpoint is a triggered checkpoint that is not complete yet.
type PendingCheckpoint struct {
	ID        int64     `msgpack:"id"`
	Attempt   uint64    `msgpack:"attempt"`
	Triggered time.Time `msgpack:"triggered"`
	// Savepoint marks a checkpoint a user asked for.
	Savepoint bool `msgpack:"savepoint,omitempty"`
}

// CatalogEntry is one catalog object, opaque to the FSM.
type CatalogEntry struct {
	Name    string `msgpack:"name"`
	Version uint64 `msgpack:"version"`
	Data    []byte `msgpack:"data"`
}

func newState() *State {
	return &State{
		Nodes:       map[string]Node{},
		Jobs:        map[string]Job{},
		Deployments: map[string]Deployment{},
		Checkpoints: map[string]JobCheckpoints{},
		Catalog:     map[string]CatalogEntry{},
	}
}

// clone copies the tables so a snapshot or a reader can use them while
// Apply goes on changing the live state.
func (s *State) clone() *State {
	c := &State{
		ClusterID:   s.ClusterID,
		Nodes:       maps.Clone(s.Nodes),
		Jobs:        maps.Clone(s.Jobs),
		Deployments: maps.Clone(s.Deployments), // subtask slices are never modified in place
		Checkpoints: maps.Clone(s.Checkpoints), // completed slices are never modified in place
		Catalog:     maps.Clone(s.Catalog),
	}
	return c
}
