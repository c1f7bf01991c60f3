package watermark

import (
	"testing"
	"time"
)

// emission is one OnPeriodicEmit result.
type emission struct {
	wm int64
	ok bool
}

func TestBoundedOutOfOrderness(t *testing.T) {
	tests := []struct {
		name   string
		gen    Generator
		events [][]int64 // events before each OnPeriodicEmit
		want   []emission
	}{
		{
			name:   "nothing before the first event",
			gen:    BoundedOutOfOrderness(5 * time.Millisecond),
			events: [][]int64{nil},
			want:   []emission{{MinWatermark, false}},
		},
		{
			name:   "max timestamp minus bound minus one",
			gen:    BoundedOutOfOrderness(5 * time.Millisecond),
			events: [][]int64{{10}, {7, 3}, {20, 12}, {}},
			want:   []emission{{4, true}, {4, false}, {14, true}, {14, false}},
		},
		{
			name:   "seconds and sub-millisecond truncation",
			gen:    BoundedOutOfOrderness(2*time.Second + 999*time.Microsecond),
			events: [][]int64{{10_000}},
			want:   []emission{{7_999, true}},
		},
		{
			name:   "monotonous is max minus one",
			gen:    MonotonousTimestamps(),
			events: [][]int64{{0}, {1}, {1}},
			want:   []emission{{-1, true}, {0, true}, {0, false}},
		},
		{
			name:   "negative timestamps",
			gen:    BoundedOutOfOrderness(10 * time.Millisecond),
			events: [][]int64{{-100}, {-95, -120}},
			want:   []emission{{-111, true}, {-106, true}},
		},
		{
			name:   "no underflow near MinInt64",
			gen:    BoundedOutOfOrderness(10 * time.Millisecond),
			events: [][]int64{{MinWatermark}, {MinWatermark + 11}, {MinWatermark + 12}},
			want:   []emission{{MinWatermark, false}, {MinWatermark, false}, {MinWatermark + 1, true}},
		},
		{
			name:   "no overflow at MaxInt64",
			gen:    MonotonousTimestamps(),
			events: [][]int64{{MaxWatermark}},
			want:   []emission{{MaxWatermark - 1, true}},
		},
		{
			name:   "huge bound", // 2^62 ns = 4_611_686_018_427 ms
			gen:    BoundedOutOfOrderness(1 << 62),
			events: [][]int64{nil, {0}},
			want:   []emission{{MinWatermark, false}, {-4_611_686_018_428, true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, evs := range tt.events {
				for _, ts := range evs {
					tt.gen.OnEvent(ts)
				}
				wm, ok := tt.gen.OnPeriodicEmit()
				if got := (emission{wm, ok}); got != tt.want[i] {
					t.Fatalf("emit %d: got %+v, want %+v", i, got, tt.want[i])
				}
			}
		})
	}
}

func TestGeneratorsRefuseBadDurations(t *testing.T) {
	for name, f := range map[string]func(){
		"negative bound":     func() { BoundedOutOfOrderness(-time.Millisecond) },
		"zero idle timeout":  func() { WithIdleness(MonotonousTimestamps(), 0, nil) },
		"negative idle time": func() { WithIdleness(MonotonousTimestamps(), -time.Second, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

// fakeClock is a settable clock for idleness.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func TestWithIdleness(t *testing.T) {
	type step struct {
		advance time.Duration // clock moves first
		events  []int64       // then these events come
		want    emission      // then OnPeriodicEmit returns this
		idle    bool          // and Idle this
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "idle after more than the timeout without events",
			steps: []step{
				{events: []int64{100}, want: emission{99, true}},
				{advance: time.Second, want: emission{99, false}},     // quiet: timer starts
				{advance: 2 * time.Second, want: emission{99, false}}, // exactly the timeout: not yet
				{advance: time.Millisecond, want: emission{MinWatermark, false}, idle: true},
				{advance: time.Minute, want: emission{MinWatermark, false}, idle: true},
			},
		},
		{
			name: "an event ends idleness and restarts the timer",
			steps: []step{
				{advance: time.Second, want: emission{MinWatermark, false}},
				{advance: 3 * time.Second, want: emission{MinWatermark, false}, idle: true},
				{events: []int64{50}, want: emission{49, true}},
				{advance: 2 * time.Second, want: emission{49, false}},
				{advance: 2 * time.Second, events: []int64{60}, want: emission{59, true}},
				{advance: time.Second, want: emission{59, false}},
				{advance: 2 * time.Second, want: emission{59, false}},
				{advance: time.Second, want: emission{MinWatermark, false}, idle: true},
			},
		},
		{
			name: "steady events never idle",
			steps: []step{
				{advance: 5 * time.Second, events: []int64{1}, want: emission{0, true}},
				{advance: 5 * time.Second, events: []int64{1}, want: emission{0, false}},
				{advance: 5 * time.Second, events: []int64{2}, want: emission{1, true}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Unix(1000, 0)}
			g := WithIdleness(MonotonousTimestamps(), 2*time.Second, clock.Now)
			for i, s := range tt.steps {
				clock.now = clock.now.Add(s.advance)
				for _, ts := range s.events {
					g.OnEvent(ts)
					if g.(Idler).Idle() {
						t.Fatalf("step %d: idle right after an event", i)
					}
				}
				wm, ok := g.OnPeriodicEmit()
				if got := (emission{wm, ok}); got != s.want || g.(Idler).Idle() != s.idle {
					t.Fatalf("step %d: got %+v idle %v, want %+v idle %v",
						i, got, g.(Idler).Idle(), s.want, s.idle)
				}
			}
		})
	}
}

type reading struct {
	Value int64
	TS    int64
}

func TestStrategy(t *testing.T) {
	s := Strategy[reading]{
		Generator: func() Generator { return BoundedOutOfOrderness(time.Second) },
		Timestamps: func(r reading, _ int64) int64 {
			return r.TS
		},
	}
	if got := s.ExtractTimestamp(reading{TS: 42}, 7); got != 42 {
		t.Fatalf("assigned timestamp %d, want 42", got)
	}
	if _, ok := s.CreateGenerator(nil).(Idler); ok {
		t.Fatal("generator without idleness implements Idler")
	}
	a, b := s.CreateGenerator(nil), s.CreateGenerator(nil)
	a.OnEvent(5000)
	if wm, ok := b.OnPeriodicEmit(); ok {
		t.Fatalf("generators share state: second emitted %d", wm)
	}

	s.Timestamps, s.Idleness = nil, time.Minute
	if got := s.ExtractTimestamp(reading{TS: 42}, 7); got != 7 {
		t.Fatalf("nil assigner gave %d, want the record's own 7", got)
	}
	if _, ok := s.CreateGenerator(nil).(Idler); !ok {
		t.Fatal("generator with idleness does not implement Idler")
	}
}

// TestSQLWatermark checks Flink SQL's watermark: the largest timestamp
// minus the delay, exactly, never going back, none before an event.
func TestSQLWatermark(t *testing.T) {
	g := SQL(5000)
	if _, ok := g.OnPeriodicEmit(); ok {
		t.Fatal("a watermark before any event")
	}
	for _, step := range []struct {
		ts   int64
		want int64
		ok   bool
	}{{10_000, 5000, true}, {8000, 0, false}, {12_000, 7000, true}} {
		g.OnEvent(step.ts)
		wm, ok := g.OnPeriodicEmit()
		if ok != step.ok || ok && wm != step.want {
			t.Fatalf("after %d: %d %v, want %d %v", step.ts, wm, ok, step.want, step.ok)
		}
	}
}
