package transport

import "testing"

func TestBufferPool(t *testing.T) {
	b := GetBuffer()
	if len(b) != 0 || cap(b) != BufferSize {
		t.Fatalf("GetBuffer: len %d cap %d", len(b), cap(b))
	}
	PutBuffer(b)
	s := &Subpartition{}
	for _, size := range []int{4096, 10000, 2 << 20} {
		if b := s.Buffer(size); len(b) != 0 || cap(b) != size {
			t.Fatalf("Buffer(%d): len %d cap %d", size, len(b), cap(b))
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		b := GetBuffer()
		PutBuffer(b)
		r := recvBuffer(100)
		PutBuffer(r)
	})
	if allocs > 0 && !raceEnabled { // the race detector makes sync.Pool drop items

		t.Fatalf("%v allocations per pooled get/put", allocs)
	}
}
