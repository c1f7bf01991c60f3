package node

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/runnel/runnel/coordinator"
)

var gossipProfiles = map[string]func() *memberlist.Config{
	"local": memberlist.DefaultLocalConfig,
	"lan":   memberlist.DefaultLANConfig,
	"wan":   memberlist.DefaultWANConfig,
}

// meta is what a node tells every other node through gossip. memberlist
// caps it at 512 bytes, so keys are short and only what peers need before
// Raft knows the node goes here.
type meta struct {
	RPC             string `msgpack:"r"`
	HTTP            string `msgpack:"h"`
	Slots           int    `msgpack:"s"`
	Version         string `msgpack:"v"`
	Incarnation     string `msgpack:"i"`
	BootstrapExpect int    `msgpack:"e"`
	// Leaving is set just before a graceful leave. memberlist reports a
	// node that left and one that died through the same event, without the
	// state (its Node.State is never filled in), so this flag is how the
	// others tell "left" from "dead".
	Leaving bool `msgpack:"l,omitempty"`
}

// peer is a gossip member with its metadata decoded once (nomad's
// peers.Parts).
type peer struct {
	Name       string
	GossipAddr string
	State      coordinator.MemberState
	meta
}

func (p peer) member() coordinator.Member {
	return coordinator.Member{
		Node: coordinator.Node{
			Name: p.Name, RPCAddr: p.RPC, HTTPAddr: p.HTTP, GossipAddr: p.GossipAddr, Slots: p.Slots,
			Incarnation: p.Incarnation, Version: p.Version,
		},
		State: p.State,
	}
}

// gossip runs memberlist and keeps its own table of members, filled from
// memberlist's events. The events run under memberlist's lock, so copying
// the metadata there is safe; the *Node pointers memberlist.Members returns
// are not (memberlist rewrites their Meta in place).
type gossip struct {
	ml             *memberlist.Memberlist
	gossipInterval time.Duration
	delegate       *metaDelegate
	self           meta
	log            *slog.Logger
	onChange       func()

	mu      sync.Mutex
	members map[string]peer
}

func newGossip(cfg Config, advertise string, m meta, logger *slog.Logger, onChange func()) (*gossip, error) {
	g := &gossip{log: logger.With("component", "gossip"), self: m, onChange: onChange, members: map[string]peer{}}
	metaBytes, err := msgpack.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode gossip metadata: %w", err)
	}
	if len(metaBytes) > memberlist.MetaMaxSize {
		return nil, fmt.Errorf("gossip metadata is %d bytes, over memberlist's %d", len(metaBytes), memberlist.MetaMaxSize)
	}
	mc := gossipProfiles[cfg.GossipProfile]()
	mc.Name = cfg.Name
	mc.BindAddr = cfg.Bind
	mc.BindPort = cfg.GossipPort
	mc.AdvertiseAddr = advertise
	mc.AdvertisePort = cfg.GossipPort
	g.delegate = &metaDelegate{meta: metaBytes}
	mc.Delegate = g.delegate
	mc.Events = g
	mc.Logger = newStdLogger(logger, "memberlist")
	g.gossipInterval = mc.GossipInterval
	ml, err := memberlist.Create(mc)
	if err != nil {
		return nil, fmt.Errorf("start gossip on %s: %w", net.JoinHostPort(cfg.Bind, strconv.Itoa(cfg.GossipPort)), err)
	}
	g.ml = ml
	return g, nil
}

// addr is the advertised gossip address others join.
func (g *gossip) addr() string {
	n := g.ml.LocalNode()
	return net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port)))
}

// peers returns every member gossip has seen, in any state, by name.
func (g *gossip) peers() []peer {
	g.mu.Lock()
	out := make([]peer, 0, len(g.members))
	for _, p := range g.members {
		out = append(out, p)
	}
	g.mu.Unlock()
	slices.SortFunc(out, func(a, b peer) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Members implements coordinator.Membership.
func (g *gossip) Members() []coordinator.Member {
	ps := g.peers()
	out := make([]coordinator.Member, len(ps))
	for i, p := range ps {
		out[i] = p.member()
	}
	return out
}

// record stores a member's state and metadata as an event reports them.
// memberlist's Node.State is never filled in, so the event says the state.
func (g *gossip) record(n *memberlist.Node, state coordinator.MemberState) peer {
	p := peer{Name: n.Name, GossipAddr: n.Address(), State: state}
	if err := msgpack.Unmarshal(n.Meta, &p.meta); err != nil {
		g.log.Warn("bad gossip metadata", "node", n.Name, "err", err)
	}
	if state == coordinator.StateDead && p.Leaving {
		p.State = coordinator.StateLeft
	}
	g.mu.Lock()
	g.members[n.Name] = p
	g.mu.Unlock()
	return p
}

// NotifyJoin, NotifyLeave and NotifyUpdate run on memberlist's goroutines,
// under its lock, and must not block: they record and kick.
func (g *gossip) NotifyJoin(n *memberlist.Node) {
	g.record(n, coordinator.StateAlive)
	g.log.Info("member joined", "member", n.Name, "addr", n.Address())
	g.onChange()
}

func (g *gossip) NotifyLeave(n *memberlist.Node) {
	p := g.record(n, coordinator.StateDead)
	g.log.Info("member "+p.State.String(), "member", n.Name)
	g.onChange()
}

func (g *gossip) NotifyUpdate(n *memberlist.Node) {
	g.record(n, coordinator.StateAlive)
	g.onChange()
}

// join contacts the seeds until one answers, backing off from one second
// to thirty, or until stop is closed.
func (g *gossip) join(seeds []string, stop <-chan struct{}) {
	backoff := time.Second
	for {
		n, err := g.ml.Join(seeds)
		if err == nil || n > 0 {
			g.log.Info("joined cluster", "contacted", n)
			return
		}
		g.log.Warn("join failed; retrying", "seeds", seeds, "err", err, "in", backoff)
		select {
		case <-stop:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// rejoinLoop heals gossip: memberlist never contacts a member again once
// it has declared it dead, so after a partition, or when nodes restart in
// an unlucky order, two groups can stay apart for good. Every interval it
// joins the gossip address, as recorded in the node table, of one known
// node that gossip does not see alive, picked at random: one at a time
// bounds how long a join to an unreachable host delays shutdown.
func (g *gossip) rejoinLoop(table func() map[string]coordinator.Node, interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		alive := map[string]bool{}
		for _, p := range g.peers() {
			alive[p.Name] = p.State == coordinator.StateAlive
		}
		var addrs []string
		for name, n := range table() {
			if !alive[name] && n.GossipAddr != "" {
				addrs = append(addrs, n.GossipAddr)
			}
		}
		if len(addrs) == 0 {
			continue
		}
		if n, err := g.ml.Join(addrs[rand.IntN(len(addrs)):][:1]); n > 0 {
			g.log.Info("rejoined gossip", "contacted", n)
		} else {
			g.log.Debug("rejoin gossip", "addrs", addrs, "err", err)
		}
	}
}

// leave marks this node as leaving in its metadata, then announces its
// departure; each step waits at most timeout for the message to go out.
func (g *gossip) leave(timeout time.Duration) error {
	m := g.self
	m.Leaving = true
	buf, err := msgpack.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode gossip metadata: %w", err)
	}
	g.delegate.set(buf)
	if err := g.ml.UpdateNode(timeout); err != nil {
		g.log.Warn("announce leaving", "err", err)
	}
	// Leave's dead message replaces our queued update in memberlist's
	// broadcast queue, so give the update a few gossip rounds to reach
	// every member first.
	time.Sleep(min(timeout, 3*g.gossipInterval))
	return g.ml.Leave(timeout)
}

func (g *gossip) shutdown() error {
	return g.ml.Shutdown()
}

// metaDelegate hands memberlist this node's metadata.
type metaDelegate struct {
	mu   sync.Mutex
	meta []byte
}

func (d *metaDelegate) set(meta []byte) {
	d.mu.Lock()
	d.meta = meta
	d.mu.Unlock()
}

func (d *metaDelegate) NodeMeta(limit int) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.meta
}

func (d *metaDelegate) NotifyMsg([]byte)                           {}
func (d *metaDelegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (d *metaDelegate) LocalState(join bool) []byte                { return nil }
func (d *metaDelegate) MergeRemoteState(buf []byte, join bool)     {}
