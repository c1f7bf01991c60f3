package coordinator

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeMembers is a Membership whose members the test sets.
type fakeMembers struct {
	mu      sync.Mutex
	members []Member
}

func (f *fakeMembers) Members() []Member {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Member(nil), f.members...)
}

// testRaft starts a single-voter raft on in-memory stores and transport.
func testRaft(t *testing.T, fsm *FSM, notify chan bool) *raft.Raft {
	t.Helper()
	conf := raft.DefaultConfig()
	conf.LocalID = "n1"
	conf.HeartbeatTimeout = 50 * time.Millisecond
	conf.ElectionTimeout = 50 * time.Millisecond
	conf.LeaderLeaseTimeout = 50 * time.Millisecond
	conf.NotifyCh = notify
	conf.LogOutput = io.Discard
	store := raft.NewInmemStore()
	_, trans := raft.NewInmemTransport("n1")
	r, err := raft.NewRaft(conf, fsm, store, store, raft.NewInmemSnapshotStore(), trans)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.BootstrapCluster(raft.Configuration{Servers: []raft.Server{{ID: "n1", Address: trans.LocalAddr()}}}).Error(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Shutdown().Error() })
	return r
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLeaderEstablishesAndReconciles(t *testing.T) {
	fsm := NewFSM()
	notify := make(chan bool, 4)
	r := testRaft(t, fsm, notify)
	self := Member{Node: Node{Name: "n1", RPCAddr: string(r.Leader()), HTTPAddr: "h:1", Slots: 3, Incarnation: "a"}, State: StateAlive}
	members := &fakeMembers{members: []Member{self}}
	c := New(Config{
		NodeName: "n1", MaxVoters: 5, DeadNodeReclaim: time.Minute,
		ReconcileInterval: 20 * time.Millisecond, ApplyTimeout: time.Second,
	}, r, fsm, notify, members, slog.New(slog.NewTextHandler(io.Discard, nil)))
	c.Start()
	defer c.Stop()

	waitFor(t, "cluster id and JobManager", func() bool { return fsm.ClusterID() != "" && c.JobManagerRunning() })
	waitFor(t, "node table entry", func() bool { return fsm.Nodes()["n1"] == self.Node })

	// A restarted node (new incarnation) is recorded at once.
	self.Incarnation = "b"
	members.mu.Lock()
	members.members = []Member{self}
	members.mu.Unlock()
	c.MemberChanged()
	waitFor(t, "new incarnation", func() bool { return fsm.Nodes()["n1"].Incarnation == "b" })

	id := fsm.ClusterID()
	if err := c.RemoveNode(t.Context(), "n1"); err == nil {
		t.Fatal("RemoveNode removed the leader itself")
	}
	if err := c.RemoveNode(t.Context(), "ghost"); err == nil {
		t.Fatal("RemoveNode of an unknown node succeeded")
	}
	if fsm.ClusterID() != id {
		t.Fatal("cluster id changed")
	}
}

func TestLeadershipLossStopsJobManager(t *testing.T) {
	fsm := NewFSM()
	notify := make(chan bool, 4)
	r := testRaft(t, fsm, notify)
	c := New(Config{
		NodeName: "n1", MaxVoters: 5, DeadNodeReclaim: time.Minute,
		ReconcileInterval: 20 * time.Millisecond, ApplyTimeout: time.Second,
	}, r, fsm, notify, &fakeMembers{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	c.Start()
	defer c.Stop()
	waitFor(t, "JobManager", c.JobManagerRunning)
	notify <- false
	waitFor(t, "JobManager to stop", func() bool { return !c.JobManagerRunning() })
}
