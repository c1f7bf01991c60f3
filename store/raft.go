// Package store holds runnel's durable storage: the Raft log and stable store,
// the Raft snapshot store and (later) checkpoint storage. It knows nothing of
// the cluster; callers decide what goes in.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

const (
	// raftDir is the folder under the data dir that holds everything Raft
	// persists: raft.db (log entries and stable values such as the current
	// term and vote) and snapshots/.
	raftDir = "raft"
	// logCacheSize keeps the newest entries in memory so that followers
	// catching up and the FSM apply path rarely read bolt.
	logCacheSize = 512
	// snapshotsRetained is how many Raft snapshots stay on disk; one spare
	// lets a restore fall back if the newest is damaged.
	snapshotsRetained = 2
	// openTimeout bounds the wait for bolt's file lock, so a second process on
	// the same data dir fails with a clear error instead of hanging.
	openTimeout = time.Second
)

// Raft is the durable state of one Raft server, kept under <data dir>/raft.
//
// Durability: every log append and stable-store write is fsynced by bolt
// before it returns, which is what Raft's safety requires. Snapshots are
// written to a temporary folder and renamed into place when complete.
type Raft struct {
	Log       raft.LogStore
	Stable    raft.StableStore
	Snapshots raft.SnapshotStore

	bolt *raftboltdb.BoltStore
}

// OpenRaft opens (creating if needed) the Raft stores under dataDir.
func OpenRaft(dataDir string, logger hclog.Logger) (*Raft, error) {
	dir := filepath.Join(dataDir, raftDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create raft dir: %w", err)
	}
	path := filepath.Join(dir, "raft.db")
	bolt, err := raftboltdb.New(raftboltdb.Options{
		Path:        path,
		BoltOptions: &bbolt.Options{Timeout: openTimeout},
	})
	if err != nil {
		if errors.Is(err, bbolt.ErrTimeout) {
			return nil, fmt.Errorf("open %s: locked by another process (is a node already running on this data dir?)", path)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	cached, err := raft.NewLogCache(logCacheSize, bolt)
	if err != nil {
		bolt.Close()
		return nil, fmt.Errorf("raft log cache: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, snapshotsRetained, logger)
	if err != nil {
		bolt.Close()
		return nil, fmt.Errorf("raft snapshot store: %w", err)
	}
	return &Raft{Log: cached, Stable: bolt, Snapshots: snaps, bolt: bolt}, nil
}

// HasState reports whether this server has ever been part of a Raft
// cluster: a node with state must never bootstrap again.
func (r *Raft) HasState() (bool, error) {
	return raft.HasExistingState(r.Log, r.Stable, r.Snapshots)
}

// Close releases the bolt file. Call it only after raft has shut down.
func (r *Raft) Close() error {
	return r.bolt.Close()
}
