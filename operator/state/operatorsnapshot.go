package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/runnel/runnel/operator/internal/snapio"
)

// An operator store's snapshot, as Snapshot writes it:
//
//	version byte (1)
//	states  uvarint count, then each state:
//	  name  uvarint length, bytes
//	  mode  byte (1 split list, 2 union list, 3 broadcast map)
//	  items uvarint length, then items up to that length
//
// An item is a uvarint length and its operator.CodecFor bytes: a list's
// elements one by one, a map's keys and values alternating. Items carry
// their own lengths so that the redistribution can split a list between
// subtasks, and concatenate lists, without knowing the types.
const opSnapshotVersion = 1

// Snapshot writes the state of every registered state of s to w, and the
// restored states not yet registered as they were read.
func (s *OperatorStore) Snapshot(w io.Writer) error {
	buf, err := s.AppendSnapshot(nil)
	if err != nil {
		return err
	}
	_, err = w.Write(buf)
	return err
}

// AppendSnapshot appends the snapshot Snapshot writes to buf.
func (s *OperatorStore) AppendSnapshot(buf []byte) ([]byte, error) {
	buf = append(buf, opSnapshotVersion)
	buf = binary.AppendUvarint(buf, uint64(len(s.ordered)+len(s.pending)))
	var data []byte
	for _, r := range s.ordered {
		var err error
		if data, err = r.state.snapshot(data[:0]); err != nil {
			return buf, fmt.Errorf("operator state %q: snapshot: %w", r.name, err)
		}
		buf = appendOpRecord(buf, r.name, opRecord{mode: r.mode, data: data})
	}
	for _, name := range slices.Sorted(maps.Keys(s.pending)) {
		buf = appendOpRecord(buf, name, s.pending[name])
	}
	return buf, nil
}

func appendOpRecord(buf []byte, name string, r opRecord) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(name)))
	buf = append(buf, name...)
	buf = append(buf, byte(r.mode))
	buf = binary.AppendUvarint(buf, uint64(len(r.data)))
	return append(buf, r.data...)
}

// Restore reads one snapshot from r, reading no further than it: one
// that RedistributeOperatorState made for this subtask, or one of the
// same subtask at the same parallelism. A state registered already takes
// its items now, the others keep them until registered. Restoring a
// state twice adds the second snapshot's items to the first's. After an
// error s may hold some of the snapshot's states: restore into a new
// store.
func (s *OperatorStore) Restore(r io.Reader) error {
	err := readOpSnapshot(snapio.NewByteReader(r), func(name string, rec opRecord) error {
		if reg, ok := s.states[name]; ok {
			if reg.mode != rec.mode {
				return fmt.Errorf("operator state %q: restored a %s state, registered as a %s state", name, rec.mode, reg.mode)
			}
			if err := reg.state.restore(rec.data); err != nil {
				return fmt.Errorf("operator state %q: restore: %w", name, err)
			}
			return nil
		}
		if _, err := splitItems(rec); err != nil {
			return fmt.Errorf("operator state %q: %w", name, err)
		}
		prev, ok := s.pending[name]
		switch {
		case !ok:
			s.pending[name] = rec
		case prev.mode != rec.mode:
			return fmt.Errorf("operator state %q: restored as a %s state and as a %s state", name, prev.mode, rec.mode)
		default:
			s.pending[name] = opRecord{mode: rec.mode, data: append(prev.data, rec.data...)}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: restore operator state: %w", err)
	}
	return nil
}

// readOpSnapshot reads one snapshot from in and calls visit for each of
// its states.
func readOpSnapshot(in snapio.ByteReader, visit func(name string, rec opRecord) error) error {
	version, err := in.ReadByte()
	if err != nil {
		return snapio.NoEOF(err)
	}
	if version != opSnapshotVersion {
		return fmt.Errorf("snapshot version %d, want %d", version, opSnapshotVersion)
	}
	n, err := binary.ReadUvarint(in)
	if err != nil {
		return snapio.NoEOF(err)
	}
	for range n {
		name, err := readBytes(in)
		if err != nil {
			return snapio.NoEOF(err)
		}
		mode, err := in.ReadByte()
		if err != nil {
			return snapio.NoEOF(err)
		}
		if d := distribution(mode); d != splitList && d != unionList && d != broadcastMap {
			return fmt.Errorf("operator state %q: unknown %s", name, d)
		}
		data, err := readBytes(in)
		if err != nil {
			return fmt.Errorf("operator state %q: %w", name, snapio.NoEOF(err))
		}
		if err := visit(string(name), opRecord{mode: distribution(mode), data: data}); err != nil {
			return err
		}
	}
	return nil
}

var errCorruptItem = errors.New("corrupt operator state item")

// nextItem splits the first item off data.
func nextItem(data []byte) (item, rest []byte, err error) {
	n, k := binary.Uvarint(data)
	if k <= 0 || n > uint64(len(data)-k) {
		return nil, nil, errCorruptItem
	}
	end := k + int(n)
	return data[k:end], data[end:], nil
}

// splitItems returns the items of rec, each with its length, checking
// that a map's come in pairs.
func splitItems(rec opRecord) ([][]byte, error) {
	var items [][]byte
	for data := rec.data; len(data) > 0; {
		_, rest, err := nextItem(data)
		if err != nil {
			return nil, err
		}
		items = append(items, data[:len(data)-len(rest)])
		data = rest
	}
	if rec.mode == broadcastMap && len(items)%2 != 0 {
		return nil, fmt.Errorf("broadcast state of %d items, not key and value pairs", len(items))
	}
	return items, nil
}

// RedistributeOperatorState returns what each of newParallelism subtasks
// restores (with Restore), given the snapshots of all subtasks of the
// operator's previous run, old[i] being old subtask i's. As Flink's
// RoundRobinOperatorStateRepartitioner, per state:
//
//   - a list state's elements, old subtask 0's first, are cut into
//     newParallelism contiguous runs whose sizes differ by at most one
//     (Flink's SPLIT_DISTRIBUTE);
//   - a union list state's elements all go to every new subtask (UNION);
//   - a broadcast state is copied whole: new subtask i takes the copy of
//     the i-th old subtask that has the state, modulo their number
//     (BROADCAST), since all copies are alike.
//
// The same parallelism gives every list back where it was.
func RedistributeOperatorState(old [][]byte, newParallelism int) ([][]byte, error) {
	if newParallelism < 1 {
		return nil, fmt.Errorf("state: redistribute operator state to parallelism %d", newParallelism)
	}
	type gathered struct {
		name   string
		mode   distribution
		items  [][]byte // a split list's elements
		union  []byte   // a union list's elements
		copies [][]byte // a broadcast map's copies, one per old subtask that has it
		last   int      // the old subtask that gave the last copy
	}
	var states []*gathered
	byName := map[string]*gathered{}
	for i, snap := range old {
		in := bytes.NewReader(snap)
		err := readOpSnapshot(in, func(name string, rec opRecord) error {
			items, err := splitItems(rec)
			if err != nil {
				return fmt.Errorf("operator state %q: %w", name, err)
			}
			g, ok := byName[name]
			switch {
			case !ok:
				g = &gathered{name: name, mode: rec.mode, last: -1}
				byName[name] = g
				states = append(states, g)
			case g.mode != rec.mode:
				return fmt.Errorf("operator state %q is a %s state here and a %s state in an earlier snapshot", name, rec.mode, g.mode)
			}
			switch {
			case g.mode == splitList:
				g.items = append(g.items, items...)
			case g.mode == unionList:
				g.union = append(g.union, rec.data...)
			case g.last == i:
				g.copies[len(g.copies)-1] = append(g.copies[len(g.copies)-1], rec.data...)
			default:
				g.copies = append(g.copies, rec.data)
				g.last = i
			}
			return nil
		})
		if err == nil && in.Len() > 0 {
			err = fmt.Errorf("%d bytes after the snapshot", in.Len())
		}
		if err != nil {
			return nil, fmt.Errorf("state: redistribute operator state: old subtask %d: %w", i, err)
		}
	}
	out := make([][]byte, newParallelism)
	for j := range out {
		buf := binary.AppendUvarint([]byte{opSnapshotVersion}, uint64(len(states)))
		for _, g := range states {
			rec := opRecord{mode: g.mode}
			switch g.mode {
			case splitList:
				lo, hi := evenRun(len(g.items), newParallelism, j)
				rec.data = bytes.Join(g.items[lo:hi], nil)
			case unionList:
				rec.data = g.union
			case broadcastMap:
				rec.data = g.copies[j%len(g.copies)]
			}
			buf = appendOpRecord(buf, g.name, rec)
		}
		out[j] = buf
	}
	return out, nil
}

// evenRun is the run [lo, hi) of n elements that part j of parts gets:
// the first n % parts parts get one more than the others.
func evenRun(n, parts, j int) (lo, hi int) {
	base, extra := n/parts, n%parts
	lo = j*base + min(j, extra)
	hi = lo + base
	if j < extra {
		hi++
	}
	return lo, hi
}
