package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/internal/snapio"
)

// A key group's snapshot, as Snapshot writes it:
//
//	version   byte (1)
//	key group uvarint
//	records   uvarint count, then each record:
//	  name    uvarint length, bytes
//	  kind    byte
//	  stamped byte (1: every value is preceded by its TTL timestamp)
//	  entries uvarint length, then entries up to that length
//
// An entry is its key and namespace, then its value: one value for value,
// reducing and aggregating state; a uvarint count and that many values
// for a list; a uvarint count and that many user key and value pairs for
// a map. Keys, namespaces and values are each a uvarint length and their
// operator.CodecFor bytes; a TTL timestamp is a varint of Unix nanoseconds.
// The length of each record lets a restore keep a record whole until its
// state is registered, and lets a snapshot be one of many in one stream.
const snapshotVersion = 1

// record is one state's entries of one key group, as in a snapshot.
type record struct {
	kg      int
	kind    kind
	stamped bool
	data    []byte
}

// Snapshot writes the entries of key group kg of every state to w, as
// Flink's per-key-group state snapshot; expired entries are left out and
// removed (Flink's full cleanup at snapshot). Restored state not yet
// registered is written back as it was read.
func (b *Backend[K]) Snapshot(kg int, w io.Writer) error {
	if !b.groups.Contains(kg) {
		return fmt.Errorf("state: snapshot of key group %d, not in this subtask's key groups %d-%d", kg, b.groups.Start, b.groups.End)
	}
	var body, data []byte
	n := 0
	for _, r := range b.ordered {
		var err error
		if data, err = r.state.snapshot(kg-b.groups.Start, data[:0]); err != nil {
			return fmt.Errorf("state %q: snapshot key group %d: %w", r.name, kg, err)
		}
		if len(data) > 0 {
			body = appendRecord(body, r.name, record{kg: kg, kind: r.kind, stamped: r.state.stamped(), data: data})
			n++
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b.pending)) {
		for _, rec := range b.pending[name] {
			if rec.kg == kg {
				body = appendRecord(body, name, rec)
				n++
			}
		}
	}
	head := binary.AppendUvarint(binary.AppendUvarint([]byte{snapshotVersion}, uint64(kg)), uint64(n))
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

func appendRecord(buf []byte, name string, r record) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(name)))
	buf = append(buf, name...)
	stamped := byte(0)
	if r.stamped {
		stamped = 1
	}
	buf = append(buf, byte(r.kind), stamped)
	buf = binary.AppendUvarint(buf, uint64(len(r.data)))
	return append(buf, r.data...)
}

// Restore reads one snapshot of key group kg from r, reading no further
// than it. A state registered already takes its entries now; the others
// keep their records until registered. Restoring several subtasks'
// snapshots into one backend is how state is rescaled: each key group
// comes from the one old subtask that owned it.
func (b *Backend[K]) Restore(kg int, r io.Reader) error {
	if !b.groups.Contains(kg) {
		return fmt.Errorf("state: restore of key group %d, not in this subtask's key groups %d-%d", kg, b.groups.Start, b.groups.End)
	}
	in := snapio.NewByteReader(r)
	version, err := in.ReadByte()
	if err != nil {
		return fmt.Errorf("state: restore key group %d: %w", kg, snapio.NoEOF(err))
	}
	if version != snapshotVersion {
		return fmt.Errorf("state: restore key group %d: snapshot version %d, want %d", kg, version, snapshotVersion)
	}
	group, err := binary.ReadUvarint(in)
	if err != nil {
		return fmt.Errorf("state: restore key group %d: %w", kg, snapio.NoEOF(err))
	}
	if group != uint64(kg) {
		return fmt.Errorf("state: restore key group %d from a snapshot of key group %d", kg, group)
	}
	n, err := binary.ReadUvarint(in)
	if err != nil {
		return fmt.Errorf("state: restore key group %d: %w", kg, snapio.NoEOF(err))
	}
	for range n {
		name, rec, err := readRecord(in, kg)
		if err != nil {
			return fmt.Errorf("state: restore key group %d: %w", kg, snapio.NoEOF(err))
		}
		reg, ok := b.states[name]
		if !ok {
			b.pending[name] = append(b.pending[name], rec)
			continue
		}
		if reg.kind != rec.kind {
			return fmt.Errorf("state %q: restored a %s state, registered as a %s state", name, rec.kind, reg.kind)
		}
		if err := reg.state.restore(kg, rec.data, rec.stamped); err != nil {
			return fmt.Errorf("state %q: restore key group %d: %w", name, kg, err)
		}
	}
	return nil
}

func readRecord(in snapio.ByteReader, kg int) (string, record, error) {
	name, err := readBytes(in)
	if err != nil {
		return "", record{}, err
	}
	k, err := in.ReadByte()
	if err != nil {
		return "", record{}, err
	}
	stamped, err := in.ReadByte()
	if err != nil {
		return "", record{}, err
	}
	data, err := readBytes(in)
	return string(name), record{kg: kg, kind: kind(k), stamped: stamped == 1, data: data}, err
}

// readBytes reads a uvarint length and that many bytes. It grows its
// buffer as the bytes arrive, so a corrupt length fails at the end of the
// input rather than allocating it up front.
func readBytes(in snapio.ByteReader) ([]byte, error) {
	n, err := binary.ReadUvarint(in)
	if err != nil {
		return nil, err
	}
	if n > math.MaxInt64 {
		return nil, fmt.Errorf("length %d", n)
	}
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, in, int64(n)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// codecs encode what every entry has, its key and namespace, plus the
// scratch buffer values are encoded into before their length is known.
// A state has its own codecs: a codec keeps scratch state of its own.
type codecs[K, N comparable] struct {
	key     operator.Codec[K]
	ns      operator.Codec[N]
	scratch []byte
}

func newCodecs[K, N comparable]() codecs[K, N] {
	return codecs[K, N]{key: operator.CodecFor[K](), ns: operator.CodecFor[N]()}
}

// appendStamp appends an entry's TTL timestamp, if its state has TTL.
func appendStamp[T stamper[T]](buf []byte, x expiry, ts T) []byte {
	if !x.enabled() {
		return buf
	}
	return binary.AppendVarint(buf, ts.nanos())
}

// appendEntries appends the key, namespace and value of every live entry
// of group index g of t.
func appendEntries[K, N comparable, E any](buf []byte, t *table[K, N, E], g int, c *codecs[K, N],
	appendValue func([]byte, E) ([]byte, error)) ([]byte, error) {
	var err error
	for s, e := range t.entries(g) {
		if buf, err = snapio.AppendItem(buf, &c.scratch, c.key, s.key); err != nil {
			return buf, err
		}
		if buf, err = snapio.AppendItem(buf, &c.scratch, c.ns, s.ns); err != nil {
			return buf, err
		}
		if buf, err = appendValue(buf, e); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// decoder reads the entries of one record.
type decoder struct {
	data []byte
}

var errCorrupt = errors.New("corrupt snapshot entry")

func (d *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.data)
	if n <= 0 {
		return 0, errCorrupt
	}
	d.data = d.data[n:]
	return v, nil
}

// stamp reads an entry's TTL timestamp if the snapshot has them; without,
// the entry's TTL starts at restore time, now.
func (d *decoder) stamp(stamped bool, now int64) (int64, error) {
	if !stamped {
		return now, nil
	}
	v, n := binary.Varint(d.data)
	if n <= 0 {
		return 0, errCorrupt
	}
	d.data = d.data[n:]
	return v, nil
}

func decodeItem[T any](d *decoder, c operator.Codec[T]) (T, error) {
	n, err := d.uvarint()
	if err != nil || n > uint64(len(d.data)) {
		var zero T
		return zero, errCorrupt
	}
	item := d.data[:n]
	d.data = d.data[n:]
	return c.Decode(item)
}

// restoreEntries puts the entries of a record of key group kg into t,
// checking that each key belongs to kg: a key of another group (after a
// change of the key hash) would be state no record ever reaches.
func restoreEntries[K, N comparable, E any](b *Backend[K], t *table[K, N, E], kg int, data []byte, c *codecs[K, N],
	decodeValue func(*decoder) (E, error)) error {
	d := decoder{data: data}
	for len(d.data) > 0 {
		k, err := decodeItem(&d, c.key)
		if err != nil {
			return err
		}
		if got := b.keyGroup(k); got != kg {
			return fmt.Errorf("key %v is in key group %d, not %d", k, got, kg)
		}
		ns, err := decodeItem(&d, c.ns)
		if err != nil {
			return err
		}
		e, err := decodeValue(&d)
		if err != nil {
			return err
		}
		t.put(kg-b.groups.Start, slot[K, N]{key: k, ns: ns}, e)
	}
	return nil
}

func appendUvarint(buf []byte, n int) []byte { return binary.AppendUvarint(buf, uint64(n)) }

// count reads the element count of a list or map. Every element takes at
// least a byte, so a count beyond the bytes left is corrupt, and a
// corrupt count cannot make a restore allocate more than its input.
func (d *decoder) count() (int, error) {
	n, err := d.uvarint()
	if err != nil || n > uint64(len(d.data)) {
		return 0, errCorrupt
	}
	return int(n), nil
}
