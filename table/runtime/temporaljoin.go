package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// TemporalJoinSpec describes an event-time temporal join (Flink's
// StreamExecTemporalJoin over rowtime): `left [LEFT] JOIN right FOR
// SYSTEM_TIME AS OF left.time ON left keys = right keys`, where the right
// input is a versioned table whose primary key is the join key.
type TemporalJoinSpec struct {
	Type JoinType // InnerJoin or LeftJoin only
	// LeftKeys[i] = RightKeys[i] are the equality conditions, as in
	// JoinSpec: the right side's primary key, each column paired with a
	// left column of the same kind or INT with BIGINT; at least one pair.
	LeftKeys, RightKeys []int
	// LeftTypes and RightTypes are the inputs' column types: a LEFT row
	// without a version is padded with NULLs of the right side's types.
	LeftTypes, RightTypes []data.Type
	// LeftTime and RightTime are the rowtime columns, TIMESTAMP(3) or
	// TIMESTAMP_LTZ(3): the time a left row looks the right side up at,
	// and the time a right row's version starts (or, for a -U or -D row,
	// ends).
	LeftTime, RightTime int
	// Cond is the rest of the join condition over the joined row (left
	// columns, then right), compiled; nil when there is none. An error
	// from it fails the job.
	Cond func(data.Row) (bool, error)
}

// TemporalJoin is Flink's event-time temporal join
// (TemporalRowTimeJoinOperator): each row of the insert-only left input
// joins the version of the right side's row with its key that was valid
// at the left row's time, emitting insert rows of the left columns, then
// the right ones. The right input is a versioned table, a changelog keyed
// by the join key: a +I or +U row at time t starts a version valid from t
// until the key's next row; a -U or -D row at t ends the key's version at
// t, so no version is valid from then until the next +I or +U. The
// version valid at t is thus the key's right row with the largest time at
// or before t, if that is a +I or +U. Rows of one key and one time replace
// each other as they arrive, as in Flink's state keyed by time: a -U and
// its +U at the same time leave the +U.
//
// Versions may arrive in any order; a left row is joined only once the
// right side is complete up to its time, which the watermark tells (the
// minimum of both inputs', as the operator's input valve merges them).
// So both inputs are keyed by the join key. Left rows are buffered in
// keyed MapState by time (Flink's "left"), so that buffering one costs
// the same however many wait (a slow versioned table holds the watermark,
// and so the orders, back), with an event-time timer at their time,
// which joins and drops them when the watermark reaches it; a LEFT join
// pads a left row without a version, or whose version Cond refuses, with
// NULLs. Output is insert rows only, as nothing emitted can be wrong
// later. A key's right rows are kept in keyed ValueState as one string
// sorted by time (Flink's "right" is a MapState by time): every timer
// looks a version up, which there is a scan that stops at the first row
// after the time looked up, where an iterator over a map's entries cost
// a third of the join's time.
//
// Right state stays bounded by the watermark: once the watermark reaches
// a time, no left row that is not late can look up an earlier one, so a
// key needs only its latest version at or before the watermark and the
// ones after it. Each right row also sets a timer at its time (a late
// one cleans at once); any timer of a key drops the versions older than
// the key's latest at or before the timer's time (Flink's
// cleanupExpiredVersionInState). A version
// ended by a -U or -D is kept as the row that ended it, as in Flink, so
// that a late older version cannot come back to life.
//
// A left row whose time is already at or behind the watermark on arrival
// is late, and joined at once against the versions kept (Flink buffers
// it until the next watermark, to the same result): if the version valid
// at its time is still the key's latest at or before the watermark it
// joins it, else that version was cleaned and it finds none (and is
// padded in a LEFT join). A row with a NULL rowtime on either side is
// dropped (Flink's rowtime is NOT NULL); a right row with a NULL key
// column is dropped, and a left row with one matches nothing (SQL's =)
// and is emitted padded at once in a LEFT join. A left row of any kind
// but +I fails the job: Flink's planner only plans the join over an
// insert-only left input.
//
// Each output row's event timestamp is its left row's time: a timestamp
// step after the join sets it (rows joined at once would otherwise keep
// their input's). Watermarks go through unchanged, after the timers they
// fire, so no row the join emits for a buffered left row is late.
//
// Keys are int64 or encoded strings as Join picks them. The spec must
// pass the planner's checks; this panics (failing the job's build) on one
// it should have refused.
func TemporalJoin(left, right *stream.DataStream[data.Row], spec TemporalJoinSpec) *stream.DataStream[data.Row] {
	if err := checkTemporalJoinSpec(spec); err != nil {
		panic(fmt.Sprintf("runtime: TemporalJoin: %v", err))
	}
	var out *stream.DataStream[data.Row]
	if intJoinKey(spec.joinSpec()) {
		out = stream.KeyedCoProcess(
			stream.KeyBy(left, intKeySelector(spec.LeftKeys[0])),
			stream.KeyBy(right, intKeySelector(spec.RightKeys[0])),
			newTemporalRowTimeJoin[int64](spec))
	} else {
		out = stream.KeyedCoProcess(
			stream.KeyBy(left, joinKeySelector(spec.LeftKeys)),
			stream.KeyBy(right, joinKeySelector(spec.RightKeys)),
			newTemporalRowTimeJoin[string](spec))
	}
	out.Name("TemporalJoin")
	lt := spec.LeftTime
	return stream.SetTimestamps(out, func(r data.Row) int64 { return r.Field(lt).Millis() })
}

// joinSpec is the spec's keys and type as a regular join's, for the key
// choice the joins share.
func (s TemporalJoinSpec) joinSpec() JoinSpec {
	return JoinSpec{Type: s.Type, LeftKeys: s.LeftKeys, RightKeys: s.RightKeys, LeftTypes: s.LeftTypes, RightTypes: s.RightTypes, Cond: s.Cond}
}

// checkTemporalJoinSpec is what TemporalJoin requires of a spec: an INNER
// or LEFT join, as Flink refuses RIGHT and FULL temporal joins, and keys
// and time columns as an interval join's.
func checkTemporalJoinSpec(s TemporalJoinSpec) error {
	if s.Type != InnerJoin && s.Type != LeftJoin {
		return fmt.Errorf("join type %s: a temporal join is an INNER or a LEFT join", s.Type)
	}
	return checkIntervalJoinSpec(IntervalJoinSpec{
		Type: s.Type, LeftKeys: s.LeftKeys, RightKeys: s.RightKeys, LeftTypes: s.LeftTypes, RightTypes: s.RightTypes,
		LeftTime: s.LeftTime, RightTime: s.RightTime,
	})
}

// temporalRowTimeJoin is TemporalJoin's keyed function, Flink's
// TemporalRowTimeJoinOperator; each subtask has its own. K is the key's
// representation.
type temporalRowTimeJoin[K comparable] struct {
	leftOuter           bool
	cond                func(data.Row) (bool, error)
	leftKeys, rightKeys []int
	leftTime, rightTime int
	// nulls is a row of NULLs of the right side's types: the padding.
	nulls data.Row
	// left are the buffered left rows of the current key by row time,
	// in arrival order within a time (matched marks unused).
	left *state.MapState[K, state.VoidNamespace, int64, timeRows]
	// right are the current key's right rows.
	right *state.ValueState[K, state.VoidNamespace, versions]
	alloc data.Allocator
	// fields and buf are scratch for a row's fields and a state value
	// being rewritten: reused.
	fields, buf []byte
}

func newTemporalRowTimeJoin[K comparable](spec TemporalJoinSpec) *temporalRowTimeJoin[K] {
	return &temporalRowTimeJoin[K]{
		leftOuter: spec.Type == LeftJoin,
		cond:      spec.Cond,
		leftKeys:  spec.LeftKeys,
		rightKeys: spec.RightKeys,
		leftTime:  spec.LeftTime,
		rightTime: spec.RightTime,
		nulls:     nullRow(spec.RightTypes),
	}
}

func (f *temporalRowTimeJoin[K]) Open(ctx *stream.KeyedRuntimeContext[K]) error {
	left, err := state.GetMapState[state.VoidNamespace](ctx.State, state.MapStateDescriptor[int64, timeRows]{Name: "left"})
	if err != nil {
		return fmt.Errorf("TemporalJoin: left: %w", err)
	}
	right, err := state.GetValueState[state.VoidNamespace](ctx.State, state.ValueStateDescriptor[versions]{Name: "right"})
	if err != nil {
		return fmt.Errorf("TemporalJoin: right: %w", err)
	}
	f.left, f.right = left, right
	return nil
}

// ProcessElement1 takes a left row: it is buffered until the watermark
// reaches its time, or joined at once if it already did.
func (f *temporalRowTimeJoin[K]) ProcessElement1(r data.Row, ctx *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	if r.Kind != data.Insert {
		return fmt.Errorf("TemporalJoin takes an insert-only left input, got %s", r)
	}
	if r.IsNullAt(f.leftTime) {
		return nil
	}
	if hasNullKey(r, f.leftKeys) {
		if f.leftOuter {
			out.Collect(f.alloc.Concat(data.Insert, r, f.nulls))
		}
		return nil
	}
	t := r.Field(f.leftTime).Millis()
	if t <= ctx.CurrentWatermark() {
		v, ok, err := f.versionAt(t, false)
		if err != nil {
			return err
		}
		return f.emit(r, v, ok, out)
	}
	f.fields = r.AppendFields(f.fields[:0])
	rows, _ := f.left.Get(t)
	f.buf = appendTimeRow(append(f.buf[:0], rows...), f.fields, false)
	f.left.Put(t, timeRows(f.buf)) // a string of its own: kept
	ctx.RegisterEventTimeTimer(t)
	return nil
}

// ProcessElement2 takes a right row: a version's start or end. One at or
// behind the watermark is late; no buffered left row is that early, so
// the rows before the key's latest at or before the watermark (at worst
// this one) are dropped at once rather than by a timer.
func (f *temporalRowTimeJoin[K]) ProcessElement2(r data.Row, ctx *stream.KeyedContext[K], _ operator.Collector[data.Row]) error {
	if r.IsNullAt(f.rightTime) || hasNullKey(r, f.rightKeys) {
		return nil
	}
	t := r.Field(f.rightTime).Millis()
	f.fields = f.fields[:0] // a -U or -D: an ended version
	if !r.Kind.IsRetraction() {
		f.fields = r.AppendFields(f.fields)
	}
	vs, _ := f.right.Value()
	var err error
	if f.buf, err = vs.appendPut(f.buf[:0], t, f.fields); err != nil {
		return fmt.Errorf("TemporalJoin: right rows: %w", err)
	}
	from := 0 // where the rows to keep start
	if wm := ctx.CurrentWatermark(); t > wm {
		ctx.RegisterEventTimeTimer(t)
	} else if from, err = versions(f.buf).latest(wm); err != nil {
		return fmt.Errorf("TemporalJoin: right rows: %w", err)
	}
	f.right.Update(versions(f.buf[from:])) // a string of its own: kept
	return nil
}

// OnTimer is TemporalRowTimeJoinOperator.onEventTime for the watermark
// reaching tm: it joins the current key's left rows at tm, in arrival
// order, with the version valid at tm, and drops them; and it drops the
// versions older than that one. Timers fire in time order, so the key's
// left rows before tm are done and those after it need no older version.
func (f *temporalRowTimeJoin[K]) OnTimer(tm int64, _ *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	v, ok, err := f.versionAt(tm, true)
	if err != nil {
		return err
	}
	rows, pending := f.left.Get(tm)
	if !pending {
		return nil
	}
	for at := 0; at < len(rows); {
		_, fields, next, err := rows.entry(at)
		if err != nil {
			return fmt.Errorf("TemporalJoin: left rows at %d: %w", tm, err)
		}
		r, err := data.FieldsRow(data.Insert, fields)
		if err != nil {
			return fmt.Errorf("TemporalJoin: left rows at %d: %w", tm, err)
		}
		if err := f.emit(r, v, ok, out); err != nil {
			return err
		}
		at = next
	}
	f.left.Remove(tm)
	return nil
}

// emit emits left row r joined with the right row v if ok and Cond
// holds, else, in a LEFT join, r padded with NULLs.
func (f *temporalRowTimeJoin[K]) emit(r, v data.Row, ok bool, out operator.Collector[data.Row]) error {
	if ok {
		joined := f.alloc.Concat(data.Insert, r, v)
		match := true
		if f.cond != nil {
			var err error
			if match, err = f.cond(joined); err != nil {
				return fmt.Errorf("TemporalJoin: condition on %s: %w", joined, err)
			}
		}
		if match {
			out.Collect(joined)
			return nil
		}
	}
	if f.leftOuter {
		out.Collect(f.alloc.Concat(data.Insert, r, f.nulls))
	}
	return nil
}

// versionAt returns the current key's right row valid at t, false if
// there is none (no row at or before t, or the latest ended a version).
// With expire it also drops the rows older than that latest one, Flink's
// cleanupExpiredVersionInState: no left row still to come is earlier
// than t.
func (f *temporalRowTimeJoin[K]) versionAt(t int64, expire bool) (data.Row, bool, error) {
	vs, _ := f.right.Value()
	at, err := vs.latest(t)
	if err != nil {
		return data.Row{}, false, fmt.Errorf("TemporalJoin: right rows: %w", err)
	}
	if at < 0 {
		return data.Row{}, false, nil
	}
	if expire && at > 0 {
		// A copy, so that the dropped rows' bytes are freed.
		f.right.Update(versions(strings.Clone(string(vs[at:]))))
	}
	vt, fields, _, _ := vs.entry(at)
	if fields == "" {
		return data.Row{}, false, nil
	}
	r, err := data.FieldsRow(data.Insert, fields)
	if err != nil {
		return data.Row{}, false, fmt.Errorf("TemporalJoin: right row at %d: %w", vt, err)
	}
	return r, true, nil
}

// versions are one key's right rows, sorted by time, one per time: for
// each, its time (8 bytes, little-endian), a uvarint of its fields'
// length, then its fields (Row.AppendFields), those of a +I or +U row,
// which starts a version; none for a -U or -D row, which ends one, as an
// ending row's fields are never read. One string per key keeps the state
// pointer-light, and its rows are read without copies (data.FieldsRow).
type versions string

var errVersions = errors.New("decode temporal join versions: bad row length")

// entry reads the row at offset at: its time, its fields ("" if it ends
// a version), and the offset of the next row.
func (vs versions) entry(at int) (t int64, fields string, next int, err error) {
	if len(vs)-at < 8 {
		return 0, "", 0, errVersions
	}
	for i := range 8 {
		t |= int64(vs[at+i]) << (8 * i)
	}
	at += 8
	var n uint64
	for shift := 0; ; shift += 7 {
		if at >= len(vs) || shift > 63 {
			return 0, "", 0, errVersions
		}
		c := vs[at]
		at++
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	if n > uint64(len(vs)-at) {
		return 0, "", 0, errVersions
	}
	next = at + int(n)
	return t, string(vs[at:next]), next, nil
}

// latest returns the offset of the latest row at or before t, -1 if
// there is none.
func (vs versions) latest(t int64) (int, error) {
	found := -1
	for at := 0; at < len(vs); {
		vt, _, next, err := vs.entry(at)
		if err != nil {
			return -1, err
		}
		if vt > t {
			break
		}
		found, at = at, next
	}
	return found, nil
}

// appendPut appends to buf vs with a row of fields at time t in its
// place, replacing the row at t if there is one: rows of one time replace
// each other as they arrive, as in Flink's MapState by time.
func (vs versions) appendPut(buf []byte, t int64, fields []byte) ([]byte, error) {
	at := 0 // the end of the rows before t
	for at < len(vs) {
		vt, _, next, err := vs.entry(at)
		if err != nil {
			return buf, err
		}
		if vt >= t {
			break
		}
		at = next
	}
	rest := at // the start of the rows after t
	if at < len(vs) {
		if vt, _, next, _ := vs.entry(at); vt == t {
			rest = next
		}
	}
	buf = append(buf, vs[:at]...)
	return append(appendVersion(buf, t, fields), vs[rest:]...), nil
}

// appendVersion appends a row of fields at time t to buf.
func appendVersion(buf []byte, t int64, fields []byte) []byte {
	buf = binary.LittleEndian.AppendUint64(buf, uint64(t))
	return append(binary.AppendUvarint(buf, uint64(len(fields))), fields...)
}

// AppendBinary encodes vs for state snapshots: its bytes.
func (vs *versions) AppendBinary(buf []byte) ([]byte, error) { return append(buf, *vs...), nil }

// UnmarshalBinary decodes what AppendBinary encoded, checking every row
// and their order.
func (vs *versions) UnmarshalBinary(b []byte) error {
	s := versions(b)
	if len(s) == 0 {
		return errVersions
	}
	for at, prev := 0, int64(0); at < len(s); {
		t, fields, next, err := s.entry(at)
		if err != nil {
			return err
		}
		if at > 0 && t <= prev {
			return fmt.Errorf("decode temporal join versions: row at %d after %d", t, prev)
		}
		if fields != "" {
			if _, err := data.FieldsRow(data.Insert, fields); err != nil {
				return fmt.Errorf("decode temporal join versions: %w", err)
			}
		}
		at, prev = next, t
	}
	*vs = s
	return nil
}
