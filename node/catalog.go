package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/table"
)

// tablePrefix keys tables in the FSM's catalog, leaving room for other
// kinds of catalog objects.
const tablePrefix = "table/"

// raftCatalog is the cluster's catalog: tables live in the Raft log, so a
// table created through one node is seen by every node and survives a full
// restart. Reads come from this node's replica; a write goes to the leader
// and returns once this replica has applied it, so the writer reads its
// own write.
type raftCatalog struct{ n *Node }

func (c raftCatalog) Table(_ context.Context, name string) (*table.CatalogTable, error) {
	e, ok := c.n.fsm.CatalogEntry(tablePrefix + name)
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, table.ErrTableNotFound)
	}
	return table.DecodeTable(e.Data)
}

func (c raftCatalog) CreateTable(ctx context.Context, t *table.CatalogTable, ignoreIfExists bool) error {
	b, err := table.EncodeTable(t)
	if err != nil {
		return err
	}
	req := coordinator.PutCatalogEntryRequest{Entry: coordinator.CatalogEntry{Name: tablePrefix + t.Name, Data: b}, Create: true}
	var idx uint64
	if err := c.n.onLeaderRetry(ctx, methodCatalogPut, req, &idx); err != nil {
		if statusOf(err) == http.StatusConflict {
			if ignoreIfExists {
				return nil
			}
			return fmt.Errorf("%s: %w", t.Name, table.ErrTableExists)
		}
		return err
	}
	return c.n.waitApplied(ctx, idx)
}

func (c raftCatalog) DropTable(ctx context.Context, name string, ignoreIfNotExists bool) error {
	var idx uint64
	if err := c.n.onLeaderRetry(ctx, methodCatalogDelete, tablePrefix+name, &idx); err != nil {
		if statusOf(err) == http.StatusNotFound {
			if ignoreIfNotExists {
				return nil
			}
			return fmt.Errorf("%s: %w", name, table.ErrTableNotFound)
		}
		return err
	}
	return c.n.waitApplied(ctx, idx)
}

func (c raftCatalog) Tables(context.Context) ([]string, error) {
	var out []string
	for _, name := range c.n.fsm.CatalogNames() {
		if t, ok := strings.CutPrefix(name, tablePrefix); ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// waitApplied waits until this node's FSM has applied the log index idx.
func (n *Node) waitApplied(ctx context.Context, idx uint64) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for n.raft.AppliedIndex() < idx {
		select {
		case <-ctx.Done():
			return errors.New("the catalog change was made, but this node has not applied it yet")
		case <-t.C:
		}
	}
	return nil
}

// onLeaderRetry is onLeader retried for up to ten seconds while the
// cluster has no leader or the leadership is moving: a catalog write is a
// single Raft entry, so retrying it cannot apply it twice with another
// effect (a retried CREATE that did commit reports "already exists").
func (n *Node) onLeaderRetry(ctx context.Context, method string, req, resp any) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := n.onLeader(ctx, method, req, resp)
		if err == nil || statusOf(err) != http.StatusServiceUnavailable || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
