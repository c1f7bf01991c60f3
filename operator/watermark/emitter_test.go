package watermark

import (
	"testing"
	"time"
)

// scripted is a generator that returns given watermarks, to test what
// the Emitter does with lower or repeated ones.
type scripted struct {
	wms  []int64
	idle bool
}

func (s *scripted) OnEvent(int64) {}

func (s *scripted) OnPeriodicEmit() (int64, bool) {
	if len(s.wms) == 0 {
		return 0, false
	}
	wm := s.wms[0]
	s.wms = s.wms[1:]
	return wm, true
}

func (s *scripted) Idle() bool { return s.idle }

// report is one Emitter result.
type report struct {
	s       Status
	changed bool
}

func TestEmitterPerRecord(t *testing.T) {
	e, err := NewEmitter(BoundedOutOfOrderness(10*time.Millisecond), 0)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		ts   int64
		want report
	}{
		{100, report{Status{Watermark: 89}, true}},
		{95, report{Status{Watermark: 89}, false}}, // out of order: no new watermark
		{100, report{Status{Watermark: 89}, false}},
		{101, report{Status{Watermark: 90}, true}},
	}
	for i, st := range steps {
		s, changed := e.OnEvent(st.ts)
		if got := (report{s, changed}); got != st.want {
			t.Fatalf("event %d (ts %d): got %+v, want %+v", i, st.ts, got, st.want)
		}
	}
	if s, changed := e.OnPeriodicEmit(); changed || s.Watermark != 90 {
		t.Fatalf("periodic after per-record: %+v changed %v", s, changed)
	}
}

func TestEmitterPeriodic(t *testing.T) {
	e, err := NewEmitter(BoundedOutOfOrderness(10*time.Millisecond), DefaultInterval)
	if err != nil {
		t.Fatal(err)
	}
	if s, changed := e.OnEvent(100); changed || s.Watermark != MinWatermark {
		t.Fatalf("periodic emitter reported on a record: %+v", s)
	}
	e.OnEvent(120)
	if s, changed := e.OnPeriodicEmit(); !changed || s != (Status{Watermark: 109}) {
		t.Fatalf("tick: %+v changed %v, want 109", s, changed)
	}
	if _, changed := e.OnPeriodicEmit(); changed {
		t.Fatal("tick without news reported a change")
	}
	if s, changed := e.EndOfInput(); !changed || s != (Status{Watermark: MaxWatermark}) {
		t.Fatalf("end of input: %+v changed %v", s, changed)
	}
	if _, changed := e.EndOfInput(); changed {
		t.Fatal("second end of input reported a change")
	}
}

func TestEmitterOnlyAdvances(t *testing.T) {
	g := &scripted{wms: []int64{10, 5, 10, MinWatermark, 11, 3}}
	e, err := NewEmitter(g, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := []report{
		{Status{Watermark: 10}, true},
		{Status{Watermark: 10}, false},
		{Status{Watermark: 10}, false},
		{Status{Watermark: 10}, false},
		{Status{Watermark: 11}, true},
		{Status{Watermark: 11}, false},
	}
	for i, w := range want {
		s, changed := e.OnPeriodicEmit()
		if got := (report{s, changed}); got != w {
			t.Fatalf("tick %d: got %+v, want %+v", i, got, w)
		}
	}
}

func TestEmitterIdleness(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	e, err := NewEmitter(WithIdleness(MonotonousTimestamps(), time.Second, clock.Now), DefaultInterval)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance time.Duration
		event   bool // an event at ts 10 (else a tick)
		want    report
	}{
		{event: true, want: report{Status{Watermark: MinWatermark}, false}},
		{want: report{Status{Watermark: 9}, true}},
		{advance: time.Second, want: report{Status{Watermark: 9}, false}},
		{advance: 2 * time.Second, want: report{Status{Watermark: 9, Idle: true}, true}},
		{advance: time.Second, want: report{Status{Watermark: 9, Idle: true}, false}},
		{event: true, want: report{Status{Watermark: 9}, true}}, // a record: active again
		{want: report{Status{Watermark: 9}, false}},
	}
	for i, st := range steps {
		clock.now = clock.now.Add(st.advance)
		var s Status
		var changed bool
		if st.event {
			s, changed = e.OnEvent(10)
		} else {
			s, changed = e.OnPeriodicEmit()
		}
		if got := (report{s, changed}); got != st.want {
			t.Fatalf("step %d: got %+v, want %+v", i, got, st.want)
		}
	}
}

// A Status with a new watermark is active: a valve ignores watermarks from
// an idle channel.
func TestEmitterWatermarkIsSentActive(t *testing.T) {
	g := &scripted{idle: true}
	e, err := NewEmitter(g, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s, changed := e.OnPeriodicEmit(); !changed || !s.Idle {
		t.Fatalf("got %+v changed %v, want idle", s, changed)
	}
	g.wms = []int64{7}
	if s, changed := e.OnPeriodicEmit(); !changed || s != (Status{Watermark: 7}) {
		t.Fatalf("got %+v changed %v, want active at 7", s, changed)
	}
}

func TestNewEmitterRefusesNegativeInterval(t *testing.T) {
	if _, err := NewEmitter(MonotonousTimestamps(), -time.Millisecond); err == nil {
		t.Fatal("negative interval accepted")
	}
}
