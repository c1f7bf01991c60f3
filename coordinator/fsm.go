package coordinator

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/hashicorp/raft"
	"github.com/vmihailenco/msgpack/v5"
)

// FSM applies committed Raft log entries to the cluster State. Every node
// runs one; readers get consistent copies through its accessor methods.
type FSM struct {
	mu    sync.RWMutex
	state *State
}

// NewFSM returns an FSM holding an empty State.
func NewFSM() *FSM {
	return &FSM{state: newState()}
}

// Apply applies one committed entry. It returns an error value for a command
// that is well formed but refused (the caller of raftApply sees it), and
// panics on an entry it cannot decode: a replica that cannot apply the log
// must stop rather than diverge from the others.
func (f *FSM) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	t, body, err := decodeHeader(l.Data)
	if err != nil {
		panic(fmt.Sprintf("raft log index %d: %v", l.Index, err))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch t {
	case SetClusterIDType:
		return f.applySetClusterID(body, l.Index)
	case UpsertNodeType:
		return f.applyUpsertNode(body, l.Index)
	case DeleteNodeType:
		return f.applyDeleteNode(body, l.Index)
	}
	panic(fmt.Sprintf("raft log index %d: unknown message type %d", l.Index, uint8(t)))
}

func decodeBody(body []byte, index uint64, t MessageType, v any) {
	if err := msgpack.Unmarshal(body, v); err != nil {
		panic(fmt.Sprintf("raft log index %d: decode %s: %v", index, t, err))
	}
}

func (f *FSM) applySetClusterID(body []byte, index uint64) any {
	var req SetClusterIDRequest
	decodeBody(body, index, SetClusterIDType, &req)
	if f.state.ClusterID == "" {
		f.state.ClusterID = req.ID
	}
	return f.state.ClusterID
}

func (f *FSM) applyUpsertNode(body []byte, index uint64) any {
	var req UpsertNodeRequest
	decodeBody(body, index, UpsertNodeType, &req)
	if req.Node.Name == "" {
		return errors.New("upsert node: empty name")
	}
	f.state.Nodes[req.Node.Name] = req.Node
	return nil
}

func (f *FSM) applyDeleteNode(body []byte, index uint64) any {
	var req DeleteNodeRequest
	decodeBody(body, index, DeleteNodeType, &req)
	delete(f.state.Nodes, req.Name)
	return nil
}

// ClusterID returns the cluster's id, empty until the first leader set it.
func (f *FSM) ClusterID() string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.ClusterID
}

// Nodes returns a copy of the node table.
func (f *FSM) Nodes() map[string]Node {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.clone().Nodes
}

// State returns a copy of the whole state.
func (f *FSM) State() *State {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.clone()
}

// Snapshot copies the state under the lock; Persist then writes the copy
// while Apply goes on.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	return &snapshot{state: f.State()}, nil
}

// Restore replaces the state with a snapshot's.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	s, err := readSnapshot(bufio.NewReader(rc))
	if err != nil {
		return fmt.Errorf("restore snapshot: %w", err)
	}
	f.mu.Lock()
	f.state = s
	f.mu.Unlock()
	return nil
}
