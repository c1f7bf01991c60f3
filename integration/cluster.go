package integration

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	// The in-process nodes run the stock binary's built-in jobs.
	_ "github.com/runnel/runnel/examples"
	"github.com/runnel/runnel/node"
	"github.com/runnel/runnel/stream"
)

// Cluster is an in-process cluster: real node.Nodes with real Raft on disk,
// gossip and TCP on loopback, in the test's process.
type Cluster struct {
	t      testing.TB
	dir    string
	Nodes  []*node.Node
	Config func(i int, c *node.Config)
}

// testConfig is a node config on loopback with free ports, fast gossip and
// a data dir under dir.
func testConfig(dir, name string) node.Config {
	c := node.DefaultConfig()
	c.Name = name
	c.DataDir = filepath.Join(dir, name)
	c.Bind = "127.0.0.1"
	c.GossipPort, c.RPCPort, c.HTTPPort = 0, 0, 0
	c.GossipProfile = "local"
	c.Slots = 2
	c.LogLevel = "warn"
	return c
}

func testLogger(t testing.TB) *slog.Logger {
	var w io.Writer = io.Discard
	if os.Getenv("RUNNEL_TEST_LOG") != "" {
		w = os.Stderr
	}
	l, err := node.NewLogger(w, "debug", "text")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// NewCluster starts n nodes that bootstrap one cluster, optionally
// adjusting each node's config, and waits for a leader. The nodes stop
// when the test ends.
func NewCluster(t testing.TB, n int, adjust func(i int, c *node.Config)) *Cluster {
	t.Helper()
	c := &Cluster{t: t, dir: t.TempDir(), Config: adjust}
	t.Cleanup(c.Shutdown)
	for i := range n {
		cfg := c.config(i)
		cfg.BootstrapExpect = n
		c.start(cfg)
	}
	c.WaitForLeader()
	return c
}

func (c *Cluster) config(i int) node.Config {
	cfg := testConfig(c.dir, fmt.Sprintf("n%d", i+1))
	if len(c.Nodes) > 0 {
		cfg.Join = []string{c.Nodes[0].GossipAddr()}
	}
	if c.Config != nil {
		c.Config(i, &cfg)
	}
	return cfg
}

func (c *Cluster) start(cfg node.Config) *node.Node {
	c.t.Helper()
	nd, err := node.New(cfg, stream.Default, testLogger(c.t).With("test_node", cfg.Name))
	if err != nil {
		c.t.Fatalf("start %s: %v", cfg.Name, err)
	}
	c.Nodes = append(c.Nodes, nd)
	return nd
}

// AddNode starts one more node that joins the cluster without bootstrap.
func (c *Cluster) AddNode() *node.Node {
	c.t.Helper()
	return c.start(c.config(len(c.Nodes)))
}

// StopNode shuts node i down gracefully (it leaves gossip) and keeps it in
// the slice so indexes stay stable.
func (c *Cluster) StopNode(i int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Nodes[i].Shutdown(ctx); err != nil {
		c.t.Errorf("shutdown %s: %v", c.Nodes[i].Name(), err)
	}
}

// Shutdown stops every node.
func (c *Cluster) Shutdown() {
	for i := range c.Nodes {
		c.StopNode(i)
	}
}

// Leader returns the node that is leader, or nil.
func (c *Cluster) Leader(nodes ...*node.Node) *node.Node {
	if len(nodes) == 0 {
		nodes = c.Nodes
	}
	for _, n := range nodes {
		if n.IsLeader() {
			return n
		}
	}
	return nil
}

// WaitForLeader waits until every node given (default: all) names the same
// leader and that leader runs its JobManager, and returns it.
func (c *Cluster) WaitForLeader(nodes ...*node.Node) *node.Node {
	c.t.Helper()
	if len(nodes) == 0 {
		nodes = c.Nodes
	}
	var leader *node.Node
	WaitForResult(c.t, 15*time.Second, func() (bool, error) {
		name := nodes[0].Leader()
		if name == "" {
			return false, fmt.Errorf("%s knows no leader", nodes[0].Name())
		}
		for _, n := range nodes[1:] {
			if got := n.Leader(); got != name {
				return false, fmt.Errorf("%s says leader %q, %s says %q", nodes[0].Name(), name, n.Name(), got)
			}
		}
		leader = c.Leader(nodes...)
		if leader == nil || leader.Name() != name {
			return false, fmt.Errorf("leader %s is not among the nodes asked", name)
		}
		if !leader.JobManagerRunning() {
			return false, fmt.Errorf("leader %s has not started its JobManager yet", name)
		}
		return true, nil
	})
	return leader
}
