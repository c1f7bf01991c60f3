package state

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/internal/snapio"
)

// OperatorStore holds the operator (non-keyed) state of one subtask, as
// Flink's OperatorStateStore: lists and broadcast maps registered by
// name, each whole in the subtask rather than split by key. How a state
// comes back after a change of parallelism depends on how it was
// registered (see RedistributeOperatorState): a list split evenly over
// the new subtasks (GetOperatorListState), a list given whole to each
// (GetUnionListState), or a broadcast map copied to each
// (GetBroadcastState). It is used from the subtask's goroutine only.
type OperatorStore struct {
	states  map[string]*opRegistered
	ordered []*opRegistered // registration order, so snapshots are deterministic
	// pending holds restored states not registered yet, as raw snapshot
	// data: as keyed state, they are decoded lazily, since only the
	// registration knows their types.
	pending map[string]opRecord
}

// NewOperatorStore returns an empty store; Restore fills one from a
// snapshot.
func NewOperatorStore() *OperatorStore {
	return &OperatorStore{states: make(map[string]*opRegistered), pending: make(map[string]opRecord)}
}

// distribution is how an operator state is given back to the subtasks of
// a restore, written into snapshots since the redistribution does not
// know the types; Flink's OperatorStateHandle.Mode.
type distribution uint8

const (
	splitList distribution = iota + 1
	unionList
	broadcastMap
)

func (d distribution) String() string {
	switch d {
	case splitList:
		return "list"
	case unionList:
		return "union list"
	case broadcastMap:
		return "broadcast"
	}
	return fmt.Sprintf("distribution(%d)", uint8(d))
}

// opState is the untyped side of a registered operator state that
// snapshots and restores use.
type opState interface {
	// snapshot appends the state's items: a list's elements, or a map's
	// keys and values alternating, each a uvarint length and its codec
	// bytes.
	snapshot(buf []byte) ([]byte, error)
	// restore adds the items of a snapshot; on an error it adds none.
	restore(data []byte) error
}

type opRegistered struct {
	name   string
	mode   distribution
	handle any // the typed handle, returned again for the same name
	state  opState
}

// opRecord is one state of a snapshot, undecoded.
type opRecord struct {
	mode distribution
	data []byte
}

// registerOp returns the handle of the state called name, creating it
// (and restoring its pending data) on first use: the same name gives the
// same state, and a name registered with another distribution or other
// types is an error. Operator state has no TTL, as in Flink.
func registerOp[H any](s *OperatorStore, name string, mode distribution, ttl TTLConfig,
	create func() (H, opState)) (H, error) {
	var zero H
	if name == "" {
		return zero, errors.New("state: an operator state needs a name")
	}
	if ttl.TTL != 0 {
		return zero, fmt.Errorf("operator state %q: TTL is for keyed state only", name)
	}
	if r, ok := s.states[name]; ok {
		h, sameTypes := r.handle.(H)
		switch {
		case r.mode != mode:
			return zero, fmt.Errorf("operator state %q is a %s state, not a %s state", name, r.mode, mode)
		case !sameTypes:
			return zero, fmt.Errorf("operator state %q is a %T, not a %T", name, r.handle, zero)
		}
		return h, nil
	}
	h, st := create()
	if rec, ok := s.pending[name]; ok {
		if rec.mode != mode {
			return zero, fmt.Errorf("operator state %q: restored a %s state, registered as a %s state", name, rec.mode, mode)
		}
		if err := st.restore(rec.data); err != nil {
			return zero, fmt.Errorf("operator state %q: restore: %w", name, err)
		}
		delete(s.pending, name)
	}
	r := &opRegistered{name: name, mode: mode, handle: h, state: st}
	s.states[name] = r
	s.ordered = append(s.ordered, r)
	return h, nil
}

// GetOperatorListState returns s's list state d.Name, registering it on
// first use, as Flink's getListState: on a restore after a change of
// parallelism its elements are split evenly over the new subtasks, each
// element to one of them.
func GetOperatorListState[V any](s *OperatorStore, d ListStateDescriptor[V]) (*OperatorListState[V], error) {
	return registerList(s, d, splitList)
}

// GetUnionListState returns s's union list state d.Name, registering it
// on first use, as Flink's getUnionListState: on a restore every new
// subtask gets the elements of all old subtasks.
func GetUnionListState[V any](s *OperatorStore, d ListStateDescriptor[V]) (*OperatorListState[V], error) {
	return registerList(s, d, unionList)
}

func registerList[V any](s *OperatorStore, d ListStateDescriptor[V], mode distribution) (*OperatorListState[V], error) {
	return registerOp(s, d.Name, mode, d.TTL, func() (*OperatorListState[V], opState) {
		l := &OperatorListState[V]{codec: operator.CodecFor[V]()}
		return l, l
	})
}

// OperatorListState is a list of values held by one subtask, as Flink's
// operator ListState.
type OperatorListState[V any] struct {
	items   []V
	codec   operator.Codec[V]
	scratch []byte
}

// Get ranges over the list as it is now: later changes do not show in a
// range already begun.
func (l *OperatorListState[V]) Get() iter.Seq[V] { return slices.Values(l.items) }

func (l *OperatorListState[V]) Add(v V) { l.items = append(l.items, v) }

func (l *OperatorListState[V]) AddAll(vs []V) { l.items = append(l.items, vs...) }

// Update replaces the list with (a copy of) vs.
func (l *OperatorListState[V]) Update(vs []V) { l.items = slices.Clone(vs) }

// Clear empties the list. It makes a new one rather than truncating, so
// that a range from Get still reads the old elements.
func (l *OperatorListState[V]) Clear() { l.items = nil }

func (l *OperatorListState[V]) Len() int { return len(l.items) }

func (l *OperatorListState[V]) snapshot(buf []byte) ([]byte, error) {
	var err error
	for _, v := range l.items {
		if buf, err = snapio.AppendItem(buf, &l.scratch, l.codec, v); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func (l *OperatorListState[V]) restore(data []byte) error {
	var restored []V
	for len(data) > 0 {
		item, rest, err := nextItem(data)
		if err != nil {
			return err
		}
		v, err := l.codec.Decode(item)
		if err != nil {
			return err
		}
		restored = append(restored, v)
		data = rest
	}
	l.items = append(l.items, restored...)
	return nil
}

// BroadcastDescriptor is a MapStateDescriptor of any types, as a list of
// broadcast states is: the states an operator keeps from a broadcast
// stream (Flink's broadcast(MapStateDescriptor...)).
type BroadcastDescriptor interface {
	StateName() string
	broadcastDescriptor()
}

// StateName is d.Name.
func (d MapStateDescriptor[UK, UV]) StateName() string { return d.Name }

func (d MapStateDescriptor[UK, UV]) broadcastDescriptor() {}

// GetBroadcastState returns s's broadcast state d.Name, registering it on
// first use, as Flink's getBroadcastState: a map that every subtask of
// the operator holds alike, since each of them sees the same broadcast
// records. On a restore each new subtask takes one old subtask's copy.
func GetBroadcastState[UK comparable, UV any](s *OperatorStore, d MapStateDescriptor[UK, UV]) (*BroadcastState[UK, UV], error) {
	return registerOp(s, d.Name, broadcastMap, d.TTL, func() (*BroadcastState[UK, UV], opState) {
		b := &BroadcastState[UK, UV]{m: make(map[UK]UV), key: operator.CodecFor[UK](), value: operator.CodecFor[UV]()}
		return b, b
	})
}

// BroadcastState is a map from user keys to user values held by every
// subtask of an operator alike, as Flink's BroadcastState.
type BroadcastState[UK comparable, UV any] struct {
	m       map[UK]UV
	key     operator.Codec[UK]
	value   operator.Codec[UV]
	scratch []byte
}

func (b *BroadcastState[UK, UV]) Get(uk UK) (UV, bool) {
	uv, ok := b.m[uk]
	return uv, ok
}

func (b *BroadcastState[UK, UV]) Contains(uk UK) bool {
	_, ok := b.m[uk]
	return ok
}

func (b *BroadcastState[UK, UV]) Put(uk UK, uv UV) { b.m[uk] = uv }

func (b *BroadcastState[UK, UV]) PutAll(m map[UK]UV) { maps.Copy(b.m, m) }

func (b *BroadcastState[UK, UV]) Remove(uk UK) { delete(b.m, uk) }

func (b *BroadcastState[UK, UV]) Clear() { clear(b.m) }

func (b *BroadcastState[UK, UV]) Len() int { return len(b.m) }

// Entries ranges over the map; as with a Go map, entries put during the
// range may or may not be seen.
func (b *BroadcastState[UK, UV]) Entries() iter.Seq2[UK, UV] { return maps.All(b.m) }

// ReadOnly returns a view of b without its writes, as Flink's
// ReadOnlyBroadcastState: what the non-broadcast side of an operator
// sees, so that every subtask's copy stays alike.
func (b *BroadcastState[UK, UV]) ReadOnly() ReadOnlyBroadcastState[UK, UV] {
	return ReadOnlyBroadcastState[UK, UV]{b: b}
}

func (b *BroadcastState[UK, UV]) snapshot(buf []byte) ([]byte, error) {
	var err error
	for uk, uv := range b.m {
		if buf, err = snapio.AppendItem(buf, &b.scratch, b.key, uk); err != nil {
			return buf, err
		}
		if buf, err = snapio.AppendItem(buf, &b.scratch, b.value, uv); err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func (b *BroadcastState[UK, UV]) restore(data []byte) error {
	restored := make(map[UK]UV)
	for len(data) > 0 {
		k, rest, err := nextItem(data)
		if err != nil {
			return err
		}
		v, rest, err := nextItem(rest)
		if err != nil {
			return err
		}
		uk, err := b.key.Decode(k)
		if err != nil {
			return err
		}
		if restored[uk], err = b.value.Decode(v); err != nil {
			return err
		}
		data = rest
	}
	maps.Copy(b.m, restored)
	return nil
}

// ReadOnlyBroadcastState is a broadcast state that can only be read, as
// Flink's ReadOnlyBroadcastState. Values that refer to memory (pointers,
// slices, maps) must not be changed through it either.
type ReadOnlyBroadcastState[UK comparable, UV any] struct {
	b *BroadcastState[UK, UV]
}

func (r ReadOnlyBroadcastState[UK, UV]) Get(uk UK) (UV, bool) { return r.b.Get(uk) }

func (r ReadOnlyBroadcastState[UK, UV]) Contains(uk UK) bool { return r.b.Contains(uk) }

func (r ReadOnlyBroadcastState[UK, UV]) Len() int { return r.b.Len() }

// Entries ranges over the map.
func (r ReadOnlyBroadcastState[UK, UV]) Entries() iter.Seq2[UK, UV] { return r.b.Entries() }
