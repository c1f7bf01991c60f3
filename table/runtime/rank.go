package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// SortKey is one ORDER BY column of a ranking.
type SortKey struct {
	Col        int
	Descending bool
	// NullsFirst is SQL's NULLS FIRST (else NULLS LAST), whatever the
	// direction. Flink's default, which the planner fills in, is NULLS
	// FIRST for ASC and NULLS LAST for DESC (NULL is the smallest value).
	NullsFirst bool
}

// RankSpec describes a Top-N (Flink's StreamExecRank with ROW_NUMBER):
// per partition, the rows ranked 1..N by the sort keys.
type RankSpec struct {
	PartitionBy []int
	// KeyTypes are the partition columns' types, for IntKeyKind; nil
	// keeps encoded string keys.
	KeyTypes KeyTypes
	OrderBy  []SortKey
	// N is the rank's upper bound, rn <= N: the planner turns rn < N and
	// rn = N ranges into it; the range always starts at 1.
	N int64
	// OutputRank appends the row number as a BIGINT column (the query
	// selects rn); otherwise the row is emitted as is (Flink's "no rank
	// number" optimization).
	OutputRank bool
	// InsertOnly declares an insert-only input (Flink's
	// AppendOnlyTopNFunction): only the top N rows are kept, and a
	// retraction fails the job. Otherwise the input is a changelog
	// (RetractableTopNFunction) and every row of a partition is kept,
	// since a retraction in the top N promotes the next row.
	InsertOnly bool
	// StateTTL is table.exec.state.ttl: a partition whose rows were not
	// written for this long (processing time) starts over, as Flink's
	// idle state retention; 0 keeps state forever.
	StateTTL time.Duration
}

// Rank is Flink's Top-N over an unbounded stream (StreamExecRank with
// ROW_NUMBER, rn <= N): per partition it ranks the rows by the sort keys,
// ties in arrival order (an earlier row ranks first), and emits the rows
// ranked 1 to N as a changelog, with their rank as a last BIGINT column
// when spec.OutputRank. The changelog is Flink's:
//
//   - A row entering the top N without rank numbers: -D of the row that
//     fell out of it (if it was full), then +I of the new row.
//   - With rank numbers, every rank from the new row's to N whose row
//     changed gets -U of its old row and +U of its new one, and a rank
//     that had no row gets +I.
//   - A retracted row of the top N without rank numbers: -D of it, then
//     +I of the row that moved up into rank N, if any; with rank numbers,
//     -U/+U for every rank from the retracted row's to N whose row
//     changed, and -D of the last rank's row if no row moved up into it.
//   - A row that does not enter the top N, or a retraction of a row
//     below it or not kept, emits nothing.
//
// A partition's rows are kept in keyed state (a ValueState per
// partition: the top N of an insert-only input, all rows of a
// changelog), so checkpoints and rescaling come from the state backend.
// They are one slice in rank order, read in place from the canonical
// encoding of each row: a row is placed by binary search, and an insert
// or a retraction moves the rows after it, which is cheap for a top N
// and for changelog partitions of up to some ten thousand rows. No
// partition columns make one partition, ranked by one subtask.
//
// The spec must pass the planner's checks; this panics (failing the
// job's build) on one it should have refused.
func Rank(in *stream.DataStream[data.Row], spec RankSpec) *stream.DataStream[data.Row] {
	if err := checkRankSpec(spec); err != nil {
		panic(fmt.Sprintf("runtime: Rank: %v", err))
	}
	var out *stream.DataStream[data.Row]
	if _, ok := IntKeyKind(spec.PartitionBy, spec.KeyTypes); ok {
		out = stream.KeyedProcess(stream.KeyBy(in, intKeySelector(spec.PartitionBy[0])), newRankFunction[int64](spec))
	} else {
		out = stream.KeyedProcess(stream.KeyBy(in, keySelector(spec.PartitionBy)), newRankFunction[string](spec))
	}
	out.Name("Rank")
	if len(spec.PartitionBy) == 0 {
		out.SetParallelism(1)
	}
	return out
}

// checkRankSpec is what Rank requires of a spec.
func checkRankSpec(s RankSpec) error {
	if s.N < 1 {
		return fmt.Errorf("rank bound %d: want rn <= N with N >= 1", s.N)
	}
	if len(s.OrderBy) == 0 {
		return errors.New("no ORDER BY columns")
	}
	if err := checkColumns("partition", s.PartitionBy, s.KeyTypes); err != nil {
		return err
	}
	for i, k := range s.OrderBy {
		if k.Col < 0 {
			return fmt.Errorf("sort key %d is column %d", i, k.Col)
		}
	}
	if s.StateTTL < 0 {
		return fmt.Errorf("negative state TTL %s", s.StateTTL)
	}
	return nil
}

// checkColumns checks the key columns of a Rank or Deduplicate and their
// types, if given.
func checkColumns(what string, keys []int, types KeyTypes) error {
	for i, k := range keys {
		if k < 0 {
			return fmt.Errorf("%s key %d is column %d", what, i, k)
		}
	}
	if types != nil && len(types) != len(keys) {
		return fmt.Errorf("%d %s key types for %d key columns", len(types), what, len(keys))
	}
	return nil
}

// maxColumn is the largest of cols and the sort keys' columns: a row
// must be wider.
func maxColumn(cols []int, keys []SortKey) int {
	m := -1
	for _, c := range cols {
		m = max(m, c)
	}
	for _, k := range keys {
		m = max(m, k.Col)
	}
	return m
}

// rankFunction is Rank's keyed function, Flink's AppendOnlyTopNFunction
// and RetractableTopNFunction in one: both keep a partition's rows in
// rank order, the first only its top N. Each subtask has its own. K is
// the key's representation.
type rankFunction[K comparable] struct {
	order      []SortKey
	n          int
	outputRank bool
	insertOnly bool
	ttl        state.TTLConfig
	maxCol     int

	rows *state.ValueState[K, state.VoidNamespace, rankRows]
	// key is the sort key values of the row being processed, read once
	// for its comparisons; buf is a kept row's encoding; cols and values
	// are an output row's projection (the input's columns, then the
	// rank): all reused.
	key    []data.Value
	buf    []byte
	cols   []int
	values []data.Value
	alloc  data.Allocator
}

func newRankFunction[K comparable](spec RankSpec) *rankFunction[K] {
	return &rankFunction[K]{
		order:      spec.OrderBy,
		n:          int(spec.N),
		outputRank: spec.OutputRank,
		insertOnly: spec.InsertOnly,
		ttl:        stateTTL(spec.StateTTL),
		maxCol:     maxColumn(spec.PartitionBy, spec.OrderBy),
	}
}

func (f *rankFunction[K]) Open(ctx *stream.KeyedRuntimeContext[K]) error {
	// Flink's state names. Flink keeps a MapState of sort key to rows
	// (and, for a changelog, a sorted map of counts beside it), where the
	// heap backend here keeps a partition's sorted rows as one value.
	name := "data-state"
	if f.insertOnly {
		name = "data-state-with-append"
	}
	var err error
	f.rows, err = state.GetValueState[state.VoidNamespace](ctx.State, state.ValueStateDescriptor[rankRows]{Name: name, TTL: f.ttl})
	if err != nil {
		return fmt.Errorf("Rank: %s: %w", name, err)
	}
	return nil
}

// ProcessElement is Flink's processElement of AppendOnlyTopNFunction or
// RetractableTopNFunction.
func (f *rankFunction[K]) ProcessElement(r data.Row, _ *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	if r.Width() <= f.maxCol {
		return fmt.Errorf("Rank: a row of %d columns, %s, where column %d is a key", r.Width(), r, f.maxCol)
	}
	kind := r.Kind
	r.Kind = data.Insert // as Flink erases it: a kept row has no kind
	if !kind.IsRetraction() {
		return f.accumulate(r, out)
	}
	if f.insertOnly {
		return fmt.Errorf("Rank: a retraction in an input declared insert-only: %s", r)
	}
	f.retract(r, out)
	return nil
}

// accumulate ranks r among its partition's rows, after those it ties
// with, and emits the changes of the top N.
func (f *rankFunction[K]) accumulate(r data.Row, out operator.Collector[data.Row]) error {
	rows, _ := f.rows.Value()
	f.key = f.appendKey(f.key[:0], r)
	if f.insertOnly && len(rows) >= f.n && f.compare(rows[f.n-1], f.key) <= 0 {
		// Flink's checkSortKeyInBufferRange: most rows of a long input
		// do not beat the last of a full top N, found by one comparison.
		return nil
	}
	p := f.upperBound(rows)
	kept, err := f.keep(r)
	if err != nil {
		return err
	}
	rows = slices.Insert(rows, p, kept)
	switch {
	case p >= f.n:
	case !f.outputRank:
		// processElementWithoutRowNumber: the row pushed from rank N out
		// of the top N is deleted first.
		if len(rows) > f.n {
			f.emit(out, data.Delete, rows[f.n], 0)
		}
		f.emit(out, data.Insert, r, 0)
	default:
		// processElementWithRowNumber: rank i+1 held rows[i+1] before.
		for i := p; i < min(len(rows), f.n); i++ {
			if i+1 < len(rows) {
				f.emit(out, data.UpdateBefore, rows[i+1], i+1)
				f.emit(out, data.UpdateAfter, rows[i], i+1)
			} else {
				f.emit(out, data.Insert, rows[i], i+1)
			}
		}
	}
	if f.insertOnly && len(rows) > f.n {
		rows[f.n] = data.Row{} // the slice's spare room keeps no row alive
		rows = rows[:f.n]
	}
	f.rows.Update(rows)
	return nil
}

// retract drops the first kept row equal to r, as Flink's equaliser finds
// it among the rows of r's sort key, and emits the changes of the top N.
// A row not kept (never seen, or dropped by the state TTL) is ignored, as
// Flink's lenient RetractableTopNFunction ignores it.
func (f *rankFunction[K]) retract(r data.Row, out operator.Collector[data.Row]) {
	rows, _ := f.rows.Value()
	f.key = f.appendKey(f.key[:0], r)
	q := f.lowerBound(rows)
	for q < len(rows) && !rows[q].Equal(r) {
		if f.compare(rows[q], f.key) != 0 {
			return
		}
		q++
	}
	if q == len(rows) {
		return
	}
	removed := rows[q]
	rows = slices.Delete(rows, q, q+1)
	switch {
	case q >= f.n:
	case !f.outputRank:
		// retractRecordWithoutRowNumber: the row moved up into rank N
		// is inserted after the delete.
		f.emit(out, data.Delete, removed, 0)
		if len(rows) >= f.n {
			f.emit(out, data.Insert, rows[f.n-1], 0)
		}
	default:
		// retractRecordWithRowNumber: rank i+1 held removed, then
		// rows[i-1], before.
		old := removed
		for i := q; i < f.n; i++ {
			if i == len(rows) {
				f.emit(out, data.Delete, old, i+1)
				break
			}
			f.emit(out, data.UpdateBefore, old, i+1)
			f.emit(out, data.UpdateAfter, rows[i], i+1)
			old = rows[i]
		}
	}
	if len(rows) == 0 {
		f.rows.Clear()
	} else {
		f.rows.Update(rows)
	}
}

// keep is r as kept in state: its fields' canonical encoding in a string
// of its own, read as a row in place, so that a kept row neither shares
// an allocator's block nor costs more than one allocation.
func (f *rankFunction[K]) keep(r data.Row) (data.Row, error) {
	f.buf = r.AppendFields(f.buf[:0])
	kept, err := data.FieldsRow(data.Insert, string(f.buf))
	if err != nil {
		return kept, fmt.Errorf("Rank: keep %s: %w", r, err)
	}
	return kept, nil
}

// emit sends row as kind, with its rank appended when the output has the
// rank number.
func (f *rankFunction[K]) emit(out operator.Collector[data.Row], kind data.RowKind, row data.Row, rank int) {
	if !f.outputRank {
		row.Kind = kind
		out.Collect(row)
		return
	}
	if w := row.Width(); len(f.cols) != w+1 {
		f.cols = append(f.cols[:0], make([]int, w+1)...)
		for i := range w {
			f.cols[i] = i
		}
		f.cols[w] = -1
		f.values = make([]data.Value, w+1)
	}
	f.values[len(f.values)-1] = data.BigIntValue(int64(rank))
	out.Collect(f.alloc.Project(kind, row, f.cols, f.values))
}

// appendKey appends r's sort key values to dst.
func (f *rankFunction[K]) appendKey(dst []data.Value, r data.Row) []data.Value {
	for _, k := range f.order {
		dst = append(dst, r.Field(k.Col))
	}
	return dst
}

// compare orders a row and a row of the given sort key values by the
// sort keys.
func (f *rankFunction[K]) compare(a data.Row, key []data.Value) int {
	for i, k := range f.order {
		va, vb := a.Field(k.Col), key[i]
		an, bn := va.IsNull(), vb.IsNull()
		switch {
		case an && bn:
			continue
		case an != bn:
			// NULLS FIRST and LAST hold in either direction.
			if an == k.NullsFirst {
				return -1
			}
			return 1
		}
		if c := data.Compare(va, vb); c != 0 {
			if k.Descending {
				return -c
			}
			return c
		}
	}
	return 0
}

// upperBound is the index of the first of rows that f.key ranks before:
// the position of a row of that key, after the rows it ties with.
func (f *rankFunction[K]) upperBound(rows rankRows) int {
	lo, hi := 0, len(rows)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if f.compare(rows[m], f.key) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// lowerBound is the index of the first of rows that f.key does not rank
// after: the first row that ties with it, if any.
func (f *rankFunction[K]) lowerBound(rows rankRows) int {
	lo, hi := 0, len(rows)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if f.compare(rows[m], f.key) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// rankRows are a partition's kept rows in rank order, each read in place
// from a string of its own (rankFunction.keep).
type rankRows []data.Row

// AppendBinary encodes the rows for state snapshots: their number, then
// each row's length (4 bytes) and fields (Row.AppendFields).
func (r *rankRows) AppendBinary(buf []byte) ([]byte, error) {
	buf = binary.AppendUvarint(buf, uint64(len(*r)))
	for _, row := range *r {
		at := len(buf)
		buf = row.AppendFields(append(buf, 0, 0, 0, 0))
		binary.LittleEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	}
	return buf, nil
}

var errRankRows = errors.New("decode ranked rows: bad length")

// UnmarshalBinary decodes what AppendBinary encoded, each row into a
// string of its own.
func (r *rankRows) UnmarshalBinary(b []byte) error {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b))/4 {
		return errRankRows
	}
	b = b[w:]
	rows := make(rankRows, 0, n)
	for range n {
		if len(b) < 4 || uint64(binary.LittleEndian.Uint32(b)) > uint64(len(b)-4) {
			return errRankRows
		}
		size := 4 + int(binary.LittleEndian.Uint32(b))
		row, err := data.FieldsRow(data.Insert, string(b[4:size]))
		if err != nil {
			return fmt.Errorf("decode ranked rows: %w", err)
		}
		rows, b = append(rows, row), b[size:]
	}
	if len(b) != 0 {
		return fmt.Errorf("decode ranked rows: %d trailing bytes", len(b))
	}
	*r = rows
	return nil
}
