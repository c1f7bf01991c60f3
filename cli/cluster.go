package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/runnel/runnel/node"
)

func newClusterCmd(g *globals, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Inspect and manage the cluster's nodes",
	}
	cmd.AddCommand(newClusterStatusCmd(g, stdout), newClusterRemoveCmd(g, stdout), newClusterTransferCmd(g, stdout))
	return cmd
}

func newClusterStatusCmd(g *globals, stdout io.Writer) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the cluster's members, their roles and the leader",
		Long: `Show the cluster as the node at --addr sees it: cluster id, leader, Raft term,
and every member with its gossip state (alive, suspect, dead, left), Raft role
(leader, follower, nonvoter, none), addresses and task slots. Any node answers
from its own state, also during an election.

Exit codes: 0 success, 1 the node could not be reached, 2 bad flag.`,
		Example: `  runnel cluster status --addr http://10.0.0.2:8081
  runnel cluster status --json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newClient(g.addr)
			if err != nil {
				return err
			}
			if asJSON {
				var raw json.RawMessage
				if err := c.do(http.MethodGet, "/v1/cluster", &raw); err != nil {
					return err
				}
				_, err := stdout.Write(raw)
				return err
			}
			var st node.ClusterStatus
			if err := c.do(http.MethodGet, "/v1/cluster", &st); err != nil {
				return err
			}
			printClusterStatus(stdout, st)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the API's JSON instead of a table")
	return cmd
}

func printClusterStatus(w io.Writer, st node.ClusterStatus) {
	leader := st.Leader
	if leader == "" {
		leader = "(none)"
	}
	fmt.Fprintf(w, "cluster %s  leader %s  term %d\n\n", st.ClusterID, leader, st.Term)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tROLE\tRPC\tHTTP\tSLOTS")
	for _, m := range st.Members {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", m.Name, m.State, m.Role, m.RPC, m.HTTP, m.Slots)
	}
	tw.Flush()
}

func newClusterRemoveCmd(g *globals, stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a failed or departed node from the cluster",
		Long: `Remove a node that has failed or left from Raft and the node table, without
waiting for --dead-node-reclaim. Alive nodes are refused: stop the node first.
Any node takes the request and forwards it to the leader.

Exit codes: 0 removed, 1 refused or failed, 2 bad argument.`,
		Example: `  runnel cluster remove n3`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newClient(g.addr)
			if err != nil {
				return err
			}
			if err := c.do(http.MethodDelete, "/v1/cluster/members/"+url.PathEscape(args[0]), nil); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "removed %s\n", args[0])
			return nil
		},
	}
}

func newClusterTransferCmd(g *globals, stdout io.Writer) *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "transfer-leadership",
		Short: "Move the Raft leadership, and with it the JobManager, to another node",
		Long: `Ask the leader to hand its leadership to the voter named by --to, or without
--to to another alive voter, and wait until it has stepped down. The JobManager
moves with the leadership; running jobs keep their tasks. Use it before
maintenance on the leader, or to put the JobManager on a node started with
--slots 0. Any node takes the request and forwards it to the leader.

A node that is unknown, not a voter or not alive is refused; naming the current
leader changes nothing.

Exit codes: 0 transferred, 1 refused or failed (also: no leader), 2 bad flag.`,
		Example: `  runnel cluster transfer-leadership
  runnel cluster transfer-leadership --to n2 --addr http://10.0.0.3:8081`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("to") && to == "" {
				return usagef("--to: must name a node")
			}
			c, err := newClient(g.addr)
			if err != nil {
				return err
			}
			var lt node.LeadershipTransfer
			if err := c.send(http.MethodPost, "/v1/cluster/leadership", node.TransferRequest{To: to}, &lt); err != nil {
				return err
			}
			switch {
			case lt.Leader == lt.Previous:
				fmt.Fprintf(stdout, "%s already leads\n", lt.Leader)
			case lt.Leader == "":
				fmt.Fprintf(stdout, "%s stepped down; no new leader known yet\n", lt.Previous)
			default:
				fmt.Fprintf(stdout, "leadership moved from %s to %s\n", lt.Previous, lt.Leader)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "name of the voter to take over (default: another alive voter)")
	return cmd
}
