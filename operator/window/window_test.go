package window

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestTimeWindow(t *testing.T) {
	w := TimeWindow{Start: 0, End: 10}
	if got := w.MaxTimestamp(); got != 9 {
		t.Fatalf("MaxTimestamp %d, want 9", got)
	}
	if got := GlobalWindow().MaxTimestamp(); got != math.MaxInt64 {
		t.Fatalf("GlobalWindow MaxTimestamp %d", got)
	}
	if got := CleanupTime(false, GlobalWindow(), 0); got != math.MaxInt64 {
		t.Fatalf("GlobalWindow cleanup time %d, want never", got)
	}
	if got := (GlobalWindows{}).AssignWindows(42); len(got) != 1 || got[0] != GlobalWindow() {
		t.Fatalf("GlobalWindows assigns %v", got)
	}
}

func TestIntersectsAndCover(t *testing.T) {
	tests := []struct {
		name       string
		a, b       TimeWindow
		intersects bool
		cover      TimeWindow
	}{
		{"overlap", TimeWindow{0, 10}, TimeWindow{5, 15}, true, TimeWindow{0, 15}},
		{"touching after", TimeWindow{0, 10}, TimeWindow{10, 20}, true, TimeWindow{0, 20}},
		{"touching before", TimeWindow{10, 20}, TimeWindow{0, 10}, true, TimeWindow{0, 20}},
		{"one apart", TimeWindow{0, 10}, TimeWindow{11, 20}, false, TimeWindow{0, 20}},
		{"one apart before", TimeWindow{11, 20}, TimeWindow{0, 10}, false, TimeWindow{0, 20}},
		{"contained", TimeWindow{0, 10}, TimeWindow{3, 4}, true, TimeWindow{0, 10}},
		{"equal", TimeWindow{-5, 5}, TimeWindow{-5, 5}, true, TimeWindow{-5, 5}},
		{"negative, touching", TimeWindow{-20, -10}, TimeWindow{-10, 0}, true, TimeWindow{-20, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Intersects(tt.b); got != tt.intersects {
				t.Errorf("%v.Intersects(%v) = %v", tt.a, tt.b, got)
			}
			if got := tt.b.Intersects(tt.a); got != tt.intersects {
				t.Errorf("%v.Intersects(%v) = %v (not symmetric)", tt.b, tt.a, got)
			}
			if got := tt.a.Cover(tt.b); got != tt.cover {
				t.Errorf("%v.Cover(%v) = %v, want %v", tt.a, tt.b, got, tt.cover)
			}
		})
	}
}

func TestGetWindowStartWithOffset(t *testing.T) {
	const day, hour = 86_400_000, 3_600_000
	tests := []struct {
		ts, offset, size, want int64
	}{
		{0, 0, 10, 0},
		{9, 0, 10, 0},
		{10, 0, 10, 10},
		{-1, 0, 10, -10},
		{-10, 0, 10, -10},
		{-11, 0, 10, -20},
		{-15, 0, 10, -20}, // the older formula gives -10
		{-25, 0, 10, -30},
		{12, 3, 10, 3},
		{13, 3, 10, 13},
		{2, 3, 10, -7},
		{12, -3, 10, 7},
		{-12, -3, 10, -13},
		{1_700_000_000_123, 0, 1000, 1_700_000_000_000},
		// 2024-01-01T10:00Z in days starting at midnight UTC+8, as
		// Flink's docs shift days with an offset of -8h.
		{1_704_103_200_000, -8 * hour, day, 1_704_038_400_000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%d/%d", tt.ts, tt.offset, tt.size), func(t *testing.T) {
			got := GetWindowStartWithOffset(tt.ts, tt.offset, tt.size)
			if got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
			if !(got <= tt.ts && tt.ts < got+tt.size) {
				t.Fatalf("window [%d, %d) does not hold %d", got, got+tt.size, tt.ts)
			}
		})
	}
}

func TestMergeWindows(t *testing.T) {
	tests := []struct {
		name string
		ws   []TimeWindow
		want string
	}{
		{"none", nil, ""},
		{"one", []TimeWindow{{0, 10}}, ""},
		{"apart", []TimeWindow{{6, 10}, {0, 5}}, ""},
		{"touching", []TimeWindow{{5, 10}, {0, 5}}, "[0, 10)=[[0, 5) [5, 10)]"},
		{"bridge", []TimeWindow{{15, 25}, {0, 10}, {8, 18}}, "[0, 25)=[[0, 10) [8, 18) [15, 25)]"},
		{
			"two groups",
			[]TimeWindow{{40, 50}, {25, 26}, {0, 10}, {20, 30}, {2, 3}},
			"[0, 10)=[[0, 10) [2, 3)]; [20, 30)=[[20, 30) [25, 26)]",
		},
		{"joins by the cover, not the previous window", []TimeWindow{{0, 30}, {5, 6}, {29, 40}}, "[0, 40)=[[0, 30) [5, 6) [29, 40)]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var merges []string
			for _, m := range mergeWindows(tt.ws) {
				merges = append(merges, fmt.Sprintf("%v=%v", m.cover, m.windows))
			}
			if got := strings.Join(merges, "; "); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
