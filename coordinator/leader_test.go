package coordinator

import (
	"errors"
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

// testRaftCluster starts voters n1 and n2 and non-voter n3 on in-memory
// stores and connected transports, with n1 bootstrapped as leader.
func testRaftCluster(t *testing.T, notify chan bool) []*raft.Raft {
	t.Helper()
	names := []raft.ServerID{"n1", "n2", "n3"}
	trans := make([]*raft.InmemTransport, len(names))
	for i, id := range names {
		_, trans[i] = raft.NewInmemTransport(raft.ServerAddress(id))
	}
	for _, a := range trans {
		for _, b := range trans {
			a.Connect(b.LocalAddr(), b)
		}
	}
	rafts := make([]*raft.Raft, len(names))
	for i, id := range names {
		conf := raft.DefaultConfig()
		conf.LocalID = id
		conf.HeartbeatTimeout = 50 * time.Millisecond
		conf.ElectionTimeout = 50 * time.Millisecond
		conf.LeaderLeaseTimeout = 50 * time.Millisecond
		conf.LogOutput = io.Discard
		if i == 0 {
			conf.NotifyCh = notify
		} else {
			// Only n1 may start an election, so it leads first.
			conf.HeartbeatTimeout, conf.ElectionTimeout = time.Hour, time.Hour
		}
		store := raft.NewInmemStore()
		r, err := raft.NewRaft(conf, NewFSM(), store, store, raft.NewInmemSnapshotStore(), trans[i])
		if err != nil {
			t.Fatal(err)
		}
		rafts[i] = r
	}
	t.Cleanup(func() {
		for _, r := range rafts {
			r.Shutdown().Error()
		}
	})
	if err := rafts[0].BootstrapCluster(raft.Configuration{Servers: []raft.Server{
		{ID: "n1", Address: "n1"}, {ID: "n2", Address: "n2"}, {ID: "n3", Address: "n3", Suffrage: raft.Nonvoter},
	}}).Error(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "n1 to lead", func() bool { return rafts[0].State() == raft.Leader })
	return rafts
}

func TestTransferLeadership(t *testing.T) {
	notify := make(chan bool, 16)
	rafts := testRaftCluster(t, notify)
	members := &fakeMembers{}
	for _, name := range []string{"n1", "n2", "n3"} {
		members.members = append(members.members, Member{Node: Node{Name: name}, State: StateAlive})
	}
	c := New(Config{
		NodeName: "n1", MaxVoters: 5, DeadNodeReclaim: time.Minute,
		ReconcileInterval: time.Hour, ApplyTimeout: 2 * time.Second,
	}, rafts[0], NewFSM(), notify, members, slog.New(slog.NewTextHandler(io.Discard, nil)))

	refused := []struct {
		to   string
		want error
	}{
		{"ghost", ErrUnknownNode},
		{"n3", ErrNotVoter},
	}
	for _, tc := range refused {
		if _, err := c.TransferLeadership(t.Context(), tc.to); !errors.Is(err, tc.want) {
			t.Errorf("transfer to %s: %v, want %v", tc.to, err, tc.want)
		}
	}
	members.mu.Lock()
	members.members[1].State = StateDead
	members.mu.Unlock()
	if _, err := c.TransferLeadership(t.Context(), "n2"); !errors.Is(err, ErrNodeDown) {
		t.Errorf("transfer to a dead voter: %v, want %v", err, ErrNodeDown)
	}
	if _, err := c.TransferLeadership(t.Context(), ""); !errors.Is(err, ErrNoCandidate) {
		t.Errorf("transfer with no alive voter: %v, want %v", err, ErrNoCandidate)
	}
	if got, err := c.TransferLeadership(t.Context(), "n1"); err != nil || got != "n1" {
		t.Errorf("transfer to the leader itself: %q, %v; want no change", got, err)
	}
	if rafts[0].State() != raft.Leader {
		t.Fatal("a refused transfer moved the leadership")
	}

	members.mu.Lock()
	members.members[1].State = StateAlive
	members.mu.Unlock()
	got, err := c.TransferLeadership(t.Context(), "")
	if err != nil || got != "n2" {
		t.Fatalf("transfer: leader %q, %v; want n2", got, err)
	}
	if rafts[1].State() != raft.Leader {
		t.Fatalf("n2 is %s, want leader", rafts[1].State())
	}
	if _, err := c.TransferLeadership(t.Context(), "n2"); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("transfer on a follower: %v, want %v", err, ErrNotLeader)
	}
}
