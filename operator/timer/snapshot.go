package timer

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator/internal/snapio"
)

// A key group's snapshot, as Snapshot writes it:
//
//	version   byte (1)
//	key group uvarint
//	event-time timers:      uvarint count, then each timer
//	processing-time timers: uvarint count, then each timer
//
// A timer is its time as a varint, then its key and its namespace, each a
// uvarint length and their operator.CodecFor bytes, as the state
// backend's entries (operator/state/snapshot.go). Timers are written in
// firing order, so a snapshot is deterministic and a restore keeps the
// order of timers with equal times. Processing-time timers are kept as
// Flink keeps them: one whose time passed while the job was down fires
// at the first advance of processing time after the restore.
const snapshotVersion = 1

// Snapshot writes the timers of key group kg, of both time domains, to w,
// as Flink writes timers with the keyed state
// (InternalTimerServiceSerializationProxy): per key group, so that a
// rescaled job restores each key group's timers in the subtask that owns
// it now.
func (s *Service[K, N]) Snapshot(kg int, w io.Writer) error {
	if !s.groups.Contains(kg) {
		return fmt.Errorf("timer: snapshot of key group %d, not in this subtask's key groups %d-%d", kg, s.groups.Start, s.groups.End)
	}
	g := kg - s.groups.Start
	buf := binary.AppendUvarint([]byte{snapshotVersion}, uint64(kg))
	var err error
	for _, q := range []*queue[K, N]{&s.event, &s.proc} {
		timers := q.inGroup(g, s.group, s.groups.End-s.groups.Start+1)
		buf = binary.AppendUvarint(buf, uint64(len(timers)))
		for _, t := range timers {
			buf = binary.AppendVarint(buf, t.Time)
			if buf, err = snapio.AppendItem(buf, &s.scratch, s.keyCodec, t.Key); err != nil {
				return fmt.Errorf("timer: snapshot key group %d: key %v: %w", kg, t.Key, err)
			}
			if buf, err = snapio.AppendItem(buf, &s.scratch, s.nsCodec, t.Namespace); err != nil {
				return fmt.Errorf("timer: snapshot key group %d: namespace %v: %w", kg, t.Namespace, err)
			}
		}
	}
	_, err = w.Write(buf)
	return err
}

// Restore reads one snapshot of key group kg from r, reading no further
// than it, and registers its timers alongside those s has (a timer s has
// already stays one timer). Restoring the snapshots of several old
// subtasks into one service is rescaling: each key group comes from the
// one old subtask that owned it. A failed restore may leave part of the
// key group's timers registered; the task fails with it.
func (s *Service[K, N]) Restore(kg int, r io.Reader) error {
	if !s.groups.Contains(kg) {
		return fmt.Errorf("timer: restore of key group %d, not in this subtask's key groups %d-%d", kg, s.groups.Start, s.groups.End)
	}
	if err := s.restore(kg, snapio.NewByteReader(r)); err != nil {
		return fmt.Errorf("timer: restore key group %d: %w", kg, snapio.NoEOF(err))
	}
	return nil
}

func (s *Service[K, N]) restore(kg int, in snapio.ByteReader) error {
	version, err := in.ReadByte()
	if err != nil {
		return err
	}
	if version != snapshotVersion {
		return fmt.Errorf("snapshot version %d, want %d", version, snapshotVersion)
	}
	group, err := binary.ReadUvarint(in)
	if err != nil {
		return err
	}
	if group != uint64(kg) {
		return fmt.Errorf("snapshot of key group %d", group)
	}
	for _, q := range []*queue[K, N]{&s.event, &s.proc} {
		// The count is not trusted for an allocation: a corrupt one
		// fails at the end of the input.
		n, err := binary.ReadUvarint(in)
		if err != nil {
			return err
		}
		for range n {
			t, err := s.readTimer(in)
			if err != nil {
				return err
			}
			if got := jobgraph.KeyGroup(s.hash(t.Key), s.maxP); got != kg {
				return fmt.Errorf("timer for key %v of key group %d", t.Key, got)
			}
			q.add(t)
		}
	}
	return nil
}

func (s *Service[K, N]) readTimer(in snapio.ByteReader) (Timer[K, N], error) {
	var t Timer[K, N]
	var err error
	if t.Time, err = binary.ReadVarint(in); err != nil {
		return t, err
	}
	if s.scratch, err = readItem(in, s.scratch); err != nil {
		return t, err
	}
	if t.Key, err = s.keyCodec.Decode(s.scratch); err != nil {
		return t, err
	}
	if s.scratch, err = readItem(in, s.scratch); err != nil {
		return t, err
	}
	t.Namespace, err = s.nsCodec.Decode(s.scratch)
	return t, err
}

// readChunk bounds how far readItem grows its buffer ahead of the bytes
// that arrived, so a corrupt length fails at the end of the input rather
// than allocating it up front.
const readChunk = 4096

// readItem reads a uvarint length and that many bytes into buf.
func readItem(in snapio.ByteReader, buf []byte) ([]byte, error) {
	n, err := binary.ReadUvarint(in)
	if err != nil {
		return buf, err
	}
	buf = buf[:0]
	for n > 0 {
		c := int(min(n, readChunk))
		buf = slices.Grow(buf, c)
		if _, err := io.ReadFull(in, buf[len(buf):len(buf)+c]); err != nil {
			return buf, err
		}
		buf = buf[:len(buf)+c]
		n -= uint64(c)
	}
	return buf, nil
}
