package state

import (
	"iter"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/internal/snapio"
)

// ListStateDescriptor describes a state of a list of values per key and
// namespace, as Flink's ListStateDescriptor. With TTL each element
// expires on its own, as in Flink's TtlListState.
type ListStateDescriptor[V any] struct {
	Name string
	TTL  TTLConfig
}

// ListState holds a list of values per key and namespace, as Flink's
// ListState: the buffered elements of a window. An empty list is no
// entry.
type ListState[K, N comparable, V any] struct {
	list listStore[K, N, V]
	ns   N
}

// GetListState returns b's list state d.Name, registering it on first use.
func GetListState[N, K comparable, V any](b *Backend[K], d ListStateDescriptor[V]) (*ListState[K, N, V], error) {
	return register(b, d.Name, kindList, d.TTL, func() (*ListState[K, N, V], kvState) {
		var l listStore[K, N, V]
		if d.TTL.TTL > 0 {
			l = newLists[K, N, V, stamp](b, d.TTL)
		} else {
			l = newLists[K, N, V, noStamp](b, d.TTL)
		}
		return &ListState[K, N, V]{list: l}, l
	})
}

func (s *ListState[K, N, V]) SetNamespace(n N) { s.ns = n }

// Get ranges over the current key's list as it is now: later changes do
// not show in a range already begun.
func (s *ListState[K, N, V]) Get() iter.Seq[V] { return s.list.get(s.ns) }

func (s *ListState[K, N, V]) Add(v V) { s.list.add(s.ns, v) }

func (s *ListState[K, N, V]) AddAll(vs []V) { s.list.add(s.ns, vs...) }

// Update replaces the list with (a copy of) vs.
func (s *ListState[K, N, V]) Update(vs []V) { s.list.update(s.ns, vs) }

func (s *ListState[K, N, V]) Clear() { s.list.update(s.ns, nil) }

// MergeNamespaces appends the lists of sources to target's.
func (s *ListState[K, N, V]) MergeNamespaces(target N, sources []N) {
	s.list.merge(target, sources)
}

func (s *ListState[K, N, V]) keys(ns N) iter.Seq[K] { return s.list.keys(ns) }

// listStore is ListState's storage, with or without a timestamp per
// element.
type listStore[K, N comparable, V any] interface {
	kvState
	get(ns N) iter.Seq[V]
	add(ns N, vs ...V)
	update(ns N, vs []V)
	merge(target N, sources []N)
	keys(ns N) iter.Seq[K]
}

type lists[K, N comparable, V any, T stamper[T]] struct {
	b     *Backend[K]
	t     table[K, N, []entry[V, T]]
	enc   codecs[K, N]
	value operator.Codec[V]
}

func newLists[K, N comparable, V any, T stamper[T]](b *Backend[K], ttl TTLConfig) *lists[K, N, V, T] {
	l := &lists[K, N, V, T]{b: b, enc: newCodecs[K, N](), value: operator.CodecFor[V]()}
	l.t = newTable[K, N](b.groups.End-b.groups.Start+1, newExpiry(ttl, b.clock), l.purge)
	return l
}

// purge drops expired elements. It copies rather than compacts in place:
// a range over the list from Get may still be reading the old array.
func (l *lists[K, N, V, T]) purge(es []entry[V, T], now int64) (live []entry[V, T], keep, changed bool) {
	for i, e := range es {
		if l.t.exp.expired(e.ts.nanos(), now) {
			if live == nil {
				live = append(make([]entry[V, T], 0, len(es)), es[:i]...)
			}
		} else if live != nil {
			live = append(live, e)
		}
	}
	if live == nil {
		return es, len(es) > 0, false
	}
	return live, len(live) > 0, true
}

func (l *lists[K, N, V, T]) get(ns N) iter.Seq[V] {
	g, ok := l.b.group()
	if !ok {
		return func(func(V) bool) {}
	}
	s := slot[K, N]{key: l.b.key, ns: ns}
	es, _ := l.t.get(g, s)
	if l.t.exp.enabled() {
		es = l.read(g, s, es)
	}
	return func(yield func(V) bool) {
		for _, e := range es {
			if !yield(e.v) {
				return
			}
		}
	}
}

// read is a read of a list with TTL, as Flink's TtlListState.get: expired
// elements are removed, and seen this once with
// ReturnExpiredIfNotCleanedUp; live ones are refreshed under
// OnReadAndWrite. It returns the elements the read sees.
func (l *lists[K, N, V, T]) read(g int, s slot[K, N], es []entry[V, T]) []entry[V, T] {
	x := l.t.exp
	now := x.now()
	defer l.t.sweep(now)
	if x.refreshOnRead {
		// Only timestamps change, which a range over es does not read.
		for i, e := range es {
			if !x.expired(e.ts.nanos(), now) {
				es[i].ts = e.ts.at(now)
			}
		}
	}
	live, keep, changed := l.purge(es, now)
	switch {
	case !keep:
		l.t.remove(g, s)
	case changed:
		l.t.put(g, s, live)
	}
	if x.returnExpired {
		return es
	}
	return live
}

func (l *lists[K, N, V, T]) add(ns N, vs ...V) {
	g, ok := l.b.group()
	if !ok || len(vs) == 0 {
		return
	}
	s := slot[K, N]{key: l.b.key, ns: ns}
	now := l.t.exp.now()
	es, _ := l.t.get(g, s)
	for _, v := range vs {
		es = append(es, entry[V, T]{ts: stampAt[T](now), v: v})
	}
	l.t.put(g, s, es)
	l.t.sweep(now)
}

func (l *lists[K, N, V, T]) update(ns N, vs []V) {
	g, ok := l.b.group()
	if !ok {
		return
	}
	s := slot[K, N]{key: l.b.key, ns: ns}
	now := l.t.exp.now()
	if len(vs) == 0 {
		l.t.remove(g, s)
	} else {
		es := make([]entry[V, T], len(vs))
		for i, v := range vs {
			es[i] = entry[V, T]{ts: stampAt[T](now), v: v}
		}
		l.t.put(g, s, es)
	}
	l.t.sweep(now)
}

// merge appends the sources' elements, with their timestamps, to target's
// list, as Flink's HeapListState.mergeNamespaces.
func (l *lists[K, N, V, T]) merge(target N, sources []N) {
	g, ok := l.b.group()
	if !ok {
		return
	}
	ts := slot[K, N]{key: l.b.key, ns: target}
	merged, _ := l.t.get(g, ts)
	for _, src := range sources {
		ss := slot[K, N]{key: l.b.key, ns: src}
		if es, found := l.t.get(g, ss); found && src != target {
			merged = append(merged, es...)
			l.t.remove(g, ss)
		}
	}
	if len(merged) > 0 {
		l.t.put(g, ts, merged)
	}
	l.t.sweep(l.t.exp.now())
}

func (l *lists[K, N, V, T]) keys(ns N) iter.Seq[K] { return l.t.keys(ns) }

func (l *lists[K, N, V, T]) stamped() bool { return l.t.exp.enabled() }

func (l *lists[K, N, V, T]) snapshot(g int, buf []byte) ([]byte, error) {
	return appendEntries(buf, &l.t, g, &l.enc, func(buf []byte, es []entry[V, T]) ([]byte, error) {
		buf = appendUvarint(buf, len(es))
		var err error
		for _, e := range es {
			if buf, err = snapio.AppendItem(appendStamp(buf, l.t.exp, e.ts), &l.enc.scratch, l.value, e.v); err != nil {
				return buf, err
			}
		}
		return buf, nil
	})
}

func (l *lists[K, N, V, T]) restore(kg int, data []byte, stamped bool) error {
	now := l.t.exp.now()
	return restoreEntries(l.b, &l.t, kg, data, &l.enc, func(d *decoder) ([]entry[V, T], error) {
		n, err := d.count()
		if err != nil {
			return nil, err
		}
		es := make([]entry[V, T], n)
		for i := range es {
			ts, err := d.stamp(stamped, now)
			if err != nil {
				return nil, err
			}
			if es[i].v, err = decodeItem(d, l.value); err != nil {
				return nil, err
			}
			es[i].ts = stampAt[T](ts)
		}
		return es, nil
	})
}
