package coordinator

import (
	"bytes"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"

	"github.com/hashicorp/raft"
)

func makeLog(t *testing.T, mt MessageType, msg any) *raft.Log {
	t.Helper()
	buf, err := Encode(mt, msg)
	if err != nil {
		t.Fatal(err)
	}
	return &raft.Log{Index: 1, Term: 1, Type: raft.LogCommand, Data: buf}
}

func TestApplySetClusterIDOnlyOnce(t *testing.T) {
	f := NewFSM()
	if got := f.Apply(makeLog(t, SetClusterIDType, SetClusterIDRequest{ID: "a"})); got != "a" {
		t.Fatalf("first SetClusterID returned %v", got)
	}
	if got := f.Apply(makeLog(t, SetClusterIDType, SetClusterIDRequest{ID: "b"})); got != "a" {
		t.Fatalf("second SetClusterID returned %v; want the first id kept", got)
	}
	if f.ClusterID() != "a" {
		t.Fatalf("ClusterID = %q", f.ClusterID())
	}
}

func TestApplyUpsertAndDeleteNode(t *testing.T) {
	f := NewFSM()
	n := Node{Name: "n1", RPCAddr: "127.0.0.1:6123", HTTPAddr: "127.0.0.1:8081", Slots: 4, Incarnation: "i1", Version: "v"}
	if err := f.Apply(makeLog(t, UpsertNodeType, UpsertNodeRequest{Node: n})); err != nil {
		t.Fatal(err)
	}
	n.Slots = 2
	f.Apply(makeLog(t, UpsertNodeType, UpsertNodeRequest{Node: n}))
	if got := f.Nodes()["n1"]; got != n {
		t.Fatalf("node = %+v; want %+v", got, n)
	}
	if err, ok := f.Apply(makeLog(t, UpsertNodeType, UpsertNodeRequest{})).(error); !ok || err == nil {
		t.Fatal("upsert of a nameless node: want an error value")
	}
	f.Apply(makeLog(t, DeleteNodeType, DeleteNodeRequest{Name: "n1"}))
	if len(f.Nodes()) != 0 {
		t.Fatalf("nodes after delete: %v", f.Nodes())
	}
}

func TestApplyPanicsOnUndecodableEntries(t *testing.T) {
	cases := []struct {
		name string
		data []byte
	}{
		{"short", []byte{commandVersion}},
		{"unknown version", []byte{99, byte(SetClusterIDType), 0xc0}},
		{"unknown type", []byte{commandVersion, 250, 0xc0}},
		{"bad body", []byte{commandVersion, byte(UpsertNodeType), 0xc1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("Apply did not panic")
				}
			}()
			NewFSM().Apply(&raft.Log{Index: 7, Type: raft.LogCommand, Data: tc.data})
		})
	}
}

// memSink is a raft.SnapshotSink in memory.
type memSink struct {
	bytes.Buffer
	canceled bool
}

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Cancel() error { s.canceled = true; return nil }
func (s *memSink) Close() error  { return nil }

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	f := NewFSM()
	f.state = &State{
		ClusterID: "c1",
		Nodes: map[string]Node{
			"n1": {Name: "n1", RPCAddr: "a:1", HTTPAddr: "a:2", Slots: 2, Incarnation: "x", Version: "v1"},
			"n2": {Name: "n2", Slots: 0},
		},
		Jobs:        map[string]Job{"j1": {ID: "j1", Spec: jobgraph.Spec{Job: "wordcount", Args: map[string]string{"a": "b"}, Parallelism: 2}, Status: JobRunning, SubmitTime: time.Unix(5, 0)}},
		Deployments: map[string]Deployment{"j1": {JobID: "j1", Attempt: 3, Subtasks: []jobgraph.Placement{{Task: 1, Index: 0, Node: "n1", Slot: 1}}}},
		Checkpoints: map[string]JobCheckpoints{"j1": {
			JobID: "j1", Counter: 6, LastAborted: 3,
			Pending: &PendingCheckpoint{ID: 6, Attempt: 3, Triggered: time.Unix(9, 0)},
			Completed: []jobgraph.CompletedCheckpoint{
				{ID: 4, JobID: "j1", Attempt: 3, Storage: "file:///c", Triggered: time.Unix(7, 0), Completed: time.Unix(8, 0)},
				{ID: 5, JobID: "j1", Attempt: 3, Storage: "file:///c", Tasks: []jobgraph.CheckpointTask{
					{Task: 1, Parallelism: 1, MaxParallelism: 128, Operators: []string{"Map#0"}, Subtasks: []jobgraph.CheckpointSubtask{{Index: 0, Bytes: 10}}},
				}},
			},
		}},
		Catalog: map[string]CatalogEntry{"default.t": {Name: "default.t", Version: 1, Data: []byte{1, 2}}},
	}
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	snap.Release()

	g := NewFSM()
	if err := g.Restore(io.NopCloser(&sink.Buffer)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.State(), f.State()) {
		t.Fatalf("restored state\n%+v\nwant\n%+v", g.State(), f.State())
	}
}

func TestRestoreRejectsUnknownRecord(t *testing.T) {
	g := NewFSM()
	if err := g.Restore(io.NopCloser(bytes.NewReader([]byte{200, 0xc0}))); err == nil {
		t.Fatal("Restore accepted an unknown record type")
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	f := NewFSM()
	f.Apply(makeLog(t, UpsertNodeType, UpsertNodeRequest{Node: Node{Name: "n1"}}))
	snap, _ := f.Snapshot()
	f.Apply(makeLog(t, UpsertNodeType, UpsertNodeRequest{Node: Node{Name: "n2"}}))
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	g := NewFSM()
	if err := g.Restore(io.NopCloser(&sink.Buffer)); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Nodes()["n2"]; ok {
		t.Fatal("snapshot saw a node applied after it was taken")
	}
}
