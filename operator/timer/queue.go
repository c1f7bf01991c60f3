package timer

import "slices"

// timerID is what makes a timer unique, as the equality of Flink's
// TimerHeapInternalTimer: key, namespace and time.
type timerID[K, N comparable] struct {
	key  K
	ns   N
	time int64
}

// slot is one element of the heap. It carries the ordering fields itself
// so that sifting compares without reaching into the nodes, and the
// node's index so that a swap can tell the node where it moved.
type slot struct {
	time int64
	seq  uint64 // registration order, the tie-break between equal times
	node int32
}

func (a slot) less(b slot) bool {
	return a.time < b.time || (a.time == b.time && a.seq < b.seq)
}

func compareSlots(a, b slot) int {
	switch {
	case a.less(b):
		return -1
	case b.less(a):
		return 1
	}
	return 0
}

// node is a timer as stored: the timer, where its slot is in the heap
// (Flink's HeapPriorityQueueElement.internalIndex) and the index of its
// key group in the owner's range.
type node[K, N comparable] struct {
	timer Timer[K, N]
	pos   int32
	group int32
}

// queue is the timers of one time domain, as Flink's HeapPriorityQueueSet:
// a binary heap ordered by time for polling, plus per key group a map
// from timer to its node for deduplication, removal in O(log n), and
// snapshots that walk one key group only.
//
// Timers live in an arena of nodes (slice indices, not pointers) with a
// free list, so that after warm-up registering and firing allocate
// nothing and the garbage collector sees no object per timer.
type queue[K, N comparable] struct {
	heap   []slot
	nodes  []node[K, N]
	free   []int32
	groups []map[timerID[K, N]]int32 // by key-group index; made on first use
	seq    uint64
}

func newQueue[K, N comparable](groups int) queue[K, N] {
	return queue[K, N]{groups: make([]map[timerID[K, N]]int32, groups)}
}

func (q *queue[K, N]) len() int { return len(q.heap) }

// peek is the earliest timer's time; the queue must not be empty.
func (q *queue[K, N]) peek() int64 { return q.heap[0].time }

// add registers t under key-group index g unless it is registered
// already, as Flink's HeapPriorityQueueSet.add.
func (q *queue[K, N]) add(g int, t Timer[K, N]) {
	m := q.groups[g]
	if m == nil {
		m = make(map[timerID[K, N]]int32)
		q.groups[g] = m
	}
	id := timerID[K, N]{key: t.Key, ns: t.Namespace, time: t.Time}
	if _, ok := m[id]; ok {
		return
	}
	n := q.alloc()
	q.nodes[n] = node[K, N]{timer: t, group: int32(g)}
	m[id] = n
	q.heap = append(q.heap, slot{time: t.Time, seq: q.seq, node: n})
	q.seq++
	q.up(len(q.heap) - 1)
}

// remove unregisters the timer (key, ns, time) of key-group index g, if
// registered.
func (q *queue[K, N]) remove(g int, key K, ns N, time int64) {
	m := q.groups[g]
	id := timerID[K, N]{key: key, ns: ns, time: time}
	n, ok := m[id]
	if !ok {
		return
	}
	delete(m, id)
	q.removeAt(int(q.nodes[n].pos))
	q.release(n)
}

// pop removes and returns the earliest timer; the queue must not be
// empty.
func (q *queue[K, N]) pop() Timer[K, N] {
	n := q.heap[0].node
	nd := &q.nodes[n]
	t := nd.timer
	delete(q.groups[nd.group], timerID[K, N]{key: t.Key, ns: t.Namespace, time: t.Time})
	q.removeAt(0)
	q.release(n)
	return t
}

// inGroup returns the timers of key-group index g in firing order, so
// that snapshots are deterministic and a restore keeps the order of
// timers with equal times.
func (q *queue[K, N]) inGroup(g int) []Timer[K, N] {
	m := q.groups[g]
	if len(m) == 0 {
		return nil
	}
	slots := make([]slot, 0, len(m))
	for _, n := range m {
		slots = append(slots, q.heap[q.nodes[n].pos])
	}
	slices.SortFunc(slots, compareSlots)
	out := make([]Timer[K, N], len(slots))
	for i, s := range slots {
		out[i] = q.nodes[s.node].timer
	}
	return out
}

func (q *queue[K, N]) alloc() int32 {
	if k := len(q.free); k > 0 {
		n := q.free[k-1]
		q.free = q.free[:k-1]
		return n
	}
	q.nodes = append(q.nodes, node[K, N]{})
	return int32(len(q.nodes) - 1)
}

// release returns node n to the free list, zeroed so that a key or
// namespace holding pointers does not outlive its timer.
func (q *queue[K, N]) release(n int32) {
	q.nodes[n] = node[K, N]{}
	q.free = append(q.free, n)
}

// removeAt removes the heap slot at i, moving the last slot into its
// place.
func (q *queue[K, N]) removeAt(i int) {
	last := len(q.heap) - 1
	if i != last {
		q.heap[i] = q.heap[last]
		q.nodes[q.heap[i].node].pos = int32(i)
	}
	q.heap = q.heap[:last]
	if i != last && !q.down(i) {
		q.up(i)
	}
}

// up moves the slot at i towards the root while it is earlier than its
// parent, shifting parents down into the hole rather than swapping.
func (q *queue[K, N]) up(i int) {
	h := q.heap
	x := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if !x.less(h[p]) {
			break
		}
		h[i] = h[p]
		q.nodes[h[i].node].pos = int32(i)
		i = p
	}
	h[i] = x
	q.nodes[x.node].pos = int32(i)
}

// down moves the slot at i towards the leaves while a child is earlier,
// and reports whether it moved. It first moves the hole at i down to a
// leaf along the earlier children, then the slot up from there: the slot
// to place is usually the heap's last, a late one that ends near the
// leaves, so this takes about half the comparisons of the textbook sift
// (Floyd's bottom-up heapsort; Go's container/heap compares at every
// level).
func (q *queue[K, N]) down(i0 int) bool {
	h := q.heap
	n := len(h)
	x := h[i0]
	i := i0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].less(h[c]) {
			c = r
		}
		h[i] = h[c]
		q.nodes[h[i].node].pos = int32(i)
		i = c
	}
	for i > i0 {
		p := (i - 1) / 2
		if !x.less(h[p]) {
			break
		}
		h[i] = h[p]
		q.nodes[h[i].node].pos = int32(i)
		i = p
	}
	h[i] = x
	q.nodes[x.node].pos = int32(i)
	return i > i0
}
