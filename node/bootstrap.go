package node

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/raft"

	"github.com/runnel/runnel/coordinator"
)

// errNotEnoughServers means bootstrap must wait for more nodes.
var errNotEnoughServers = errors.New("waiting for more nodes")

// bootstrapServers decides, from the gossip view, the Raft configuration a
// new cluster starts with, the way Consul's bootstrap_expect does: once
// expect alive nodes announce the same expect value, all of them (sorted,
// so every node computes the same list) become the first voters. Nodes
// that announce no expect value wait to be added by the leader; a
// disagreeing value is an operator error that blocks bootstrap.
func bootstrapServers(expect int, peers []peer) ([]raft.Server, error) {
	var servers []raft.Server
	for _, p := range peers {
		if p.State != coordinator.StateAlive || p.BootstrapExpect == 0 {
			continue
		}
		if p.BootstrapExpect != expect {
			return nil, fmt.Errorf("node %s expects %d nodes, this node %d: give every node the same --bootstrap-expect", p.Name, p.BootstrapExpect, expect)
		}
		servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(p.Name), Address: raft.ServerAddress(p.RPC)})
	}
	if len(servers) < expect {
		return nil, fmt.Errorf("%w: %d of %d", errNotEnoughServers, len(servers), expect)
	}
	slices.SortFunc(servers, func(a, b raft.Server) int { return cmp.Compare(a.ID, b.ID) })
	return servers, nil
}

// bootstrapLoop runs until this node has bootstrapped, learned that the
// others already form a cluster, or stop is closed. It reruns on every
// gossip change (kick) and every second.
func (n *Node) bootstrapLoop(kick <-chan struct{}, stop <-chan struct{}) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		done, err := n.tryBootstrap()
		if done {
			return
		}
		if err != nil && !errors.Is(err, errNotEnoughServers) {
			n.log.Warn("bootstrap", "err", err)
		}
		select {
		case <-stop:
			return
		case <-kick:
		case <-tick.C:
		}
	}
}

// tryBootstrap bootstraps when bootstrapServers allows it and no chosen
// node is already part of a cluster; such a node's leader adds this one.
func (n *Node) tryBootstrap() (done bool, err error) {
	servers, err := bootstrapServers(n.cfg.BootstrapExpect, n.gossip.peers())
	if err != nil {
		return false, err
	}
	for _, s := range servers {
		if string(s.ID) == n.cfg.Name {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var resp raftStatusResponse
		err := n.peers.Call(ctx, string(s.Address), methodRaftStatus, struct{}{}, &resp)
		cancel()
		if err != nil {
			return false, fmt.Errorf("ask %s whether it is in a cluster: %w", s.ID, err)
		}
		if resp.HasState {
			n.log.Info("not bootstrapping: a cluster exists; waiting to be added", "member", s.ID)
			return true, nil
		}
	}
	if err := n.raft.BootstrapCluster(raft.Configuration{Servers: servers}).Error(); err != nil {
		if errors.Is(err, raft.ErrCantBootstrap) {
			return true, nil
		}
		return false, fmt.Errorf("bootstrap raft: %w", err)
	}
	n.log.Info("bootstrapped a new cluster", "servers", len(servers))
	return true, nil
}
