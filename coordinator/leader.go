package coordinator

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// monitorLeadership turns Raft's leadership notifications into the start
// and stop of leaderLoop. A notification of "lost" followed at once by
// "gained" ends the old loop before starting a new one, so leader duties
// never run twice.
func (c *Coordinator) monitorLeadership() {
	var (
		loopStop chan struct{}
		loopWG   sync.WaitGroup
	)
	stopLoop := func() {
		if loopStop != nil {
			close(loopStop)
			loopWG.Wait()
			loopStop = nil
		}
	}
	defer stopLoop()
	for {
		select {
		case isLeader := <-c.notify:
			stopLoop()
			if isLeader {
				loopStop = make(chan struct{})
				loopWG.Add(1)
				go func(stop chan struct{}) {
					defer loopWG.Done()
					c.leaderLoop(stop)
				}(loopStop)
			}
		case <-c.stop:
			return
		}
	}
}

// leaderLoop runs while this node leads: it catches the FSM up, establishes
// leadership, then reconciles membership on every gossip change and on an
// interval, until stop is closed.
func (c *Coordinator) leaderLoop(stop chan struct{}) {
	c.log.Info("gained leadership")
	defer c.log.Info("lost leadership")

	retry := time.NewTimer(0)
	defer retry.Stop()
	established := false
	defer func() {
		if established {
			c.revokeLeadership()
		}
	}()
	for {
		select {
		case <-stop:
			return
		case <-retry.C:
		case <-c.kick:
		}
		if !established {
			if err := c.establishLeadership(); err != nil {
				c.log.Error("establish leadership", "err", err)
				retry.Reset(c.cfg.ReconcileInterval)
				continue
			}
			established = true
		}
		if err := c.reconcile(); err != nil {
			c.log.Warn("reconcile membership", "err", err)
		}
		retry.Reset(c.cfg.ReconcileInterval)
	}
}

// establishLeadership waits until the FSM reflects every committed entry,
// then makes sure the cluster has an id and starts the JobManager.
func (c *Coordinator) establishLeadership() error {
	if err := c.raft.Barrier(c.cfg.ApplyTimeout).Error(); err != nil {
		return fmt.Errorf("barrier: %w", err)
	}
	if c.fsm.ClusterID() == "" {
		id, err := newClusterID()
		if err != nil {
			return err
		}
		got, err := c.raftApply(SetClusterIDType, SetClusterIDRequest{ID: id})
		if err != nil {
			return err
		}
		c.log.Info("cluster created", "cluster_id", got)
	}
	c.plan = newMembershipPlan(c.cfg.NodeName, c.cfg.MaxVoters, c.cfg.DeadNodeReclaim)
	jm := newJobManager(c)
	jm.start()
	c.mu.Lock()
	c.jm = jm
	c.mu.Unlock()
	return nil
}

// revokeLeadership stops the JobManager. Running tasks are the executor's
// and keep running: a leader change alone restarts nothing.
func (c *Coordinator) revokeLeadership() {
	c.mu.Lock()
	jm := c.jm
	c.jm = nil
	c.mu.Unlock()
	if jm != nil {
		jm.stop()
	}
}

// reconcile brings Raft's configuration and the node table in line with
// gossip.
func (c *Coordinator) reconcile() error {
	if c.raft.State() != raft.Leader {
		return nil
	}
	servers, err := c.servers()
	if err != nil {
		return err
	}
	members := c.members.Members()
	if err := c.reconcileRaft(servers, members); err != nil {
		return err
	}
	c.mu.Lock()
	jm := c.jm
	c.mu.Unlock()
	if jm != nil {
		return jm.resources.reconcile(members)
	}
	return nil
}

// TransferLeadership hands leadership to the voter named to, or with to
// empty to another alive voter (Consul's and Nomad's operator command), so
// an operator can move the JobManager off a node before maintenance or onto
// a dedicated coordinator. It returns the new leader's name once this node
// has stepped down, or empty if no new leader was heard of in time. Asking
// the leader to take leadership from itself changes nothing. The whole call
// is bounded by the apply timeout, as a forwarding follower waits for it.
func (c *Coordinator) TransferLeadership(ctx context.Context, to string) (string, error) {
	if c.raft.State() != raft.Leader {
		return "", ErrNotLeader
	}
	if to == c.cfg.NodeName {
		return to, nil
	}
	target, err := c.transferTarget(to)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ApplyTimeout)
	defer cancel()
	c.log.Info("transferring leadership", "to", target.ID)
	if err := waitFuture(ctx, c.raft.LeadershipTransferToServer(target.ID, target.Address)); err != nil {
		if errors.Is(err, raft.ErrNotLeader) {
			return "", ErrNotLeader
		}
		return "", fmt.Errorf("transfer leadership to %s: %w", target.ID, err)
	}
	leader := c.awaitOtherLeader(ctx)
	c.log.Info("leadership transferred", "to", target.ID, "leader", leader)
	return leader, nil
}

// transferTarget picks the server to hand leadership to: the named one if
// it can lead (a voter gossip sees alive, since Raft would only time out
// on a dead one), else the first such voter by name. Raft's own pick, the
// most caught-up voter, may be a voter that just died.
func (c *Coordinator) transferTarget(to string) (raft.Server, error) {
	servers, err := c.servers()
	if err != nil {
		return raft.Server{}, err
	}
	alive := map[string]bool{}
	known := false
	for _, m := range c.members.Members() {
		alive[m.Name] = m.State == StateAlive
		known = known || m.Name == to
	}
	if to != "" {
		s, ok := findServer(servers, to)
		_, inTable := c.fsm.Nodes()[to]
		switch {
		case !ok && !known && !inTable:
			return raft.Server{}, fmt.Errorf("transfer leadership to %s: %w", to, ErrUnknownNode)
		case !ok:
			return raft.Server{}, fmt.Errorf("transfer leadership to %s: %w (it is not in the Raft configuration)", to, ErrNotVoter)
		case s.Suffrage != raft.Voter:
			return raft.Server{}, fmt.Errorf("transfer leadership to %s: %w (it is a non-voter; only voters lead)", to, ErrNotVoter)
		case !alive[to]:
			return raft.Server{}, fmt.Errorf("transfer leadership to %s: %w", to, ErrNodeDown)
		}
		return s, nil
	}
	var candidates []raft.Server
	for _, s := range servers {
		if s.Suffrage == raft.Voter && string(s.ID) != c.cfg.NodeName && alive[string(s.ID)] {
			candidates = append(candidates, s)
		}
	}
	if len(candidates) == 0 {
		return raft.Server{}, fmt.Errorf("transfer leadership: %w", ErrNoCandidate)
	}
	return slices.MinFunc(candidates, func(a, b raft.Server) int { return cmp.Compare(a.ID, b.ID) }), nil
}

// waitFuture waits for a Raft future until ctx ends. Raft bounds a
// leadership transfer by its election timeout only once the target has
// caught up; the catching up and the target's RPC are unbounded.
func waitFuture(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("waiting for raft: %w", ctx.Err())
	}
}

// awaitOtherLeader waits until this node hears from a leader other than
// itself and returns its name, or empty if ctx ends first.
func (c *Coordinator) awaitOtherLeader(ctx context.Context) string {
	for {
		if _, id := c.raft.LeaderWithID(); id != "" && string(id) != c.cfg.NodeName {
			return string(id)
		}
		select {
		case <-ctx.Done():
			return ""
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func newClusterID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("cluster id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
