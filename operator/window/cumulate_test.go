package window

import (
	"fmt"
	"testing"
	"time"
)

func TestCumulating(t *testing.T) {
	tests := []struct {
		name               string
		size, step, offset time.Duration
		ts                 int64
		want               []TimeWindow
	}{
		{"first step", 10 * ms, 2 * ms, 0, 1, []TimeWindow{{0, 2}, {0, 4}, {0, 6}, {0, 8}, {0, 10}}},
		{"on a step", 10 * ms, 2 * ms, 0, 4, []TimeWindow{{0, 6}, {0, 8}, {0, 10}}},
		{"last step", 10 * ms, 2 * ms, 0, 9, []TimeWindow{{0, 10}}},
		{"next window", 10 * ms, 2 * ms, 0, 10, []TimeWindow{{10, 12}, {10, 14}, {10, 16}, {10, 18}, {10, 20}}},
		{"negative", 10 * ms, 5 * ms, 0, -3, []TimeWindow{{-10, 0}}},
		{"negative first step", 10 * ms, 5 * ms, 0, -7, []TimeWindow{{-10, -5}, {-10, 0}}},
		{"step = size", 10 * ms, 10 * ms, 0, 3, []TimeWindow{{0, 10}}},
		{"offset", 10 * ms, 5 * ms, 3 * ms, 2, []TimeWindow{{-7, 3}}},
		{"offset at start", 10 * ms, 5 * ms, 3 * ms, 3, []TimeWindow{{3, 8}, {3, 13}}},
		{"negative offset", 10 * ms, 5 * ms, -3 * ms, 6, []TimeWindow{{-3, 7}}},
		{"day by hours", 24 * time.Hour, time.Hour, 0, 1_700_000_000_000,
			[]TimeWindow{{1_699_920_000_000, 1_700_002_800_000}, {1_699_920_000_000, 1_700_006_400_000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := CumulatingEventTime(tt.size, tt.step, tt.offset)
			if err != nil {
				t.Fatal(err)
			}
			got := c.AssignWindows(tt.ts)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("AssignWindows(%d) = %v, want %v", tt.ts, got, tt.want)
			}
			for _, w := range got {
				if !(w.Start <= tt.ts && tt.ts <= w.MaxTimestamp()) {
					t.Fatalf("%v does not hold %d", w, tt.ts)
				}
			}
			buf := []TimeWindow{{-1, -1}}
			if got := c.AppendWindows(buf, tt.ts); fmt.Sprint(got[1:]) != fmt.Sprint(tt.want) || got[0] != buf[0] {
				t.Fatalf("AppendWindows = %v, want %v after the existing element", got, tt.want)
			}
		})
	}
}

func TestCumulatingTimeDomainAndAllocations(t *testing.T) {
	p, err := CumulatingProcessingTime(time.Hour, time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.IsEventTime() || p.DefaultTrigger() != (ProcessingTimeTrigger{}) {
		t.Fatalf("processing-time assigner: IsEventTime %v, trigger %T", p.IsEventTime(), p.DefaultTrigger())
	}
	e, err := CumulatingEventTime(time.Hour, time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !e.IsEventTime() || e.DefaultTrigger() != (EventTimeTrigger{}) {
		t.Fatalf("event-time assigner: IsEventTime %v, trigger %T", e.IsEventTime(), e.DefaultTrigger())
	}
	buf := make([]TimeWindow, 0, 60)
	if n := testing.AllocsPerRun(100, func() { buf = e.AppendWindows(buf[:0], 1_700_000_000_000) }); n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
}

func TestCumulatingValidation(t *testing.T) {
	for name, err := range map[string]error{
		"step 0":                 second(CumulatingEventTime(10*ms, 0, 0)),
		"step under 1ms":         second(CumulatingEventTime(10*ms, 999*time.Microsecond, 0)),
		"size 0":                 second(CumulatingEventTime(0, 5*ms, 0)),
		"size not a multiple":    second(CumulatingEventTime(10*ms, 3*ms, 0)),
		"size under step":        second(CumulatingProcessingTime(5*ms, 10*ms, 0)),
		"offset = size":          second(CumulatingEventTime(10*ms, 5*ms, 10*ms)),
		"offset = -size":         second(CumulatingEventTime(10*ms, 5*ms, -10*ms)),
		"negative step":          second(CumulatingEventTime(10*ms, -5*ms, 0)),
		"negative size and step": second(CumulatingEventTime(-10*ms, -5*ms, 0)),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := CumulatingEventTime(10*ms, 5*ms, -9*ms); err != nil {
		t.Errorf("offset just under size: %v", err)
	}
}
