package examples

import (
	"fmt"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/stream"
)

// The wordcount job chains into two tasks: reading and splitting on one
// side of the hash exchange, counting and writing on the other.
func Example_wordcount() {
	prog, err := stream.Default.Build(jobgraph.Spec{
		Job: "wordcount", Parallelism: 4,
		Args: map[string]string{"input": "/data/in", "output": "/data/out"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := scheduler.Chain(prog.Graph())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(plan)
	// Output:
	// task 0 "Source: input -> Split -> Pair": parallelism 4, max parallelism 128, group "default", vertices 0 1 2
	// task 1 "Count -> Final count -> Sink: output": parallelism 4, max parallelism 128, group "default", vertices 3 4 5
	// edge 2: task 0 -> task 1, HASH
	// group "default": 4 slots
	// slots needed: 4
}
