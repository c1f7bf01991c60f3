package coordinator

import (
	"fmt"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/runnel/runnel/jobgraph"
)

// MessageType says which command a Raft log entry holds. Values are stored in
// the log forever: add new types at the end and never reuse a number.
type MessageType uint8

const (
	SetClusterIDType MessageType = iota
	UpsertNodeType
	DeleteNodeType
	SubmitJobType
	DeployJobType
	UpdateJobStatusType
	TriggerCheckpointType
	CompleteCheckpointType
	AbortCheckpointType
	PutCatalogEntryType
	DeleteCatalogEntryType
)

func (t MessageType) String() string {
	switch t {
	case SetClusterIDType:
		return "SetClusterID"
	case UpsertNodeType:
		return "UpsertNode"
	case DeleteNodeType:
		return "DeleteNode"
	case SubmitJobType:
		return "SubmitJob"
	case DeployJobType:
		return "DeployJob"
	case UpdateJobStatusType:
		return "UpdateJobStatus"
	case TriggerCheckpointType:
		return "TriggerCheckpoint"
	case CompleteCheckpointType:
		return "CompleteCheckpoint"
	case AbortCheckpointType:
		return "AbortCheckpoint"
	case PutCatalogEntryType:
		return "PutCatalogEntry"
	case DeleteCatalogEntryType:
		return "DeleteCatalogEntry"
	}
	return fmt.Sprintf("MessageType(%d)", uint8(t))
}

// commandVersion is the first byte of every log entry. A node that reads a
// version it does not know was started with an older binary than the
// leader's and must not guess at the entry's meaning.
const commandVersion = 1

// SetClusterIDRequest names the cluster. Applied only while no id is set.
type SetClusterIDRequest struct {
	ID string `msgpack:"id"`
}

// UpsertNodeRequest records a node's addresses and slots.
type UpsertNodeRequest struct {
	Node Node `msgpack:"node"`
}

// DeleteNodeRequest forgets a node that was removed from the cluster.
type DeleteNodeRequest struct {
	Name string `msgpack:"name"`
}

// Encode frames a command for the Raft log: version byte, type byte, then
// the msgpack body.
func Encode(t MessageType, msg any) ([]byte, error) {
	body, err := msgpack.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", t, err)
	}
	return append([]byte{commandVersion, byte(t)}, body...), nil
}

// decodeHeader splits a log entry into its type and body.
func decodeHeader(buf []byte) (MessageType, []byte, error) {
	if len(buf) < 2 {
		return 0, nil, fmt.Errorf("log entry of %d bytes is too short", len(buf))
	}
	if buf[0] != commandVersion {
		return 0, nil, fmt.Errorf("log entry version %d: this binary knows version %d", buf[0], commandVersion)
	}
	return MessageType(buf[1]), buf[2:], nil
}

// SubmitJobRequest records a new job in CREATED.
type SubmitJobRequest struct {
	Job Job `msgpack:"job"`
}

// DeployJobRequest records a job's new deployment attempt and moves it to
// RUNNING. Refused unless the attempt is newer than the current one and
// the job is not terminal.
type DeployJobRequest struct {
	Deployment Deployment `msgpack:"deployment"`
	StartTime  time.Time  `msgpack:"start"`
}

// UpdateJobStatusRequest moves a job to a new status. Refused for a job
// that is already terminal or no longer in the From status.
type UpdateJobStatusRequest struct {
	JobID string `msgpack:"job"`
	// From is the status the writer saw; the write is refused if the job
	// has moved on since (a cancel racing a deployment or a failure).
	From   JobStatus `msgpack:"from"`
	Status JobStatus `msgpack:"status"`
	Error  string    `msgpack:"error,omitempty"`
	Time   time.Time `msgpack:"time"`
}

// TriggerCheckpointRequest starts a checkpoint of the job's current
// attempt; the FSM hands out its id from the job's counter, and the
// sources' executors inject its barrier. Refused while another is pending,
// or unless the job runs that attempt.
type TriggerCheckpointRequest struct {
	JobID     string    `msgpack:"job"`
	Attempt   uint64    `msgpack:"attempt"`
	Time      time.Time `msgpack:"time"`
	Savepoint bool      `msgpack:"savepoint,omitempty"`
}

// CompleteCheckpointRequest records a checkpoint every subtask
// acknowledged; the oldest beyond Retained are dropped, and the apply
// returns them so that the leader deletes their files.
type CompleteCheckpointRequest struct {
	Checkpoint jobgraph.CompletedCheckpoint `msgpack:"checkpoint"`
	Retained   int                          `msgpack:"retained"`
}

// AbortCheckpointRequest gives up a pending checkpoint.
type AbortCheckpointRequest struct {
	JobID  string `msgpack:"job"`
	ID     int64  `msgpack:"id"`
	Reason string `msgpack:"reason"`
}
