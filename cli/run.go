package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/node"
)

func newRunCmd(g *globals, stdout io.Writer) *cobra.Command {
	var (
		f      jobFlags
		detach bool
	)
	cmd := &cobra.Command{
		Use:   "run NAME",
		Short: "Submit a registered job to the cluster",
		Long: `Submit the job NAME, registered in this binary and so in every node, with its
arguments. Any node takes the submission and forwards it to the leader.

Attached (the default), the command follows the job, printing its progress, and
ends with the job's final state. Ctrl-C stops following; the job keeps running.
With --detach it prints the job id and returns at once.

Exit codes: 0 submitted (detached) or FINISHED, 1 FAILED, CANCELED or an error,
2 bad flag or argument.`,
		Example: `  runnel run wordcount -p 4 --arg input=/data/in --arg output=/data/out
  runnel run seqcount -p 2 --arg output=/data/out -D execution.checkpointing.interval=1s
  runnel run seqcount -p 4 --arg output=/data/out --from-savepoint file:///data/savepoints/savepoint-5f3c2a-12
  runnel run wordcount --detach --arg input=in.txt --arg output=out`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := f.spec(args[0])
			if err != nil {
				return err
			}
			c, err := newClient(g.addr)
			if err != nil {
				return err
			}
			var resp node.SubmitResponse
			req := node.SubmitRequest{
				Job: spec.Job, Args: spec.Args, Parallelism: spec.Parallelism, Settings: spec.Settings,
				FromSavepoint: spec.FromSavepoint, AllowNonRestoredState: spec.AllowNonRestoredState,
			}
			if err := c.send(http.MethodPost, "/v1/jobs", req, &resp); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "job %s submitted\n", resp.ID)
			if detach {
				return nil
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return follow(ctx, c, resp.ID, stdout)
		},
	}
	f.bind(cmd.Flags())
	cmd.Flags().BoolVar(&detach, "detach", false, "return after submitting instead of following the job")
	return cmd
}

// follow polls the job until it ends, printing each change of status and,
// while it runs, its record counts every few seconds.
func follow(ctx context.Context, c *client, id string, w io.Writer) error {
	var last coordinator.JobStatus
	lastProgress := time.Now()
	for {
		var d coordinator.JobDetails
		err := c.do(http.MethodGet, "/v1/jobs/"+id, &d)
		switch {
		case err != nil:
			fmt.Fprintf(w, "(cannot reach the cluster: %v; retrying)\n", err)
		case d.Status != last:
			last = d.Status
			fmt.Fprintf(w, "%s %s", time.Now().Format("15:04:05"), d.Status)
			if d.PendingReason != "" {
				fmt.Fprintf(w, " (%s)", d.PendingReason)
			}
			fmt.Fprintln(w)
		case d.Status == coordinator.JobRunning && time.Since(lastProgress) > 5*time.Second:
			lastProgress = time.Now()
			in, out := progress(d)
			fmt.Fprintf(w, "%s RUNNING records in %d, out %d\n", time.Now().Format("15:04:05"), in, out)
		}
		if err == nil && d.Status.Terminal() {
			in, out := progress(d)
			fmt.Fprintf(w, "job %s %s (records in %d, out %d)\n", id, d.Status, in, out)
			if d.Status == coordinator.JobFinished {
				return nil
			}
			if d.Error != "" {
				return fmt.Errorf("job %s %s: %s", id, d.Status, d.Error)
			}
			return fmt.Errorf("job %s %s", id, d.Status)
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(w, "stopped following; job %s keeps running (runnel jobs cancel %s)\n", id, id)
			return errors.New("interrupted")
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// progress sums the records entering the first task and leaving every
// task.
func progress(d coordinator.JobDetails) (in, out uint64) {
	for i, v := range d.Vertices {
		for _, s := range v.Subtasks {
			if i == 0 {
				in += s.RecordsIn
			}
			out += s.RecordsOut
		}
	}
	return in, out
}
