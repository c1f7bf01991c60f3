package state

import (
	"iter"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/internal/snapio"
)

// cellStore is the storage of the states that hold one value per key and
// namespace: value, reducing and aggregating state. Its two
// implementations, with and without a TTL timestamp per entry, are
// chosen at registration, so the handles stay free of the timestamp type.
type cellStore[K, N comparable, X any] interface {
	kvState
	// get reads the current key's value in ns, applying TTL.
	get(ns N) (X, bool)
	set(ns N, x X)
	remove(ns N)
	// merge folds the current key's values in sources into its value in
	// target with combine, removing them, as Flink's
	// AbstractHeapMergingState.mergeNamespaces.
	merge(target N, sources []N, combine func(X, X) X)
	keys(ns N) iter.Seq[K]
}

func newCellStore[K, N comparable, X any](b *Backend[K], ttl TTLConfig) cellStore[K, N, X] {
	if ttl.TTL > 0 {
		return newCells[K, N, X, stamp](b, ttl)
	}
	return newCells[K, N, X, noStamp](b, ttl)
}

type cells[K, N comparable, X any, T stamper[T]] struct {
	b     *Backend[K]
	t     table[K, N, entry[X, T]]
	enc   codecs[K, N]
	value operator.Codec[X]
}

func newCells[K, N comparable, X any, T stamper[T]](b *Backend[K], ttl TTLConfig) *cells[K, N, X, T] {
	c := &cells[K, N, X, T]{b: b, enc: newCodecs[K, N](), value: operator.CodecFor[X]()}
	c.t = newTable[K, N](b.groups.End-b.groups.Start+1, newExpiry(ttl, b.clock), c.purge)
	return c
}

func (c *cells[K, N, X, T]) purge(e entry[X, T], now int64) (entry[X, T], bool, bool) {
	return e, !c.t.exp.expired(e.ts.nanos(), now), false
}

func (c *cells[K, N, X, T]) get(ns N) (X, bool) {
	var zero X
	g, ok := c.b.group()
	if !ok {
		return zero, false
	}
	s := slot[K, N]{key: c.b.key, ns: ns}
	e, found := c.t.get(g, s)
	now := c.t.exp.now()
	defer c.t.sweep(now)
	if !found {
		return zero, false
	}
	e, keep, visible := read(c.t.exp, e, now)
	switch {
	case !keep:
		c.t.remove(g, s)
	case c.t.exp.refreshOnRead:
		c.t.put(g, s, e)
	}
	if !visible {
		return zero, false
	}
	return e.v, true
}

func (c *cells[K, N, X, T]) set(ns N, x X) {
	g, ok := c.b.group()
	if !ok {
		return
	}
	now := c.t.exp.now()
	c.t.put(g, slot[K, N]{key: c.b.key, ns: ns}, entry[X, T]{ts: stampAt[T](now), v: x})
	c.t.sweep(now)
}

func (c *cells[K, N, X, T]) remove(ns N) {
	g, ok := c.b.group()
	if !ok {
		return
	}
	c.t.remove(g, slot[K, N]{key: c.b.key, ns: ns})
	c.t.sweep(c.t.exp.now())
}

func (c *cells[K, N, X, T]) merge(target N, sources []N, combine func(X, X) X) {
	var merged X
	have := false
	for _, src := range sources {
		if src == target {
			continue
		}
		x, ok := c.get(src)
		c.remove(src)
		switch {
		case !ok:
		case have:
			merged = combine(merged, x)
		default:
			merged, have = x, true
		}
	}
	if !have {
		return
	}
	if x, ok := c.get(target); ok {
		merged = combine(x, merged)
	}
	c.set(target, merged)
}

func (c *cells[K, N, X, T]) keys(ns N) iter.Seq[K] { return c.t.keys(ns) }

func (c *cells[K, N, X, T]) stamped() bool { return c.t.exp.enabled() }

func (c *cells[K, N, X, T]) snapshot(g int, buf []byte) ([]byte, error) {
	return appendEntries(buf, &c.t, g, &c.enc, func(buf []byte, e entry[X, T]) ([]byte, error) {
		return snapio.AppendItem(appendStamp(buf, c.t.exp, e.ts), &c.enc.scratch, c.value, e.v)
	})
}

func (c *cells[K, N, X, T]) restore(kg int, data []byte, stamped bool) error {
	now := c.t.exp.now()
	return restoreEntries(c.b, &c.t, kg, data, &c.enc, func(d *decoder) (entry[X, T], error) {
		ts, err := d.stamp(stamped, now)
		if err != nil {
			return entry[X, T]{}, err
		}
		x, err := decodeItem(d, c.value)
		return entry[X, T]{ts: stampAt[T](ts), v: x}, err
	})
}
