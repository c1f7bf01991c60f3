package runtime

import (
	"fmt"
	"math"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// JoinType is a regular join's type.
type JoinType uint8

const (
	InnerJoin JoinType = iota
	LeftJoin
	RightJoin
	FullJoin
)

var joinTypeNames = [...]string{"InnerJoin", "LeftOuterJoin", "RightOuterJoin", "FullOuterJoin"}

// String is Flink's name in EXPLAIN: InnerJoin, LeftOuterJoin,
// RightOuterJoin, FullOuterJoin.
func (t JoinType) String() string {
	if int(t) < len(joinTypeNames) {
		return joinTypeNames[t]
	}
	return fmt.Sprintf("JoinType(%d)", t)
}

// leftOuter reports whether the join keeps the left rows without a match.
func (t JoinType) leftOuter() bool { return t == LeftJoin || t == FullJoin }

// rightOuter reports whether the join keeps the right rows without a
// match.
func (t JoinType) rightOuter() bool { return t == RightJoin || t == FullJoin }

// JoinSpec describes a regular join.
type JoinSpec struct {
	Type JoinType
	// LeftKeys[i] = RightKeys[i] are the equality conditions (at least
	// one). Paired key columns have the same kind (DECIMALs the same
	// scale too, since a value's encoding carries its scale), except that
	// INT may pair with BIGINT: the key encoding makes INT 5 and BIGINT 5
	// equal.
	LeftKeys, RightKeys []int
	// LeftTypes and RightTypes are the inputs' column types: an unmatched
	// row of an outer side is padded with NULLs of the other side's types.
	LeftTypes, RightTypes []data.Type
	// Cond is the rest of the join condition over the joined row (left
	// columns, then right), compiled; nil when there is none. An error
	// from it fails the job.
	Cond func(data.Row) (bool, error)
	// StateTTL is table.exec.state.ttl: a kept row not written for this
	// long (processing time) is dropped, as Flink's idle state retention
	// for joins (MapState TTL, OnCreateAndWrite, NeverReturnExpired); 0
	// keeps rows forever. Each row expires on its own, as in Flink, also
	// in the compact state (see Join), whose rows then carry their write
	// time; a key's rows moving from it to the MapState are written anew
	// there, which restarts their TTL.
	StateTTL time.Duration
}

// Join is Flink's regular streaming join (StreamingJoinOperator): an
// unwindowed INNER, LEFT, RIGHT or FULL join of two changelogs on the
// equality of key columns, emitting the joined table as a changelog of
// rows of the left columns, then the right ones. Both inputs are keyed by
// the join key, so one key's rows of both sides meet in one subtask,
// which keeps every row of either side in keyed state: a row with the
// number of times it is present and, on an outer side, the number of
// rows of the other side it matches. Flink keeps them in a MapState per
// key and side ("left-records" and "right-records"); here a key's side
// with at most 16 distinct rows keeps them in one compact string in a
// ValueState ("left-rows" and "right-rows"), rewritten on every update,
// and only one with more in the MapState (as do the keys of a checkpoint
// taken before the ValueState, until their rows are gone): one string
// per key and side rather than a Go map, which the garbage collector
// spent half the join's time scanning. A row matches the other side's
// rows under its key for which Cond holds, each as often as it is
// present; a NULL in a key column matches nothing (SQL's =), though the
// row is kept so that its retraction finds it.
//
// +I and +U rows accumulate, -U and -D rows retract. An accumulated row
// emits a joined row per match, with its own kind in an inner join and as
// +I otherwise; on an outer side a row without a match emits itself
// padded with NULLs, and an outer row of the other side that had no
// match retracts its padded row (-D) before its first match is emitted.
// A retracted row emits the retraction of each joined row (-D on an outer
// side, its own kind otherwise) or of its padded row, and brings back the
// padded row of every outer row of the other side it was the last match
// of. A retraction of a row not in state (say one the state TTL dropped)
// emits as if it were there and leaves its side's state alone; like
// Flink's, it still takes itself off the matches of the other side's
// rows. The joined rows of several matches come in no defined order, as
// with Flink's heap state.
//
// Keys are int64 when both sides' key is one INT or BIGINT NOT NULL
// column (IntKeyKind), otherwise encoded strings in which an INT is
// encoded as the BIGINT of its value, so that the two sides agree.
//
// The spec must pass the planner's checks; this panics (failing the
// job's build) on one it should have refused.
func Join(left, right *stream.DataStream[data.Row], spec JoinSpec) *stream.DataStream[data.Row] {
	if err := checkJoinSpec(spec); err != nil {
		panic(fmt.Sprintf("runtime: Join: %v", err))
	}
	var out *stream.DataStream[data.Row]
	if intJoinKey(spec) {
		out = stream.KeyedCoProcess(
			stream.KeyBy(left, intKeySelector(spec.LeftKeys[0])),
			stream.KeyBy(right, intKeySelector(spec.RightKeys[0])),
			newJoinFunction[int64](spec))
	} else {
		out = stream.KeyedCoProcess(
			stream.KeyBy(left, joinKeySelector(spec.LeftKeys)),
			stream.KeyBy(right, joinKeySelector(spec.RightKeys)),
			newJoinFunction[string](spec))
	}
	return out.Name("Join")
}

// checkJoinSpec is what Join requires of a spec.
func checkJoinSpec(s JoinSpec) error {
	if s.Type > FullJoin {
		return fmt.Errorf("unknown join type %d", s.Type)
	}
	if len(s.LeftKeys) == 0 || len(s.LeftKeys) != len(s.RightKeys) {
		return fmt.Errorf("%d left and %d right key columns: want as many of each, at least one", len(s.LeftKeys), len(s.RightKeys))
	}
	for i, l := range s.LeftKeys {
		r := s.RightKeys[i]
		if l < 0 || l >= len(s.LeftTypes) {
			return fmt.Errorf("left key %d is column %d of %d", i, l, len(s.LeftTypes))
		}
		if r < 0 || r >= len(s.RightTypes) {
			return fmt.Errorf("right key %d is column %d of %d", i, r, len(s.RightTypes))
		}
		if lt, rt := s.LeftTypes[l], s.RightTypes[r]; !keysPair(lt, rt) {
			return fmt.Errorf("key %d pairs %s with %s: cast both to a common type", i, lt, rt)
		}
	}
	return nil
}

// keysPair reports whether key columns of types l and r can be compared
// by their encoding: the same kind (a DECIMAL's values carry its scale,
// so the same scale too), or INT with BIGINT, which the key encoding
// widens.
func keysPair(l, r data.Type) bool {
	if l.Kind == r.Kind {
		return l.Kind != data.Decimal || l.Scale == r.Scale
	}
	integer := func(t data.Type) bool { return t.Kind == data.Int || t.Kind == data.BigInt }
	return integer(l) && integer(r)
}

// intJoinKey reports whether both sides are keyed by int64: one key
// column on each side that IntKeyKind keys by int64. A NULL INT is keyed
// as nullIntKey, outside INT's range but not BIGINT's, so a nullable INT
// paired with a BIGINT keeps encoded keys: no BIGINT then lands among the
// NULLs.
func intJoinKey(s JoinSpec) bool {
	if len(s.LeftKeys) != 1 {
		return false
	}
	lt, rt := s.LeftTypes[s.LeftKeys[0]], s.RightTypes[s.RightKeys[0]]
	_, lok := IntKeyKind(s.LeftKeys, KeyTypes{lt})
	_, rok := IntKeyKind(s.RightKeys, KeyTypes{rt})
	return lok && rok && (lt.Kind == rt.Kind || lt.NotNull && rt.NotNull)
}

// joinKeySelector is keySelector for a join: an INT is encoded as the
// BIGINT of its value (a NULL INT as a NULL BIGINT), so that an INT key
// and a BIGINT key of equal values encode equally.
func joinKeySelector(keys []int) func(data.Row) string {
	var buf []byte
	return func(r data.Row) string {
		buf = buf[:0]
		for _, k := range keys {
			v := r.Field(k)
			if v.Kind() == data.Int {
				if v.IsNull() {
					v = data.NullOf(data.BigInt)
				} else {
					v = data.BigIntValue(v.Int64())
				}
			}
			buf = data.AppendValue(buf, v)
		}
		return string(buf)
	}
}

// Indexes of the two sides.
const (
	leftSide  = 0
	rightSide = 1
)

// joinFunction is Join's keyed function; each subtask has its own. K is
// the key's representation.
type joinFunction[K comparable] struct {
	cond  func(data.Row) (bool, error)
	ttl   time.Duration
	sides [2]joinSide[K]
	// matches are the associated records of the row being processed
	// (associate), buf its state key's bytes: both reused. Clearing the
	// matches after each row cost more than the last row's matches kept
	// until the next row overwrites them.
	matches []joinMatch
	buf     []byte
	// other is the other side's rows string the matches were read from
	// when otherCompact, else they were read from its records.
	other        joinRows
	otherCompact bool
	alloc        data.Allocator
	probe        probe
	yield        func(string, joinRecord) bool // f.match, made once
}

func newJoinFunction[K comparable](spec JoinSpec) *joinFunction[K] {
	f := &joinFunction[K]{
		cond: spec.Cond,
		ttl:  spec.StateTTL,
		sides: [2]joinSide[K]{
			{name: "left-records", compactName: "left-rows", keys: spec.LeftKeys, outer: spec.Type.leftOuter(), nulls: nullRow(spec.LeftTypes)},
			{name: "right-records", compactName: "right-rows", keys: spec.RightKeys, outer: spec.Type.rightOuter(), nulls: nullRow(spec.RightTypes)},
		},
	}
	f.yield = f.match
	return f
}

// nullRow is a row of NULLs of the given types.
func nullRow(types []data.Type) data.Row {
	fields := make([]data.Value, len(types))
	for i, t := range types {
		fields[i] = data.NullOf(t.Kind)
	}
	return data.MakeRow(data.Insert, fields)
}

func (f *joinFunction[K]) Open(ctx *stream.KeyedRuntimeContext[K]) error {
	ttl := stateTTL(f.ttl)
	for i := range f.sides {
		s := &f.sides[i]
		m, err := state.GetMapState[state.VoidNamespace](ctx.State, state.MapStateDescriptor[string, joinRecord]{Name: s.name, TTL: ttl})
		if err != nil {
			return fmt.Errorf("Join: %s: %w", s.name, err)
		}
		v, err := state.GetValueState[state.VoidNamespace](ctx.State, state.ValueStateDescriptor[joinRows]{Name: s.compactName, TTL: ttl})
		if err != nil {
			return fmt.Errorf("Join: %s: %w", s.compactName, err)
		}
		s.records, s.rows, s.ttl = m, v, int64(ttl.TTL)
	}
	return nil
}

// ProcessElement1 takes a left row.
func (f *joinFunction[K]) ProcessElement1(r data.Row, _ *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	return f.process(r, leftSide, out)
}

// ProcessElement2 takes a right row.
func (f *joinFunction[K]) ProcessElement2(r data.Row, _ *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	return f.process(r, rightSide, out)
}

// process is Flink's StreamingJoinOperator.processElement for a row of
// side in.
func (f *joinFunction[K]) process(r data.Row, in int, out operator.Collector[data.Row]) error {
	kind := r.Kind
	r.Kind = data.Insert // as Flink erases it: the kept row has no kind
	var now int64        // the time rows are stamped with: TTL only
	if f.ttl > 0 {
		now = time.Now().UnixNano() // the state backend's clock
	}
	n, err := f.associate(r, in, now)
	if err == nil {
		f.buf = r.AppendFields(f.buf[:0])
		if kind.IsRetraction() {
			err = f.retract(kind, r, f.buf, in, n, now, out)
		} else {
			err = f.accumulate(kind, r, f.buf, in, n, now, out)
		}
	}
	return err
}

// accumulate keeps r, of side in, and emits its joined rows: with r's
// kind in an inner join, as +I in an outer one, where r's padded row is
// emitted when it has no match, and the padded rows of the outer other
// side's rows it is the first match of are retracted first.
func (f *joinFunction[K]) accumulate(kind data.RowKind, r data.Row, fields []byte, in int, n, now int64, out operator.Collector[data.Row]) error {
	s, o := &f.sides[in], &f.sides[1-in]
	switch {
	case n == 0:
		if s.outer {
			out.Collect(f.padded(data.Insert, in, r))
		}
	case o.outer:
		if err := f.matchOthers(o, in, now, out); err != nil {
			return err
		}
		f.emitMatches(out, data.Insert)
	case s.outer:
		f.emitMatches(out, data.Insert)
	default:
		f.emitMatches(out, kind)
	}
	return s.add(fields, n, now)
}

// retract drops one occurrence of r, of side in, and retracts its joined
// rows: -D on an outer side, r's kind otherwise; or its padded row, on an
// outer side without a match. The outer other side's rows it was the last
// match of get their padded rows back.
func (f *joinFunction[K]) retract(kind data.RowKind, r data.Row, fields []byte, in int, n, now int64, out operator.Collector[data.Row]) error {
	s, o := &f.sides[in], &f.sides[1-in]
	if err := s.retract(fields, now); err != nil {
		return err
	}
	switch {
	case n == 0:
		if s.outer {
			out.Collect(f.padded(data.Delete, in, r))
		}
		return nil
	case s.outer:
		kind = data.Delete
	}
	f.emitMatches(out, kind)
	if o.outer {
		return f.unmatchOthers(o, in, now, out)
	}
	return nil
}

// join is the joined row of r of side in and other of the other side.
func (f *joinFunction[K]) join(kind data.RowKind, in int, r, other data.Row) data.Row {
	if in == leftSide {
		return f.alloc.Concat(kind, r, other)
	}
	return f.alloc.Concat(kind, other, r)
}

// padded is r of side in joined with NULLs for the other side.
func (f *joinFunction[K]) padded(kind data.RowKind, in int, r data.Row) data.Row {
	return f.join(kind, in, r, f.sides[1-in].nulls)
}

// emitMatches emits the joined row of every match, as often as the
// match is present.
func (f *joinFunction[K]) emitMatches(out operator.Collector[data.Row], kind data.RowKind) {
	for i := range f.matches {
		m := &f.matches[i]
		m.joined.Kind = kind
		for range m.rec.count {
			out.Collect(m.joined)
		}
	}
}

// matchOthers counts the accumulated row of side in as one more match of
// the matched rows of the outer side o, first retracting the padded row
// of each that had none.
func (f *joinFunction[K]) matchOthers(o *joinSide[K], in int, now int64, out operator.Collector[data.Row]) error {
	for i := range f.matches {
		m := &f.matches[i]
		switch m.rec.assoc {
		case maxJoinCount:
			return fmt.Errorf("Join: a row of the %s matches more than %d rows", o.name, maxJoinCount)
		case 0:
			padded := f.padded(data.Delete, 1-in, m.row)
			for range m.rec.count {
				out.Collect(padded)
			}
		}
		m.rec.assoc++
		if !f.otherCompact {
			o.records.Put(m.key, m.rec)
		}
	}
	return f.putMatches(o, now)
}

// unmatchOthers takes the retracted row of side in off the matches of
// the matched rows of the outer side o, bringing back the padded row of
// each it was the last match of.
func (f *joinFunction[K]) unmatchOthers(o *joinSide[K], in int, now int64, out operator.Collector[data.Row]) error {
	for i := range f.matches {
		m := &f.matches[i]
		switch m.rec.assoc {
		case math.MinInt32:
			return fmt.Errorf("Join: a row of the %s lost more than %d matches it never had", o.name, maxJoinCount)
		case 1:
			padded := f.padded(data.Insert, 1-in, m.row)
			for range m.rec.count {
				out.Collect(padded)
			}
		}
		m.rec.assoc--
		if !f.otherCompact {
			o.records.Put(m.key, m.rec)
		}
	}
	return f.putMatches(o, now)
}

// putMatches writes the matches' new association counts back to the
// outer side o's rows string at once, if they came from one (those in
// its records were put one by one).
func (f *joinFunction[K]) putMatches(o *joinSide[K], now int64) error {
	if !f.otherCompact || len(f.matches) == 0 {
		return nil
	}
	return o.putMatches(f.other, f.matches, now)
}
