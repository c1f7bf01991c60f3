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
	cmd.AddCommand(newClusterStatusCmd(g, stdout), newClusterRemoveCmd(g, stdout))
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
