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
}

// TaskReport is what a node tells the JobMaster about one subtask it runs:
// its state and counters. Reports repeat, so a JobMaster on a new leader
// learns the state of every task within one report interval.
type TaskReport struct {
	JobID   string         `msgpack:"job"`
	Attempt uint64         `msgpack:"attempt"`
	Task    int            `msgpack:"task"`
	Index   int            `msgpack:"index"`
	Node    string         `msgpack:"node"`
	State   ExecutionState `msgpack:"state"`
	// Error is the failure of a FAILED subtask, naming the operator.
	Error      string `msgpack:"error,omitempty"`
	RecordsIn  uint64 `msgpack:"rin"`
	RecordsOut uint64 `msgpack:"rout"`
	BytesIn    uint64 `msgpack:"bin"`
	BytesOut   uint64 `msgpack:"bout"`
	// Backpressure is the share of time, 0 to 1, the subtask's outputs
	// waited for credit since it started.
	Backpressure float64 `msgpack:"bp"`
}
