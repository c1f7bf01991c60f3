package jobgraph

// ExecutionState is a subtask's state, with Flink's names.
type ExecutionState string

const (
	Deploying ExecutionState = "DEPLOYING"
	Running   ExecutionState = "RUNNING"
	Finished  ExecutionState = "FINISHED"
	Canceling ExecutionState = "CANCELING"
	Canceled  ExecutionState = "CANCELED"
	Failed    ExecutionState = "FAILED"
)

// Terminal reports whether a subtask in this state will do nothing more.
func (s ExecutionState) Terminal() bool {
	return s == Finished || s == Canceled || s == Failed
}

// Placement puts one subtask of a chained task into a slot of a node.
type Placement struct {
	Task  int    `msgpack:"task"`
	Index int    `msgpack:"index"`
	Node  string `msgpack:"node"`
	Slot  int    `msgpack:"slot"`
	// Incarnation is the node process the subtask was placed on: a node
	// restarted since has lost the subtask and must not run it again.
	Incarnation string `msgpack:"inc"`
}

// TaskReport is what a node tells the JobMaster about one subtask it runs:
// its state and counters. Reports repeat, so a JobMaster on a new leader
// learns the state of every task within one report interval.
type TaskReport struct {
	JobID   string `msgpack:"job"`
	Attempt uint64 `msgpack:"attempt"`
	Task    int    `msgpack:"task"`
	Index   int    `msgpack:"index"`
	Node    string `msgpack:"node"`
	// Incarnation is the reporting node process's; reports from another
	// process than the placement's are fenced off.
	Incarnation string         `msgpack:"inc"`
	State       ExecutionState `msgpack:"state"`
	// Error is the failure of a FAILED subtask, naming the operator.
	Error string `msgpack:"error,omitempty"`
	// Secondary marks a failure that follows from another one elsewhere:
	// a data channel to another subtask broke. The JobMaster looks for
	// the root cause before it reports such a failure as the job's.
	Secondary bool `msgpack:"secondary,omitempty"`
	// Watermark is the subtask's current input watermark (math.MinInt64
	// before the first).
	Watermark  int64  `msgpack:"wm"`
	RecordsIn  uint64 `msgpack:"rin"`
	RecordsOut uint64 `msgpack:"rout"`
	BytesIn    uint64 `msgpack:"bin"`
	BytesOut   uint64 `msgpack:"bout"`
	// LateRecordsDropped counts records windows dropped as too late.
	LateRecordsDropped uint64 `msgpack:"late,omitempty"`
	// Backpressure is the share of time, 0 to 1, the subtask's outputs
	// waited for credit since it started.
	Backpressure float64 `msgpack:"bp"`
	// EndOfData marks a source subtask whose input ended and that waits
	// for a final checkpoint before it finishes.
	EndOfData bool `msgpack:"eod,omitempty"`
}
