package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/runnel/runnel/internal/nodeproc"
)

func newLocalCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		nodes   int
		slots   int
		dataDir string
	)
	cmd := &cobra.Command{
		Use:   "local",
		Short: "Run a cluster of node processes on this machine",
		Long: `Start N node processes of this binary on 127.0.0.1 with free ports, forming one
cluster, and print each node's HTTP address. Ctrl-C (or SIGTERM) stops them all
and exits. Node logs go to <data dir>/<name>.log.

Without --data-dir the nodes live in a temporary folder that is removed on exit;
with it, the same command later restarts the same cluster from disk.

--slots applies to every node, so --slots 0 gives a cluster that runs no job.
A dedicated coordinator, a node with --slots 0 as Flink's JobManager host, is
one started with 'runnel node --slots 0' and made leader with
'runnel cluster transfer-leadership --to NAME'.

Exit codes: 0 stopped cleanly, 1 a node failed to start or stop, 2 bad flag.`,
		Example: `  runnel local
  runnel local --nodes 5 --slots 4 --data-dir ./local-cluster`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if nodes < 1 {
				return usagef("--nodes %d: must be at least 1", nodes)
			}
			if slots < 0 {
				return usagef("--slots %d: must be 0 or more", slots)
			}
			return runLocal(nodes, slots, dataDir, stdout, stderr)
		},
	}
	cmd.Flags().IntVar(&nodes, "nodes", 3, "number of node processes")
	cmd.Flags().IntVar(&slots, "slots", 2, "task slots per node")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "folder for the nodes' data (default: a temporary folder, removed on exit)")
	return cmd
}

func runLocal(nodes, slots int, dataDir string, stdout, stderr io.Writer) error {
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	if dataDir == "" {
		tmp, err := os.MkdirTemp("", "runnel-local-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dataDir = tmp
	}
	// One checkpoint storage for all nodes, so that a subtask restarted on
	// another node finds its state.
	abs, err := filepath.Abs(filepath.Join(dataDir, "checkpoints"))
	if err != nil {
		return err
	}
	storage := "file://" + filepath.ToSlash(abs)
	ports, err := nodeproc.FreePorts(3 * nodes)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	var procs []*nodeproc.Process
	defer func() {
		for _, p := range procs {
			if err := p.Stop(10 * time.Second); err != nil && !isSignalExit(err) {
				fmt.Fprintf(stderr, "runnel local: %s: %v\n", p.Name, err)
			}
		}
	}()
	for i := range nodes {
		name := fmt.Sprintf("n%d", i+1)
		spec := nodeproc.Spec{
			Binary: bin, Name: name, DataDir: filepath.Join(dataDir, name),
			GossipPort: ports[3*i], RPCPort: ports[3*i+1], HTTPPort: ports[3*i+2],
			BootstrapExpect: nodes, Slots: slots,
			Args:    []string{"--gossip-profile", "local", "--checkpoint-storage", storage},
			LogPath: filepath.Join(dataDir, name+".log"),
		}
		if i > 0 {
			spec.Join = []string{procs[0].GossipAddr()}
		}
		p, err := nodeproc.Start(spec)
		if err != nil {
			return err
		}
		procs = append(procs, p)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, p := range procs {
		if err := p.WaitHealthy(wctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "runnel local: %d nodes up, data in %s; Ctrl-C stops them\n", nodes, dataDir)
	for _, p := range procs {
		fmt.Fprintf(stdout, "%s %s pid %d\n", p.HTTPURL(), p.Name, p.Pid())
	}
	exited := make(chan *nodeproc.Process, len(procs))
	for _, p := range procs {
		go func() {
			<-p.Done()
			exited <- p
		}()
	}
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "runnel local: stopping")
		return nil
	case p := <-exited:
		return fmt.Errorf("node %s exited: %v (log: %s)", p.Name, p.Err(), p.LogPath)
	}
}

// isSignalExit reports a process that ended by a signal it received from
// the terminal along with us.
func isSignalExit(err error) bool {
	var ee interface{ ExitCode() int }
	return errors.As(err, &ee) && ee.ExitCode() == -1
}
