package window

import (
	"fmt"
	"testing"
)

// fakeContext logs the timer calls a trigger makes.
type fakeContext struct {
	watermark, now int64
	log            []string // "event+9": registered an event-time timer at 9
	count          int64
}

func (c *fakeContext) CurrentWatermark() int64      { return c.watermark }
func (c *fakeContext) CurrentProcessingTime() int64 { return c.now }
func (c *fakeContext) RegisterEventTimeTimer(t int64) {
	c.log = append(c.log, fmt.Sprintf("event+%d", t))
}
func (c *fakeContext) DeleteEventTimeTimer(t int64) {
	c.log = append(c.log, fmt.Sprintf("event-%d", t))
}
func (c *fakeContext) RegisterProcessingTimeTimer(t int64) {
	c.log = append(c.log, fmt.Sprintf("proc+%d", t))
}
func (c *fakeContext) DeleteProcessingTimeTimer(t int64) {
	c.log = append(c.log, fmt.Sprintf("proc-%d", t))
}
func (c *fakeContext) Count() int64     { return c.count }
func (c *fakeContext) SetCount(n int64) { c.count = n }

func TestTimeTriggers(t *testing.T) {
	w := TimeWindow{0, 10} // MaxTimestamp 9
	var (
		event   Trigger[TimeWindow] = EventTimeTrigger{}
		proc    Trigger[TimeWindow] = ProcessingTimeTrigger{}
		purging Trigger[TimeWindow] = PurgingTrigger[TimeWindow]{Nested: EventTimeTrigger{}}
	)
	// merged and cleared return Continue, to share the table.
	merged := func(tr Trigger[TimeWindow]) func(*fakeContext) TriggerResult {
		return func(c *fakeContext) TriggerResult { tr.OnMerge(w, c); return Continue }
	}
	cleared := func(tr Trigger[TimeWindow]) func(*fakeContext) TriggerResult {
		return func(c *fakeContext) TriggerResult { tr.Clear(w, c); return Continue }
	}
	tests := []struct {
		name           string
		watermark, now int64
		call           func(*fakeContext) TriggerResult
		want           TriggerResult
		log            string
	}{
		{"event: element before the end sets a timer", 5, 0, func(c *fakeContext) TriggerResult { return event.OnElement(3, w, c) }, Continue, "[event+9]"},
		{"event: watermark one short of the end", 8, 0, func(c *fakeContext) TriggerResult { return event.OnElement(3, w, c) }, Continue, "[event+9]"},
		{"event: watermark at the end fires", 9, 0, func(c *fakeContext) TriggerResult { return event.OnElement(3, w, c) }, Fire, "[]"},
		{"event: watermark past the end fires", 20, 0, func(c *fakeContext) TriggerResult { return event.OnElement(3, w, c) }, Fire, "[]"},
		{"event: own timer fires", 9, 0, func(c *fakeContext) TriggerResult { return event.OnEventTime(9, w, c) }, Fire, "[]"},
		{"event: other timer", 8, 0, func(c *fakeContext) TriggerResult { return event.OnEventTime(8, w, c) }, Continue, "[]"},
		{"event: cleanup timer", 14, 0, func(c *fakeContext) TriggerResult { return event.OnEventTime(14, w, c) }, Continue, "[]"},
		{"event: processing time", 0, 9, func(c *fakeContext) TriggerResult { return event.OnProcessingTime(9, w, c) }, Continue, "[]"},
		{"event: merge before the end", 8, 0, merged(event), Continue, "[event+9]"},
		{"event: merge past the end", 9, 0, merged(event), Continue, "[]"},
		{"event: clear", 0, 0, cleared(event), Continue, "[event-9]"},

		{"proc: element sets a timer", 0, 3, func(c *fakeContext) TriggerResult { return proc.OnElement(3, w, c) }, Continue, "[proc+9]"},
		{"proc: timer fires", 0, 9, func(c *fakeContext) TriggerResult { return proc.OnProcessingTime(9, w, c) }, Fire, "[]"},
		{"proc: event time", 9, 0, func(c *fakeContext) TriggerResult { return proc.OnEventTime(9, w, c) }, Continue, "[]"},
		{"proc: merge before the end", 0, 8, merged(proc), Continue, "[proc+9]"},
		{"proc: merge past the end", 0, 9, merged(proc), Continue, "[]"},
		{"proc: clear", 0, 0, cleared(proc), Continue, "[proc-9]"},

		{"purging: fire purges", 9, 0, func(c *fakeContext) TriggerResult { return purging.OnEventTime(9, w, c) }, FireAndPurge, "[]"},
		{"purging: element fire purges", 9, 0, func(c *fakeContext) TriggerResult { return purging.OnElement(1, w, c) }, FireAndPurge, "[]"},
		{"purging: continue stays", 5, 0, func(c *fakeContext) TriggerResult { return purging.OnElement(1, w, c) }, Continue, "[event+9]"},
		{"purging: processing time", 0, 9, func(c *fakeContext) TriggerResult { return purging.OnProcessingTime(9, w, c) }, Continue, "[]"},
		{"purging: merge", 5, 0, merged(purging), Continue, "[event+9]"},
		{"purging: clear", 0, 0, cleared(purging), Continue, "[event-9]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeContext{watermark: tt.watermark, now: tt.now}
			if got := tt.call(c); got != tt.want || fmt.Sprint(c.log) != tt.log {
				t.Fatalf("got %v %v, want %v %v", got, c.log, tt.want, tt.log)
			}
		})
	}
}

func TestCountTrigger(t *testing.T) {
	tests := []struct {
		name    string
		trigger Trigger[TimeWindow]
		want    []TriggerResult // for consecutive elements
	}{
		{"every third", CountTrigger[TimeWindow]{MaxCount: 3}, []TriggerResult{Continue, Continue, Fire, Continue, Continue, Fire, Continue}},
		{"every one", CountTrigger[TimeWindow]{MaxCount: 1}, []TriggerResult{Fire, Fire}},
		{"below one fires always", CountTrigger[TimeWindow]{MaxCount: 0}, []TriggerResult{Fire, Fire}},
		{
			"count windows: purging every second",
			PurgingTrigger[TimeWindow]{Nested: CountTrigger[TimeWindow]{MaxCount: 2}},
			[]TriggerResult{Continue, FireAndPurge, Continue, FireAndPurge},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeContext{}
			for i, want := range tt.want {
				if got := tt.trigger.OnElement(int64(i), GlobalWindow(), c); got != want {
					t.Fatalf("element %d: %v, want %v", i, got, want)
				}
			}
			for _, r := range []TriggerResult{
				tt.trigger.OnEventTime(1<<62, GlobalWindow(), c),
				tt.trigger.OnProcessingTime(1<<62, GlobalWindow(), c),
			} {
				if r != Continue {
					t.Fatalf("timer gave %v", r)
				}
			}
			tt.trigger.OnMerge(GlobalWindow(), c)
			tt.trigger.Clear(GlobalWindow(), c)
			if c.count != 0 || len(c.log) != 0 {
				t.Fatalf("after clear: count %d, timers %v", c.count, c.log)
			}
		})
	}
	// A count trigger works on time windows too, and merging leaves the
	// runtime's summed count alone.
	c := &fakeContext{count: 4}
	tr := CountTrigger[TimeWindow]{MaxCount: 6}
	tr.OnMerge(TimeWindow{0, 10}, c)
	if c.count != 4 || tr.OnElement(0, TimeWindow{0, 10}, c) != Continue || tr.OnElement(0, TimeWindow{0, 10}, c) != Fire {
		t.Fatalf("count after merge: %d", c.count)
	}
}

func TestTriggerResult(t *testing.T) {
	tests := []struct {
		r           TriggerResult
		fire, purge bool
		name        string
	}{
		{Continue, false, false, "CONTINUE"},
		{Fire, true, false, "FIRE"},
		{Purge, false, true, "PURGE"},
		{FireAndPurge, true, true, "FIRE_AND_PURGE"},
	}
	for _, tt := range tests {
		if tt.r.IsFire() != tt.fire || tt.r.IsPurge() != tt.purge || tt.r.String() != tt.name {
			t.Errorf("%d: fire %v purge %v %q", tt.r, tt.r.IsFire(), tt.r.IsPurge(), tt.r.String())
		}
	}
}
