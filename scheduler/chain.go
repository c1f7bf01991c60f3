package scheduler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/runnel/runnel/jobgraph"
)

// Chain validates g and chains its vertices into tasks by Flink's rules
// (StreamingJobGraphGenerator.isChainable), so that a job behaves, and its
// plan reads, as it would on Flink.
func Chain(g *jobgraph.JobGraph) (*Plan, error) {
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("job %q: %w", g.Name, err)
	}
	n := len(g.Vertices)
	ins := make([][]jobgraph.Edge, n)
	outs := make([][]jobgraph.Edge, n)
	for _, e := range g.Edges {
		ins[e.Target] = append(ins[e.Target], e)
		outs[e.Source] = append(outs[e.Source], e)
	}
	chained := make([]bool, len(g.Edges))
	head := make([]bool, n) // no chained input: starts a task
	for i := range head {
		head[i] = true
	}
	for _, e := range g.Edges {
		if chainable(g, e, len(ins[e.Target])) {
			chained[e.ID] = true
			head[e.Target] = false
		}
	}

	p := &Plan{taskOf: make([]TaskID, n)}
	for _, v := range topoOrder(n, ins, outs) {
		if !head[v] {
			continue
		}
		id := TaskID(len(p.Tasks))
		var members []jobgraph.VertexID
		var walk func(v jobgraph.VertexID)
		walk = func(v jobgraph.VertexID) {
			members = append(members, v)
			p.taskOf[v] = id
			for _, e := range outs[v] {
				if chained[e.ID] {
					walk(e.Target)
				}
			}
		}
		walk(v)
		names := make([]string, len(members))
		for i, m := range members {
			names[i] = g.Vertices[m].Name
		}
		hv := g.Vertices[v]
		p.Tasks = append(p.Tasks, Task{
			ID:               id,
			Name:             strings.Join(names, " -> "),
			Vertices:         members,
			Parallelism:      hv.Parallelism,
			MaxParallelism:   hv.MaxParallelism,
			SlotSharingGroup: hv.SlotSharingGroup,
		})
	}

	for _, e := range g.Edges {
		if chained[e.ID] {
			continue
		}
		p.Edges = append(p.Edges, TaskEdge{
			Edge:        e.ID,
			Source:      p.taskOf[e.Source],
			Target:      p.taskOf[e.Target],
			Partitioner: e.Partitioner,
		})
	}

	slots := map[string]int{}
	for _, t := range p.Tasks {
		slots[t.SlotSharingGroup] = max(slots[t.SlotSharingGroup], t.Parallelism)
	}
	for name, s := range slots {
		p.Groups = append(p.Groups, Group{Name: name, Slots: s})
	}
	slices.SortFunc(p.Groups, func(a, b Group) int { return strings.Compare(a.Name, b.Name) })
	return p, nil
}

// chainable is Flink's isChainable. Only a forward edge between equally
// parallel vertices of one slot-sharing group keeps every record in the
// same subtask and slot, which is what lets a method call replace the
// channel. The target needs a single input because a chained operator is
// driven by its upstream's calls; with two inputs it would need its own
// input loop. ChainHead and ChainNever are the user's explicit opt-outs.
func chainable(g *jobgraph.JobGraph, e jobgraph.Edge, targetInputs int) bool {
	src, dst := g.Vertices[e.Source], g.Vertices[e.Target]
	return targetInputs == 1 &&
		e.Partitioner == jobgraph.Forward &&
		src.Parallelism == dst.Parallelism &&
		src.SlotSharingGroup == dst.SlotSharingGroup &&
		src.Chaining != jobgraph.ChainNever &&
		dst.Chaining == jobgraph.ChainAlways
}

// topoOrder is Kahn's algorithm taking the lowest ready vertex id first, so
// a graph whose ids are already topological keeps its order and any other
// graph still gets one fixed order. g must be acyclic.
func topoOrder(n int, ins, outs [][]jobgraph.Edge) []jobgraph.VertexID {
	pending := make([]int, n)
	var ready []jobgraph.VertexID
	for v := range n {
		pending[v] = len(ins[v])
		if pending[v] == 0 {
			ready = append(ready, jobgraph.VertexID(v))
		}
	}
	order := make([]jobgraph.VertexID, 0, n)
	for len(ready) > 0 {
		i := slices.Index(ready, slices.Min(ready))
		v := ready[i]
		ready = slices.Delete(ready, i, i+1)
		order = append(order, v)
		for _, e := range outs[v] {
			pending[e.Target]--
			if pending[e.Target] == 0 {
				ready = append(ready, e.Target)
			}
		}
	}
	return order
}
