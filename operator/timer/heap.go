package timer

// place puts slot x at heap index i.
func (q *queue[K, N]) place(i int, x slot) {
	q.heap[i] = x
	q.pos[x.bucket] = int32(i)
}

// removeAt removes the heap slot at i, moving the last slot into its
// place.
func (q *queue[K, N]) removeAt(i int) {
	last := len(q.heap) - 1
	if i != last {
		q.place(i, q.heap[last])
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
		q.place(i, h[p])
		i = p
	}
	q.place(i, x)
}

// down moves the slot at i towards the leaves while a child is earlier,
// and reports whether it moved. It first moves the hole at i down to a
// leaf along the earlier children, then the slot up from there: the slot
// to place is the heap's last, a late one that ends near the leaves, so
// this takes about half the comparisons of the textbook sift (Floyd's
// bottom-up heapsort; Go's container/heap compares at every level).
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
		q.place(i, h[c])
		i = c
	}
	for i > i0 {
		p := (i - 1) / 2
		if !x.less(h[p]) {
			break
		}
		q.place(i, h[p])
		i = p
	}
	q.place(i, x)
	return i > i0
}

// sink is the textbook sift down, for a slot whose bucket's head moved
// on: its next timer is usually still the earliest, or close to it,
// which the first comparison or two find.
func (q *queue[K, N]) sink(i int) {
	h := q.heap
	n := len(h)
	x := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].less(h[c]) {
			c = r
		}
		if !h[c].less(x) {
			break
		}
		q.place(i, h[c])
		i = c
	}
	q.place(i, x)
}
