package scheduler

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// NodeSlots is one node's free slot indexes.
type NodeSlots struct {
	Node string
	Free []int
}

// SubtaskID names one parallel instance of a task.
type SubtaskID struct {
	Task  TaskID
	Index int
}

// Slot is one slot of one node.
type Slot struct {
	Node  string
	Index int
}

// Assignment places every subtask of a plan in a slot.
type Assignment map[SubtaskID]Slot

// ErrNotEnoughSlots is wrapped by Assign when the cluster's free slots
// cannot hold the job, so callers can tell "wait for capacity" from a bad
// plan.
var ErrNotEnoughSlots = errors.New("not enough free slots")

// Assign places every subtask of p in a free slot of nodes.
//
// Slot sharing, as in Flink: within a group, subtask i of every task goes
// to the group's i-th slot. A slot then holds one whole pipeline slice
// (source i, map i, sink i...), which keeps forward exchanges local and
// sizes the job by its widest task rather than by the sum of all tasks.
// Different groups never share a slot, since isolating them is the reason
// a user puts operators in different groups.
//
// Slots are dealt round robin over the nodes, ordered by most free slots
// and then by name, so the job spreads evenly and the same input always
// gives the same placement whatever the order of nodes.
func Assign(p *Plan, nodes []NodeSlots) (Assignment, error) {
	order, err := spread(nodes)
	if err != nil {
		return nil, err
	}
	if need := p.SlotsNeeded(); need > len(order) {
		parts := make([]string, len(p.Groups))
		for i, g := range p.Groups {
			parts[i] = fmt.Sprintf("group %s: %d", g.Name, g.Slots)
		}
		return nil, fmt.Errorf("%w: job needs %d slots (%s), cluster has %d free",
			ErrNotEnoughSlots, need, strings.Join(parts, ", "), len(order))
	}

	shared := make(map[string][]Slot, len(p.Groups))
	next := 0
	for _, g := range p.Groups {
		if _, dup := shared[g.Name]; dup {
			return nil, fmt.Errorf("plan lists slot-sharing group %q twice", g.Name)
		}
		shared[g.Name] = order[next : next+g.Slots]
		next += g.Slots
	}

	a := make(Assignment)
	for _, t := range p.Tasks {
		slots, ok := shared[t.SlotSharingGroup]
		switch {
		case !ok:
			return nil, fmt.Errorf("task %d (%s): slot-sharing group %q is not in the plan", t.ID, t.Name, t.SlotSharingGroup)
		case t.Parallelism > len(slots):
			return nil, fmt.Errorf("task %d (%s): parallelism %d exceeds the %d slots of group %q",
				t.ID, t.Name, t.Parallelism, len(slots), t.SlotSharingGroup)
		}
		for i := range t.Parallelism {
			a[SubtaskID{Task: t.ID, Index: i}] = slots[i]
		}
	}
	return a, nil
}

// spread lists every free slot in the order Assign hands them out: the
// first free slot of each node, then the second of each, and so on, nodes
// ordered by most free slots and then by name. Duplicate nodes or slots
// are rejected: dealing one slot twice would overbook it.
func spread(nodes []NodeSlots) ([]Slot, error) {
	type node struct {
		name string
		free []int
	}
	var ns []node
	seen := map[string]bool{}
	for _, n := range nodes {
		if seen[n.Node] {
			return nil, fmt.Errorf("node %s listed twice", n.Node)
		}
		seen[n.Node] = true
		free := slices.Clone(n.Free)
		slices.Sort(free)
		for i, s := range free {
			if s < 0 {
				return nil, fmt.Errorf("node %s: negative slot index %d", n.Node, s)
			}
			if i > 0 && free[i-1] == s {
				return nil, fmt.Errorf("node %s: slot %d listed twice", n.Node, s)
			}
		}
		if len(free) > 0 {
			ns = append(ns, node{n.Node, free})
		}
	}
	slices.SortFunc(ns, func(a, b node) int {
		return cmp.Or(cmp.Compare(len(b.free), len(a.free)), strings.Compare(a.name, b.name))
	})
	var order []Slot
	for round := 0; len(ns) > 0; round++ {
		// ns is sorted by free count, so the nodes that ran out are a tail.
		for len(ns) > 0 && len(ns[len(ns)-1].free) <= round {
			ns = ns[:len(ns)-1]
		}
		for _, n := range ns {
			order = append(order, Slot{Node: n.name, Index: n.free[round]})
		}
	}
	return order, nil
}
