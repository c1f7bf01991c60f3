package scheduler

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/runnel/runnel/jobgraph"
)

func singleTask(p int) func() *jobgraph.JobGraph {
	return func() *jobgraph.JobGraph {
		g := newGraph("single")
		return &g.pipe(jobgraph.Forward, g.source("src", p), g.sink("sink", p)).JobGraph
	}
}

func nodes(n, slots int) []NodeSlots {
	var out []NodeSlots
	for i := range n {
		ns := NodeSlots{Node: string(rune('a' + i))}
		for s := range slots {
			ns.Free = append(ns.Free, s)
		}
		out = append(out, ns)
	}
	return out
}

func TestAssign(t *testing.T) {
	tests := []struct {
		name    string
		graph   func() *jobgraph.JobGraph
		nodes   []NodeSlots
		want    Assignment     // exact placement, if given
		perNode map[string]int // slots used per node, if given
		err     string
	}{
		{
			name:  "parallelism 4 spreads 2,1,1 over three nodes of two slots",
			graph: singleTask(4),
			nodes: nodes(3, 2),
			want: Assignment{
				{0, 0}: {"a", 0}, {0, 1}: {"b", 0}, {0, 2}: {"c", 0}, {0, 3}: {"a", 1},
			},
		},
		{
			name:  "subtask i of every task shares the group's i-th slot",
			graph: wordCount,
			nodes: nodes(2, 2),
			want: Assignment{
				{0, 0}: {"a", 0}, {0, 1}: {"b", 0},
				{1, 0}: {"a", 0}, {1, 1}: {"b", 0}, {1, 2}: {"a", 1}, {1, 3}: {"b", 1},
			},
		},
		{
			name:    "groups take separate slots, spread over all nodes",
			graph:   twoGroups,
			nodes:   nodes(3, 2),
			perNode: map[string]int{"a": 2, "b": 2, "c": 1},
			want: Assignment{
				{0, 0}: {"a", 0}, {0, 1}: {"b", 0},
				{1, 0}: {"c", 0}, {1, 1}: {"a", 1}, {1, 2}: {"b", 1},
			},
		},
		{
			name:  "nodes with most free slots come first, ties by name",
			graph: singleTask(6),
			nodes: []NodeSlots{{"c", []int{4, 3}}, {"a", []int{7}}, {"b", []int{2, 0, 1}}},
			want: Assignment{
				{0, 0}: {"b", 0}, {0, 1}: {"c", 3}, {0, 2}: {"a", 7},
				{0, 3}: {"b", 1}, {0, 4}: {"c", 4}, {0, 5}: {"b", 2},
			},
		},
		{
			name:    "full nodes are skipped",
			graph:   singleTask(2),
			nodes:   []NodeSlots{{"a", nil}, {"b", []int{0}}, {"c", []int{}}, {"d", []int{1}}},
			perNode: map[string]int{"b": 1, "d": 1},
		},
		{
			name:  "exactly enough slots",
			graph: twoGroups,
			nodes: nodes(5, 1),
		},
		{
			name:  "not enough slots names every group",
			graph: twoGroups,
			nodes: nodes(2, 2),
			err:   "not enough free slots: job needs 5 slots (group a: 2, group b: 3), cluster has 4 free",
		},
		{
			name:  "no nodes",
			graph: singleTask(1),
			err:   "not enough free slots: job needs 1 slots (group default: 1), cluster has 0 free",
		},
		{
			name:  "a node listed twice is rejected",
			graph: singleTask(1),
			nodes: []NodeSlots{{"a", []int{0}}, {"a", []int{1}}},
			err:   "node a listed twice",
		},
		{
			name:  "a slot listed twice is rejected",
			graph: singleTask(1),
			nodes: []NodeSlots{{"a", []int{1, 0, 1}}},
			err:   "node a: slot 1 listed twice",
		},
		{
			name:  "a negative slot is rejected",
			graph: singleTask(1),
			nodes: []NodeSlots{{"a", []int{-1}}},
			err:   "node a: negative slot index -1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Chain(tt.graph())
			if err != nil {
				t.Fatal(err)
			}
			a, err := Assign(p, tt.nodes)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("Assign error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Assign: %v", err)
			}
			if tt.want != nil && !maps.Equal(a, tt.want) {
				t.Errorf("assignment\n got %v\nwant %v", a, tt.want)
			}
			if tt.perNode != nil {
				used := map[string]int{}
				for _, s := range distinctSlots(a) {
					used[s.Node]++
				}
				if !maps.Equal(used, tt.perNode) {
					t.Errorf("slots used per node %v, want %v", used, tt.perNode)
				}
			}
			checkAssignment(t, p, tt.nodes, a)
		})
	}
}

func distinctSlots(a Assignment) []Slot {
	set := map[Slot]bool{}
	for _, s := range a {
		set[s] = true
	}
	return slices.Collect(maps.Keys(set))
}

// checkAssignment checks the slot-sharing rules on any assignment.
func checkAssignment(t *testing.T, p *Plan, nodes []NodeSlots, a Assignment) {
	t.Helper()
	free := map[Slot]bool{}
	for _, n := range nodes {
		for _, s := range n.Free {
			free[Slot{n.Node, s}] = true
		}
	}
	want := 0
	for _, task := range p.Tasks {
		want += task.Parallelism
		for i := range task.Parallelism {
			s, ok := a[SubtaskID{task.ID, i}]
			if !ok {
				t.Errorf("subtask %d/%d of %s not placed", i, task.Parallelism, task.Name)
			} else if !free[s] {
				t.Errorf("subtask %d of %s placed in %v, which is not free", i, task.Name, s)
			}
		}
	}
	if len(a) != want {
		t.Errorf("assignment has %d subtasks, plan has %d", len(a), want)
	}
	type holding struct {
		tasks  map[TaskID]bool
		groups map[string]bool
	}
	slots := map[Slot]*holding{}
	for st, s := range a {
		h := slots[s]
		if h == nil {
			h = &holding{map[TaskID]bool{}, map[string]bool{}}
			slots[s] = h
		}
		if h.tasks[st.Task] {
			t.Errorf("slot %v holds two subtasks of task %d", s, st.Task)
		}
		h.tasks[st.Task] = true
		h.groups[p.Tasks[st.Task].SlotSharingGroup] = true
	}
	for s, h := range slots {
		if len(h.groups) > 1 {
			t.Errorf("slot %v is shared by groups %v", s, slices.Sorted(maps.Keys(h.groups)))
		}
	}
	perGroup := map[string]map[Slot]bool{}
	for st, s := range a {
		g := p.Tasks[st.Task].SlotSharingGroup
		if perGroup[g] == nil {
			perGroup[g] = map[Slot]bool{}
		}
		perGroup[g][s] = true
	}
	for _, g := range p.Groups {
		if len(perGroup[g.Name]) != g.Slots {
			t.Errorf("group %s uses %d slots, needs %d", g.Name, len(perGroup[g.Name]), g.Slots)
		}
	}
	if len(slots) != p.SlotsNeeded() {
		t.Errorf("assignment uses %d slots, plan needs %d", len(slots), p.SlotsNeeded())
	}
}

func TestAssignNotEnoughSlotsIsWrapped(t *testing.T) {
	p, err := Chain(twoGroups())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Assign(p, nodes(1, 4)); !errors.Is(err, ErrNotEnoughSlots) {
		t.Fatalf("Assign error = %v, want one wrapping ErrNotEnoughSlots", err)
	}
}

func TestAssignIsDeterministic(t *testing.T) {
	p, err := Chain(twoGroups())
	if err != nil {
		t.Fatal(err)
	}
	in := []NodeSlots{{"x", []int{0, 1, 2}}, {"y", []int{5, 6}}, {"z", []int{9, 8}}, {"w", nil}}
	first, err := Assign(p, in)
	if err != nil {
		t.Fatal(err)
	}
	// The same nodes in every order, with slots listed in every order,
	// must give the same placement.
	for i := range 50 {
		shuffled := slices.Clone(in)
		for j := range shuffled {
			k := (i*7 + j*3) % len(shuffled)
			shuffled[j], shuffled[k] = shuffled[k], shuffled[j]
		}
		for j := range shuffled {
			shuffled[j].Free = slices.Clone(shuffled[j].Free)
			if i%2 == 1 {
				slices.Reverse(shuffled[j].Free)
			}
		}
		got, err := Assign(p, shuffled)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, first) {
			t.Fatalf("run %d with nodes %v:\n got %v\nwant %v", i, shuffled, got, first)
		}
	}
	if in[0].Free[0] != 0 || in[2].Free[0] != 9 {
		t.Error("Assign modified its input")
	}
}

func TestAssignRejectsInconsistentPlan(t *testing.T) {
	tests := []struct {
		name string
		plan *Plan
		err  string
	}{
		{
			name: "task in an unknown group",
			plan: &Plan{
				Tasks:  []Task{{ID: 0, Name: "src", Parallelism: 1, SlotSharingGroup: "x"}},
				Groups: []Group{{"y", 1}},
			},
			err: `task 0 (src): slot-sharing group "x" is not in the plan`,
		},
		{
			name: "task wider than its group",
			plan: &Plan{
				Tasks:  []Task{{ID: 0, Name: "src", Parallelism: 3, SlotSharingGroup: "x"}},
				Groups: []Group{{"x", 2}},
			},
			err: `task 0 (src): parallelism 3 exceeds the 2 slots of group "x"`,
		},
		{
			name: "group listed twice",
			plan: &Plan{Groups: []Group{{"x", 1}, {"x", 1}}},
			err:  `plan lists slot-sharing group "x" twice`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Assign(tt.plan, nodes(2, 4))
			if err == nil || err.Error() != tt.err {
				t.Fatalf("Assign error = %v, want %q", err, tt.err)
			}
		})
	}
}
