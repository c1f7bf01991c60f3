package watermark

import "fmt"

// Valve merges the watermarks and idleness of a task's input channels
// into the task's own watermark (Flink's StatusWatermarkValve). The output
// is the minimum watermark over the aligned channels: those that are
// active and have caught up with the output. An idle channel is left out,
// so one partition without data does not stall event time. A channel that
// becomes active again rejoins only once its watermark reaches the output,
// because the output never goes back: until then its records may be late,
// but it does not hold the others up.
//
// When the last active channel goes idle, the output jumps to the highest
// watermark of any channel ("flush", as Flink does): every channel has
// promised at least that much or has no data, and without the flush the
// output would depend on the order in which the channels went idle. While
// all channels are idle the valve is idle and ignores watermarks (an idle
// channel's are ignored anyway); it becomes active with the first channel
// that does.
//
// Channels are numbered from 0; an out-of-range channel panics, as a slice
// index does.
type Valve struct {
	channels []inputChannel
	out      int64 // last output watermark; never decreases
	idle     bool  // all channels are idle
}

type inputChannel struct {
	wm      int64 // highest watermark received; never decreases
	idle    bool
	aligned bool // active and wm ≥ the valve's output: counts in the minimum
}

// NewValve returns a valve for n input channels, all active at
// MinWatermark, as Flink starts them. n < 1 panics.
func NewValve(n int) *Valve {
	if n < 1 {
		panic(fmt.Sprintf("watermark: valve for %d input channels", n))
	}
	v := &Valve{channels: make([]inputChannel, n), out: MinWatermark}
	for i := range v.channels {
		v.channels[i] = inputChannel{wm: MinWatermark, aligned: true}
	}
	return v
}

// InputWatermark takes a watermark from channel ch. It returns the output
// watermark and whether it advanced (the runtime then sends it on). A
// watermark from an idle channel, or not above the channel's last one, is
// ignored.
func (v *Valve) InputWatermark(ch int, wm int64) (out int64, advanced bool) {
	c := &v.channels[ch]
	if c.idle || wm <= c.wm {
		return v.out, false
	}
	c.wm = wm
	if wm >= v.out {
		c.aligned = true
	}
	return v.out, v.advanceToMin()
}

// InputIdle marks channel ch idle or active. It returns the output
// watermark, whether it advanced, and whether the whole valve is now idle;
// when both advanced and allIdle, the runtime sends the watermark before
// the idle status. A repeated status changes nothing.
func (v *Valve) InputIdle(ch int, idle bool) (out int64, advanced bool, allIdle bool) {
	c := &v.channels[ch]
	switch {
	case idle && !c.idle:
		c.idle, c.aligned = true, false
		if v.anyActive() {
			advanced = v.advanceToMin()
		} else {
			advanced = v.advanceToMax()
			v.idle = true
		}
	case !idle && c.idle:
		c.idle = false
		c.aligned = c.wm >= v.out
		v.idle = false
		advanced = v.advanceToMin()
	}
	return v.out, advanced, v.idle
}

// advanceToMin moves the output to the minimum over aligned channels if
// that is higher. Every aligned channel is at or above the output, so
// afterwards the output is exactly that minimum.
func (v *Valve) advanceToMin() bool {
	low, found := MaxWatermark, false
	for _, c := range v.channels {
		if c.aligned {
			low, found = min(low, c.wm), true
		}
	}
	return found && v.raise(low)
}

// advanceToMax is the flush when all channels have gone idle.
func (v *Valve) advanceToMax() bool {
	high := MinWatermark
	for _, c := range v.channels {
		high = max(high, c.wm)
	}
	return v.raise(high)
}

func (v *Valve) raise(wm int64) bool {
	if wm <= v.out {
		return false
	}
	v.out = wm
	return true
}

func (v *Valve) anyActive() bool {
	for _, c := range v.channels {
		if !c.idle {
			return true
		}
	}
	return false
}
