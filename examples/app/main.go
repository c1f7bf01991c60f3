// Command app is a user's own runnel binary (Flink's application mode):
// it registers its jobs and hands over to runnel's command line, so the
// same binary runs the nodes and submits the jobs. Every node of a cluster
// must run this binary, since nodes rebuild a job's functions from its
// name.
package main

import (
	"strings"

	"github.com/runnel/runnel/cli"
	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/stream"
)

func main() {
	stream.RegisterJob("shout", buildShout)
	cli.Main()
}

// buildShout upper-cases every line of the input and writes the lines to
// the output folder; args: input (a file or folder), output (a folder).
func buildShout(env *stream.Env, args stream.Args) error {
	in, err := args.Required("input")
	if err != nil {
		return err
	}
	out, err := args.Required("output")
	if err != nil {
		return err
	}
	lines := stream.FromSource(env, connector.NewFileSource(in), "input")
	loud := stream.Map(lines, strings.ToUpper).Name("Shout").Rebalance()
	stream.SinkTo(loud, connector.NewLineFileSink(out), "output")
	return nil
}
