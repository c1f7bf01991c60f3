package connector

import "testing"

func TestDiscardSinkConformance(t *testing.T) {
	testSinkConformance(t, func(*testing.T) sinkUnderTest[int] {
		return sinkUnderTest[int]{sink: NewDiscardSink[int]()}
	}, []int{1, 2, 3, 4, 5, 6, 7})
}

func TestDiscardSinkCounts(t *testing.T) {
	ctx := testContext(0, 1)
	w, err := NewDiscardSink[string]().NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Open(ctx); err != nil {
		t.Fatal(err)
	}
	for range 1234 {
		if err := w.Write("dropped"); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.(*DiscardWriter[string]).Count(); got != 1234 {
		t.Errorf("Count() = %d, want 1234", got)
	}
}

func BenchmarkDiscardSinkWrite(b *testing.B) {
	w, _ := NewDiscardSink[int64]().NewWriter(testContext(0, 1))
	for i := int64(0); b.Loop(); i++ {
		w.Write(i)
	}
}
