package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/runnel/runnel/node"
)

func newSavepointCmd(g *globals, stdout io.Writer) *cobra.Command {
	var req node.SavepointRequest
	cmd := &cobra.Command{
		Use:   "savepoint JOB_ID",
		Short: "Take a savepoint of a running job",
		Long: `Take a savepoint of the running job JOB_ID and print its location, from which
'runnel run NAME --from-savepoint LOCATION' starts a job, also at another
parallelism. The job must take checkpoints.

With --cancel the job takes no checkpoint after the savepoint and is canceled
as soon as it is complete, so a job started from it goes on exactly where this
one stopped.

Exit codes: 0 savepoint taken, 1 refused or failed, 2 bad flag.`,
		Example: `  runnel savepoint 5f3c... --cancel
  runnel savepoint 5f3c... --dir file:///shared/savepoints`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if d := req.Dir; d != "" && !strings.HasPrefix(d, "file:///") && !strings.HasPrefix(d, "s3://") {
				return usagef("--dir %q: want file:///absolute/dir or s3://bucket/prefix", d)
			}
			c, err := newClient(g.addr)
			if err != nil {
				return err
			}
			var resp node.SavepointResponse
			if err := c.send(http.MethodPost, "/v1/jobs/"+url.PathEscape(args[0])+"/savepoints", req, &resp); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "savepoint of job %s: %s\n", args[0], resp.Location)
			return nil
		},
	}
	cmd.Flags().StringVar(&req.Dir, "dir", "", "URL the savepoint goes under (default: the job's checkpoint storage's savepoints/)")
	cmd.Flags().BoolVar(&req.Cancel, "cancel", false, "cancel the job once the savepoint is complete")
	return cmd
}
