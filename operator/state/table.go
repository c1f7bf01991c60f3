package state

import "iter"

// slot is the map key of every state: Flink's composite (key, namespace).
// It is a plain struct, not a pointer to one, so that an entry costs its
// fields and its map slot and nothing more.
type slot[K, N comparable] struct {
	key K
	ns  N
}

// table is one state's storage, as a StateTable of Flink's heap backend:
// one Go map per key group of the backend's range, made on first write.
// Per-key-group maps make a key group's snapshot the walk of one map, and
// a backend after rescaling simply owns other maps.
type table[K, N comparable, E any] struct {
	groups []map[slot[K, N]]E
	exp    expiry
	// purge returns e without its expired parts, whether anything is
	// left, and whether what is left must be stored back (it is a new
	// value, not e changed in place). It is nil for a state without TTL.
	purge func(e E, now int64) (next E, keep, changed bool)
	// cursor is the key group incremental cleanup looks at next.
	cursor int
}

func newTable[K, N comparable, E any](groups int, exp expiry, purge func(E, int64) (E, bool, bool)) table[K, N, E] {
	t := table[K, N, E]{groups: make([]map[slot[K, N]]E, groups), exp: exp}
	if exp.enabled() {
		t.purge = purge
	}
	return t
}

// get reads an entry of group index g as stored, expired or not.
func (t *table[K, N, E]) get(g int, s slot[K, N]) (E, bool) {
	e, ok := t.groups[g][s]
	return e, ok
}

func (t *table[K, N, E]) put(g int, s slot[K, N], e E) {
	m := t.groups[g]
	if m == nil {
		m = make(map[slot[K, N]]E)
		t.groups[g] = m
	}
	m[s] = e
}

func (t *table[K, N, E]) remove(g int, s slot[K, N]) { delete(t.groups[g], s) }

// sweep is Flink's incremental cleanup, run after every access to a state
// with TTL: it checks cleanupSize entries (an empty key group counts as
// one) and drops what expired. Flink keeps an iterator over the state
// between accesses; a Go map iteration cannot be resumed, but each one
// starts at a random entry, so sampling a few entries from there, key
// group by key group in turn, reaches every entry just the same.
func (t *table[K, N, E]) sweep(now int64) {
	if t.purge == nil {
		return
	}
	for budget := cleanupSize; budget > 0; {
		m := t.groups[t.cursor]
		t.cursor = (t.cursor + 1) % len(t.groups)
		if len(m) == 0 {
			budget--
			continue
		}
		for s, e := range m {
			t.keepOrDrop(m, s, e, now)
			if budget--; budget == 0 {
				break
			}
		}
	}
}

// keepOrDrop purges entry e of map m in place and returns what is left.
func (t *table[K, N, E]) keepOrDrop(m map[slot[K, N]]E, s slot[K, N], e E, now int64) (E, bool) {
	e, keep, changed := t.purge(e, now)
	switch {
	case !keep:
		delete(m, s)
	case changed:
		m[s] = e
	}
	return e, keep
}

// entries ranges over group index g's entries, first dropping expired
// ones from the state: Flink's full cleanup at snapshot.
func (t *table[K, N, E]) entries(g int) iter.Seq2[slot[K, N], E] {
	return func(yield func(slot[K, N], E) bool) {
		now := t.exp.now()
		m := t.groups[g]
		for s, e := range m {
			if t.purge != nil {
				var keep bool
				if e, keep = t.keepOrDrop(m, s, e, now); !keep {
					continue
				}
			}
			if !yield(s, e) {
				return
			}
		}
	}
}

// keys ranges over the keys that have an entry in namespace ns, dropping
// expired entries on the way: Flink's KeyedStateBackend.getKeys.
func (t *table[K, N, E]) keys(ns N) iter.Seq[K] {
	return func(yield func(K) bool) {
		now := t.exp.now()
		for _, m := range t.groups {
			for s, e := range m {
				if s.ns != ns {
					continue
				}
				if t.purge != nil {
					if _, keep := t.keepOrDrop(m, s, e, now); !keep {
						continue
					}
				}
				if !yield(s.key) {
					return
				}
			}
		}
	}
}
