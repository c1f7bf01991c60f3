package runtime

import (
	"fmt"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// DedupSpec describes a deduplication (Flink's StreamExecDeduplicate):
// per key, only the first or the last row, ordered by a time attribute.
type DedupSpec struct {
	Keys []int
	// KeyTypes are the key columns' types, for IntKeyKind; nil keeps
	// encoded string keys.
	KeyTypes KeyTypes
	// KeepLast keeps the last row (ORDER BY ts DESC), else the first
	// (ASC).
	KeepLast bool
	// TimeCol is the rowtime column ordered by, a TIMESTAMP or
	// TIMESTAMP_LTZ.
	TimeCol int
	// StateTTL is table.exec.state.ttl: a key whose row was not replaced
	// for this long (processing time) starts over, its next row an
	// insert, as Flink's idle state retention; 0 keeps state forever.
	StateTTL time.Duration
}

// Deduplicate is Flink's deduplication on event time
// (RowTimeDeduplicateFunction, ROW_NUMBER() OVER (PARTITION BY keys
// ORDER BY rowtime) with rn = 1, mini-batch off) of an insert-only
// input: per key it keeps one row in keyed state and emits the result
// table, the kept rows as they are (the planner drops rn), as a
// changelog. A key's first row is +I; a row that replaces the kept one
// emits -U of the old row and +U of the new one; other rows emit
// nothing. Keeping the first row (ASC), a row replaces the kept one when
// its time is smaller, so that among rows of equal time the earliest to
// arrive stays; keeping the last (DESC), when its time is not smaller, so
// that the latest to arrive wins. A row whose time is NULL has no place
// in the order of times and is dropped: it neither replaces the kept row
// nor is kept. A retraction fails the job, as Flink's checkInsertOnly
// does. No keys make one key, deduplicated by one subtask.
//
// The spec must pass the planner's checks; this panics (failing the
// job's build) on one it should have refused.
func Deduplicate(in *stream.DataStream[data.Row], spec DedupSpec) *stream.DataStream[data.Row] {
	if err := checkDedupSpec(spec); err != nil {
		panic(fmt.Sprintf("runtime: Deduplicate: %v", err))
	}
	var out *stream.DataStream[data.Row]
	if _, ok := IntKeyKind(spec.Keys, spec.KeyTypes); ok {
		out = stream.KeyedProcess(stream.KeyBy(in, intKeySelector(spec.Keys[0])), newDedupFunction[int64](spec))
	} else {
		out = stream.KeyedProcess(stream.KeyBy(in, keySelector(spec.Keys)), newDedupFunction[string](spec))
	}
	out.Name("Deduplicate")
	if len(spec.Keys) == 0 {
		out.SetParallelism(1)
	}
	return out
}

// checkDedupSpec is what Deduplicate requires of a spec.
func checkDedupSpec(s DedupSpec) error {
	if err := checkColumns("dedup", s.Keys, s.KeyTypes); err != nil {
		return err
	}
	if s.TimeCol < 0 {
		return fmt.Errorf("time column %d", s.TimeCol)
	}
	if s.StateTTL < 0 {
		return fmt.Errorf("negative state TTL %s", s.StateTTL)
	}
	return nil
}

// dedupFunction is Deduplicate's keyed function; each subtask has its
// own. K is the key's representation.
type dedupFunction[K comparable] struct {
	keepLast bool
	timeCol  int
	maxCol   int
	ttl      state.TTLConfig

	// kept is the key's row, Flink's "deduplicate-state", in bytes of its
	// own (not an allocator's block); buf its encoding, reused.
	kept *state.ValueState[K, state.VoidNamespace, data.Row]
	buf  []byte
}

func newDedupFunction[K comparable](spec DedupSpec) *dedupFunction[K] {
	return &dedupFunction[K]{
		keepLast: spec.KeepLast,
		timeCol:  spec.TimeCol,
		maxCol:   max(maxColumn(spec.Keys, nil), spec.TimeCol),
		ttl:      stateTTL(spec.StateTTL),
	}
}

func (f *dedupFunction[K]) Open(ctx *stream.KeyedRuntimeContext[K]) error {
	var err error
	f.kept, err = state.GetValueState[state.VoidNamespace](ctx.State, state.ValueStateDescriptor[data.Row]{Name: "deduplicate-state", TTL: f.ttl})
	if err != nil {
		return fmt.Errorf("Deduplicate: %w", err)
	}
	return nil
}

// ProcessElement is Flink's RowTimeDeduplicateFunction.processElement
// (deduplicateOnRowTime).
func (f *dedupFunction[K]) ProcessElement(r data.Row, _ *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	if r.Width() <= f.maxCol {
		return fmt.Errorf("Deduplicate: a row of %d columns, %s, where column %d is a key or the time", r.Width(), r, f.maxCol)
	}
	if r.Kind != data.Insert {
		return fmt.Errorf("Deduplicate: a %s row in an insert-only input: %s", r.Kind, r)
	}
	t := r.Field(f.timeCol)
	if k := t.Kind(); k != data.Timestamp && k != data.TimestampLTZ {
		return fmt.Errorf("Deduplicate: time column %d of %s is a %s, not a rowtime", f.timeCol, r, k)
	}
	if t.IsNull() {
		return nil
	}
	prev, had := f.kept.Value()
	if had && !f.replaces(t.Int64(), prev.Field(f.timeCol).Int64()) {
		return nil
	}
	// updateDeduplicateResult, with Flink's defaults (generateInsert,
	// and generateUpdateBefore for an updating result).
	if had {
		prev.Kind = data.UpdateBefore
		out.Collect(prev)
		r.Kind = data.UpdateAfter
	}
	out.Collect(r)
	f.buf = r.AppendFields(f.buf[:0])
	kept, err := data.FieldsRow(data.Insert, string(f.buf))
	if err != nil {
		return fmt.Errorf("Deduplicate: keep %s: %w", r, err)
	}
	f.kept.Update(kept)
	return nil
}

// replaces reports whether a row of time t replaces the kept row of time
// kept: Flink's shouldKeepCurrentRow.
func (f *dedupFunction[K]) replaces(t, kept int64) bool {
	if f.keepLast {
		return t >= kept
	}
	return t < kept
}
