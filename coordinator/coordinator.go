// Package coordinator holds the cluster's Raft FSM and the JobManager: the
// roles that run on the Raft leader only (ResourceManager now; Dispatcher,
// JobMasters and the checkpoint coordinator as the runtime grows).
//
// Every node runs a Coordinator. It watches Raft leadership; on gaining it,
// it waits until the FSM has applied everything committed (a Raft barrier),
// then starts the leader duties; on losing it, it stops them and touches no
// task. Writes go through Raft only while leader: other nodes forward them.
package coordinator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/runnel/runnel/operator"
)

// Sentinel errors callers map to their own responses.
var (
	// ErrNotLeader means the write must go to the leader.
	ErrNotLeader = errors.New("not the leader")
	// ErrUnknownNode means no node of that name is in the cluster.
	ErrUnknownNode = errors.New("unknown node")
	// ErrNodeAlive means the node is alive and cannot be removed.
	ErrNodeAlive = errors.New("node is alive")
	// ErrUnknownJob means no job has that id.
	ErrUnknownJob = errors.New("unknown job")
	// ErrNotVoter means the node cannot lead because it does not vote.
	ErrNotVoter = errors.New("not a voter")
	// ErrNodeDown means the node is not alive, so it cannot take over.
	ErrNodeDown = errors.New("node is not alive")
	// ErrNoCandidate means no other alive voter could take leadership.
	ErrNoCandidate = errors.New("no other alive voter to take over")
)

// Config tunes the leader's duties.
type Config struct {
	// NodeName is this node's name, which is also its Raft server id.
	NodeName string
	// MaxVoters caps the Raft voters; joined nodes past the cap become
	// non-voters, which replicate the FSM but do not vote. Odd numbers are
	// best: 4 voters tolerate no more failures than 3.
	MaxVoters int
	// DeadNodeReclaim is how long a node must be failed or gone before the
	// leader removes it from Raft and from the node table.
	DeadNodeReclaim time.Duration
	// ReconcileInterval is how often the leader compares gossip with Raft
	// even without a membership event.
	ReconcileInterval time.Duration
	// ApplyTimeout bounds one Raft write.
	ApplyTimeout time.Duration
	// SlotRequestTimeout is how long a job waits for enough free slots
	// before it fails (Flink's slot.request.timeout).
	SlotRequestTimeout time.Duration
	// CancelTimeout is how long a canceling job waits for its subtasks to
	// report that they stopped before it is marked CANCELED anyway.
	CancelTimeout time.Duration
	// Builder rebuilds a job's graph from its spec.
	Builder operator.Builder
	// CheckpointStorage is the checkpoint storage URL of jobs that set
	// none.
	CheckpointStorage string
}

// Membership is the gossip view of the cluster that the leader reconciles
// Raft and the node table against.
type Membership interface {
	// Members returns every node gossip knows of, in any state.
	Members() []Member
}

// MemberState is a node's state as gossip sees it.
type MemberState uint8

// There is no "suspect": memberlist keeps suspicion to itself, so a
// suspected node shows as alive until it is declared dead.
const (
	StateAlive MemberState = iota
	StateDead
	StateLeft
)

func (s MemberState) String() string {
	switch s {
	case StateAlive:
		return "alive"
	case StateDead:
		return "dead"
	case StateLeft:
		return "left"
	}
	return fmt.Sprintf("MemberState(%d)", uint8(s))
}

// Member is one node as gossip knows it.
type Member struct {
	Node
	State MemberState
}

// Coordinator runs the leader duties while this node leads.
type Coordinator struct {
	cfg     Config
	raft    *raft.Raft
	fsm     *FSM
	members Membership
	log     *slog.Logger
	notify  <-chan bool

	kick chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup

	// plan is used by the leader loop only.
	plan *membershipPlan

	mu sync.Mutex
	jm *JobManager // non-nil while the leader duties run
}

// New returns a Coordinator. notify must be the channel set as Raft's
// Config.NotifyCh: it reports every leadership change, unlike LeaderCh which
// may drop one.
func New(cfg Config, r *raft.Raft, fsm *FSM, notify <-chan bool, members Membership, logger *slog.Logger) *Coordinator {
	return &Coordinator{
		cfg:     cfg,
		raft:    r,
		fsm:     fsm,
		members: members,
		log:     logger.With("component", "coordinator"),
		notify:  notify,
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
}

// Start begins watching leadership.
func (c *Coordinator) Start() {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.monitorLeadership()
	}()
}

// Stop ends the leader duties, if running, and the watch.
func (c *Coordinator) Stop() {
	close(c.stop)
	c.wg.Wait()
}

// MemberChanged tells the leader that gossip saw a change, so it reconciles
// now rather than at the next interval. It never blocks.
func (c *Coordinator) MemberChanged() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// JobManagerRunning reports whether this node currently runs the JobManager.
func (c *Coordinator) JobManagerRunning() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.jm != nil
}

// raftApply writes one command through Raft and returns what the FSM's
// apply returned, or the error it returned as a value.
func (c *Coordinator) raftApply(t MessageType, msg any) (any, error) {
	buf, err := Encode(t, msg)
	if err != nil {
		return nil, err
	}
	f := c.raft.Apply(buf, c.cfg.ApplyTimeout)
	if err := f.Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
			return nil, fmt.Errorf("apply %s: %w", t, ErrNotLeader)
		}
		return nil, fmt.Errorf("apply %s: %w", t, err)
	}
	if err, ok := f.Response().(error); ok {
		return nil, fmt.Errorf("apply %s: %w", t, err)
	}
	return f.Response(), nil
}

// RemoveNode removes a failed or departed node from Raft and the node table
// (the operator's `cluster remove`). It refuses alive nodes: they would be
// added back at the next reconcile, and removing a working voter only
// weakens the cluster.
func (c *Coordinator) RemoveNode(ctx context.Context, name string) error {
	if c.raft.State() != raft.Leader {
		return ErrNotLeader
	}
	if name == c.cfg.NodeName {
		return fmt.Errorf("remove %s: %w (it is the leader)", name, ErrNodeAlive)
	}
	for _, m := range c.members.Members() {
		if m.Name == name && m.State == StateAlive {
			return fmt.Errorf("remove %s: %w (stop it first)", name, ErrNodeAlive)
		}
	}
	servers, err := c.servers()
	if err != nil {
		return err
	}
	_, inRaft := findServer(servers, name)
	_, inTable := c.fsm.Nodes()[name]
	if !inRaft && !inTable {
		return fmt.Errorf("remove %s: %w", name, ErrUnknownNode)
	}
	if inRaft {
		if err := c.removeServer(name); err != nil {
			return err
		}
	}
	if inTable {
		if _, err := c.raftApply(DeleteNodeType, DeleteNodeRequest{Name: name}); err != nil {
			return fmt.Errorf("remove %s: %w", name, err)
		}
	}
	c.log.Info("removed node", "node", name)
	return ctx.Err()
}

func (c *Coordinator) servers() ([]raft.Server, error) {
	f := c.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("raft configuration: %w", err)
	}
	return f.Configuration().Servers, nil
}

func (c *Coordinator) removeServer(name string) error {
	if err := c.raft.RemoveServer(raft.ServerID(name), 0, c.cfg.ApplyTimeout).Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) {
			return ErrNotLeader
		}
		return fmt.Errorf("remove %s from raft: %w", name, err)
	}
	return nil
}

func findServer(servers []raft.Server, name string) (raft.Server, bool) {
	for _, s := range servers {
		if string(s.ID) == name {
			return s, true
		}
	}
	return raft.Server{}, false
}
