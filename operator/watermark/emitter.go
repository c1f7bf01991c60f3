package watermark

import (
	"fmt"
	"time"
)

// DefaultInterval is how often the runtime calls Emitter.OnPeriodicEmit
// unless the job sets its own interval (Flink's
// pipeline.auto-watermark-interval).
const DefaultInterval = 200 * time.Millisecond

// Status is what a stream tells downstream about its event time: the
// highest watermark it has sent and whether it is idle. Sending the whole
// Status on every change keeps the wire to one message kind; a receiver
// applies it to its Valve with InputIdle(ch, s.Idle) and, when active,
// InputWatermark(ch, s.Watermark), both of which ignore repeats.
type Status struct {
	Watermark int64
	Idle      bool
}

// Emitter sits between a subtask's Generator and its output, as Flink's
// TimestampsAndWatermarksOperator with its WatermarkToDataOutput: it
// decides when to ask the generator, keeps the watermark strictly rising
// (a generator's lower or equal watermark is dropped, since downstream
// timers already fired up to the last one) and reports idleness changes.
// Every method returns the stream's Status and whether it changed since
// the previous report; the runtime sends it downstream when it did.
type Emitter struct {
	gen       Generator
	idler     Idler // gen, if it can declare idleness
	perRecord bool
	status    Status
}

// NewEmitter returns an Emitter for g. The runtime calls OnPeriodicEmit
// every interval. An interval of 0 also asks the generator after every
// record, for the lowest latency at a cost per record. Flink's 0 turns
// periodic watermarks off instead, which leaves a stream without
// watermarks unless its generator emits in OnEvent (punctuated); ours
// never do, so 0 means "as often as possible". Even then the runtime
// keeps a periodic timer if the generator declares idleness, since only
// OnPeriodicEmit can find a quiet stream. A negative interval is an error.
func NewEmitter(g Generator, interval time.Duration) (*Emitter, error) {
	if interval < 0 {
		return nil, fmt.Errorf("watermark: negative watermark interval %v", interval)
	}
	idler, _ := g.(Idler)
	return &Emitter{
		gen:       g,
		idler:     idler,
		perRecord: interval == 0,
		status:    Status{Watermark: MinWatermark},
	}, nil
}

// OnEvent feeds a record's timestamp to the generator. A record on an idle
// stream makes it active again.
func (e *Emitter) OnEvent(ts int64) (Status, bool) {
	e.gen.OnEvent(ts)
	changed := e.syncIdle()
	if e.perRecord && e.poll() {
		changed = true
	}
	return e.status, changed
}

// OnPeriodicEmit is the runtime's periodic tick.
func (e *Emitter) OnPeriodicEmit() (Status, bool) {
	return e.status, e.poll()
}

// EndOfInput reports MaxWatermark, active, once a bounded input has ended,
// so that every downstream window fires. Nothing is to be called after it.
func (e *Emitter) EndOfInput() (Status, bool) {
	end := Status{Watermark: MaxWatermark}
	changed := e.status != end
	e.status = end
	return end, changed
}

// poll asks the generator and reports whether the status changed. A new
// watermark makes the stream active, as Flink's markActiveInternally.
func (e *Emitter) poll() bool {
	wm, ok := e.gen.OnPeriodicEmit()
	changed := e.syncIdle()
	if ok && wm > e.status.Watermark {
		e.status.Watermark, e.status.Idle = wm, false
		changed = true
	}
	return changed
}

func (e *Emitter) syncIdle() bool {
	if e.idler == nil || e.idler.Idle() == e.status.Idle {
		return false
	}
	e.status.Idle = !e.status.Idle
	return true
}
