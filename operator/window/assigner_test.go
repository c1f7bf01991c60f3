package window

import (
	"fmt"
	"testing"
	"time"
)

const ms = time.Millisecond

func mustAssigner(t *testing.T, a Assigner, err error) Assigner {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAssigners(t *testing.T) {
	tumbling := func(size, offset time.Duration) func(t *testing.T) Assigner {
		return func(t *testing.T) Assigner { a, err := TumblingEventTime(size, offset); return mustAssigner(t, a, err) }
	}
	sliding := func(size, slide, offset time.Duration) func(t *testing.T) Assigner {
		return func(t *testing.T) Assigner {
			a, err := SlidingEventTime(size, slide, offset)
			return mustAssigner(t, a, err)
		}
	}
	session := func(gap time.Duration) func(t *testing.T) Assigner {
		return func(t *testing.T) Assigner { a, err := EventTimeSession(gap); return mustAssigner(t, a, err) }
	}
	tests := []struct {
		name     string
		assigner func(t *testing.T) Assigner
		ts       int64
		want     []TimeWindow
	}{
		{"tumbling at start", tumbling(10*ms, 0), 0, []TimeWindow{{0, 10}}},
		{"tumbling at end", tumbling(10*ms, 0), 9, []TimeWindow{{0, 10}}},
		{"tumbling next", tumbling(10*ms, 0), 10, []TimeWindow{{10, 20}}},
		{"tumbling -1", tumbling(10*ms, 0), -1, []TimeWindow{{-10, 0}}},
		{"tumbling -15", tumbling(10*ms, 0), -15, []TimeWindow{{-20, -10}}},
		{"tumbling offset", tumbling(10*ms, 3*ms), 2, []TimeWindow{{-7, 3}}},
		{"tumbling offset at start", tumbling(10*ms, 3*ms), 3, []TimeWindow{{3, 13}}},
		{"tumbling negative offset", tumbling(10*ms, -3*ms), 6, []TimeWindow{{-3, 7}}},
		{"tumbling negative offset next", tumbling(10*ms, -3*ms), 7, []TimeWindow{{7, 17}}},
		{"tumbling negative offset and ts", tumbling(10*ms, -3*ms), -14, []TimeWindow{{-23, -13}}},
		{"tumbling seconds", tumbling(time.Second, 0), 1_700_000_000_123, []TimeWindow{{1_700_000_000_000, 1_700_000_001_000}}},

		{"sliding", sliding(10*ms, 5*ms, 0), 12, []TimeWindow{{10, 20}, {5, 15}}},
		{"sliding on a start", sliding(10*ms, 5*ms, 0), 10, []TimeWindow{{10, 20}, {5, 15}}},
		{"sliding negative", sliding(10*ms, 5*ms, 0), -3, []TimeWindow{{-5, 5}, {-10, 0}}},
		{"sliding uneven", sliding(10*ms, 3*ms, ms), 7, []TimeWindow{{7, 17}, {4, 14}, {1, 11}, {-2, 8}}},
		{"sliding negative offset", sliding(6*ms, 4*ms, -2*ms), 0, []TimeWindow{{-2, 4}}},
		{"sliding negative offset and ts", sliding(6*ms, 4*ms, -2*ms), -9, []TimeWindow{{-10, -4}, {-14, -8}}},
		{"sliding negative offset, one window", sliding(6*ms, 4*ms, -2*ms), -7, []TimeWindow{{-10, -4}}},
		{"sliding with gaps", sliding(3*ms, 5*ms, 0), 1, []TimeWindow{{0, 3}}},
		{"sliding with gaps, in none", sliding(3*ms, 5*ms, 0), 4, nil},

		{"session", session(10 * ms), 5, []TimeWindow{{5, 15}}},
		{"session negative", session(10 * ms), -5, []TimeWindow{{-5, 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.assigner(t)
			got := a.AssignWindows(tt.ts)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("AssignWindows(%d) = %v, want %v", tt.ts, got, tt.want)
			}
			for _, w := range got {
				if !(w.Start <= tt.ts && tt.ts <= w.MaxTimestamp()) {
					t.Fatalf("%v does not hold %d", w, tt.ts)
				}
			}
			buf := []TimeWindow{{-1, -1}}
			if got := a.AppendWindows(buf, tt.ts); fmt.Sprint(got[1:]) != fmt.Sprint(tt.want) || got[0] != buf[0] {
				t.Fatalf("AppendWindows = %v, want %v after the existing element", got, tt.want)
			}
		})
	}
}

func TestAppendWindowsAllocatesNothing(t *testing.T) {
	s, err := SlidingEventTime(time.Hour, time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]TimeWindow, 0, 60)
	ts := int64(1_700_000_000_000)
	if n := testing.AllocsPerRun(100, func() { buf = s.AppendWindows(buf[:0], ts) }); n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
	if len(buf) != 60 {
		t.Fatalf("%d windows, want 60", len(buf))
	}
}

func TestAssignerTimeDomain(t *testing.T) {
	tests := []struct {
		name      string
		new       func() (Assigner, error)
		eventTime bool
	}{
		{"TumblingEventTime", func() (Assigner, error) { return TumblingEventTime(time.Second, 0) }, true},
		{"TumblingProcessingTime", func() (Assigner, error) { return TumblingProcessingTime(time.Second, 0) }, false},
		{"SlidingEventTime", func() (Assigner, error) { return SlidingEventTime(time.Second, time.Second, 0) }, true},
		{"SlidingProcessingTime", func() (Assigner, error) { return SlidingProcessingTime(time.Second, time.Second, 0) }, false},
		{"EventTimeSession", func() (Assigner, error) { return EventTimeSession(time.Second) }, true},
		{"ProcessingTimeSession", func() (Assigner, error) { return ProcessingTimeSession(time.Second) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.new()
			if err != nil {
				t.Fatal(err)
			}
			if a.IsEventTime() != tt.eventTime {
				t.Fatalf("IsEventTime %v", a.IsEventTime())
			}
			var want Trigger[TimeWindow] = ProcessingTimeTrigger{}
			if tt.eventTime {
				want = EventTimeTrigger{}
			}
			if got := a.DefaultTrigger(); got != want {
				t.Fatalf("DefaultTrigger %T, want %T", got, want)
			}
		})
	}
}

func TestAssignerValidation(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"tumbling size 0", second(TumblingEventTime(0, 0))},
		{"tumbling size negative", second(TumblingProcessingTime(-time.Second, 0))},
		{"tumbling size under 1ms", second(TumblingEventTime(999*time.Microsecond, 0))},
		{"tumbling offset = size", second(TumblingEventTime(10*ms, 10*ms))},
		{"tumbling offset = -size", second(TumblingEventTime(10*ms, -10*ms))},
		{"sliding size 0", second(SlidingEventTime(0, 5*ms, 0))},
		{"sliding slide 0", second(SlidingEventTime(10*ms, 0, 0))},
		{"sliding slide negative", second(SlidingProcessingTime(10*ms, -5*ms, 0))},
		{"sliding offset = slide", second(SlidingEventTime(10*ms, 5*ms, 5*ms))},
		{"sliding offset = -slide", second(SlidingEventTime(10*ms, 5*ms, -5*ms))},
		{"sliding offset under size but not slide", second(SlidingEventTime(10*ms, 5*ms, 7*ms))},
		{"session gap 0", second(EventTimeSession(0))},
		{"session gap negative", second(ProcessingTimeSession(-time.Second))},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	for name, err := range map[string]error{
		"tumbling offset just under size":  second(TumblingEventTime(10*ms, -9*ms)),
		"sliding offset just under slide":  second(SlidingEventTime(10*ms, 5*ms, 4*ms)),
		"sliding slide larger than size":   second(SlidingEventTime(3*ms, 5*ms, 0)),
		"session gap of one millisecond":   second(EventTimeSession(ms)),
		"tumbling day shifted by -8 hours": second(TumblingEventTime(24*time.Hour, -8*time.Hour)),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func second[A any](_ A, err error) error { return err }
