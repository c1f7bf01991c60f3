package node

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/hashicorp/raft"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/store"
	"github.com/runnel/runnel/transport"
)

// raftTransportTimeout bounds one Raft RPC on the wire (snapshots get more,
// scaled by size by raft itself).
const raftTransportTimeout = 5 * time.Second

// raftConfig tunes raft for fast failover. With the defaults (heartbeat and
// election 500 ms, lease 250 ms) a follower notices a dead leader after 0.5
// to 1 s and the election takes a round trip plus, on a split vote, another
// 0.5 to 1 s: about a second on a LAN, against Raft's own defaults of 1 s
// each, which give 2 to 3 s. The price is a spurious election when a
// leader stalls longer than the heartbeat timeout (a long GC pause, a
// saturated disk or network); raise the three timeouts together there.
func raftConfig(cfg Config, notify chan bool, logger *slog.Logger) *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.Name)
	rc.HeartbeatTimeout = cfg.RaftHeartbeatTimeout
	rc.ElectionTimeout = cfg.RaftElectionTimeout
	rc.LeaderLeaseTimeout = cfg.RaftLeaseTimeout
	rc.NotifyCh = notify
	rc.Logger = newHCLogger(logger, "raft")
	return rc
}

func setupRaft(cfg Config, fsm *coordinator.FSM, stores *store.Raft, layer *transport.RaftLayer, notify chan bool, logger *slog.Logger) (*raft.Raft, *raft.NetworkTransport, error) {
	rc := raftConfig(cfg, notify, logger)
	if err := raft.ValidateConfig(rc); err != nil {
		return nil, nil, fmt.Errorf("raft config: %w", err)
	}
	trans := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  layer,
		MaxPool: 3,
		Timeout: raftTransportTimeout,
		Logger:  newHCLogger(logger, "raft-net"),
	})
	r, err := raft.NewRaft(rc, fsm, stores.Log, stores.Stable, stores.Snapshots, trans)
	if err != nil {
		trans.Close()
		return nil, nil, fmt.Errorf("start raft: %w", err)
	}
	return r, trans, nil
}
