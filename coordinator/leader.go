package coordinator

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
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

func newClusterID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("cluster id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
