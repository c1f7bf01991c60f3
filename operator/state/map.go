package state

import (
	"iter"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/internal/snapio"
)

// MapStateDescriptor describes a state of a map per key and namespace, as
// Flink's MapStateDescriptor. With TTL each user key expires on its own,
// as in Flink's TtlMapState.
type MapStateDescriptor[UK comparable, UV any] struct {
	Name string
	TTL  TTLConfig
}

// MapState holds a map from user keys to user values per key and
// namespace, as Flink's MapState. An empty map is no entry.
type MapState[K, N comparable, UK comparable, UV any] struct {
	m  mapStore[K, N, UK, UV]
	ns N
}

// GetMapState returns b's map state d.Name, registering it on first use.
func GetMapState[N, K comparable, UK comparable, UV any](b *Backend[K], d MapStateDescriptor[UK, UV]) (*MapState[K, N, UK, UV], error) {
	return register(b, d.Name, kindMap, d.TTL, func() (*MapState[K, N, UK, UV], kvState) {
		var m mapStore[K, N, UK, UV]
		if d.TTL.TTL > 0 {
			m = newUserMaps[K, N, UK, UV, stamp](b, d.TTL)
		} else {
			m = newUserMaps[K, N, UK, UV, noStamp](b, d.TTL)
		}
		return &MapState[K, N, UK, UV]{m: m}, m
	})
}

func (s *MapState[K, N, UK, UV]) SetNamespace(n N) { s.ns = n }

func (s *MapState[K, N, UK, UV]) Get(uk UK) (UV, bool) { return s.m.get(s.ns, uk) }

func (s *MapState[K, N, UK, UV]) Put(uk UK, uv UV) { s.m.put(s.ns, uk, uv) }

func (s *MapState[K, N, UK, UV]) PutAll(m map[UK]UV) {
	for uk, uv := range m {
		s.m.put(s.ns, uk, uv)
	}
}

func (s *MapState[K, N, UK, UV]) Remove(uk UK) { s.m.remove(s.ns, uk) }

func (s *MapState[K, N, UK, UV]) Contains(uk UK) bool {
	_, ok := s.m.get(s.ns, uk)
	return ok
}

// Entries ranges over the current key's map; as with a Go map, entries
// put during the range may or may not be seen.
func (s *MapState[K, N, UK, UV]) Entries() iter.Seq2[UK, UV] { return s.m.entries(s.ns) }

func (s *MapState[K, N, UK, UV]) Keys() iter.Seq[UK] {
	return func(yield func(UK) bool) {
		for uk := range s.m.entries(s.ns) {
			if !yield(uk) {
				return
			}
		}
	}
}

func (s *MapState[K, N, UK, UV]) Values() iter.Seq[UV] {
	return func(yield func(UV) bool) {
		for _, uv := range s.m.entries(s.ns) {
			if !yield(uv) {
				return
			}
		}
	}
}

// IsEmpty reports whether the current key's map has no live entries; it
// removes the expired ones it finds.
func (s *MapState[K, N, UK, UV]) IsEmpty() bool { return s.m.isEmpty(s.ns) }

func (s *MapState[K, N, UK, UV]) Clear() { s.m.clear(s.ns) }

func (s *MapState[K, N, UK, UV]) keys(ns N) iter.Seq[K] { return s.m.keys(ns) }

// mapStore is MapState's storage, with or without a timestamp per user
// key.
type mapStore[K, N comparable, UK comparable, UV any] interface {
	kvState
	get(ns N, uk UK) (UV, bool)
	put(ns N, uk UK, uv UV)
	remove(ns N, uk UK)
	entries(ns N) iter.Seq2[UK, UV]
	isEmpty(ns N) bool
	clear(ns N)
	keys(ns N) iter.Seq[K]
}

type userMaps[K, N comparable, UK comparable, UV any, T stamper[T]] struct {
	b       *Backend[K]
	t       table[K, N, map[UK]entry[UV, T]]
	enc     codecs[K, N]
	userKey operator.Codec[UK]
	value   operator.Codec[UV]
}

func newUserMaps[K, N comparable, UK comparable, UV any, T stamper[T]](b *Backend[K], ttl TTLConfig) *userMaps[K, N, UK, UV, T] {
	m := &userMaps[K, N, UK, UV, T]{b: b, enc: newCodecs[K, N](), userKey: operator.CodecFor[UK](), value: operator.CodecFor[UV]()}
	m.t = newTable[K, N](b.groups.End-b.groups.Start+1, newExpiry(ttl, b.clock), m.purge)
	return m
}

// purge deletes expired user keys in place (a Go map may be changed while
// ranged over).
func (m *userMaps[K, N, UK, UV, T]) purge(um map[UK]entry[UV, T], now int64) (map[UK]entry[UV, T], bool, bool) {
	for uk, e := range um {
		if m.t.exp.expired(e.ts.nanos(), now) {
			delete(um, uk)
		}
	}
	return um, len(um) > 0, false
}

// current returns the current key's map in ns, nil if none.
func (m *userMaps[K, N, UK, UV, T]) current(ns N) (g int, s slot[K, N], um map[UK]entry[UV, T]) {
	g, ok := m.b.group()
	if !ok {
		return g, s, nil
	}
	s = slot[K, N]{key: m.b.key, ns: ns}
	um, _ = m.t.get(g, s)
	return g, s, um
}

func (m *userMaps[K, N, UK, UV, T]) get(ns N, uk UK) (UV, bool) {
	var zero UV
	g, s, um := m.current(ns)
	e, found := um[uk]
	now := m.t.exp.now()
	defer m.t.sweep(now)
	if !found {
		return zero, false
	}
	e, keep, visible := read(m.t.exp, e, now)
	switch {
	case !keep:
		if delete(um, uk); len(um) == 0 {
			m.t.remove(g, s)
		}
	case m.t.exp.refreshOnRead:
		um[uk] = e
	}
	if !visible {
		return zero, false
	}
	return e.v, true
}

func (m *userMaps[K, N, UK, UV, T]) put(ns N, uk UK, uv UV) {
	g, ok := m.b.group()
	if !ok {
		return
	}
	s := slot[K, N]{key: m.b.key, ns: ns}
	um, _ := m.t.get(g, s)
	if um == nil {
		um = make(map[UK]entry[UV, T])
		m.t.put(g, s, um)
	}
	now := m.t.exp.now()
	um[uk] = entry[UV, T]{ts: stampAt[T](now), v: uv}
	m.t.sweep(now)
}

func (m *userMaps[K, N, UK, UV, T]) remove(ns N, uk UK) {
	g, s, um := m.current(ns)
	if um != nil {
		if delete(um, uk); len(um) == 0 {
			m.t.remove(g, s)
		}
	}
	m.t.sweep(m.t.exp.now())
}

func (m *userMaps[K, N, UK, UV, T]) clear(ns N) {
	if g, s, um := m.current(ns); um != nil {
		m.t.remove(g, s)
	}
	m.t.sweep(m.t.exp.now())
}

func (m *userMaps[K, N, UK, UV, T]) isEmpty(ns N) bool {
	g, s, um := m.current(ns)
	now := m.t.exp.now()
	defer m.t.sweep(now)
	if um == nil {
		return true
	}
	if m.t.purge != nil {
		if _, keep, _ := m.purge(um, now); !keep {
			m.t.remove(g, s)
			return true
		}
	}
	return false
}

// entries ranges over the map the current key has in ns when called,
// reading each entry as get does. An emptied map stays until cleanup
// drops it: by then the key's entry may be another map.
func (m *userMaps[K, N, UK, UV, T]) entries(ns N) iter.Seq2[UK, UV] {
	_, _, um := m.current(ns)
	m.t.sweep(m.t.exp.now())
	return func(yield func(UK, UV) bool) {
		now := m.t.exp.now()
		for uk, e := range um {
			e, keep, visible := read(m.t.exp, e, now)
			switch {
			case !keep:
				delete(um, uk)
			case m.t.exp.refreshOnRead:
				um[uk] = e
			}
			if visible && !yield(uk, e.v) {
				return
			}
		}
	}
}

func (m *userMaps[K, N, UK, UV, T]) keys(ns N) iter.Seq[K] { return m.t.keys(ns) }

func (m *userMaps[K, N, UK, UV, T]) stamped() bool { return m.t.exp.enabled() }

func (m *userMaps[K, N, UK, UV, T]) snapshot(g int, buf []byte) ([]byte, error) {
	return appendEntries(buf, &m.t, g, &m.enc, func(buf []byte, um map[UK]entry[UV, T]) ([]byte, error) {
		buf = appendUvarint(buf, len(um))
		var err error
		for uk, e := range um {
			if buf, err = snapio.AppendItem(appendStamp(buf, m.t.exp, e.ts), &m.enc.scratch, m.userKey, uk); err != nil {
				return buf, err
			}
			if buf, err = snapio.AppendItem(buf, &m.enc.scratch, m.value, e.v); err != nil {
				return buf, err
			}
		}
		return buf, nil
	})
}

func (m *userMaps[K, N, UK, UV, T]) restore(kg int, data []byte, stamped bool) error {
	now := m.t.exp.now()
	return restoreEntries(m.b, &m.t, kg, data, &m.enc, func(d *decoder) (map[UK]entry[UV, T], error) {
		n, err := d.count()
		if err != nil {
			return nil, err
		}
		um := make(map[UK]entry[UV, T], n)
		for range n {
			ts, err := d.stamp(stamped, now)
			if err != nil {
				return nil, err
			}
			uk, err := decodeItem(d, m.userKey)
			if err != nil {
				return nil, err
			}
			uv, err := decodeItem(d, m.value)
			if err != nil {
				return nil, err
			}
			um[uk] = entry[UV, T]{ts: stampAt[T](ts), v: uv}
		}
		return um, nil
	})
}
