package runtime

import (
	"fmt"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// WindowJoinSpec describes a window join (Flink's StreamExecWindowJoin):
// both inputs are the output of the same windowing table function, and a
// left and a right row match when their window_start, window_end and
// keys are equal and Cond holds.
type WindowJoinSpec struct {
	Type JoinType // InnerJoin, LeftJoin, RightJoin, FullJoin
	// LeftKeys[i] = RightKeys[i] are the equality conditions besides the
	// window bounds, as in JoinSpec: at least one pair, of the same kind
	// or INT with BIGINT.
	LeftKeys, RightKeys []int
	// LeftTypes and RightTypes are the inputs' column types: an unmatched
	// row of an outer side is padded with NULLs of the other side's types.
	LeftTypes, RightTypes []data.Type
	// The window bound columns of each side (TIMESTAMP(3) or
	// TIMESTAMP_LTZ(3)); the window's end decides when it fires.
	LeftStart, LeftEnd, RightStart, RightEnd int
	// Cond is the rest of the join condition over the joined row (left
	// columns, then right), compiled; nil when there is none. An error
	// from it fails the job.
	Cond func(data.Row) (bool, error)
}

// WindowJoin is Flink's window join (WindowJoinOperator): an INNER, LEFT,
// RIGHT or FULL join of two insert-only inputs that a windowing table
// function (TUMBLE, HOP or CUMULATE) windowed, on the equality of both
// sides' window_start, window_end and key columns, emitting insert rows
// of the left columns, then the right ones. A window's rows can only meet
// rows of the same window, so nothing is joined until the window is
// complete: both inputs are keyed by the join key, and each side keeps
// its rows in keyed ListState with the window's end as namespace (Flink's
// "left-records" and "right-records"), with an event-time timer per key
// and window at its last millisecond, window_end - 1, as for a window
// aggregation. When the watermark passes it, the window's rows of the two
// sides are joined, every left row with every right row of the same
// window_start for which Cond holds, and the window's state is dropped.
// An outer side's rows without a match are emitted padded with NULLs
// then, once, as no match can come any more: the output is insert-only.
//
// The window_end namespaces the state, as in Flink, where one windowing
// function gives each end a single start; window_start is compared when
// the window fires, so that rows of windows that share an end but not a
// start (inputs windowed differently) never match.
//
// A row whose window already fired (window_end - 1 at or behind the
// watermark) is late and dropped, as Flink drops it; unlike Flink's it is
// not counted in late_records_dropped, which a KeyedCoProcess function
// cannot reach. A row with a NULL window bound is dropped. A row with a
// NULL key column matches nothing (SQL's =): on an outer side it is kept
// and emitted padded when its window fires, on an inner side dropped at
// once. Any row kind but +I fails the job.
//
// Each output row's event timestamp is its window's last millisecond,
// window_end - 1 (the timer's time), so that a window aggregation on the
// joined rows' window_time sees none of them late; the rows come out
// before the watermark that fired them.
//
// Keys are int64 or encoded strings as Join picks them. The spec must
// pass the planner's checks; this panics (failing the job's build) on one
// it should have refused.
func WindowJoin(left, right *stream.DataStream[data.Row], spec WindowJoinSpec) *stream.DataStream[data.Row] {
	if err := checkWindowJoinSpec(spec); err != nil {
		panic(fmt.Sprintf("runtime: WindowJoin: %v", err))
	}
	var out *stream.DataStream[data.Row]
	if intJoinKey(spec.joinSpec()) {
		out = stream.KeyedCoProcess(
			stream.KeyBy(left, intKeySelector(spec.LeftKeys[0])),
			stream.KeyBy(right, intKeySelector(spec.RightKeys[0])),
			newWindowJoin[int64](spec))
	} else {
		out = stream.KeyedCoProcess(
			stream.KeyBy(left, joinKeySelector(spec.LeftKeys)),
			stream.KeyBy(right, joinKeySelector(spec.RightKeys)),
			newWindowJoin[string](spec))
	}
	return out.Name("WindowJoin")
}

// joinSpec is the spec's keys and type as a regular join's, for the
// checks and key choices the joins share.
func (s WindowJoinSpec) joinSpec() JoinSpec {
	return JoinSpec{Type: s.Type, LeftKeys: s.LeftKeys, RightKeys: s.RightKeys, LeftTypes: s.LeftTypes, RightTypes: s.RightTypes, Cond: s.Cond}
}

// checkWindowJoinSpec is what WindowJoin requires of a spec.
func checkWindowJoinSpec(s WindowJoinSpec) error {
	if err := checkJoinSpec(s.joinSpec()); err != nil {
		return err
	}
	for _, c := range []struct {
		side, bound string
		col         int
		types       []data.Type
	}{
		{"left", "window_start", s.LeftStart, s.LeftTypes}, {"left", "window_end", s.LeftEnd, s.LeftTypes},
		{"right", "window_start", s.RightStart, s.RightTypes}, {"right", "window_end", s.RightEnd, s.RightTypes},
	} {
		if c.col < 0 || c.col >= len(c.types) {
			return fmt.Errorf("%s %s is column %d of %d", c.side, c.bound, c.col, len(c.types))
		}
		if t := c.types[c.col]; !t.IsTimestamp() {
			return fmt.Errorf("%s %s column %d is %s: want TIMESTAMP or TIMESTAMP_LTZ", c.side, c.bound, c.col, t)
		}
	}
	return nil
}

// windowJoin is WindowJoin's keyed function, Flink's WindowJoinOperator;
// each subtask has its own. K is the key's representation.
type windowJoin[K comparable] struct {
	cond  func(data.Row) (bool, error)
	sides [2]windowJoinSide[K]
	alloc data.Allocator
	// fields holds the row being kept, so that ListState.AddAll takes it
	// without the slice Add would allocate per row; buf is its bytes.
	fields [1]windowRow
	buf    []byte
	// matched marks the right rows of the firing window that found a
	// match: reused.
	matched []bool
	// loading is the side whose rows f.load (f.loadRow, made once) is
	// reading.
	loading *windowJoinSide[K]
	load    func(windowRow) bool
}

// windowJoinSide is one input of the window join and its rows in keyed
// state.
type windowJoinSide[K comparable] struct {
	name       string // "left" or "right", for errors
	keys       []int
	start, end int // the window bound columns
	outer      bool
	// nulls is a row of NULLs of the side's types: the other side's
	// padding.
	nulls data.Row
	// records are the side's rows under the current key, namespaced by
	// their window's end.
	records *state.ListState[K, int64, windowRow]
	// rows are the firing window's rows of the side: reused.
	rows []windowJoinRow
	err  error // what loading the rows failed with
}

// windowJoinRow is a row of the firing window with what the join looks
// at for every pair: its window_start and whether a key column is NULL.
type windowJoinRow struct {
	row     data.Row
	start   int64
	nullKey bool
}

func newWindowJoin[K comparable](spec WindowJoinSpec) *windowJoin[K] {
	f := &windowJoin[K]{
		cond: spec.Cond,
		sides: [2]windowJoinSide[K]{
			{name: "left", keys: spec.LeftKeys, start: spec.LeftStart, end: spec.LeftEnd,
				outer: spec.Type.leftOuter(), nulls: nullRow(spec.LeftTypes)},
			{name: "right", keys: spec.RightKeys, start: spec.RightStart, end: spec.RightEnd,
				outer: spec.Type.rightOuter(), nulls: nullRow(spec.RightTypes)},
		},
	}
	f.load = f.loadRow
	return f
}

func (f *windowJoin[K]) Open(ctx *stream.KeyedRuntimeContext[K]) error {
	for i := range f.sides {
		s := &f.sides[i]
		name := s.name + "-records" // Flink's
		l, err := state.GetListState[int64](ctx.State, state.ListStateDescriptor[windowRow]{Name: name})
		if err != nil {
			return fmt.Errorf("WindowJoin: %s: %w", name, err)
		}
		s.records = l
	}
	return nil
}

// ProcessElement1 takes a left row.
func (f *windowJoin[K]) ProcessElement1(r data.Row, ctx *stream.KeyedContext[K], _ operator.Collector[data.Row]) error {
	return f.process(r, leftSide, ctx)
}

// ProcessElement2 takes a right row.
func (f *windowJoin[K]) ProcessElement2(r data.Row, ctx *stream.KeyedContext[K], _ operator.Collector[data.Row]) error {
	return f.process(r, rightSide, ctx)
}

// process is WindowJoinOperator.processElement for a row of side in: it
// keeps r under its window's end, with the window's timer, unless the
// window already fired or r could never come out.
func (f *windowJoin[K]) process(r data.Row, in int, ctx *stream.KeyedContext[K]) error {
	s := &f.sides[in]
	if r.Kind != data.Insert {
		return fmt.Errorf("WindowJoin takes insert-only inputs, got %s on the %s", r, s.name)
	}
	if r.IsNullAt(s.start) || r.IsNullAt(s.end) || !s.outer && hasNullKey(r, s.keys) {
		return nil
	}
	end := r.Field(s.end).Millis()
	if end-1 <= ctx.CurrentWatermark() {
		ctx.DropLate() // the window fired
		return nil
	}
	f.buf = r.AppendFields(f.buf[:0])
	f.fields[0] = windowRow(f.buf) // a string of its own: kept
	s.records.SetNamespace(end)
	s.records.AddAll(f.fields[:])
	f.fields[0] = ""
	// Registered per row, as Flink's: the timer service deduplicates, and
	// whether either side has the window already would be a lookup too.
	ctx.RegisterEventTimeTimer(end - 1)
	return nil
}

// hasNullKey reports whether a key column of r is NULL.
func hasNullKey(r data.Row, keys []int) bool {
	for _, k := range keys {
		if r.IsNullAt(k) {
			return true
		}
	}
	return false
}

// OnTimer is WindowJoinOperator.onEventTime: the timer at tm fires the
// current key's window ending at tm + 1. It joins the window's rows of
// the two sides, pads the unmatched rows of an outer side, and drops the
// window's state.
func (f *windowJoin[K]) OnTimer(tm int64, _ *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	end := tm + 1
	l, r := &f.sides[leftSide], &f.sides[rightSide]
	defer f.release()
	for i := range f.sides {
		if err := f.loadWindow(&f.sides[i], end); err != nil {
			return err
		}
	}
	f.matched = append(f.matched[:0], make([]bool, len(r.rows))...)
	for i := range l.rows {
		lr := &l.rows[i]
		matched, err := f.joinLeft(lr, out)
		if err != nil {
			return err
		}
		if l.outer && !matched {
			out.Collect(f.alloc.Concat(data.Insert, lr.row, r.nulls))
		}
	}
	if r.outer {
		for j := range r.rows {
			if !f.matched[j] {
				out.Collect(f.alloc.Concat(data.Insert, l.nulls, r.rows[j].row))
			}
		}
	}
	return nil
}

// joinLeft emits the left row lr joined with each right row of the
// firing window it matches, marking those in f.matched, and reports
// whether it matched any.
func (f *windowJoin[K]) joinLeft(lr *windowJoinRow, out operator.Collector[data.Row]) (bool, error) {
	if lr.nullKey {
		return false, nil
	}
	matched := false
	for j := range f.sides[rightSide].rows {
		rr := &f.sides[rightSide].rows[j]
		if rr.nullKey || rr.start != lr.start {
			continue
		}
		joined := f.alloc.Concat(data.Insert, lr.row, rr.row)
		if f.cond != nil {
			ok, err := f.cond(joined)
			if err != nil {
				return false, fmt.Errorf("WindowJoin: condition on %s: %w", joined, err)
			}
			if !ok {
				continue
			}
		}
		out.Collect(joined)
		matched = true
		f.matched[j] = true
	}
	return matched, nil
}

// loadWindow reads the current key's rows of side s in the window ending
// at end into s.rows and drops them from state.
func (f *windowJoin[K]) loadWindow(s *windowJoinSide[K], end int64) error {
	s.records.SetNamespace(end)
	f.loading = s
	s.records.Get()(f.load)
	f.loading = nil
	if err := s.err; err != nil {
		s.err = nil
		return fmt.Errorf("WindowJoin: %s rows of the window ending at %d: %w", s.name, end, err)
	}
	s.records.Clear()
	return nil
}

// loadRow is loadWindow's function over a side's rows (f.load): a method
// rather than a range loop's body, since that closure and what it
// captures would be allocations per window.
func (f *windowJoin[K]) loadRow(fields windowRow) bool {
	s := f.loading
	r, err := data.FieldsRow(data.Insert, string(fields))
	if err != nil {
		s.err = err
		return false
	}
	s.rows = append(s.rows, windowJoinRow{row: r, start: r.Field(s.start).Millis(), nullKey: hasNullKey(r, s.keys)})
	return true
}

// release empties both sides' loaded rows, so that the fired window's
// row strings are not kept alive until the next window of their subtask.
func (f *windowJoin[K]) release() {
	for i := range f.sides {
		s := &f.sides[i]
		clear(s.rows)
		s.rows = s.rows[:0]
	}
}

// windowRow is a row kept in a window's state, its fields as
// Row.AppendFields encodes them, read back without copies
// (data.FieldsRow).
type windowRow string

// AppendBinary encodes r for state snapshots: its bytes.
func (r *windowRow) AppendBinary(buf []byte) ([]byte, error) { return append(buf, *r...), nil }

// UnmarshalBinary decodes what AppendBinary encoded, checking the row.
func (r *windowRow) UnmarshalBinary(b []byte) error {
	s := windowRow(b)
	if _, err := data.FieldsRow(data.Insert, string(s)); err != nil {
		return err
	}
	*r = s
	return nil
}
