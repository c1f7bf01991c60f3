// Package state is the keyed state of one subtask of a keyed operator, as
// Flink's heap keyed state backend: value, list, map, reducing and
// aggregating state per key and namespace, state TTL, and snapshots per
// key group.
//
// # Keys and key groups
//
// A Backend holds the state of the key groups its subtask owns
// (jobgraph.Range). The operator calls SetCurrentKey for each record and
// the state handles act on that key, as in Flink. The key group is
// computed there, once per record, with the hash that routed the record:
// a key of another subtask's group is a routing bug, so it is an error
// (SetCurrentKey's and Err's) and state accesses for it do nothing,
// rather than writing state that no snapshot of this subtask's key groups
// would contain.
//
// # Namespaces
//
// State is keyed by (key, namespace), as in Flink: window operators use
// the window as namespace, plain keyed state VoidNamespace. A handle acts
// in the namespace set with SetNamespace. MergingState.MergeNamespaces
// (list, reducing and aggregating state) folds namespaces into one, for
// merging (session) windows; Keys lists the keys with state in a
// namespace, for timers and cleanup.
//
// # Layout
//
// Each state keeps, per key group, a Go map from namespace to that
// namespace's entries, made on the key group's first write: a
// namespace's only entry inline, two or more in a map from key to value
// of their own. A window's entries so share no map with other windows':
// when the window is cleared its map goes with its last entry, and is
// kept, cleared, for a later namespace, instead of leaving its deleted
// slots as tombstones that every lookup of a key not in a shared map
// would probe through. A namespace per key, as session windows have,
// costs no map per key. Each key group remembers the namespace it looked
// up last, so the records of a window skip the namespace lookup. There
// is no pointer and no interface per entry, so an entry costs its key,
// its value and the map's slot: a ValueState[int64] of 8-byte string
// keys in a window namespace takes about 61 bytes per key, with int64
// keys about 36 (BenchmarkStateBytesPerKey). Per-key-group maps make a
// key group's snapshot the walk of its maps.
//
// Handles are typed; they reach their storage through an interface chosen
// at registration, with or without TTL, so that a timestamp is stored
// only for states that have TTL and no value is ever boxed.
//
// # TTL
//
// A descriptor's TTLConfig (Flink's StateTtlConfig) makes entries expire
// after a time without writes (or reads, with OnReadAndWrite), measured
// with the backend's clock. List elements and map entries expire one by
// one. Expired entries are removed three ways, as in Flink: when read;
// incrementally, cleanupSize other entries on every access; and from
// snapshots, which leave them out.
//
// # Snapshots
//
// Backend.Snapshot writes one key group of every state, and
// Backend.Restore reads one back; restoring the key groups of several old
// subtasks into a backend is rescaling. A restored state's entries are
// decoded when the state is registered, as in Flink, since only the
// registration knows their types. snapshot.go describes the format.
//
// # Threading
//
// A backend and its handles belong to the subtask's goroutine, as every
// operator does (see package operator): there are no locks.
package state
