package runtime

import (
	"fmt"
	"slices"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// WindowRankSpec describes a window Top-N (Flink's StreamExecWindowRank):
// ROW_NUMBER() OVER (PARTITION BY window_start, window_end[, keys] ORDER
// BY ...) filtered on rn <= N, over the output of a windowing table
// function or a window aggregation.
type WindowRankSpec struct {
	// PartitionBy are the partition columns besides the window's bounds
	// (may be empty).
	PartitionBy []int
	// KeyTypes are the partition columns' types, for IntKeyKind; nil
	// keeps encoded string keys.
	KeyTypes KeyTypes
	// WindowStart and WindowEnd are the window bound columns, TIMESTAMP(3)
	// or TIMESTAMP_LTZ(3); the window's end decides when it fires.
	WindowStart, WindowEnd int
	OrderBy                []SortKey
	// N is the rank's upper bound, rn <= N; the range starts at 1.
	N int64
	// OutputRank appends the row number as a BIGINT column.
	OutputRank bool
}

// rankSpec is the spec as an unwindowed insert-only Top-N's, for the
// checks, the sort order and the output rows the two share.
func (s WindowRankSpec) rankSpec() RankSpec {
	return RankSpec{PartitionBy: s.PartitionBy, KeyTypes: s.KeyTypes, OrderBy: s.OrderBy, N: s.N, OutputRank: s.OutputRank, InsertOnly: true}
}

// WindowRank is Flink's window Top-N (WindowRankOperator with its
// WindowRankProcessor): per window and partition, the rows ranked 1 to N
// by the sort keys, ties in arrival order (an earlier row ranks first),
// emitted once, as inserts, when the watermark passes the window's last
// millisecond, window_end - 1, with their rank as a last BIGINT column
// when spec.OutputRank. A window's result is final: nothing is emitted
// before it fires, and nothing updates it after, so the output is
// insert-only, as the input must be (any other row kind fails the job).
//
// The input is keyed by the partition columns, as Rank's (no partition
// columns make one partition, ranked by one subtask), and each key keeps
// its windows' rows in keyed state namespaced by the window's end
// (Flink's "window_rank"), with one event-time timer per key and window
// at window_end - 1, registered with the window's first row. Only a
// window's current top N rows are kept, as Flink's TopNRecordsCombiner
// keeps them: a row that does not beat the last of a full top N is
// dropped at once, and one that does pushes that last row out, so a
// window's state is bounded by N rows whatever its input. The rows are
// sorted, compared and emitted as Rank's insert-only function does it
// (rankFunction), each kept as its canonical encoding in a string of its
// own.
//
// Flink namespaces the state by the window's end alone, since one
// windowing function gives each end a single start; here window_start
// is compared too, so that windows sharing an end but not a start (a
// session window aggregation's, say) rank apart: a window's rows are
// sorted by window_start first, and each start's rows are a top N of
// their own.
//
// A row whose window already fired (window_end - 1 at or behind the
// watermark) is late and dropped, as Flink drops it; as a window join's,
// it is not counted in late_records_dropped, which a KeyedProcess
// function cannot reach. A row with a NULL window bound is dropped. A
// window aggregation emits a window's rows before the watermark that
// fired it, so none of them is late here.
//
// Each output row's event timestamp is its window's last millisecond
// (the timer's time), so that a window operator after this one on
// window_time sees none of them late.
//
// The spec must pass the planner's checks; this panics (failing the
// job's build) on one it should have refused.
func WindowRank(in *stream.DataStream[data.Row], spec WindowRankSpec) *stream.DataStream[data.Row] {
	if err := checkWindowRankSpec(spec); err != nil {
		panic(fmt.Sprintf("runtime: WindowRank: %v", err))
	}
	var out *stream.DataStream[data.Row]
	if _, ok := IntKeyKind(spec.PartitionBy, spec.KeyTypes); ok {
		out = stream.KeyedProcess(stream.KeyBy(in, intKeySelector(spec.PartitionBy[0])), newWindowRank[int64](spec))
	} else {
		out = stream.KeyedProcess(stream.KeyBy(in, keySelector(spec.PartitionBy)), newWindowRank[string](spec))
	}
	out.Name("WindowRank")
	if len(spec.PartitionBy) == 0 {
		out.SetParallelism(1)
	}
	return out
}

// checkWindowRankSpec is what WindowRank requires of a spec: Rank's
// requirements, and two distinct window bound columns.
func checkWindowRankSpec(s WindowRankSpec) error {
	if err := checkRankSpec(s.rankSpec()); err != nil {
		return err
	}
	if s.WindowStart < 0 || s.WindowEnd < 0 {
		return fmt.Errorf("window_start is column %d and window_end column %d", s.WindowStart, s.WindowEnd)
	}
	if s.WindowStart == s.WindowEnd {
		return fmt.Errorf("window_start and window_end are both column %d", s.WindowStart)
	}
	return nil
}

// windowRank is WindowRank's keyed function, Flink's WindowRankProcessor
// with its TopNRecordsCombiner; each subtask has its own. K is the key's
// representation.
type windowRank[K comparable] struct {
	// rank is Rank's insert-only function, whose sort key reading,
	// comparisons, kept rows and output rows this reuses; its own state
	// is never registered.
	rank       *rankFunction[K]
	n          int
	start, end int // the window bound columns
	maxCol     int // the widest column read: a row must be wider
	// rows are the current key's kept rows of a window, namespaced by its
	// end: sorted by window_start, then in rank order, at most n rows
	// per start.
	rows *state.ValueState[K, int64, rankRows]
}

func newWindowRank[K comparable](spec WindowRankSpec) *windowRank[K] {
	return &windowRank[K]{
		rank:   newRankFunction[K](spec.rankSpec()),
		n:      int(spec.N),
		start:  spec.WindowStart,
		end:    spec.WindowEnd,
		maxCol: max(maxColumn(spec.PartitionBy, spec.OrderBy), spec.WindowStart, spec.WindowEnd),
	}
}

func (f *windowRank[K]) Open(ctx *stream.KeyedRuntimeContext[K]) error {
	const name = "window_rank" // Flink's
	var err error
	f.rows, err = state.GetValueState[int64](ctx.State, state.ValueStateDescriptor[rankRows]{Name: name})
	if err != nil {
		return fmt.Errorf("WindowRank: %s: %w", name, err)
	}
	return nil
}

// ProcessElement is WindowRankProcessor.processElement with the combiner
// applied per row: r joins its window's top N of its start unless the
// window fired or the top N is full of rows r does not beat.
func (f *windowRank[K]) ProcessElement(r data.Row, ctx *stream.KeyedContext[K], _ operator.Collector[data.Row]) error {
	if r.Kind != data.Insert {
		return fmt.Errorf("WindowRank takes an insert-only input, got %s", r)
	}
	if r.Width() <= f.maxCol {
		return fmt.Errorf("WindowRank: a row of %d columns, %s, where column %d is a key or a window bound", r.Width(), r, f.maxCol)
	}
	if r.IsNullAt(f.start) || r.IsNullAt(f.end) {
		return nil
	}
	end := r.Field(f.end).Millis()
	if end-1 <= ctx.CurrentWatermark() {
		ctx.DropLate() // the window fired
		return nil
	}
	start, _ := r.Int64At(f.start)
	f.rows.SetNamespace(end)
	rows, _ := f.rows.Value()
	lo, hi := f.startRange(rows, start)
	f.rank.key = f.rank.appendKey(f.rank.key[:0], r)
	if hi-lo >= f.n && f.rank.compare(rows[lo+f.n-1], f.rank.key) <= 0 {
		// Flink's checkSortKeyInBufferRange: once a window's top N is
		// full, most rows do not beat its last, found by one comparison.
		return nil
	}
	kept, err := f.rank.keep(r)
	if err != nil {
		return fmt.Errorf("WindowRank: window ending at %d: %w", end, err)
	}
	if len(rows) == 0 {
		// The window's first row for this key. Its rows' room is made
		// once (a top N of up to 15 rows never grows it: 10% of the
		// benchmark's time went to growing it from 1), and so is its
		// timer: later rows find it registered, without asking the
		// timer service.
		rows = make(rankRows, 0, min(f.n+1, 16))
		ctx.RegisterEventTimeTimer(end - 1)
	}
	rows = slices.Insert(rows, lo+f.rank.upperBound(rows[lo:hi]), kept)
	if hi+1-lo > f.n {
		// The row pushed from rank N out of the top N; Delete zeroes the
		// freed tail, so the slice's spare room keeps no row alive.
		rows = slices.Delete(rows, lo+f.n, lo+f.n+1)
	}
	f.rows.Update(rows)
	return nil
}

// startRange is the range of rows whose window starts at start (nanos):
// empty, where such rows would go, if there are none.
func (f *windowRank[K]) startRange(rows rankRows, start int64) (lo, hi int) {
	if len(rows) == 0 {
		return 0, 0
	}
	first, _ := rows[0].Int64At(f.start)
	last, _ := rows[len(rows)-1].Int64At(f.start)
	if first == start && last == start {
		return 0, len(rows) // one start per window end, as windowing functions make them
	}
	lo = f.firstFrom(rows, start)
	return lo, lo + f.firstFrom(rows[lo:], start+1)
}

// firstFrom is the index of the first of rows whose window starts at or
// after start (nanos).
func (f *windowRank[K]) firstFrom(rows rankRows, start int64) int {
	lo, hi := 0, len(rows)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s, _ := rows[m].Int64At(f.start); s < start {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// OnTimer is WindowRankProcessor.fireWindow: the timer at tm fires the
// current key's windows ending at tm + 1, emitting each start's kept rows
// in rank order, numbered from 1, and drops them from state.
func (f *windowRank[K]) OnTimer(tm int64, _ *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	f.rows.SetNamespace(tm + 1)
	rows, _ := f.rows.Value()
	f.rows.Clear()
	rank := 0
	for i, r := range rows {
		rank++
		if i > 0 {
			s, _ := r.Int64At(f.start)
			if prev, _ := rows[i-1].Int64At(f.start); s != prev {
				rank = 1 // another window of the same end
			}
		}
		f.rank.emit(out, data.Insert, r, rank)
	}
	return nil
}
