package connector

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/runnel/runnel/operator"
)

func int64Range(from, to int64) []int64 {
	var r []int64
	for i := from; ; i++ {
		r = append(r, i)
		if i == to {
			return r
		}
	}
}

func TestSequenceSourceConformance(t *testing.T) {
	for _, tt := range []struct{ from, to int64 }{
		{1, 100},
		{-5, 5},
		{7, 7}, // fewer numbers than subtasks
		{0, 2500},
		{math.MaxInt64 - 3, math.MaxInt64},
		{math.MinInt64, math.MinInt64 + 3},
	} {
		t.Run(fmt.Sprintf("%d..%d", tt.from, tt.to), func(t *testing.T) {
			testSourceConformance(t, func(*testing.T) operator.Source[int64] {
				return NewSequenceSource(tt.from, tt.to)
			}, int64Range(tt.from, tt.to))
		})
	}
}

// TestSequenceShares checks that each share is contiguous and ascending,
// that the shares in subtask order make up the range, and that their
// sizes differ by at most one.
func TestSequenceShares(t *testing.T) {
	for _, r := range []struct{ from, to int64 }{{0, 0}, {0, 9}, {-3, 17}, {100, 1099}} {
		for p := 1; p <= 7; p++ {
			var all []int64
			minSize, maxSize := math.MaxInt, 0
			for s := range p {
				share := readAll(t, NewSequenceSource(r.from, r.to), s, p)
				if !slices.IsSorted(share) || len(share) > 0 && share[len(share)-1]-share[0] != int64(len(share)-1) {
					t.Errorf("%v p=%d subtask %d: share %v is not contiguous", r, p, s, share)
				}
				minSize, maxSize = min(minSize, len(share)), max(maxSize, len(share))
				all = append(all, share...)
			}
			if !slices.Equal(all, int64Range(r.from, r.to)) {
				t.Errorf("%v p=%d: shares in order give %v", r, p, all)
			}
			if maxSize-minSize > 1 {
				t.Errorf("%v p=%d: share sizes from %d to %d", r, p, minSize, maxSize)
			}
		}
	}
}

func TestSequenceShareOfWholeRange(t *testing.T) {
	type share struct {
		first, last int64
		ok          bool
	}
	for _, tt := range []struct {
		from, to int64
		p        int
		want     []share
	}{
		{math.MinInt64, math.MaxInt64, 1, []share{{math.MinInt64, math.MaxInt64, true}}},
		{math.MinInt64, math.MaxInt64, 2, []share{{math.MinInt64, -1, true}, {0, math.MaxInt64, true}}},
		{math.MinInt64, math.MaxInt64, 4, []share{
			{math.MinInt64, math.MinInt64/2 - 1, true}, {math.MinInt64 / 2, -1, true},
			{0, math.MaxInt64 / 2, true}, {math.MaxInt64/2 + 1, math.MaxInt64, true},
		}},
		{5, 6, 3, []share{{0, 0, false}, {5, 5, true}, {6, 6, true}}},
	} {
		for s, want := range tt.want {
			var got share
			got.first, got.last, got.ok = sequenceShare(tt.from, tt.to, s, tt.p)
			if got != want {
				t.Errorf("sequenceShare(%d, %d, %d, %d) = %v, want %v", tt.from, tt.to, s, tt.p, got, want)
			}
		}
	}
}

func TestSequenceSourceRejectsReversedRange(t *testing.T) {
	if _, err := NewSequenceSource(2, 1).NewReader(testContext(0, 1)); err == nil {
		t.Error("NewReader accepted from > to")
	}
}

func square(i int64) int64 { return i * i }

func TestDataGenConformance(t *testing.T) {
	for _, tt := range []struct {
		name  string
		count int64
		rate  float64
	}{
		{"unlimited", 2500, 0},
		{"none", 0, 0},
		{"rate-limited", 300, 20000},
	} {
		var want []int64
		for i := range tt.count {
			want = append(want, square(i))
		}
		t.Run(tt.name, func(t *testing.T) {
			testSourceConformance(t, func(*testing.T) operator.Source[int64] {
				return NewDataGen(tt.count, tt.rate, square)
			}, want)
		})
	}
}

func TestDataGenUnbounded(t *testing.T) {
	r, err := NewDataGen(-1, 0, func(i int64) int64 { return i }).NewReader(testContext(1, 3))
	if err != nil {
		t.Fatal(err)
	}
	c := &sliceCollector[int64]{}
	for range 3 {
		if status, err := r.PollNext(c); err != nil || status != operator.MoreAvailable {
			t.Fatalf("PollNext = %v, %v; want MoreAvailable", status, err)
		}
	}
	if len(c.records) != 3*maxBatchRecords {
		t.Fatalf("3 polls emitted %d records, want %d", len(c.records), 3*maxBatchRecords)
	}
	for k, index := range c.records {
		if want := int64(1 + 3*k); index != want {
			t.Fatalf("record %d has index %d, want %d", k, index, want)
		}
	}
}

// TestDataGenRateLimit drives the limiter with a fake clock: ahead of
// schedule the reader reports NothingAvailable without emitting, and
// after a long stall it catches up by one second of records only.
func TestDataGenRateLimit(t *testing.T) {
	source := NewDataGen(-1, 10, func(i int64) int64 { return i })
	ctx := testContext(1, 2) // 5 records per second
	sr, err := source.NewReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r := sr.(*dataGenReader[int64])
	now := time.Unix(1000, 0)
	r.limit.now = func() time.Time { return now }
	if err := r.Open(ctx); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance    time.Duration
		wantStatus operator.InputStatus
		wantNew    []int64
	}{
		{0, operator.NothingAvailable, []int64{1}}, // the first record goes at once
		{0, operator.NothingAvailable, nil},
		{100 * time.Millisecond, operator.NothingAvailable, nil},
		{100 * time.Millisecond, operator.NothingAvailable, []int64{3}},
		{time.Hour, operator.NothingAvailable, []int64{5, 7, 9, 11, 13}},
		{time.Second / 2, operator.NothingAvailable, []int64{15, 17}},
	}
	for i, step := range steps {
		now = now.Add(step.advance)
		c := &sliceCollector[int64]{}
		status, err := r.PollNext(c)
		if err != nil {
			t.Fatal(err)
		}
		if status != step.wantStatus || !slices.Equal(c.records, step.wantNew) {
			t.Errorf("step %d (+%v): PollNext = %v emitting %v, want %v emitting %v",
				i, step.advance, status, c.records, step.wantStatus, step.wantNew)
		}
	}
}

func TestDataGenRejectsBadArguments(t *testing.T) {
	for name, source := range map[string]operator.Source[int]{
		"nil generator": NewDataGen[int](10, 0, nil),
		"negative rate": NewDataGen(10, -1, func(int64) int { return 0 }),
		"NaN rate":      NewDataGen(10, math.NaN(), func(int64) int { return 0 }),
		"infinite rate": NewDataGen(10, math.Inf(1), func(int64) int { return 0 }),
	} {
		if _, err := source.NewReader(testContext(0, 1)); err == nil {
			t.Errorf("%s: NewReader accepted it", name)
		}
	}
}
