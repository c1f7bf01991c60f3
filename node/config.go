package node

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is everything that shapes one node. It is filled in this order:
// DefaultConfig, then a YAML file (LoadFile), then RUNNEL_* environment
// variables, then flags; Validate runs last and names the first bad field.
// YAML keys and flag names are the same.
type Config struct {
	// Name is the node's unique name in the cluster and its Raft server id.
	Name string `yaml:"name"`
	// DataDir holds raft/, the local copies of checkpoint state, and by
	// default the checkpoints themselves. Required.
	DataDir string `yaml:"data-dir"`
	// CheckpointStorage is the URL checkpoints of jobs that name none go
	// to: file:///dir (a directory every node reaches) or s3://bucket/prefix.
	// Empty means file:// and the data dir's checkpoints/, right for a
	// cluster on one machine only.
	CheckpointStorage string `yaml:"checkpoint-storage"`
	// Bind is the IP every listener binds to.
	Bind string `yaml:"bind"`
	// Advertise is the IP other nodes reach this one on. Empty means Bind,
	// or with an unspecified Bind the first usable interface address.
	Advertise string `yaml:"advertise"`
	// GossipPort (TCP and UDP), RPCPort and HTTPPort: 0 picks a free port,
	// which tests use; the chosen port is what the node advertises.
	GossipPort int `yaml:"gossip-port"`
	RPCPort    int `yaml:"rpc-port"`
	HTTPPort   int `yaml:"http-port"`
	// Join lists gossip addresses (host:port) of nodes already running;
	// the node retries them with backoff until one answers.
	Join []string `yaml:"join"`
	// BootstrapExpect is how many nodes form a new cluster: once that many
	// nodes with the same setting see each other, they bootstrap Raft once.
	// 0 means this node never bootstraps and waits to be added.
	BootstrapExpect int `yaml:"bootstrap-expect"`
	// Slots is the number of task slots this node offers; 0 makes it a pure
	// coordinator.
	Slots int `yaml:"slots"`
	// MaxVoters caps the Raft voters; further nodes join as non-voters.
	MaxVoters int `yaml:"max-voters"`
	// DeadNodeReclaim is how long a failed or departed node stays in Raft
	// before the leader removes it.
	DeadNodeReclaim time.Duration `yaml:"dead-node-reclaim"`
	// RaftHeartbeatTimeout is how long a follower goes without hearing from
	// the leader before it starts an election (randomized up to twice that).
	// It bounds failover time; raise it on slow or lossy networks.
	RaftHeartbeatTimeout time.Duration `yaml:"raft-heartbeat-timeout"`
	// RaftElectionTimeout is how long a candidate waits for votes before it
	// tries again (randomized up to twice that).
	RaftElectionTimeout time.Duration `yaml:"raft-election-timeout"`
	// RaftLeaseTimeout is how long a leader keeps leading without contact
	// with a quorum; at most RaftHeartbeatTimeout.
	RaftLeaseTimeout time.Duration `yaml:"raft-lease-timeout"`
	// GossipProfile picks memberlist's timing: "local" (loopback, fast
	// failure detection), "lan" (one data center) or "wan".
	GossipProfile string `yaml:"gossip-profile"`
	// BufferTimeout is the longest a record waits in a partly filled
	// network buffer before it is sent; 0 sends every record at once
	// (lowest latency, lowest throughput).
	BufferTimeout time.Duration `yaml:"buffer-timeout"`
	// SlotRequestTimeout is how long a job waits for enough free task
	// slots before it fails.
	SlotRequestTimeout time.Duration `yaml:"slot-request-timeout"`
	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel  string `yaml:"log-level"`
	LogFormat string `yaml:"log-format"`
}

// DefaultConfig returns the defaults every other source overrides.
func DefaultConfig() Config {
	host, _ := os.Hostname()
	return Config{
		Name:                 host,
		Bind:                 "0.0.0.0",
		GossipPort:           7946,
		RPCPort:              6123,
		HTTPPort:             8081,
		Slots:                runtime.NumCPU(),
		MaxVoters:            5,
		DeadNodeReclaim:      time.Minute,
		RaftHeartbeatTimeout: 500 * time.Millisecond,
		RaftElectionTimeout:  500 * time.Millisecond,
		RaftLeaseTimeout:     250 * time.Millisecond,
		GossipProfile:        "lan",
		BufferTimeout:        100 * time.Millisecond,
		SlotRequestTimeout:   5 * time.Minute,
		LogLevel:             "info",
		LogFormat:            "text",
	}
}

// LoadFile merges a YAML file over c. Unknown keys are errors, so a typo
// never silently leaves a default in place.
func (c *Config) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// minRaftTimeout is the smallest timeout hashicorp/raft accepts.
const minRaftTimeout = 5 * time.Millisecond

// Validate checks every field and returns the first problem, naming the
// field as its flag is spelled.
func (c *Config) Validate() error {
	switch {
	case c.Name == "":
		return errors.New("--name: must not be empty")
	case !nameRE.MatchString(c.Name):
		return fmt.Errorf("--name %q: use letters, digits, '.', '_' or '-' (at most 63, starting with a letter or digit)", c.Name)
	case c.DataDir == "":
		return errors.New("--data-dir: required")
	case net.ParseIP(c.Bind) == nil:
		return fmt.Errorf("--bind %q: not an IP address", c.Bind)
	case c.Advertise != "" && net.ParseIP(c.Advertise) == nil:
		return fmt.Errorf("--advertise %q: not an IP address", c.Advertise)
	case c.Advertise != "" && net.ParseIP(c.Advertise).IsUnspecified():
		return fmt.Errorf("--advertise %q: must be an address other nodes can reach", c.Advertise)
	case c.BootstrapExpect < 0:
		return fmt.Errorf("--bootstrap-expect %d: must be 0 or more", c.BootstrapExpect)
	case c.Slots < 0:
		return fmt.Errorf("--slots %d: must be 0 or more", c.Slots)
	case c.MaxVoters < 1:
		return fmt.Errorf("--max-voters %d: must be at least 1", c.MaxVoters)
	case c.DeadNodeReclaim <= 0:
		return fmt.Errorf("--dead-node-reclaim %s: must be positive", c.DeadNodeReclaim)
	case c.BufferTimeout < 0:
		return fmt.Errorf("--buffer-timeout %s: must be 0 or more", c.BufferTimeout)
	case c.CheckpointStorage != "" && !strings.HasPrefix(c.CheckpointStorage, "file:///") && !strings.HasPrefix(c.CheckpointStorage, "s3://"):
		return fmt.Errorf("--checkpoint-storage %q: want file:///absolute/dir or s3://bucket/prefix", c.CheckpointStorage)
	case c.SlotRequestTimeout <= 0:
		return fmt.Errorf("--slot-request-timeout %s: must be positive", c.SlotRequestTimeout)
	case c.RaftHeartbeatTimeout < minRaftTimeout:
		return fmt.Errorf("--raft-heartbeat-timeout %s: must be at least %s", c.RaftHeartbeatTimeout, minRaftTimeout)
	case c.RaftElectionTimeout < c.RaftHeartbeatTimeout:
		return fmt.Errorf("--raft-election-timeout %s: must be at least --raft-heartbeat-timeout (%s)", c.RaftElectionTimeout, c.RaftHeartbeatTimeout)
	case c.RaftLeaseTimeout < minRaftTimeout || c.RaftLeaseTimeout > c.RaftHeartbeatTimeout:
		return fmt.Errorf("--raft-lease-timeout %s: must be between %s and --raft-heartbeat-timeout (%s)", c.RaftLeaseTimeout, minRaftTimeout, c.RaftHeartbeatTimeout)
	}
	for flag, p := range map[string]int{"--gossip-port": c.GossipPort, "--rpc-port": c.RPCPort, "--http-port": c.HTTPPort} {
		if p < 0 || p > 65535 {
			return fmt.Errorf("%s %d: must be between 0 and 65535", flag, p)
		}
	}
	if p := c.GossipPort; p != 0 && (p == c.RPCPort || p == c.HTTPPort) || c.RPCPort != 0 && c.RPCPort == c.HTTPPort {
		return fmt.Errorf("--gossip-port, --rpc-port and --http-port must differ (%d, %d, %d)", c.GossipPort, c.RPCPort, c.HTTPPort)
	}
	for _, j := range c.Join {
		if _, _, err := net.SplitHostPort(j); err != nil {
			return fmt.Errorf("--join %q: want host:port", j)
		}
	}
	if _, ok := gossipProfiles[c.GossipProfile]; !ok {
		return fmt.Errorf("--gossip-profile %q: want local, lan or wan", c.GossipProfile)
	}
	if _, err := NewLogger(io.Discard, c.LogLevel, c.LogFormat); err != nil {
		return err
	}
	return nil
}

// checkpointStorage is the node's checkpoint storage URL, defaulting to
// the data dir's checkpoints/.
func checkpointStorage(c Config) string {
	if c.CheckpointStorage != "" {
		return c.CheckpointStorage
	}
	dir, err := filepath.Abs(filepath.Join(c.DataDir, "checkpoints"))
	if err != nil {
		dir = filepath.Join(c.DataDir, "checkpoints")
	}
	return "file://" + filepath.ToSlash(dir)
}
