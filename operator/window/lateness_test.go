package window

import (
	"math"
	"testing"
)

func TestIsWindowLate(t *testing.T) {
	const max = math.MaxInt64
	w := TimeWindow{0, 10} // MaxTimestamp 9
	tests := []struct {
		name                string
		eventTime           bool
		w                   Window
		lateness, watermark int64
		late                bool
		cleanup             int64
	}{
		{"lateness 0, watermark before the end", true, w, 0, 8, false, 9},
		{"lateness 0, watermark at the end", true, w, 0, 9, true, 9},
		{"lateness 5, within", true, w, 5, 13, false, 14},
		{"lateness 5, past", true, w, 5, 14, true, 14},
		{"negative window", true, TimeWindow{-20, -10}, 0, -11, true, -11},
		{"processing time is never late", false, w, 0, max, false, 9},
		{"processing time ignores lateness", false, w, 5, 0, false, 9},
		{"overflow saturates", true, TimeWindow{0, max}, 10, max - 1, false, max},
		{"overflow, end of time", true, TimeWindow{0, max}, 10, max, true, max},
		{"huge lateness", true, w, max, max - 1, false, max},
		{"global window, end of time", true, GlobalWindow(), 0, max, true, max},
		{"global window before", true, GlobalWindow(), 0, max - 1, false, max},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsWindowLate(tt.eventTime, tt.w, tt.lateness, tt.watermark); got != tt.late {
				t.Errorf("IsWindowLate = %v", got)
			}
			if got := CleanupTime(tt.eventTime, tt.w, tt.lateness); got != tt.cleanup {
				t.Errorf("CleanupTime = %d, want %d", got, tt.cleanup)
			}
		})
	}
}

func TestIsElementLate(t *testing.T) {
	const max = math.MaxInt64
	tests := []struct {
		name                    string
		eventTime               bool
		ts, lateness, watermark int64
		late                    bool
	}{
		{"lateness 0, at the watermark", true, 9, 0, 9, true},
		{"lateness 0, just after", true, 9, 0, 8, false},
		{"lateness 5, within", true, 9, 5, 13, false},
		{"lateness 5, past", true, 9, 5, 14, true},
		{"negative timestamp", true, -5, 0, -5, true},
		{"before any watermark", true, math.MinInt64 + 1, 0, math.MinInt64, false},
		{"processing time", false, 9, 0, max, false},
		{"lateness overflow is not late", true, 1, max, max - 1, false}, // Flink wraps: late
		{"end of time", true, 1, max, max, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsElementLate(tt.eventTime, tt.ts, tt.lateness, tt.watermark); got != tt.late {
				t.Fatalf("IsElementLate = %v", got)
			}
		})
	}
}
