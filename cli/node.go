package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/runnel/runnel/node"
	"github.com/runnel/runnel/stream"
)

// shutdownTimeout bounds a node's graceful stop; every step inside is
// bounded too, this is the backstop.
const shutdownTimeout = 20 * time.Second

func newNodeCmd(stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Run a node of a runnel cluster",
		Long: `Run a node: gossip membership, a Raft voter (or non-voter past --max-voters),
the JobManager while it leads, task slots, and the HTTP API.

Settings come from, lowest first: defaults, the YAML file of --config (keys
spelled as the flags), RUNNEL_<FLAG> environment variables (RUNNEL_DATA_DIR for
--data-dir), then flags.

Start a new cluster by giving each of its first N nodes --bootstrap-expect N;
nodes started later only need --join. A restarted node finds its cluster from
its data dir and never bootstraps again.

SIGTERM or SIGINT stops the node gracefully: a leader hands leadership over
first; the node leaves gossip but stays a Raft voter, so a restart finds its
cluster intact. 'runnel cluster remove NAME' takes a node out for good.

A node with --slots 0 runs no tasks: a dedicated coordinator, as Flink's
JobManager host. Move the leadership to it with 'runnel cluster
transfer-leadership --to NAME'; a leader without tasks can die without any job
losing a task.

Raft timing: the defaults fail over in about a second on a LAN. On slow or lossy
networks raise --raft-heartbeat-timeout, --raft-election-timeout and
--raft-lease-timeout together (e.g. 1s, 1s, 500ms) and use --gossip-profile wan.

Exit codes: 0 stopped cleanly, 1 failed, 2 bad flag or config.`,
		Example: `  runnel node --name n1 --data-dir /var/lib/runnel/n1 --bootstrap-expect 3
  runnel node --name n2 --data-dir /var/lib/runnel/n2 --join 10.0.0.1:7946 --bootstrap-expect 3`,
		// Flags are parsed in RunE, after the config file and the
		// environment, so that flags win over both.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runNode(cmd, args, stderr)
		},
	}
	help := node.DefaultConfig()
	bindNodeFlags(cmd.Flags(), &help, new(string))
	return cmd
}

// bindNodeFlags defines every node flag on fs, bound to cfg's fields with
// their current values as defaults.
func bindNodeFlags(fs *pflag.FlagSet, cfg *node.Config, configPath *string) {
	fs.StringVar(configPath, "config", "", "YAML file with the same keys as the flags")
	fs.StringVar(&cfg.Name, "name", cfg.Name, "unique node name, also its Raft server id")
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "folder for Raft state and checkpoints (required)")
	fs.StringVar(&cfg.Bind, "bind", cfg.Bind, "IP address to listen on")
	fs.StringVar(&cfg.Advertise, "advertise", cfg.Advertise, "IP address other nodes reach this one on (default: --bind, or the first usable interface address)")
	fs.IntVar(&cfg.GossipPort, "gossip-port", cfg.GossipPort, "gossip port, TCP and UDP (0 picks a free one)")
	fs.IntVar(&cfg.RPCPort, "rpc-port", cfg.RPCPort, "node-to-node port for Raft, control and data (0 picks a free one)")
	fs.IntVar(&cfg.HTTPPort, "http-port", cfg.HTTPPort, "HTTP API port (0 picks a free one)")
	fs.StringSliceVar(&cfg.Join, "join", cfg.Join, "gossip addresses host:port of running nodes, comma-separated; retried with backoff")
	fs.IntVar(&cfg.BootstrapExpect, "bootstrap-expect", cfg.BootstrapExpect, "bootstrap a new cluster once this many nodes see each other (0: wait to be added)")
	fs.IntVar(&cfg.Slots, "slots", cfg.Slots, "task slots this node offers (0: coordinator only)")
	fs.IntVar(&cfg.MaxVoters, "max-voters", cfg.MaxVoters, "Raft voters at most; further nodes join as non-voters")
	fs.DurationVar(&cfg.DeadNodeReclaim, "dead-node-reclaim", cfg.DeadNodeReclaim, "remove a failed or departed node from Raft after this long")
	fs.DurationVar(&cfg.RaftHeartbeatTimeout, "raft-heartbeat-timeout", cfg.RaftHeartbeatTimeout, "follower's wait for the leader before an election")
	fs.DurationVar(&cfg.RaftElectionTimeout, "raft-election-timeout", cfg.RaftElectionTimeout, "candidate's wait for votes before trying again")
	fs.DurationVar(&cfg.RaftLeaseTimeout, "raft-lease-timeout", cfg.RaftLeaseTimeout, "leader's time without quorum contact before it steps down")
	fs.StringVar(&cfg.GossipProfile, "gossip-profile", cfg.GossipProfile, "gossip timing: local, lan or wan")
	fs.DurationVar(&cfg.BufferTimeout, "buffer-timeout", cfg.BufferTimeout, "longest a record waits in a partly filled network buffer (0: send each record at once)")
	fs.StringVar(&cfg.CheckpointStorage, "checkpoint-storage", cfg.CheckpointStorage, "checkpoint storage URL of jobs that name none: file:///dir or s3://bucket/prefix (default file:// + the data dir's checkpoints/)")
	fs.DurationVar(&cfg.SlotRequestTimeout, "slot-request-timeout", cfg.SlotRequestTimeout, "how long a job waits for free task slots before it fails")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "text or json")
}

// envName is the environment variable that sets a flag.
func envName(flag string) string {
	return "RUNNEL_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// nodeConfig builds the config from defaults, file, environment and args.
func nodeConfig(args []string, getenv func(string) (string, bool)) (node.Config, bool, error) {
	var configPath string
	scratch := node.DefaultConfig()
	pre := pflag.NewFlagSet("node", pflag.ContinueOnError)
	pre.SetOutput(io.Discard)
	bindNodeFlags(pre, &scratch, &configPath)
	help := pre.BoolP("help", "h", false, "help for node")
	if err := pre.Parse(args); err != nil {
		return node.Config{}, false, usageError{err}
	}
	if *help {
		return node.Config{}, true, nil
	}
	if pre.NArg() > 0 {
		return node.Config{}, false, usagef("node takes no arguments, got %q", pre.Args())
	}
	if configPath == "" {
		configPath, _ = getenv(envName("config"))
	}
	cfg := node.DefaultConfig()
	if configPath != "" {
		if err := cfg.LoadFile(configPath); err != nil {
			return node.Config{}, false, usageError{err}
		}
	}
	fs := pflag.NewFlagSet("node", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bindNodeFlags(fs, &cfg, new(string))
	fs.BoolP("help", "h", false, "help for node")
	if err := fs.Parse(args); err != nil {
		return node.Config{}, false, usageError{err}
	}
	var envErr error
	fs.VisitAll(func(f *pflag.Flag) {
		v, ok := getenv(envName(f.Name))
		if !ok || f.Changed || f.Name == "config" || envErr != nil {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			envErr = usagef("%s=%q: %v", envName(f.Name), v, err)
		}
	})
	if envErr != nil {
		return node.Config{}, false, envErr
	}
	if err := cfg.Validate(); err != nil {
		return node.Config{}, false, usageError{err}
	}
	return cfg, false, nil
}

func runNode(cmd *cobra.Command, args []string, stderr io.Writer) error {
	cfg, help, err := nodeConfig(args, os.LookupEnv)
	if err != nil {
		return err
	}
	if help {
		return cmd.Help()
	}
	logger, err := node.NewLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return usageError{err}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	n, err := node.New(cfg, stream.Default, logger)
	if err != nil {
		return fmt.Errorf("start node: %w", err)
	}
	<-ctx.Done()
	stop()
	logger.Info("stopping on signal")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return n.Shutdown(sctx)
}
