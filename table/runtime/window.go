package runtime

import (
	"errors"
	"fmt"
	"time"

	"github.com/runnel/runnel/operator/window"
	"github.com/runnel/runnel/table/data"
)

// WindowKind is a windowing table function.
type WindowKind uint8

const (
	Tumble   WindowKind = iota // TUMBLE(size[, offset])
	Hop                        // HOP(slide, size[, offset])
	Cumulate                   // CUMULATE(step, size[, offset])
	Session                    // SESSION(gap), per key
)

var windowKindNames = [...]string{Tumble: "TUMBLE", Hop: "HOP", Cumulate: "CUMULATE", Session: "SESSION"}

func (k WindowKind) String() string {
	if int(k) < len(windowKindNames) {
		return windowKindNames[k]
	}
	return fmt.Sprintf("WindowKind(%d)", k)
}

// WindowSpec is a windowing table function's call: its kind, the input's
// time column (a TIMESTAMP(3) or TIMESTAMP_LTZ(3) rowtime attribute) and
// the durations its kind takes, which are truncated to milliseconds.
type WindowSpec struct {
	Kind    WindowKind    `msgpack:"k"`
	TimeCol int           `msgpack:"c"`
	Size    time.Duration `msgpack:"s,omitempty"` // TUMBLE, HOP, CUMULATE
	Slide   time.Duration `msgpack:"l,omitempty"` // HOP
	Step    time.Duration `msgpack:"p,omitempty"` // CUMULATE
	Offset  time.Duration `msgpack:"o,omitempty"` // TUMBLE, HOP, CUMULATE: shifts the window starts
	Gap     time.Duration `msgpack:"g,omitempty"` // SESSION
}

// ErrSessionTableFunction refuses SESSION as a table function of its own,
// as Flink 1.x does: a session's bounds are known only when it ends, so
// only an aggregation over it can be computed.
var ErrSessionTableFunction = errors.New("SESSION windows are supported only with an aggregation over them (GROUP BY window_start, window_end)")

// Validate reports a spec that no window can be made of: sizes under a
// millisecond, a CUMULATE size that is not a multiple of its step, an
// offset not under the size (the slide for HOP).
func (w WindowSpec) Validate() error {
	_, err := w.assigner()
	return err
}

// ValidateTableFunction is Validate for WindowTableFunction, which also
// refuses SESSION (ErrSessionTableFunction).
func (w WindowSpec) ValidateTableFunction() error {
	if w.Kind == Session {
		return ErrSessionTableFunction
	}
	return w.Validate()
}

// assigner is the event-time window assigner of the spec's windows.
func (w WindowSpec) assigner() (window.Assigner, error) {
	if w.TimeCol < 0 {
		return nil, fmt.Errorf("%s: no time column", w.Kind)
	}
	var a window.Assigner
	var err error
	switch w.Kind {
	case Tumble:
		a, err = window.TumblingEventTime(w.Size, w.Offset)
	case Hop:
		a, err = window.SlidingEventTime(w.Size, w.Slide, w.Offset)
	case Cumulate:
		a, err = window.CumulatingEventTime(w.Size, w.Step, w.Offset)
	case Session:
		a, err = window.EventTimeSession(w.Gap)
	default:
		return nil, fmt.Errorf("unknown window kind %d", w.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", w.Kind, err)
	}
	return a, nil
}

// mustAssigner is assigner for the operator constructors: a spec that
// fails Validate is a planner bug, and the panic fails the job's build
// with its message.
func (w WindowSpec) mustAssigner(op string) window.Assigner {
	a, err := w.assigner()
	if err != nil {
		panic(fmt.Sprintf("runtime: %s: %v", op, err))
	}
	return a
}

// WindowOutputTypes are the types of the window_start, window_end and
// window_time columns a window table function or window aggregation adds
// over a time column of type timeType: TIMESTAMP(3) NOT NULL, or
// TIMESTAMP_LTZ(3) NOT NULL over a TIMESTAMP_LTZ; window_time, the
// window's last millisecond, is the rowtime attribute from then on.
func WindowOutputTypes(timeType data.Type) (start, end, rowtime data.Type) {
	k := data.Timestamp
	if timeType.Kind == data.TimestampLTZ {
		k = data.TimestampLTZ
	}
	start = data.Type{Kind: k, Prec: 3, NotNull: true}
	rowtime = start
	rowtime.Time = data.Rowtime
	return start, start, rowtime
}

// appendWindowValues appends window_start, window_end and window_time of
// w, as TIMESTAMP_LTZ values when ltz, else TIMESTAMP.
func appendWindowValues(dst []data.Value, w window.TimeWindow, ltz bool) []data.Value {
	ts := data.TimestampValue
	if ltz {
		ts = data.TimestampLTZValue
	}
	const nanosPerMilli = int64(time.Millisecond)
	return append(dst, ts(w.Start*nanosPerMilli), ts(w.End*nanosPerMilli), ts(w.MaxTimestamp()*nanosPerMilli))
}
