package coordinator

import (
	"context"
	"fmt"
)

// PutCatalogEntry writes a catalog object through Raft (CREATE TABLE with
// create set) and returns the log index it was applied at, so that the
// node that asked can wait until its own replica has it. Leader only.
func (c *Coordinator) PutCatalogEntry(ctx context.Context, e CatalogEntry, create bool) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	v, err := c.raftApply(PutCatalogEntryType, PutCatalogEntryRequest{Entry: e, Create: create})
	if err != nil {
		return 0, err
	}
	return appliedIndex(v)
}

// DeleteCatalogEntry drops a catalog object through Raft. Leader only.
func (c *Coordinator) DeleteCatalogEntry(ctx context.Context, name string) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	v, err := c.raftApply(DeleteCatalogEntryType, DeleteCatalogEntryRequest{Name: name})
	if err != nil {
		return 0, err
	}
	return appliedIndex(v)
}

func appliedIndex(v any) (uint64, error) {
	idx, ok := v.(uint64)
	if !ok {
		return 0, fmt.Errorf("catalog write answered %T", v)
	}
	return idx, nil
}
