package coordinator

// ResourceManager keeps the node table, and so the cluster's task slots,
// in line with gossip: it records every alive node's addresses, slots and
// incarnation in Raft, so that schedulers on any future leader see the same
// slots, and a node that restarted (new incarnation) is noticed.
type ResourceManager struct {
	fsm   *FSM
	apply applyFunc
}

// reconcile upserts alive members whose record differs from the table.
// Nodes leave the table only when they leave Raft (reconcileRaft,
// RemoveNode): a dead node's record says which slots were lost.
func (rm *ResourceManager) reconcile(members []Member) error {
	table := rm.fsm.Nodes()
	for _, m := range members {
		if m.State != StateAlive || m.Name == "" {
			continue
		}
		if cur, ok := table[m.Name]; ok && cur == m.Node {
			continue
		}
		if _, err := rm.apply(UpsertNodeType, UpsertNodeRequest{Node: m.Node}); err != nil {
			return err
		}
	}
	return nil
}
