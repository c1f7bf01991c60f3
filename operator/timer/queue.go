package timer

import (
	"cmp"
	"math"
	"slices"
)

// when is what the timers of a bucket share: their namespace and time.
// The namespace comes first: a zero-size last field would be padded, and
// VoidNamespace makes this a plain 8-byte key.
type when[N comparable] struct {
	ns   N
	time int64
}

// entry is a timer in its bucket: its key, and its registration order,
// which orders it against the timers of other buckets of the same time.
type entry[K comparable] struct {
	key K
	seq uint64
}

// gone is the seq of a deleted entry.
const gone = math.MaxUint64

// scanMax is how many entries a bucket gets before it has an index: up
// to it, finding a key by scanning is cheaper than a map.
const scanMax = 8

// bucket is the timers of one namespace and time in registration order:
// a window's timers, one per key, all at its end. Entry 0 is first, the
// others are in the bucket's overflow. A bucket holds no pointers of its
// own, so that with pointer-free keys and namespaces the garbage
// collector need not scan the arena.
type bucket[K, N comparable] struct {
	at when[N]
	// first is inline so that a timer alone at its time (a process
	// function's timeout) needs nothing more.
	first entry[K]
	// head is the first entry neither fired nor deleted. The entries
	// before it are zeroed, so that a key holding pointers does not
	// outlive its timer.
	head int32
	more int32 // index + 1 of the bucket's overflow; 0: none
}

// overflow is a bucket's entries after the first, and once there are more
// than scanMax, an index from key to entry. A deletion removes its key
// from the index; a fired entry stays there (it is before the head) until
// its key is registered again or the bucket is released.
type overflow[K comparable] struct {
	rest  []entry[K] // entry i is rest[i-1]
	index map[K]int32
}

// slot is a bucket in the heap. It carries the time and registration
// order of the bucket's head entry, which order the heap, so that
// sifting compares without reaching into the buckets.
type slot struct {
	time   int64
	seq    uint64
	bucket int32
}

func (a slot) less(b slot) bool {
	return a.time < b.time || (a.time == b.time && a.seq < b.seq)
}

// queue is the timers of one time domain, as Flink's HeapPriorityQueueSet,
// but grouped: one bucket per (namespace, time) holds its timers in
// registration order, and a binary heap of the buckets, ordered by their
// earliest timer, merges them back into firing order. A window's timers,
// all at its end, are one bucket: each costs its key, its order and a
// slot in the bucket's index, and they fire by walking the bucket
// without a sift per timer.
//
// Buckets and overflows live in arenas (slice indices, not pointers)
// with free lists, and a released overflow keeps its list and index,
// cleared, for the next, so that after warm-up registering and firing
// allocate nothing.
type queue[K, N comparable] struct {
	heap    []slot
	buckets []bucket[K, N]
	// pos is each bucket's slot in the heap (Flink's
	// HeapPriorityQueueElement.internalIndex), apart from the buckets so
	// that a sift's updates stay in a dense array.
	pos       []int32
	free      []int32
	overflows []overflow[K]
	freeOver  []int32
	byWhen    map[when[N]]int32
	// last is the bucket found or opened last, or -1: the records of a
	// window register their timers one after another.
	last int32
	seq  uint64
	n    int // timers
	// recent is the timer added or popped last, and whether it is
	// registered: a window's trigger and its cleanup register the same
	// timer one after the other, and the trigger's Clear deletes the timer
	// that just fired, which this answers without an index lookup.
	recent     Timer[K, N]
	recentLive bool
	// byGroup is the timers by key-group index, in no order: built by the
	// first snapshot after a change, so that snapshotting every key group
	// walks the timers once.
	byGroup [][]ref
}

// ref is a timer in the arena: its bucket and its entry there.
type ref struct{ bucket, i int32 }

func newQueue[K, N comparable]() queue[K, N] {
	return queue[K, N]{byWhen: make(map[when[N]]int32), last: -1}
}

func (q *queue[K, N]) len() int { return q.n }

// peek is the earliest timer's time; the queue must not be empty.
func (q *queue[K, N]) peek() int64 { return q.heap[0].time }

// over returns bucket b's overflow, nil if it has none.
func (q *queue[K, N]) over(b int32) *overflow[K] {
	if m := q.buckets[b].more; m > 0 {
		return &q.overflows[m-1]
	}
	return nil
}

// entry returns entry i of bucket b.
func (q *queue[K, N]) entry(b, i int32) *entry[K] {
	if i == 0 {
		return &q.buckets[b].first
	}
	return &q.overflows[q.buckets[b].more-1].rest[i-1]
}

// size is the number of entries of bucket b, fired and deleted ones
// included.
func (q *queue[K, N]) size(b int32) int32 {
	if ov := q.over(b); ov != nil {
		return 1 + int32(len(ov.rest))
	}
	return 1
}

// find returns the bucket of at, or -1.
func (q *queue[K, N]) find(at when[N]) int32 {
	if q.last >= 0 && q.buckets[q.last].at == at {
		return q.last
	}
	b, ok := q.byWhen[at]
	if !ok {
		return -1
	}
	q.last = b
	return b
}

// lookup returns the index of key's entry in bucket b, or -1.
func (q *queue[K, N]) lookup(b int32, key K) int32 {
	head := q.buckets[b].head
	if ov := q.over(b); ov != nil && ov.index != nil {
		if i, ok := ov.index[key]; ok && i >= head {
			return i
		}
		return -1
	}
	for i, n := head, q.size(b); i < n; i++ {
		if e := q.entry(b, i); e.seq != gone && e.key == key {
			return i
		}
	}
	return -1
}

// add registers t unless it is registered already, as Flink's
// HeapPriorityQueueSet.add.
func (q *queue[K, N]) add(t Timer[K, N]) {
	if q.recentLive && q.recent == t {
		return
	}
	q.recent, q.recentLive = t, true
	e := entry[K]{key: t.Key, seq: q.seq}
	at := when[N]{ns: t.Namespace, time: t.Time}
	if b := q.find(at); b < 0 {
		q.open(at, e)
	} else if q.lookup(b, t.Key) < 0 {
		q.append(b, e)
	} else {
		return
	}
	q.seq++
	q.n++
	q.byGroup = nil
}

// open makes the bucket of at with its first entry e.
func (q *queue[K, N]) open(at when[N], e entry[K]) {
	var b int32
	if k := len(q.free); k > 0 {
		b = q.free[k-1]
		q.free = q.free[:k-1]
	} else {
		q.buckets = append(q.buckets, bucket[K, N]{})
		q.pos = append(q.pos, 0)
		b = int32(len(q.buckets) - 1)
	}
	q.buckets[b] = bucket[K, N]{at: at, first: e}
	q.byWhen[at] = b
	q.last = b
	q.heap = append(q.heap, slot{time: at.time, seq: e.seq, bucket: b})
	q.up(len(q.heap) - 1)
}

// append adds entry e to bucket b, indexing the bucket once it outgrows
// a scan.
func (q *queue[K, N]) append(b int32, e entry[K]) {
	ov := q.over(b)
	if ov == nil {
		if k := len(q.freeOver); k > 0 {
			q.buckets[b].more = q.freeOver[k-1] + 1
			q.freeOver = q.freeOver[:k-1]
		} else {
			q.overflows = append(q.overflows, overflow[K]{})
			q.buckets[b].more = int32(len(q.overflows))
		}
		ov = q.over(b)
		if ov.index != nil {
			// A reused overflow keeps its index, which must then hold the
			// bucket's first entry, pending until now.
			ov.index[q.buckets[b].first.key] = 0
		}
	}
	if ov.index != nil {
		ov.index[e.key] = 1 + int32(len(ov.rest))
	}
	if ov.rest == nil {
		// Room for a few, so that the small buckets of timers that happen
		// to share a time do not grow their lists one by one.
		ov.rest = make([]entry[K], 0, scanMax/2)
	}
	ov.rest = append(ov.rest, e)
	if ov.index == nil && len(ov.rest) >= scanMax {
		ov.index = make(map[K]int32, 2*scanMax)
		for i, n := q.buckets[b].head, q.size(b); i < n; i++ {
			if e := q.entry(b, i); e.seq != gone {
				ov.index[e.key] = i
			}
		}
	}
}

// remove unregisters the timer (key, ns, time), if registered.
func (q *queue[K, N]) remove(key K, ns N, time int64) {
	if t := (Timer[K, N]{Time: time, Key: key, Namespace: ns}); q.recent == t {
		if !q.recentLive {
			return
		}
		q.recentLive = false
	}
	b := q.find(when[N]{ns: ns, time: time})
	if b < 0 {
		return
	}
	i := q.lookup(b, key)
	if i < 0 {
		return
	}
	*q.entry(b, i) = entry[K]{seq: gone}
	if ov := q.over(b); ov != nil && ov.index != nil {
		delete(ov.index, key)
	}
	q.n--
	q.byGroup = nil
	if i == q.buckets[b].head {
		q.settle(b)
	}
}

// pop removes and returns the earliest timer; the queue must not be
// empty.
func (q *queue[K, N]) pop() Timer[K, N] {
	b := q.heap[0].bucket
	bk := &q.buckets[b]
	e := q.entry(b, bk.head)
	t := Timer[K, N]{Time: bk.at.time, Key: e.key, Namespace: bk.at.ns}
	q.recent, q.recentLive = t, false
	*e = entry[K]{}
	bk.head++
	q.n--
	q.byGroup = nil
	q.settle(b)
	return t
}

// settle moves bucket b's head past deleted entries after its head entry
// fired or was deleted, and releases the bucket if nothing is left, or
// moves its heap slot to where its new head belongs.
func (q *queue[K, N]) settle(b int32) {
	bk := &q.buckets[b]
	n := q.size(b)
	for bk.head < n && q.entry(b, bk.head).seq == gone {
		bk.head++
	}
	if bk.head == n {
		q.release(b)
		return
	}
	i := int(q.pos[b])
	q.heap[i].seq = q.entry(b, bk.head).seq
	q.sink(i)
}

// release drops bucket b, which has no timers left; its overflow keeps
// its list and index for the next bucket that needs one.
func (q *queue[K, N]) release(b int32) {
	bk := &q.buckets[b]
	q.removeAt(int(q.pos[b]))
	delete(q.byWhen, bk.at)
	if q.last == b {
		q.last = -1
	}
	if ov := q.over(b); ov != nil {
		clear(ov.index)
		ov.rest = ov.rest[:0]
		q.freeOver = append(q.freeOver, bk.more-1)
	}
	*bk = bucket[K, N]{}
	q.free = append(q.free, b)
}

// inGroup returns the timers of key-group index g in firing order, so
// that snapshots are deterministic and a restore keeps the order of
// timers with equal times. group gives a key's key-group index, of
// groups.
func (q *queue[K, N]) inGroup(g int, group func(K) int, groups int) []Timer[K, N] {
	if q.byGroup == nil {
		q.byGroup = make([][]ref, groups)
		for _, s := range q.heap {
			b := s.bucket
			for i, n := q.buckets[b].head, q.size(b); i < n; i++ {
				if e := q.entry(b, i); e.seq != gone {
					kg := group(e.key)
					q.byGroup[kg] = append(q.byGroup[kg], ref{bucket: b, i: i})
				}
			}
		}
	}
	refs := q.byGroup[g]
	slices.SortFunc(refs, func(x, y ref) int {
		return cmp.Or(cmp.Compare(q.buckets[x.bucket].at.time, q.buckets[y.bucket].at.time),
			cmp.Compare(q.entry(x.bucket, x.i).seq, q.entry(y.bucket, y.i).seq))
	})
	out := make([]Timer[K, N], len(refs))
	for j, r := range refs {
		at := q.buckets[r.bucket].at
		out[j] = Timer[K, N]{Time: at.time, Key: q.entry(r.bucket, r.i).key, Namespace: at.ns}
	}
	return out
}
