// Package cli is runnel's command line: one file per command, each with a
// constructor returning its cobra command. A user's own main calls Main, so
// their binary, with their jobs registered, is the node binary.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	// The built-in jobs register themselves with stream.Default.
	_ "github.com/runnel/runnel/examples"
	"github.com/runnel/runnel/stream"
)

// Exit codes every command documents.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks a bad flag, argument or config: the process exits 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// defaultAddr is the API address client commands use without --addr.
const defaultAddr = "http://127.0.0.1:8081"

// globals are the flags of the root command, shared by every subcommand.
type globals struct {
	addr string
}

// Main runs the command line and exits with its code.
func Main() {
	os.Exit(Run(os.Args[1:], os.Stdout, os.Stderr))
}

// Run runs the command line with args and returns the exit code: 0 on
// success, 1 on failure, 2 on a bad flag, argument or config.
func Run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "runnel: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "runnel",
		Short: "runnel is a distributed stream processor in one binary",
		Long: `runnel is a Flink-style distributed stream processor shipped as one binary.

Every node runs the same binary: start a few with 'runnel node', they find each
other by gossip, elect a leader by Raft and share the work. 'runnel local'
starts a cluster of node processes on this machine for trying it out.

Client commands talk to any node's HTTP API, chosen with --addr (or RUNNEL_ADDR).

Exit codes: 0 success, 1 failure, 2 bad flag, argument or config.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q; see 'runnel --help'", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	addr := os.Getenv("RUNNEL_ADDR")
	if addr == "" {
		addr = defaultAddr
	}
	root.PersistentFlags().StringVar(&g.addr, "addr", addr, "HTTP address of any node, for client commands (env RUNNEL_ADDR)")
	root.AddCommand(
		newNodeCmd(stderr),
		newLocalCmd(stdout, stderr),
		newClusterCmd(g, stdout),
		newRunCmd(g, stdout),
		newJobsCmd(g, stdout),
		newSavepointCmd(g, stdout),
		newPlanCmd(stream.Default, stdout),
		newSQLCmd(g, os.Stdin, stdout),
	)
	return root
}

// exactArgs is cobra.ExactArgs with a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
