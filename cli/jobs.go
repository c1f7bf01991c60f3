package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/runnel/runnel/coordinator"
)

func newJobsCmd(g *globals, stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "List, inspect and cancel jobs",
	}
	cmd.AddCommand(newJobsListCmd(g, stdout), newJobsShowCmd(g, stdout), newJobsCancelCmd(g, stdout))
	return cmd
}

func newJobsListCmd(g *globals, stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List jobs, newest first",
		Long:  "List every job the cluster knows, newest first.\n\nExit codes: 0 success, 1 error, 2 bad flag.",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newClient(g.addr)
			if err != nil {
				return err
			}
			var resp struct {
				Jobs []coordinator.JobSummary `json:"jobs"`
			}
			if err := c.do(http.MethodGet, "/v1/jobs", &resp); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tPARALLELISM\tSUBMITTED")
			for _, j := range resp.Jobs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", j.ID, j.Name, j.Status, j.Parallelism, j.SubmitTime.Format(time.DateTime))
			}
			return tw.Flush()
		},
	}
}

func newJobsShowCmd(g *globals, stdout io.Writer) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a job with its tasks and subtasks",
		Long:  "Show a job: status, error, and per chained task its subtasks with node, slot, state,\nrecords in and out, and backpressure.\n\nExit codes: 0 success, 1 unknown job or error, 2 bad flag.",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newClient(g.addr)
			if err != nil {
				return err
			}
			path := "/v1/jobs/" + url.PathEscape(args[0])
			if asJSON {
				var raw json.RawMessage
				if err := c.do(http.MethodGet, path, &raw); err != nil {
					return err
				}
				_, err := stdout.Write(raw)
				return err
			}
			var d coordinator.JobDetails
			if err := c.do(http.MethodGet, path, &d); err != nil {
				return err
			}
			printJob(stdout, d)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the API's JSON instead of tables")
	return cmd
}

func printJob(w io.Writer, d coordinator.JobDetails) {
	fmt.Fprintf(w, "job %s  %s  %s  attempt %d\n", d.ID, d.Name, d.Status, d.Attempt)
	if d.PendingReason != "" {
		fmt.Fprintf(w, "waiting: %s\n", d.PendingReason)
	}
	if d.Error != "" {
		fmt.Fprintf(w, "error: %s\n", d.Error)
	}
	for _, v := range d.Vertices {
		fmt.Fprintf(w, "\n%s (parallelism %d)\n", v.Name, v.Parallelism)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  SUBTASK\tNODE\tSLOT\tSTATUS\tRECORDS IN\tRECORDS OUT\tBACKPRESSURE")
		for _, s := range v.Subtasks {
			fmt.Fprintf(tw, "  %d\t%s\t%d\t%s\t%d\t%d\t%.0f%%\n", s.Index+1, s.Node, s.Slot, s.Status, s.RecordsIn, s.RecordsOut, 100*s.Backpressure)
		}
		tw.Flush()
	}
}

func newJobsCancelCmd(g *globals, stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a job",
		Long:  "Cancel a job: its subtasks stop and it ends CANCELED.\n\nExit codes: 0 canceling, 1 unknown or ended job, 2 bad argument.",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newClient(g.addr)
			if err != nil {
				return err
			}
			if err := c.send(http.MethodPost, "/v1/jobs/"+url.PathEscape(args[0])+"/cancel", nil, nil); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "job %s canceling\n", args[0])
			return nil
		},
	}
}
