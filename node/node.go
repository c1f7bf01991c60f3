// Package node assembles one runnel node: gossip membership, the one RPC
// port, Raft with its FSM, the coordinator (active on the leader) and the
// HTTP API. New starts the parts in a visible order; Shutdown stops them in
// reverse, every step bounded.
package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/executor"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/store"
	"github.com/runnel/runnel/transport"
)

// Version is the runnel version a node announces.
const Version = "0.1.0"

// rejoinInterval is how often a node tries to reach, through gossip, the
// nodes in the node table that gossip does not see alive.
const rejoinInterval = 5 * time.Second

// channelCredits is the number of buffers each input channel grants its
// sender: enough to keep a loopback or LAN link busy while the receiver
// works through earlier buffers.
const channelCredits = 16

// Node is one running runnel process's cluster machinery.
type Node struct {
	cfg         Config
	log         *slog.Logger
	incarnation string
	rpcAddr     string
	httpAddr    string

	rpcLn     net.Listener
	mux       *transport.Mux
	peers     *transport.Peers
	network   *transport.Network
	exec      *executor.Executor
	raftStore *store.Raft
	raftTrans *raft.NetworkTransport
	raft      *raft.Raft
	fsm       *coordinator.FSM
	coord     *coordinator.Coordinator
	gossip    *gossip
	httpLn    net.Listener
	httpSrv   *http.Server
	sessions  sqlSessions

	bootstrapKick chan struct{}
	stop          chan struct{}
	wg            sync.WaitGroup
	shutdownOnce  sync.Once
	shutdownErr   error
}

// New validates cfg and starts a node whose jobs come from jobs (the job
// registry of this binary). On error, whatever was started is stopped
// again.
func New(cfg Config, jobs operator.Builder, logger *slog.Logger) (_ *Node, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Node{
		cfg:           cfg,
		log:           logger.With("node", cfg.Name),
		fsm:           coordinator.NewFSM(),
		bootstrapKick: make(chan struct{}, 1),
		stop:          make(chan struct{}),
	}
	var cleanup []func()
	defer func() {
		if err != nil {
			close(n.stop)
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
		}
	}()

	if n.incarnation, err = newIncarnation(); err != nil {
		return nil, err
	}
	advertise, err := advertiseIP(cfg, n.log)
	if err != nil {
		return nil, err
	}

	// One RPC port: Raft and the peer connections behind a first-byte mux.
	n.rpcLn, err = net.Listen("tcp", net.JoinHostPort(cfg.Bind, strconv.Itoa(cfg.RPCPort)))
	if err != nil {
		return nil, fmt.Errorf("listen rpc: %w", err)
	}
	cleanup = append(cleanup, func() { n.rpcLn.Close() })
	n.rpcAddr = net.JoinHostPort(advertise, strconv.Itoa(n.rpcLn.Addr().(*net.TCPAddr).Port))
	n.mux = transport.NewMux(n.rpcLn, n.log)
	raftLn := n.mux.Listen(transport.KindRaft)
	peerLn := n.mux.Listen(transport.KindPeer)
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := n.mux.Serve(); err != nil {
			n.log.Error("rpc listener stopped", "err", err)
		}
	}()
	cleanup = append(cleanup, func() { n.mux.Close(); n.wg.Wait() })
	n.peers = transport.NewPeers(peerLn, transport.Config{Advertise: n.rpcAddr, Logger: n.log})
	cleanup = append(cleanup, func() { n.peers.Close() })
	n.network = transport.NewNetwork(n.peers, transport.NetworkConfig{Advertise: n.rpcAddr, Logger: n.log})
	cleanup = append(cleanup, func() { n.network.Close() })
	n.registerRPC()

	n.httpLn, err = net.Listen("tcp", net.JoinHostPort(cfg.Bind, strconv.Itoa(cfg.HTTPPort)))
	if err != nil {
		return nil, fmt.Errorf("listen http: %w", err)
	}
	cleanup = append(cleanup, func() { n.httpLn.Close() })
	n.httpAddr = net.JoinHostPort(advertise, strconv.Itoa(n.httpLn.Addr().(*net.TCPAddr).Port))

	n.raftStore, err = store.OpenRaft(cfg.DataDir, newHCLogger(n.log, "raft-store"))
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { n.raftStore.Close() })
	hasState, err := n.raftStore.HasState()
	if err != nil {
		return nil, fmt.Errorf("read raft state: %w", err)
	}
	notify := make(chan bool, 16)
	layer := transport.NewRaftLayer(raftLn, &net.TCPAddr{IP: net.ParseIP(advertise), Port: n.rpcLn.Addr().(*net.TCPAddr).Port})
	n.raft, n.raftTrans, err = setupRaft(cfg, n.fsm, n.raftStore, layer, notify, n.log)
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { n.raft.Shutdown().Error(); n.raftTrans.Close() })

	n.coord = coordinator.New(coordinator.Config{
		NodeName:           cfg.Name,
		MaxVoters:          cfg.MaxVoters,
		DeadNodeReclaim:    cfg.DeadNodeReclaim,
		ReconcileInterval:  time.Second,
		ApplyTimeout:       5 * time.Second,
		SlotRequestTimeout: cfg.SlotRequestTimeout,
		CancelTimeout:      10 * time.Second,
		Builder:            jobs,
		CheckpointStorage:  checkpointStorage(cfg),
	}, n.raft, n.fsm, notify, n, n.log)

	n.gossip, err = newGossip(cfg, advertise, meta{
		RPC:             n.rpcAddr,
		HTTP:            n.httpAddr,
		Slots:           cfg.Slots,
		Version:         Version,
		Incarnation:     n.incarnation,
		BootstrapExpect: cfg.BootstrapExpect,
	}, n.log, n.memberChanged)
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { n.gossip.shutdown() })
	n.coord.Start()
	cleanup = append(cleanup, n.coord.Stop)
	n.exec = executor.New(executor.Config{
		NodeName:       cfg.Name,
		Incarnation:    n.incarnation,
		BufferTimeout:  cfg.BufferTimeout,
		Credits:        channelCredits,
		ReportInterval: time.Second,
		// Local copies of checkpoint state, for local recovery.
		LocalCheckpointDir: filepath.Join(cfg.DataDir, "checkpoints-local"),
	}, &taskCluster{n: n, changed: n.fsm.Watch()}, jobs, n.network, n.log)
	n.exec.Start()
	cleanup = append(cleanup, func() { n.exec.Stop(context.Background()) })

	if len(cfg.Join) > 0 {
		n.goBackground(func() { n.gossip.join(cfg.Join, n.stop) })
	}
	n.goBackground(func() { n.gossip.rejoinLoop(n.fsm.Nodes, rejoinInterval, n.stop) })
	if cfg.BootstrapExpect > 0 && !hasState {
		n.goBackground(func() { n.bootstrapLoop(n.bootstrapKick, n.stop) })
	}

	n.httpSrv = &http.Server{Handler: n.routes(), ReadHeaderTimeout: 10 * time.Second}
	n.goBackground(func() {
		if err := n.httpSrv.Serve(n.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("http server stopped", "err", err)
		}
	})
	n.log.Info("node started", "rpc", n.rpcAddr, "http", n.httpAddr, "gossip", n.gossip.addr(),
		"slots", cfg.Slots, "incarnation", n.incarnation, "raft_state", hasState)
	return n, nil
}

func (n *Node) goBackground(f func()) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f()
	}()
}

// memberChanged runs on memberlist's goroutines; it only kicks.
func (n *Node) memberChanged() {
	n.coord.MemberChanged()
	select {
	case n.bootstrapKick <- struct{}{}:
	default:
	}
}

// Members implements coordinator.Membership with the gossip view.
func (n *Node) Members() []coordinator.Member {
	return n.gossip.Members()
}

// Name returns the node's name.
func (n *Node) Name() string { return n.cfg.Name }

// HTTPAddr returns the advertised host:port of the HTTP API.
func (n *Node) HTTPAddr() string { return n.httpAddr }

// RPCAddr returns the advertised host:port of the RPC port.
func (n *Node) RPCAddr() string { return n.rpcAddr }

// GossipAddr returns the advertised host:port others join through.
func (n *Node) GossipAddr() string { return n.gossip.addr() }

// IsLeader reports whether this node is the Raft leader.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// Leader returns the leader's name, empty while there is none.
func (n *Node) Leader() string {
	_, id := n.raft.LeaderWithID()
	return string(id)
}

// JobManagerRunning reports whether this node runs the JobManager.
func (n *Node) JobManagerRunning() bool { return n.coord.JobManagerRunning() }

// ClusterID returns the cluster's id from the FSM.
func (n *Node) ClusterID() string { return n.fsm.ClusterID() }

// Shutdown stops the node gracefully: a leader first hands leadership to
// another voter so the cluster does not wait out an election timeout; the
// node then leaves gossip but stays a Raft voter, so a restart finds its
// cluster intact (as Consul servers do). Each step is bounded by ctx or its
// own timeout; Shutdown may be called more than once.
func (n *Node) Shutdown(ctx context.Context) error {
	n.shutdownOnce.Do(func() { n.shutdownErr = n.shutdown(ctx) })
	return n.shutdownErr
}

func (n *Node) shutdown(ctx context.Context) error {
	var errs []error
	if n.IsLeader() {
		if err := waitFuture(ctx, 3*time.Second, n.raft.LeadershipTransfer()); err != nil {
			n.log.Warn("leadership transfer", "err", err)
		} else {
			n.log.Info("leadership transferred")
		}
	}
	httpCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	if err := n.httpSrv.Shutdown(httpCtx); err != nil {
		n.httpSrv.Close()
	}
	cancel()
	if err := n.gossip.leave(2 * time.Second); err != nil {
		n.log.Warn("leave gossip", "err", err)
	}
	close(n.stop)
	// Subtasks get a bounded time to stop; one stuck in user code is left
	// behind, and the process exits soon anyway.
	execCtx, cancelExec := context.WithTimeout(ctx, 10*time.Second)
	n.exec.Stop(execCtx)
	cancelExec()
	n.coord.Stop()
	if err := waitFuture(ctx, 5*time.Second, n.raft.Shutdown()); err != nil {
		errs = append(errs, fmt.Errorf("raft shutdown: %w", err))
	}
	// Raft keeps pooled outbound connections past Close; CloseStreams ends
	// them so the peers' handler goroutines for them end too.
	n.raftTrans.CloseStreams()
	errs = append(errs, n.gossip.shutdown(), n.raftTrans.Close(), n.network.Close(), n.peers.Close(), n.mux.Close())
	n.wg.Wait()
	errs = append(errs, n.raftStore.Close())
	n.log.Info("node stopped")
	return errors.Join(errs...)
}

// waitFuture waits for a raft future, at most timeout or until ctx ends.
func waitFuture(ctx context.Context, timeout time.Duration, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("timed out after %s", timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func newIncarnation() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("incarnation id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// advertiseIP picks the address others reach this node on: --advertise,
// else a specific --bind, else the first up, non-loopback IPv4 address,
// else loopback (a single-machine cluster).
func advertiseIP(cfg Config, logger *slog.Logger) (string, error) {
	if cfg.Advertise != "" {
		return cfg.Advertise, nil
	}
	if ip := net.ParseIP(cfg.Bind); !ip.IsUnspecified() {
		return cfg.Bind, nil
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return "", fmt.Errorf("list interfaces for the advertise address: %w", err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && ipn.IP.IsGlobalUnicast() {
				logger.Info("advertising the first usable address; set --advertise to choose", "advertise", ipn.IP.String(), "interface", ifc.Name)
				return ipn.IP.String(), nil
			}
		}
	}
	logger.Info("no non-loopback address found; advertising loopback", "advertise", "127.0.0.1")
	return "127.0.0.1", nil
}
