package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// OverSpec describes an event-time OVER aggregation (Flink's StreamExecOverAggregate
// over a rowtime ORDER BY): each input row is emitted with the values of
// Aggs over its partition's rows in the frame that ends at it.
type OverSpec struct {
	PartitionBy []int
	KeyTypes    KeyTypes  // the partition columns' types, for IntKeyKind
	TimeCol     int       // the rowtime column ORDER BY orders by (ascending)
	Aggs        []AggCall // as GroupAggregate's; each call's result is appended to the row, in order
	// Rows is a ROWS frame: the Preceding rows before the current one and the current row.
	// Otherwise a RANGE frame: the rows whose time is within Preceding milliseconds before the
	// current row's time, up to and including rows with the current row's time.
	Rows      bool
	Preceding int64 // rows or ms; -1 is UNBOUNDED PRECEDING
	StateTTL  time.Duration
}

// OverAggregate is Flink's event-time OVER aggregation of an insert-only
// input (RowTimeRowsBoundedPrecedingFunction,
// RowTimeRangeBoundedPrecedingFunction, RowTimeRowsUnboundedPrecedingFunction
// and RowTimeRangeUnboundedPrecedingFunction): every row is emitted once,
// as +I, with its fields and then the result of each of spec.Aggs over
// the frame that ends at it, stamped with its own time.
//
// A frame is known only once no earlier row of the partition can come,
// so rows wait in keyed MapState by their time (Flink's "inputState")
// with an event-time timer at that time; when the watermark passes it,
// the partition's rows of that time are aggregated in arrival order,
// after all earlier ones. A ROWS frame gives each row its own result; a
// RANGE frame gives one to all rows of a time (Flink's peers). A row at
// or behind the watermark when it comes is late and dropped, as Flink's
// unbounded functions drop it (its bounded ones compare with the
// partition's last time processed, which is never ahead of the
// watermark); so is a row with a NULL time. A row whose time its
// partition already passed, which only a restore lets in (the watermark
// starts over), is dropped when its timer fires, as Flink's
// lastTriggeringTsState drops it.
//
// Each partition's accumulators are one keyed value (Flink's
// "accState"), with, for a bounded frame, the rows in them, oldest
// first: a ROWS frame keeps the last Preceding rows and retracts the
// oldest as each new row comes; a RANGE frame retracts the rows more than
// Preceding ms before each new time. The rows leaving a frame are so
// found at its front, where Flink scans all of its inputState's times
// for them. Bounded frames retract, so MIN and MAX keep a count per value
// (MinWithRetractAggFunction). Rows of a RANGE frame more than Preceding
// before any row still to come can never be in a frame again: a timer
// between Preceding and 1.5 Preceding after the partition's last time
// (Flink's cleanup timer) drops its accumulators if no newer row came. A
// ROWS frame's rows can always be in the next row's frame, and unbounded
// frames keep only their accumulators: those go with the state TTL,
// which applies to the accumulators alone, since rows waiting for the
// watermark go when it passes (Flink likewise never cleans a partition
// with rows left to process).
//
// No partition columns make one partition, aggregated by one subtask.
// Partitions are keyed by int64 or encoded strings as IntKeyKind picks.
// Departure from Flink: late rows are not counted in the subtask's
// late_records_dropped, which only the window operators reach.
//
// The spec must pass the planner's checks; this panics (failing the
// job's build) on one it should have refused.
func OverAggregate(in *stream.DataStream[data.Row], spec OverSpec) *stream.DataStream[data.Row] {
	const op = "OverAggregate"
	if err := checkOverSpec(spec); err != nil {
		panic(fmt.Sprintf("runtime: %s: %v", op, err))
	}
	g := mustAggregator(op, spec.Aggs, spec.Preceding >= 0)
	var out *stream.DataStream[data.Row]
	if _, ok := IntKeyKind(spec.PartitionBy, spec.KeyTypes); ok {
		out = stream.KeyedProcess(stream.KeyBy(in, intKeySelector(spec.PartitionBy[0])), newOverFunction[int64](spec, g))
	} else {
		out = stream.KeyedProcess(stream.KeyBy(in, keySelector(spec.PartitionBy)), newOverFunction[string](spec, g))
	}
	out.Name(op)
	if len(spec.PartitionBy) == 0 {
		out.SetParallelism(1)
	}
	return out
}

// checkOverSpec is what OverAggregate requires of a spec besides its
// calls, which mustAggregator checks.
func checkOverSpec(s OverSpec) error {
	if err := checkColumns("partition", s.PartitionBy, s.KeyTypes); err != nil {
		return err
	}
	if s.TimeCol < 0 {
		return fmt.Errorf("time column %d", s.TimeCol)
	}
	if len(s.Aggs) == 0 {
		return errors.New("no aggregate calls")
	}
	if s.Preceding < -1 {
		return fmt.Errorf("%d PRECEDING: want -1 (UNBOUNDED) or a bound of at least 0", s.Preceding)
	}
	if s.StateTTL < 0 {
		return fmt.Errorf("negative state TTL %s", s.StateTTL)
	}
	return nil
}

// overFunction is OverAggregate's keyed function, Flink's four rowtime
// OVER functions in one; each subtask has its own. K is the key's
// representation.
type overFunction[K comparable] struct {
	g       *aggregator
	timeCol int
	maxCol  int
	rows    bool
	// preceding is the frame's bound, rows or ms; -1 when unbounded.
	preceding int64
	ttl       state.TTLConfig

	pending *state.MapState[K, state.VoidNamespace, int64, timeRows]
	accs    *state.ValueState[K, state.VoidNamespace, overState]

	// fields and buf are a row's encoding and a time's rows being
	// rewritten; peers are the rows of a RANGE frame's time; results are
	// the current frame's aggregates; cols and values an output row's
	// projection (the input's columns, then the results): all reused.
	fields, buf []byte
	peers       []data.Row
	results     []data.Value
	cols        []int
	values      []data.Value
	alloc       data.Allocator
}

func newOverFunction[K comparable](spec OverSpec, g *aggregator) *overFunction[K] {
	maxCol := max(maxColumn(spec.PartitionBy, nil), spec.TimeCol)
	for _, c := range spec.Aggs {
		maxCol = max(maxCol, c.Arg)
	}
	return &overFunction[K]{
		g:         g,
		timeCol:   spec.TimeCol,
		maxCol:    maxCol,
		rows:      spec.Rows,
		preceding: spec.Preceding,
		ttl:       stateTTL(spec.StateTTL),
	}
}

func (f *overFunction[K]) Open(ctx *stream.KeyedRuntimeContext[K]) error {
	var err error
	f.pending, err = state.GetMapState[state.VoidNamespace](ctx.State, state.MapStateDescriptor[int64, timeRows]{Name: "inputState"})
	if err != nil {
		return fmt.Errorf("OverAggregate: inputState: %w", err)
	}
	f.accs, err = state.GetValueState[state.VoidNamespace](ctx.State, state.ValueStateDescriptor[overState]{Name: "accState", TTL: f.ttl})
	if err != nil {
		return fmt.Errorf("OverAggregate: accState: %w", err)
	}
	return nil
}

// ProcessElement is the processElement of Flink's rowtime OVER
// functions: it keeps r under its time until the watermark passes it.
func (f *overFunction[K]) ProcessElement(r data.Row, ctx *stream.KeyedContext[K], _ operator.Collector[data.Row]) error {
	if r.Width() <= f.maxCol {
		return fmt.Errorf("OverAggregate: a row of %d columns, %s, where column %d is a key, the time or an argument", r.Width(), r, f.maxCol)
	}
	if r.Kind != data.Insert {
		return fmt.Errorf("OverAggregate: a %s row in an insert-only input: %s", r.Kind, r)
	}
	tv := r.Field(f.timeCol)
	if k := tv.Kind(); k != data.Timestamp && k != data.TimestampLTZ {
		return fmt.Errorf("OverAggregate: time column %d of %s is a %s, not a rowtime", f.timeCol, r, k)
	}
	if tv.IsNull() {
		return nil
	}
	t := tv.Millis()
	if t <= ctx.CurrentWatermark() {
		ctx.DropLate()
		return nil
	}
	f.fields = r.AppendFields(f.fields[:0])
	rows, had := f.pending.Get(t)
	f.buf = appendTimeRow(append(f.buf[:0], rows...), f.fields, false)
	f.pending.Put(t, timeRows(f.buf)) // a string of its own: kept
	if !had {
		ctx.RegisterEventTimeTimer(t)
	}
	return nil
}

// OnTimer is the onTimer of Flink's rowtime OVER functions: the timer at
// tm is the time of rows waiting in pending, or a RANGE frame's cleanup
// time, or both.
func (f *overFunction[K]) OnTimer(tm int64, ctx *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	st, had := f.accs.Value()
	if had && f.rangeBounded() && st.cleanup <= tm {
		// Every row in the frame is more than preceding before tm.
		f.accs.Clear()
		had = false
	}
	rows, ok := f.pending.Get(tm)
	if !ok {
		return nil
	}
	f.pending.Remove(tm)
	switch {
	case !had:
		st = f.newState()
	case tm <= st.last:
		return nil // late, let in by a restore
	}
	st.last = tm
	var err error
	if f.rows {
		err = f.rowsFrame(&st, tm, rows, out)
	} else {
		err = f.rangeFrame(&st, tm, rows, ctx, out)
	}
	if err != nil {
		return err
	}
	f.accs.Update(st)
	return nil
}

// rangeBounded reports whether the frame is RANGE with a bound, the one
// kind whose partitions are cleaned by event time.
func (f *overFunction[K]) rangeBounded() bool { return !f.rows && f.preceding >= 0 }

// newState is a partition's state before its first row.
func (f *overFunction[K]) newState() overState {
	st := overState{accs: make([]acc, len(f.g.funcs)), last: math.MinInt64}
	if f.g.counted {
		st.counts = make([]valueCounts, len(f.g.funcs))
		for i := range f.g.funcs {
			if f.g.funcs[i].counted {
				st.counts[i] = valueMap{}
			}
		}
	}
	return st
}

// rowsFrame emits each of rows, the rows at tm in arrival order, with
// the aggregates over it and the preceding rows of a ROWS frame (Flink's
// RowTimeRowsBoundedPrecedingFunction and
// RowTimeRowsUnboundedPrecedingFunction). A bounded frame keeps the last
// preceding rows for the next row.
func (f *overFunction[K]) rowsFrame(st *overState, tm int64, rows timeRows, out operator.Collector[data.Row]) error {
	bounded := f.preceding >= 0
	for at := 0; at < len(rows); {
		r, next, err := timeRow(rows, at)
		if err != nil {
			return fmt.Errorf("OverAggregate: rows at %d: %w", tm, err)
		}
		f.g.accumulate(st.accs, st.counts, r)
		f.results = f.g.appendValues(f.results[:0], st.accs)
		f.emit(r, out)
		if bounded {
			st.frame.push(r)
			if int64(st.frame.len()) > f.preceding {
				f.g.retract(st.accs, st.counts, st.frame.pop())
			}
		}
		at = next
	}
	return nil
}

// rangeFrame emits rows, the rows at tm, with the aggregates over the
// rows at tm and, in a RANGE frame, those before it (Flink's
// RowTimeRangeBoundedPrecedingFunction and
// RowTimeRangeUnboundedPrecedingFunction): peers share their result.
func (f *overFunction[K]) rangeFrame(st *overState, tm int64, rows timeRows, ctx *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	bounded := f.preceding >= 0
	if bounded {
		from := tm - f.preceding
		if from > tm {
			from = math.MinInt64 // a bound reaching before all time
		}
		for st.frame.len() > 0 && st.frame.front().Field(f.timeCol).Millis() < from {
			f.g.retract(st.accs, st.counts, st.frame.pop())
		}
	}
	for at := 0; at < len(rows); {
		r, next, err := timeRow(rows, at)
		if err != nil {
			return fmt.Errorf("OverAggregate: rows at %d: %w", tm, err)
		}
		f.g.accumulate(st.accs, st.counts, r)
		if bounded {
			st.frame.push(r)
		}
		f.peers = append(f.peers, r)
		at = next
	}
	f.results = f.g.appendValues(f.results[:0], st.accs)
	for _, r := range f.peers {
		f.emit(r, out)
	}
	clear(f.peers) // keeps no row alive
	f.peers = f.peers[:0]
	if bounded {
		// Flink's registerCleanupTimer: a timer once the frame's rows are
		// out of every frame to come, put off by half the bound, so that
		// a partition registers one per half bound of its times at most
		// rather than one per time. A timer put off is left to fire for
		// nothing: deleting it could delete a time's rows' timer.
		if end := addTime(addTime(tm, f.preceding), 1); st.cleanup < end {
			st.cleanup = addTime(end, f.preceding/2)
			ctx.RegisterEventTimeTimer(st.cleanup)
		}
	}
	return nil
}

// addTime is t + d for d >= 0, the latest time when that is later.
func addTime(t, d int64) int64 {
	if t > math.MaxInt64-d {
		return math.MaxInt64
	}
	return t + d
}

// emit sends r with f.results appended.
func (f *overFunction[K]) emit(r data.Row, out operator.Collector[data.Row]) {
	w := r.Width()
	if len(f.cols) != w+len(f.results) {
		f.cols = append(f.cols[:0], make([]int, w+len(f.results))...)
		for i := range f.cols {
			f.cols[i] = i
			if i >= w {
				f.cols[i] = -1
			}
		}
		f.values = make([]data.Value, len(f.cols))
	}
	copy(f.values[w:], f.results)
	out.Collect(f.alloc.Project(data.Insert, r, f.cols, f.values))
}

// timeRow reads the row at offset at of a time's rows, and the offset of
// the next row. The row shares rs's bytes: kept in a frame, it keeps
// them.
func timeRow(rs timeRows, at int) (data.Row, int, error) {
	_, fields, next, err := rs.entry(at)
	if err != nil {
		return data.Row{}, 0, err
	}
	r, err := data.FieldsRow(data.Insert, fields)
	return r, next, err
}

// overState is a partition's accState: the calls' accumulators, the
// value counts of counted calls (nil for the others, and nil when none
// is), the rows in a bounded frame's accumulators, the last time
// processed, and a RANGE frame's cleanup time. The value counts are a Go
// map in the value, as a window's, rather than GroupAggregate's MapState:
// they count the values of a frame, and in one value with the
// accumulators they expire with them.
type overState struct {
	accs    []acc
	counts  []valueCounts
	frame   overFrame
	last    int64
	cleanup int64
}

// overFrame is the rows in a bounded frame, oldest first: a queue whose
// popped front is reclaimed once it is half the slice, so that a frame
// moving along a partition reuses its slice.
type overFrame struct {
	rows []data.Row
	head int
}

func (q *overFrame) len() int { return len(q.rows) - q.head }

func (q *overFrame) front() data.Row { return q.rows[q.head] }

func (q *overFrame) push(r data.Row) {
	if len(q.rows) == cap(q.rows) && q.head > 0 && 2*q.head >= len(q.rows) {
		n := copy(q.rows, q.rows[q.head:])
		clear(q.rows[n:]) // the spare room keeps no row alive
		q.rows, q.head = q.rows[:n], 0
	}
	q.rows = append(q.rows, r)
}

func (q *overFrame) pop() data.Row {
	r := q.rows[q.head]
	q.rows[q.head] = data.Row{}
	q.head++
	if q.head == len(q.rows) {
		q.rows, q.head = q.rows[:0], 0
	}
	return r
}

// AppendBinary encodes a partition's state for snapshots: the
// accumulators, the value counts as a window's (windowAcc), the last and
// cleanup times, then the frame's rows as ranked rows (rankRows).
func (s *overState) AppendBinary(buf []byte) ([]byte, error) {
	buf = appendCounts(appendAccs(buf, s.accs), s.counts)
	buf = binary.AppendVarint(binary.AppendVarint(buf, s.last), s.cleanup)
	rows := rankRows(s.frame.rows[s.frame.head:])
	return rows.AppendBinary(buf)
}

// UnmarshalBinary decodes what AppendBinary encoded.
func (s *overState) UnmarshalBinary(b []byte) error {
	accs, b, err := readAccs(b)
	if err != nil {
		return err
	}
	counts, b, err := readCounts(b)
	if err != nil {
		return err
	}
	last, w := binary.Varint(b)
	if w <= 0 {
		return errShortAcc
	}
	cleanup, w2 := binary.Varint(b[w:])
	if w2 <= 0 {
		return errShortAcc
	}
	var rows rankRows
	if err := rows.UnmarshalBinary(b[w+w2:]); err != nil {
		return fmt.Errorf("over frame: %w", err)
	}
	*s = overState{accs: accs, counts: counts, frame: overFrame{rows: rows}, last: last, cleanup: cleanup}
	return nil
}
