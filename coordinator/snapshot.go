package coordinator

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/hashicorp/raft"
	"github.com/vmihailenco/msgpack/v5"
)

// SnapshotType tags each record of a snapshot. A snapshot is a stream of
// records, each a type byte and a msgpack value, so a table can grow without
// rewriting the others. Values are stored on disk: add at the end, never reuse.
type SnapshotType uint8

const (
	ClusterIDSnapshot SnapshotType = iota
	NodeSnapshot
	JobSnapshot
	DeploymentSnapshot
	CheckpointSnapshot
	CatalogSnapshot
)

type snapshot struct {
	state *State
}

func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	w := bufio.NewWriter(sink)
	if err := writeSnapshot(w, s.state); err != nil {
		sink.Cancel()
		return fmt.Errorf("persist snapshot: %w", err)
	}
	if err := w.Flush(); err != nil {
		sink.Cancel()
		return fmt.Errorf("persist snapshot: %w", err)
	}
	return sink.Close()
}

func (s *snapshot) Release() {}

func writeSnapshot(w io.Writer, s *State) error {
	enc := msgpack.NewEncoder(w)
	rec := func(t SnapshotType, v any) error {
		if _, err := w.Write([]byte{byte(t)}); err != nil {
			return err
		}
		return enc.Encode(v)
	}
	if err := rec(ClusterIDSnapshot, s.ClusterID); err != nil {
		return err
	}
	for _, n := range s.Nodes {
		if err := rec(NodeSnapshot, n); err != nil {
			return err
		}
	}
	for _, j := range s.Jobs {
		if err := rec(JobSnapshot, j); err != nil {
			return err
		}
	}
	for _, d := range s.Deployments {
		if err := rec(DeploymentSnapshot, d); err != nil {
			return err
		}
	}
	for _, c := range s.Checkpoints {
		if err := rec(CheckpointSnapshot, c); err != nil {
			return err
		}
	}
	for _, c := range s.Catalog {
		if err := rec(CatalogSnapshot, c); err != nil {
			return err
		}
	}
	return nil
}

// readSnapshot reads records until EOF.
func readSnapshot(r *bufio.Reader) (*State, error) {
	s := newState()
	dec := msgpack.NewDecoder(r)
	for {
		b, err := r.ReadByte()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return nil, err
		}
		t := SnapshotType(b)
		switch t {
		case ClusterIDSnapshot:
			err = dec.Decode(&s.ClusterID)
		case NodeSnapshot:
			var n Node
			if err = dec.Decode(&n); err == nil {
				s.Nodes[n.Name] = n
			}
		case JobSnapshot:
			var j Job
			if err = dec.Decode(&j); err == nil {
				s.Jobs[j.ID] = j
			}
		case DeploymentSnapshot:
			var d Deployment
			if err = dec.Decode(&d); err == nil {
				s.Deployments[d.JobID] = d
			}
		case CheckpointSnapshot:
			var c JobCheckpoints
			if err = dec.Decode(&c); err == nil {
				s.Checkpoints[c.JobID] = c
			}
		case CatalogSnapshot:
			var c CatalogEntry
			if err = dec.Decode(&c); err == nil {
				s.Catalog[c.Name] = c
			}
		default:
			return nil, fmt.Errorf("unknown snapshot record type %d", b)
		}
		if err != nil {
			return nil, fmt.Errorf("snapshot record %d: %w", b, err)
		}
	}
}
