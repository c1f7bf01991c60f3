package state

import (
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/runnel/runnel/jobgraph"
)

// VoidNamespace is the namespace of plain keyed state, as Flink's
// VoidNamespace: every key has one entry.
type VoidNamespace struct{}

// Backend holds the keyed state of one subtask of a keyed operator, as
// Flink's HeapKeyedStateBackend: the states registered by name, each
// split by the key groups the subtask owns, and the current key that
// state handles act on. It is used from the subtask's goroutine only.
type Backend[K comparable] struct {
	hash   func(K) uint64
	maxP   int
	groups jobgraph.KeyGroupRange
	clock  func() time.Time

	key K
	// g is the current key's index into the key group range, or noKey or
	// outside. Computing it once in SetCurrentKey spares every access a
	// hash.
	g   int
	err error

	states  map[string]*registered
	ordered []*registered // registration order, so snapshots are deterministic
	// pending holds restored state that is not registered yet, as raw
	// snapshot records per name: Flink restores lazily, since only the
	// registration knows the types to decode with.
	pending map[string][]record
}

const (
	noKey   = -1 // no key set yet
	outside = -2 // the key's group is not in the range
)

// NewBackend returns the state backend of a subtask that owns key groups
// groups of maxParallelism. hash is the stable key hash that routes
// records to subtasks (stream.KeyHash): state must agree with the routing
// on every key's group. clock gives processing time for TTL; nil means
// time.Now. An impossible key-group range panics: it is a bug of the
// caller, not an input.
func NewBackend[K comparable](hash func(K) uint64, maxParallelism int, groups jobgraph.KeyGroupRange, clock func() time.Time) *Backend[K] {
	if hash == nil {
		panic("state: NewBackend without a key hash")
	}
	if maxParallelism < 1 || maxParallelism > jobgraph.MaxKeyGroups ||
		groups.Start < 0 || groups.End >= maxParallelism || groups.Start > groups.End {
		panic(fmt.Sprintf("state: key groups %d-%d of max parallelism %d", groups.Start, groups.End, maxParallelism))
	}
	if clock == nil {
		clock = time.Now
	}
	return &Backend[K]{
		hash:    hash,
		maxP:    maxParallelism,
		groups:  groups,
		clock:   clock,
		g:       noKey,
		states:  make(map[string]*registered),
		pending: make(map[string][]record),
	}
}

// SetCurrentKey makes k the key that every state handle of b acts on, as
// Flink's setCurrentKey. A key whose group b does not own means a record
// reached the wrong subtask: SetCurrentKey returns an error, records it
// in Err, and state accesses do nothing (reads find nothing) until a key
// of b's range is set, so that no state lands where no snapshot of b's
// key groups would find it.
func (b *Backend[K]) SetCurrentKey(k K) error {
	b.key = k
	kg := b.keyGroup(k)
	if !b.groups.Contains(kg) {
		b.g = outside
		err := fmt.Errorf("state: key %v is in key group %d, not in this subtask's key groups %d-%d",
			k, kg, b.groups.Start, b.groups.End)
		b.fail(err)
		return err
	}
	b.g = kg - b.groups.Start
	return nil
}

// CurrentKey is the key set last.
func (b *Backend[K]) CurrentKey() K { return b.key }

// CurrentKeyGroup is the current key's group, or -1 when no key of b's
// range is set.
func (b *Backend[K]) CurrentKeyGroup() int {
	if b.g < 0 {
		return -1
	}
	return b.groups.Start + b.g
}

// Err is the first misuse of b: a key outside its key groups, or a state
// access before any key was set. The operator fails its task with it.
func (b *Backend[K]) Err() error { return b.err }

var errNoCurrentKey = errors.New("state: state accessed before any key was set")

func (b *Backend[K]) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *Backend[K]) keyGroup(k K) int { return jobgraph.KeyGroup(b.hash(k), b.maxP) }

// group is the index of the current key's group, which every state
// access starts with; ok is false when there is no valid current key.
func (b *Backend[K]) group() (g int, ok bool) {
	if b.g == noKey {
		b.fail(errNoCurrentKey)
	}
	return b.g, b.g >= 0
}

// KeyedState is what every state handle has: Flink's InternalKvState.
type KeyedState[K, N comparable] interface {
	// SetNamespace makes n the namespace the handle acts on (the window,
	// for window state).
	SetNamespace(n N)
	// Clear removes the current key's entry in the current namespace.
	Clear()
	keys(ns N) iter.Seq[K]
}

// MergingState is a state whose namespaces can be merged, as Flink's
// InternalMergingState: merging windows (session windows) merge the
// state of the windows they fold into one.
type MergingState[K, N comparable] interface {
	KeyedState[K, N]
	// MergeNamespaces folds the current key's entries in sources into its
	// entry in target and removes them.
	MergeNamespaces(target N, sources []N)
}

// Keys ranges over the keys with an entry of s in namespace ns, as
// Flink's KeyedStateBackend.getKeys; timers and cleanup use it. s may be
// changed while ranging (SetCurrentKey and Clear).
func Keys[K, N comparable](s KeyedState[K, N], ns N) iter.Seq[K] { return s.keys(ns) }

// kind is what a state is, written into snapshots so that a restore into
// a state of another kind fails.
type kind uint8

const (
	kindValue kind = iota + 1
	kindList
	kindMap
	kindReducing
	kindAggregating
)

func (k kind) String() string {
	switch k {
	case kindValue:
		return "value"
	case kindList:
		return "list"
	case kindMap:
		return "map"
	case kindReducing:
		return "reducing"
	case kindAggregating:
		return "aggregating"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// kvState is the untyped side of a registered state that snapshots and
// restores use.
type kvState interface {
	// snapshot appends the entries of group index g, skipping and
	// removing expired ones.
	snapshot(g int, buf []byte) ([]byte, error)
	// restore adds the entries of a snapshot of key group kg; stamped says
	// whether the snapshot carries TTL timestamps.
	restore(kg int, data []byte, stamped bool) error
	stamped() bool
}

type registered struct {
	name   string
	kind   kind
	ttl    TTLConfig
	handle any // the typed handle, returned again for the same name
	state  kvState
}

// register returns the handle of the state called name, creating it (and
// restoring its pending snapshot records) on first use, as Flink's
// getPartitionedState: the same name gives the same state, and a name
// registered as another kind, with other types or another TTL is an error.
func register[K comparable, H any](b *Backend[K], name string, k kind, ttl TTLConfig,
	create func() (H, kvState)) (H, error) {
	var zero H
	if name == "" {
		return zero, errors.New("state: a state needs a name")
	}
	if ttl.TTL < 0 {
		return zero, fmt.Errorf("state %q: negative TTL %v", name, ttl.TTL)
	}
	if r, ok := b.states[name]; ok {
		h, sameTypes := r.handle.(H)
		switch {
		case r.kind != k:
			return zero, fmt.Errorf("state %q is a %s state, not a %s state", name, r.kind, k)
		case !sameTypes:
			return zero, fmt.Errorf("state %q is a %T, not a %T", name, r.handle, zero)
		case r.ttl != ttl:
			return zero, fmt.Errorf("state %q has TTL %+v, not %+v", name, r.ttl, ttl)
		}
		return h, nil
	}
	h, st := create()
	for _, rec := range b.pending[name] {
		if rec.kind != k {
			return zero, fmt.Errorf("state %q: restored a %s state, registered as a %s state", name, rec.kind, k)
		}
		if err := st.restore(rec.kg, rec.data, rec.stamped); err != nil {
			return zero, fmt.Errorf("state %q: restore key group %d: %w", name, rec.kg, err)
		}
	}
	delete(b.pending, name)
	r := &registered{name: name, kind: k, ttl: ttl, handle: h, state: st}
	b.states[name] = r
	b.ordered = append(b.ordered, r)
	return h, nil
}
