package scheduler

import (
	"fmt"
	"strings"

	"github.com/runnel/runnel/jobgraph"
)

// TaskID identifies a task within its plan: its index in Plan.Tasks.
type TaskID int

// Task is a chain of vertices that runs as one unit: its subtasks pass
// records between the chained operators by method calls, not channels.
type Task struct {
	ID TaskID
	// Name joins the vertex names with " -> " in Vertices order, so logs
	// and `runnel plan` show what a task runs.
	Name string
	// Vertices are head first, then depth first in edge order, so that
	// every node builds its chains in the same order.
	Vertices []jobgraph.VertexID
	// Parallelism is shared by every vertex of the chain.
	Parallelism int
	// MaxParallelism is the head's, as in Flink.
	MaxParallelism   int
	SlotSharingGroup string
}

// TaskEdge is a job graph edge that chaining left between two tasks: the
// only edges that need network channels.
type TaskEdge struct {
	Edge           jobgraph.EdgeID
	Source, Target TaskID
	Partitioner    jobgraph.Partitioner
}

// Group is a slot-sharing group. Because subtask i of every task in the
// group shares the group's i-th slot, the group needs as many slots as its
// widest task.
type Group struct {
	Name  string
	Slots int
}

// Plan is a chained job: its tasks, the edges between them and the slots
// its groups need.
type Plan struct {
	// Tasks are in topological order, so starting or building them in
	// order always finds the upstream task already there.
	Tasks []Task
	// Edges are in job graph edge order.
	Edges []TaskEdge
	// Groups are sorted by name.
	Groups []Group

	// taskOf indexes Tasks by vertex. Chain fills it; a Plan built or
	// decoded elsewhere lacks it and TaskOf falls back to a scan, so
	// TaskOf never writes and stays safe for concurrent use.
	taskOf []TaskID
}

// TaskOf returns the task that runs vertex v, or -1 if no task does.
func (p *Plan) TaskOf(v jobgraph.VertexID) TaskID {
	if v >= 0 && int(v) < len(p.taskOf) {
		return p.taskOf[v]
	}
	for _, t := range p.Tasks {
		for _, tv := range t.Vertices {
			if tv == v {
				return t.ID
			}
		}
	}
	return -1
}

// SlotsNeeded is the number of slots the job occupies: groups never share
// slots, so their needs add up.
func (p *Plan) SlotsNeeded() int {
	n := 0
	for _, g := range p.Groups {
		n += g.Slots
	}
	return n
}

// String describes the plan for `runnel plan`, one line per task, edge and
// group. Names are quoted because task names contain " -> " and group names
// may be empty. The format is pinned by golden files: change it on purpose.
func (p *Plan) String() string {
	var b strings.Builder
	for _, t := range p.Tasks {
		fmt.Fprintf(&b, "task %d %q: parallelism %d, max parallelism %d, group %q, vertices", t.ID, t.Name, t.Parallelism, t.MaxParallelism, t.SlotSharingGroup)
		for _, v := range t.Vertices {
			fmt.Fprintf(&b, " %d", v)
		}
		b.WriteByte('\n')
	}
	for _, e := range p.Edges {
		fmt.Fprintf(&b, "edge %d: task %d -> task %d, %s\n", e.Edge, e.Source, e.Target, e.Partitioner)
	}
	for _, g := range p.Groups {
		fmt.Fprintf(&b, "group %q: %d slots\n", g.Name, g.Slots)
	}
	fmt.Fprintf(&b, "slots needed: %d\n", p.SlotsNeeded())
	return b.String()
}
