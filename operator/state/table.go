package state

import "iter"

// slot is Flink's composite (key, namespace), the address of an entry.
type slot[K, N comparable] struct {
	key K
	ns  N
}

// space is one namespace's entries in one key group: the only one
// inline, so that a namespace per key (session windows) costs no map per
// key, two or more in a map of their own, which goes whole when the
// namespace is cleared (see Layout in doc.go). The map is named by its
// index in the table's arena rather than held, so that with pointer-free
// keys and values the garbage collector need not scan the entries.
type space[K comparable, E any] struct {
	many int32 // index + 1 of the namespace's map; 0: only the inline entry
	key  K
	e    E
}

// table is one state's storage, as a StateTable of Flink's heap backend
// with nested maps: per key group of the backend's range a map from
// namespace to that namespace's entries, made on first write. Per key
// group maps make a key group's snapshot the walk of its own maps, and a
// backend after rescaling simply owns other maps.
type table[K, N comparable, E any] struct {
	groups []group[K, N, E]
	// maps is the arena of the namespaces' maps. A freed slot keeps its
	// map, cleared, for the next namespace, so that the next window's
	// maps need not grow again from nothing; but not a map freed while
	// the table is ranged over (ranging > 0): the range may go on over
	// it, and must not see the entries of the namespace that takes it.
	maps    []map[K]E
	free    []int32
	ranging int
	exp     expiry
	// purge returns e without its expired parts, whether anything is
	// left, and whether what is left must be stored back (it is a new
	// value, not e changed in place). It is nil for a state without TTL.
	purge func(e E, now int64) (next E, keep, changed bool)
	// cursor is the key group incremental cleanup looks at next.
	cursor int
}

// group is one key group's namespaces. hot is the map of namespace hotNS
// (space.many hotMany), the one looked up last, or nil: records of a
// window mostly go to the same namespace, so most accesses skip the
// namespace lookup.
type group[K, N comparable, E any] struct {
	spaces  map[N]space[K, E]
	hot     map[K]E
	hotNS   N
	hotMany int32
}

func newTable[K, N comparable, E any](groups int, exp expiry, purge func(E, int64) (E, bool, bool)) table[K, N, E] {
	t := table[K, N, E]{groups: make([]group[K, N, E], groups), exp: exp}
	if exp.enabled() {
		t.purge = purge
	}
	return t
}

// hotMap returns the map of namespace ns if it is the one looked up last.
func (gr *group[K, N, E]) hotMap(ns N) map[K]E {
	if gr.hot != nil && gr.hotNS == ns {
		return gr.hot
	}
	return nil
}

// setHot makes namespace ns, whose map is space.many many, gr's hot one.
func (t *table[K, N, E]) setHot(gr *group[K, N, E], ns N, many int32) {
	gr.hot, gr.hotNS, gr.hotMany = t.maps[many-1], ns, many
}

// get reads an entry of group index g as stored, expired or not.
func (t *table[K, N, E]) get(g int, s slot[K, N]) (E, bool) {
	gr := &t.groups[g]
	if m := gr.hotMap(s.ns); m != nil {
		e, ok := m[s.key]
		return e, ok
	}
	sp, ok := gr.spaces[s.ns]
	switch {
	case !ok:
	case sp.many > 0:
		t.setHot(gr, s.ns, sp.many)
		e, ok := gr.hot[s.key]
		return e, ok
	case sp.key == s.key:
		return sp.e, true
	}
	var zero E
	return zero, false
}

func (t *table[K, N, E]) put(g int, s slot[K, N], e E) {
	gr := &t.groups[g]
	if m := gr.hotMap(s.ns); m != nil {
		m[s.key] = e
		return
	}
	if gr.spaces == nil {
		gr.spaces = make(map[N]space[K, E])
	}
	sp, ok := gr.spaces[s.ns]
	switch {
	case !ok || sp.many == 0 && sp.key == s.key:
		gr.spaces[s.ns] = space[K, E]{key: s.key, e: e}
		return
	case sp.many == 0:
		one := sp
		sp = space[K, E]{many: t.alloc()}
		t.maps[sp.many-1][one.key] = one.e
		gr.spaces[s.ns] = sp
	}
	m := t.maps[sp.many-1]
	m[s.key] = e
	t.setHot(gr, s.ns, sp.many)
}

// remove deletes an entry. A namespace left without entries is dropped
// from its key group, and its map's slot freed.
func (t *table[K, N, E]) remove(g int, s slot[K, N]) {
	gr := &t.groups[g]
	if gr.hotMap(s.ns) == nil {
		sp, ok := gr.spaces[s.ns]
		switch {
		case !ok:
			return
		case sp.many == 0:
			if sp.key == s.key {
				delete(gr.spaces, s.ns)
			}
			return
		}
		t.setHot(gr, s.ns, sp.many)
	}
	if delete(gr.hot, s.key); len(gr.hot) > 0 {
		return
	}
	delete(gr.spaces, s.ns)
	i := gr.hotMany - 1
	gr.hot = nil
	if t.ranging == 0 {
		clear(t.maps[i]) // drops the tombstones the deletions left
	} else {
		t.maps[i] = nil
	}
	t.free = append(t.free, i)
}

// alloc returns the index + 1 of a free slot of the map arena.
func (t *table[K, N, E]) alloc() int32 {
	var i int32
	if k := len(t.free); k > 0 {
		i = t.free[k-1]
		t.free = t.free[:k-1]
	} else {
		t.maps = append(t.maps, nil)
		i = int32(len(t.maps) - 1)
	}
	if t.maps[i] == nil {
		t.maps[i] = make(map[K]E)
	}
	return i + 1
}

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
		g := t.cursor
		t.cursor = (t.cursor + 1) % len(t.groups)
		if len(t.groups[g].spaces) == 0 {
			budget--
			continue
		}
		for s, e := range t.stored(g) {
			t.keepOrDrop(g, s, e, now)
			if budget--; budget == 0 {
				break
			}
		}
	}
}

// keepOrDrop purges entry e of group index g and returns what is left.
func (t *table[K, N, E]) keepOrDrop(g int, s slot[K, N], e E, now int64) (E, bool) {
	e, keep, changed := t.purge(e, now)
	switch {
	case !keep:
		t.remove(g, s)
	case changed:
		t.put(g, s, e)
	}
	return e, keep
}

// stored ranges over group index g's entries as stored, expired or not.
// The group may be changed while ranging, as a Go map may.
func (t *table[K, N, E]) stored(g int) iter.Seq2[slot[K, N], E] {
	return func(yield func(slot[K, N], E) bool) {
		t.ranging++
		defer func() { t.ranging-- }()
		for ns, sp := range t.groups[g].spaces {
			if sp.many == 0 {
				if !yield(slot[K, N]{key: sp.key, ns: ns}, sp.e) {
					return
				}
				continue
			}
			for k, e := range t.maps[sp.many-1] {
				if !yield(slot[K, N]{key: k, ns: ns}, e) {
					return
				}
			}
		}
	}
}

// entries ranges over group index g's entries, first dropping expired
// ones from the state: Flink's full cleanup at snapshot.
func (t *table[K, N, E]) entries(g int) iter.Seq2[slot[K, N], E] {
	return func(yield func(slot[K, N], E) bool) {
		now := t.exp.now()
		for s, e := range t.stored(g) {
			if t.purge != nil {
				var keep bool
				if e, keep = t.keepOrDrop(g, s, e, now); !keep {
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
		t.ranging++
		defer func() { t.ranging-- }()
		now := t.exp.now()
		for g := range t.groups {
			sp, ok := t.groups[g].spaces[ns]
			switch {
			case !ok:
			case sp.many == 0:
				if t.live(g, slot[K, N]{key: sp.key, ns: ns}, sp.e, now) && !yield(sp.key) {
					return
				}
			default:
				for k, e := range t.maps[sp.many-1] {
					if t.live(g, slot[K, N]{key: k, ns: ns}, e, now) && !yield(k) {
						return
					}
				}
			}
		}
	}
}

// live reports whether entry e is live, dropping it if it expired.
func (t *table[K, N, E]) live(g int, s slot[K, N], e E, now int64) bool {
	if t.purge == nil {
		return true
	}
	_, keep := t.keepOrDrop(g, s, e, now)
	return keep
}
