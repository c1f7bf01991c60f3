package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// IntervalJoinSpec describes an event-time interval join (Flink's
// StreamExecIntervalJoin over rowtime): a left row at time l and a right
// row at time r of the same key match when l + Lower <= r <= l + Upper
// (milliseconds, both inclusive) and Cond holds.
type IntervalJoinSpec struct {
	Type JoinType // InnerJoin, LeftJoin, RightJoin, FullJoin
	// LeftKeys[i] = RightKeys[i] are the equality conditions, as in
	// JoinSpec: at least one pair, of the same kind or INT with BIGINT.
	LeftKeys, RightKeys []int
	// LeftTypes and RightTypes are the inputs' column types.
	LeftTypes, RightTypes []data.Type
	// LeftTime and RightTime are the rowtime columns, TIMESTAMP(3) or
	// TIMESTAMP_LTZ(3).
	LeftTime, RightTime int
	// Lower and Upper bound r - l, in milliseconds; Lower <= Upper.
	Lower, Upper int64
	// Cond is the rest of the join condition over the joined row (left
	// columns, then right), compiled; nil when there is none. An error
	// from it fails the job.
	Cond func(data.Row) (bool, error)
}

// IntervalJoin is Flink's event-time interval join (RowTimeIntervalJoin,
// a TimeIntervalJoin run by a KeyedCoProcessOperator): an INNER, LEFT,
// RIGHT or FULL join of two insert-only inputs on the equality of key
// columns and a bound on the distance of their rowtimes, emitting insert
// rows of the left columns, then the right ones. As the join is bounded
// in time, so is its state: both inputs are keyed by the join key, and
// each side keeps its rows in keyed MapState by row time (Flink's
// "IntervalJoinLeftCache" and "IntervalJoinRightCache") only while a row
// of the other side that is not late could still match them. A left row
// at l matches right rows at [l + Lower, l + Upper], so once the
// watermark passes l + Upper it is dropped, by an event-time timer at
// l + Upper + 1 (Flink's cleanup time with an allowed lateness of 0); a
// right row at r matches left rows at [r - Upper, r - Lower] and is
// dropped once the watermark passes r - Lower. A row of an outer side is
// kept with whether it matched, and one that never did is emitted padded
// with NULLs of the other side when it is dropped: insert rows only, as
// a padded row can no longer be wrong once no match can come.
//
// A row is joined with every row of the other side in state whose time
// is in its range and for which Cond holds, late or not (Flink does not
// drop late rows here); a row too late to be kept (the watermark already
// passed the end of its range) is not kept, and on an outer side emitted
// padded at once if it matched nothing. A row with a NULL key column
// matches nothing (SQL's =) and is not kept: on an outer side it is
// emitted padded at once. A row with a NULL rowtime is dropped: Flink's
// rowtime is NOT NULL. Any row kind but +I fails the job.
//
// Each output row's event timestamp is the later of its two rowtimes, a
// padded row's its own: a timestamp step after the join sets it (the
// function's collector keeps the input's or the timer's). The operator
// forwards the watermark held back by the larger of Upper and -Lower, as
// Flink's does, so that no row it emits is late downstream: a padded row
// of time t comes out once the watermark passes t + Upper (left) or
// t - Lower (right).
//
// Keys are int64 or encoded strings as Join picks them. The spec must
// pass the planner's checks; this panics (failing the job's build) on one
// it should have refused.
func IntervalJoin(left, right *stream.DataStream[data.Row], spec IntervalJoinSpec) *stream.DataStream[data.Row] {
	if err := checkIntervalJoinSpec(spec); err != nil {
		panic(fmt.Sprintf("runtime: IntervalJoin: %v", err))
	}
	keys := spec.joinSpec()
	var out *stream.DataStream[data.Row]
	if intJoinKey(keys) {
		out = stream.KeyedCoProcess(
			stream.KeyBy(left, intKeySelector(spec.LeftKeys[0])),
			stream.KeyBy(right, intKeySelector(spec.RightKeys[0])),
			newRowTimeIntervalJoin[int64](spec))
	} else {
		out = stream.KeyedCoProcess(
			stream.KeyBy(left, joinKeySelector(spec.LeftKeys)),
			stream.KeyBy(right, joinKeySelector(spec.RightKeys)),
			newRowTimeIntervalJoin[string](spec))
	}
	out.Name("IntervalJoin")
	lt, rt := spec.LeftTime, len(spec.LeftTypes)+spec.RightTime
	return stream.SetTimestamps(out, func(r data.Row) int64 {
		switch {
		case r.IsNullAt(lt):
			return r.Field(rt).Millis()
		case r.IsNullAt(rt):
			return r.Field(lt).Millis()
		}
		return max(r.Field(lt).Millis(), r.Field(rt).Millis())
	})
}

// joinSpec is the spec's keys and type as a regular join's, for the
// checks and key choices the two joins share.
func (s IntervalJoinSpec) joinSpec() JoinSpec {
	return JoinSpec{Type: s.Type, LeftKeys: s.LeftKeys, RightKeys: s.RightKeys, LeftTypes: s.LeftTypes, RightTypes: s.RightTypes, Cond: s.Cond}
}

// checkIntervalJoinSpec is what IntervalJoin requires of a spec.
func checkIntervalJoinSpec(s IntervalJoinSpec) error {
	if err := checkJoinSpec(s.joinSpec()); err != nil {
		return err
	}
	for _, c := range []struct {
		side  string
		col   int
		types []data.Type
	}{{"left", s.LeftTime, s.LeftTypes}, {"right", s.RightTime, s.RightTypes}} {
		if c.col < 0 || c.col >= len(c.types) {
			return fmt.Errorf("%s time is column %d of %d", c.side, c.col, len(c.types))
		}
		if t := c.types[c.col]; !t.IsTimestamp() {
			return fmt.Errorf("%s time column %d is %s: want TIMESTAMP or TIMESTAMP_LTZ", c.side, c.col, t)
		}
	}
	if s.Lower > s.Upper {
		return fmt.Errorf("bounds [%d ms, %d ms]: the lower bound is above the upper", s.Lower, s.Upper)
	}
	return nil
}

// rowTimeIntervalJoin is IntervalJoin's keyed function, Flink's
// RowTimeIntervalJoin; each subtask has its own. K is the key's
// representation.
type rowTimeIntervalJoin[K comparable] struct {
	cond  func(data.Row) (bool, error)
	delay int64 // the watermark delay, max(Upper, -Lower)
	sides [2]intervalSide[K]
	alloc data.Allocator
	// fields and buf are scratch for a row's fields and a time's rows
	// being rewritten: reused.
	fields, buf []byte
	probe       intervalProbe
	yield       func(int64, timeRows) bool // f.match, made once
}

// intervalSide is one input of the interval join and its rows in keyed
// state.
type intervalSide[K comparable] struct {
	name  string // "left" or "right", for errors
	cache string // the state's name, Flink's
	keys  []int
	time  int // the rowtime column
	outer bool
	// lo and hi bound the times of the other side's rows a row of this
	// side at t matches: [t + lo, t + hi]. The row is kept until the
	// watermark passes t + hi.
	lo, hi int64
	// nulls is a row of NULLs of the side's types: the other side's
	// padding.
	nulls data.Row
	// rows are the side's rows under the current key by row time.
	rows *state.MapState[K, state.VoidNamespace, int64, timeRows]
}

func newRowTimeIntervalJoin[K comparable](spec IntervalJoinSpec) *rowTimeIntervalJoin[K] {
	f := &rowTimeIntervalJoin[K]{
		cond:  spec.Cond,
		delay: max(spec.Upper, -spec.Lower),
		sides: [2]intervalSide[K]{
			{name: "left", cache: "IntervalJoinLeftCache", keys: spec.LeftKeys, time: spec.LeftTime, outer: spec.Type.leftOuter(),
				lo: spec.Lower, hi: spec.Upper, nulls: nullRow(spec.LeftTypes)},
			{name: "right", cache: "IntervalJoinRightCache", keys: spec.RightKeys, time: spec.RightTime, outer: spec.Type.rightOuter(),
				lo: -spec.Upper, hi: -spec.Lower, nulls: nullRow(spec.RightTypes)},
		},
	}
	f.yield = f.match
	return f
}

// WatermarkDelay holds the forwarded watermark back by the longest a row
// waits for a match.
func (f *rowTimeIntervalJoin[K]) WatermarkDelay() int64 { return f.delay }

func (f *rowTimeIntervalJoin[K]) Open(ctx *stream.KeyedRuntimeContext[K]) error {
	for i := range f.sides {
		s := &f.sides[i]
		m, err := state.GetMapState[state.VoidNamespace](ctx.State, state.MapStateDescriptor[int64, timeRows]{Name: s.cache})
		if err != nil {
			return fmt.Errorf("IntervalJoin: %s: %w", s.cache, err)
		}
		s.rows = m
	}
	return nil
}

// ProcessElement1 takes a left row.
func (f *rowTimeIntervalJoin[K]) ProcessElement1(r data.Row, ctx *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	return f.process(r, leftSide, ctx, out)
}

// ProcessElement2 takes a right row.
func (f *rowTimeIntervalJoin[K]) ProcessElement2(r data.Row, ctx *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	return f.process(r, rightSide, ctx, out)
}

// process is TimeIntervalJoin.processElement1 and 2 for a row of side
// in: it joins r with the other side's rows in its range, then keeps it
// with a cleanup timer if a row that is not late could still match it,
// or else, on an outer side, emits it padded if it matched nothing.
func (f *rowTimeIntervalJoin[K]) process(r data.Row, in int, ctx *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	s := &f.sides[in]
	if r.Kind != data.Insert {
		return fmt.Errorf("IntervalJoin takes insert-only inputs, got %s on the %s", r, s.name)
	}
	if r.IsNullAt(s.time) {
		return nil
	}
	for _, k := range s.keys {
		if r.IsNullAt(k) {
			if s.outer {
				out.Collect(f.padded(in, r))
			}
			return nil
		}
	}
	t := r.Field(s.time).Millis()
	f.probe = intervalProbe{r: r, in: in, from: t + s.lo, to: t + s.hi, out: out}
	f.sides[1-in].rows.Entries()(f.yield)
	p := f.probe
	f.probe = intervalProbe{}
	if p.err != nil {
		return p.err
	}
	expiry := t + s.hi + 1
	if expiry <= ctx.CurrentWatermark() {
		if s.outer && !p.matched {
			out.Collect(f.padded(in, r))
		}
		return nil
	}
	f.fields = r.AppendFields(f.fields[:0])
	rows, _ := s.rows.Get(t)
	f.buf = appendTimeRow(append(f.buf[:0], rows...), f.fields, p.matched)
	s.rows.Put(t, timeRows(f.buf)) // a string of its own: kept
	ctx.RegisterEventTimeTimer(expiry)
	return nil
}

// intervalProbe is the row process joins with the other side's rows,
// the time range its partners are in, and what match found so far.
type intervalProbe struct {
	r        data.Row
	in       int
	from, to int64
	out      operator.Collector[data.Row]
	matched  bool
	err      error
}

// match is process's function over the other side's entries (f.yield):
// it emits the probe joined with each row at time t if t is in the
// probe's range and Cond holds, and marks the rows of an outer side that
// matched for the first time. A method rather than a range loop's body,
// since that closure and what it captures would be allocations per row.
func (f *rowTimeIntervalJoin[K]) match(t int64, rows timeRows) bool {
	p := &f.probe
	if t < p.from || t > p.to {
		return true
	}
	o := &f.sides[1-p.in]
	marked := false
	for at := 0; at < len(rows); {
		matched, fields, next, err := rows.entry(at)
		if err != nil {
			p.err = fmt.Errorf("IntervalJoin: %s rows at %d: %w", o.name, t, err)
			return false
		}
		other, err := data.FieldsRow(data.Insert, fields)
		if err != nil {
			p.err = fmt.Errorf("IntervalJoin: %s rows at %d: %w", o.name, t, err)
			return false
		}
		joined := f.join(p.in, p.r, other)
		if f.cond != nil {
			ok, err := f.cond(joined)
			if err != nil {
				p.err = fmt.Errorf("IntervalJoin: condition on %s: %w", joined, err)
				return false
			}
			if !ok {
				at = next
				continue
			}
		}
		p.out.Collect(joined)
		p.matched = true
		if o.outer && !matched {
			if !marked {
				f.buf = append(f.buf[:0], rows...)
				marked = true
			}
			f.buf[at] |= matchedBit
		}
		at = next
	}
	if marked {
		// Put over the entry being ranged over: a Go map allows it.
		o.rows.Put(t, timeRows(f.buf))
	}
	return true
}

// OnTimer is TimeIntervalJoin.onTimer: the timer at time tm is the
// cleanup time of the left rows at tm - Upper - 1 and the right rows at
// tm + Lower - 1 (a side's rows of one time share their timer, and so
// may a time's rows of both sides). It drops them, first emitting padded
// those of an outer side that never matched.
func (f *rowTimeIntervalJoin[K]) OnTimer(tm int64, _ *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	for in := range f.sides {
		s := &f.sides[in]
		t := tm - s.hi - 1
		rows, ok := s.rows.Get(t)
		if !ok {
			continue
		}
		for at := 0; s.outer && at < len(rows); {
			matched, fields, next, err := rows.entry(at)
			if err != nil {
				return fmt.Errorf("IntervalJoin: %s rows at %d: %w", s.name, t, err)
			}
			if !matched {
				r, err := data.FieldsRow(data.Insert, fields)
				if err != nil {
					return fmt.Errorf("IntervalJoin: %s rows at %d: %w", s.name, t, err)
				}
				out.Collect(f.padded(in, r))
			}
			at = next
		}
		s.rows.Remove(t)
	}
	return nil
}

// join is the joined row of r of side in and other of the other side.
func (f *rowTimeIntervalJoin[K]) join(in int, r, other data.Row) data.Row {
	if in == leftSide {
		return f.alloc.Concat(data.Insert, r, other)
	}
	return f.alloc.Concat(data.Insert, other, r)
}

// padded is r of side in joined with NULLs for the other side.
func (f *rowTimeIntervalJoin[K]) padded(in int, r data.Row) data.Row {
	return f.join(in, r, f.sides[1-in].nulls)
}

// timeRows are one side's rows of one key and one row time, Flink's
// List<Tuple2<RowData, Boolean>>: for each row, a uvarint of its fields'
// length (Row.AppendFields) shifted left by one with whether it matched
// in the low bit, then its fields. One string per time keeps an entry
// pointer-light, and its rows are read without copies (data.FieldsRow).
type timeRows string

// matchedBit marks a matched row in the first byte of its header.
const matchedBit = 1

// appendTimeRow appends a row of fields to buf, a timeRows' bytes.
func appendTimeRow(buf, fields []byte, matched bool) []byte {
	h := uint64(len(fields)) << 1
	if matched {
		h |= matchedBit
	}
	return append(binary.AppendUvarint(buf, h), fields...)
}

var errTimeRows = errors.New("decode interval join rows: bad row length")

// entry reads the row at offset at: whether it matched, its fields, and
// the offset of the next row.
func (rs timeRows) entry(at int) (matched bool, fields string, next int, err error) {
	var h uint64
	for shift := 0; ; shift += 7 {
		if at >= len(rs) || shift > 63 {
			return false, "", 0, errTimeRows
		}
		c := rs[at]
		at++
		h |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	n := h >> 1
	if n > uint64(len(rs)-at) {
		return false, "", 0, errTimeRows
	}
	next = at + int(n)
	return h&matchedBit != 0, string(rs[at:next]), next, nil
}

// AppendBinary encodes rs for state snapshots: its bytes.
func (rs *timeRows) AppendBinary(buf []byte) ([]byte, error) { return append(buf, *rs...), nil }

// UnmarshalBinary decodes what AppendBinary encoded, checking every row.
func (rs *timeRows) UnmarshalBinary(b []byte) error {
	s := timeRows(b)
	if len(s) == 0 {
		return errTimeRows
	}
	for at := 0; at < len(s); {
		_, fields, next, err := s.entry(at)
		if err != nil {
			return err
		}
		if _, err := data.FieldsRow(data.Insert, fields); err != nil {
			return err
		}
		at = next
	}
	*rs = s
	return nil
}
