package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/scheduler"
)

func newPlanCmd(jobs operator.Builder, stdout io.Writer) *cobra.Command {
	var f jobFlags
	cmd := &cobra.Command{
		Use:   "plan NAME",
		Short: "Print a job's chained tasks, edges and slot-sharing groups without running it",
		Long: `Build the registered job NAME with its arguments, chain its operators into
tasks as the cluster would, and print the tasks with their parallelism and
slot-sharing group, the edges between tasks with their partitioning, and the
slots each group needs. Nothing is submitted.

Exit codes: 0 success, 2 unknown job or bad argument.`,
		Example: `  runnel plan wordcount -p 4 --arg input=/data/in --arg output=/data/out`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := f.spec(args[0])
			if err != nil {
				return err
			}
			prog, err := jobs.Build(spec)
			if err != nil {
				return usageError{err}
			}
			plan, err := scheduler.Chain(prog.Graph())
			if err != nil {
				return usageError{err}
			}
			fmt.Fprint(stdout, plan.String())
			return nil
		},
	}
	f.bind(cmd.Flags())
	return cmd
}
