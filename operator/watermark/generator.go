package watermark

import (
	"math"
	"time"
)

// MaxWatermark ends event time: a bounded input sends it once it has
// ended, so that every event-time window downstream fires (Flink's
// Watermark.MAX_WATERMARK).
const MaxWatermark int64 = math.MaxInt64

// MinWatermark is the watermark before any: nothing is known about event
// time yet (Flink's Long.MIN_VALUE).
const MinWatermark int64 = math.MinInt64

// Generator turns the timestamps a subtask sees into watermarks (Flink's
// WatermarkGenerator). The runtime calls OnEvent for every record once its
// timestamp is assigned, and OnPeriodicEmit every watermark interval; ok
// is false when the generator has nothing newer than it last returned. A
// Generator holds one subtask's state and is used from that subtask's
// goroutine only.
type Generator interface {
	OnEvent(ts int64)
	OnPeriodicEmit() (wm int64, ok bool)
}

// Idler is implemented by a Generator that can declare its stream idle
// (see WithIdleness). The Emitter asks it after every call, so that
// downstream stops waiting for a stream that has no data.
type Idler interface {
	Idle() bool
}

// BoundedOutOfOrderness returns Flink's BoundedOutOfOrdernessWatermarks:
// records may arrive up to d after a record with a later timestamp, so the
// watermark is the largest timestamp seen − d − 1 ms. The −1 is because a
// watermark t promises nothing ≤ t is to come, and a record exactly d
// behind the largest is still on time. d is truncated to milliseconds, as
// Flink's Duration.toMillis. A negative d panics, as Flink's constructor
// throws: it is a programming error, like a non-positive time.NewTicker.
func BoundedOutOfOrderness(d time.Duration) Generator {
	if d < 0 {
		panic("watermark: negative out-of-orderness " + d.String())
	}
	bound := d.Milliseconds()
	// Start the maximum where the watermark is exactly MinWatermark, as
	// Flink does, so that maxTs − bound − 1 can never go below it.
	return &bounded{bound: bound, maxTs: MinWatermark + bound + 1, emitted: MinWatermark}
}

// MonotonousTimestamps is for streams whose timestamps never go back:
// BoundedOutOfOrderness(0), whose watermark is the largest timestamp − 1
// (Flink's AscendingTimestampsWatermarks).
func MonotonousTimestamps() Generator {
	return BoundedOutOfOrderness(0)
}

type bounded struct {
	bound   int64 // out-of-orderness in ms
	maxTs   int64 // largest timestamp seen, or the start value
	emitted int64 // last watermark returned with ok
}

func (b *bounded) OnEvent(ts int64) {
	b.maxTs = max(b.maxTs, ts)
}

func (b *bounded) OnPeriodicEmit() (int64, bool) {
	wm := b.maxTs - b.bound - 1
	if wm <= b.emitted {
		return b.emitted, false
	}
	b.emitted = wm
	return wm, true
}

// SQL returns Flink SQL's watermark for WATERMARK FOR ts AS ts - INTERVAL
// delay (delay in ms): the largest timestamp seen minus delay exactly,
// without BoundedOutOfOrderness's extra millisecond, and none before the
// first event. delay may be negative, as the SQL may say.
func SQL(delay int64) Generator {
	return &sqlWatermarks{delay: delay, max: MinWatermark}
}

type sqlWatermarks struct {
	delay, max, emitted int64
	started             bool
}

func (g *sqlWatermarks) OnEvent(ts int64) {
	g.max = max(g.max, ts)
}

func (g *sqlWatermarks) OnPeriodicEmit() (int64, bool) {
	if g.max == MinWatermark {
		return 0, false
	}
	wm := g.max - g.delay
	if g.started && wm <= g.emitted {
		return 0, false
	}
	g.started, g.emitted = true, wm
	return wm, true
}

// WithIdleness wraps g so that a stream without events for longer than d
// is declared idle, and downstream leaves it out of its minimum watermark
// (see Valve) instead of stalling on a partition that has no data (Flink's
// WatermarksWithIdleness). The result implements Idler; it is idle from
// the OnPeriodicEmit that finds the stream quiet for more than d until the
// next OnEvent, and returns no watermark meanwhile.
//
// As Flink's IdlenessTimer, it reads the clock only in OnPeriodicEmit,
// never per record: quiet time counts from the first OnPeriodicEmit that
// saw no event since the one before. So a stream is declared idle between
// d and d + one watermark interval after its last event. clock is nil for
// time.Now. A non-positive d panics, as Flink's checkArgument throws.
func WithIdleness(g Generator, d time.Duration, clock func() time.Time) Generator {
	if d <= 0 {
		panic("watermark: non-positive idle timeout " + d.String())
	}
	if clock == nil {
		clock = time.Now
	}
	return &idleness{g: g, timeout: d, clock: clock}
}

type idleness struct {
	g       Generator
	timeout time.Duration
	clock   func() time.Time
	active  bool      // an event came since the last OnPeriodicEmit
	quiet   bool      // the last OnPeriodicEmit saw no event: since is set
	since   time.Time // first OnPeriodicEmit that saw no event
	idle    bool
}

func (i *idleness) OnEvent(ts int64) {
	i.g.OnEvent(ts)
	i.active, i.idle = true, false
}

func (i *idleness) OnPeriodicEmit() (int64, bool) {
	switch {
	case i.active:
		i.active, i.quiet = false, false
	case !i.quiet:
		i.quiet, i.since = true, i.clock()
	case i.clock().Sub(i.since) > i.timeout:
		i.idle = true
	}
	if i.idle {
		return MinWatermark, false
	}
	return i.g.OnPeriodicEmit()
}

func (i *idleness) Idle() bool { return i.idle }
