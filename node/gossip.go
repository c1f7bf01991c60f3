package node

import (
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
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
	Name  string
	State coordinator.MemberState
	meta
}

func (p peer) member() coordinator.Member {
	return coordinator.Member{
		Node: coordinator.Node{
			Name: p.Name, RPCAddr: p.RPC, HTTPAddr: p.HTTP, Slots: p.Slots,
			Incarnation: p.Incarnation, Version: p.Version,
		},
		State: p.State,
	}
}

// gossip runs memberlist and keeps the view of members that left or
// failed, which memberlist itself stops listing.
type gossip struct {
	ml       *memberlist.Memberlist
	delegate *metaDelegate
	self     meta
	log      *slog.Logger
	onChange func()

	mu       sync.Mutex
	departed map[string]peer
}

func newGossip(cfg Config, advertise string, m meta, logger *slog.Logger, onChange func()) (*gossip, error) {
	g := &gossip{log: logger.With("component", "gossip"), self: m, onChange: onChange, departed: map[string]peer{}}
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

// peers returns every member gossip knows: the live ones from memberlist
// and the dead or departed ones remembered from its events.
func (g *gossip) peers() []peer {
	live := g.ml.Members()
	out := make([]peer, 0, len(live))
	seen := make(map[string]bool, len(live))
	for _, n := range live {
		p, err := decodePeer(n, coordinator.StateAlive)
		if err != nil {
			g.log.Warn("bad gossip metadata", "node", n.Name, "err", err)
			continue
		}
		seen[n.Name] = true
		out = append(out, p)
	}
	g.mu.Lock()
	for name, p := range g.departed {
		if !seen[name] {
			out = append(out, p)
		}
	}
	g.mu.Unlock()
	slices.SortFunc(out, func(a, b peer) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
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

// decodePeer reads a member's metadata. memberlist's public API does not
// say whether a live member is suspected, so live members are alive.
func decodePeer(n *memberlist.Node, state coordinator.MemberState) (peer, error) {
	p := peer{Name: n.Name, State: state}
	if err := msgpack.Unmarshal(n.Meta, &p.meta); err != nil {
		return p, err
	}
	return p, nil
}

// NotifyJoin, NotifyLeave and NotifyUpdate run on memberlist's goroutines
// and must not block: they record and kick.
func (g *gossip) NotifyJoin(n *memberlist.Node) {
	g.mu.Lock()
	delete(g.departed, n.Name)
	g.mu.Unlock()
	g.log.Info("member joined", "node", n.Name, "addr", n.Address())
	g.onChange()
}

func (g *gossip) NotifyLeave(n *memberlist.Node) {
	p, err := decodePeer(n, coordinator.StateDead)
	if p.Leaving {
		p.State = coordinator.StateLeft
	}
	if err == nil {
		g.mu.Lock()
		g.departed[n.Name] = p
		g.mu.Unlock()
	}
	g.log.Info("member "+p.State.String(), "node", n.Name)
	g.onChange()
}

func (g *gossip) NotifyUpdate(n *memberlist.Node) {
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
