package runtime

import (
	"fmt"
	"iter"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/window"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// WindowAggregate is Flink's window aggregation over a windowing table
// function: GROUP BY keys, window_start, window_end of TUMBLE, HOP,
// CUMULATE or SESSION windows over the time column w.TimeCol, with
// sessions per key. The input must be insert-only; a row that is not
// fails the job. For every key and window it emits one insert row once
// the watermark passes the window's end: the key fields, the aggregates,
// then window_start, window_end and window_time (WindowOutputTypes),
// stamped with window_time as its event timestamp. A row whose windows
// all fired is late: dropped and counted (late_records_dropped). A row
// late for some of its HOP or CUMULATE windows only still counts in the
// others, as the DataStream window operator has it, where Flink's slicing
// window aggregate drops a row once the slice (slide or step) holding it
// ended. Rows with a NULL time are dropped.
//
// It is the stream package's window operator: a rowtime check and a
// timestamp step (the operator windows by the record's timestamp), a
// hash exchange on the keys, and a window aggregating into a windowAcc
// per key and window in keyed state, merged for sessions. No keys make a
// global aggregation, run by one subtask. Keys are int64 or encoded
// strings as IntKeyKind picks from opts.KeyTypes. The spec and calls must
// pass Validate and AggResultType: the planner checks them, and this
// panics (failing the job's build) on what it should have refused.
func WindowAggregate(in *stream.DataStream[data.Row], w WindowSpec, keys []int, aggs []AggCall, opts WindowAggOptions) *stream.DataStream[data.Row] {
	const op = "WindowAggregate"
	assigner := w.mustAssigner(op)
	g := mustAggregator(op, aggs, false)
	timeCol := w.TimeCol
	checked := stream.Process(in, stream.ProcessFunc[data.Row, data.Row](func(r data.Row, out operator.Collector[data.Row]) error {
		if r.Kind != data.Insert {
			return fmt.Errorf("%s takes an insert-only input, got %s", op, r)
		}
		if !r.IsNullAt(timeCol) {
			out.Collect(r)
		}
		return nil
	})).Name(op + ": rowtime")
	timed := stream.SetTimestamps(checked, func(r data.Row) int64 { return r.Field(timeCol).Millis() })
	f := &windowAggFunction{g: g, timeCol: timeCol}
	var out *stream.DataStream[data.Row]
	if kind, ok := IntKeyKind(keys, opts.KeyTypes); ok {
		out = windowAggregate(timed, assigner, f, intKeySelector(keys[0]), emitWindow(g, len(keys), appendIntKey(kind)))
	} else {
		out = windowAggregate(timed, assigner, f, keySelector(keys), emitWindow(g, len(keys), appendKey))
	}
	out.Name(op)
	if len(keys) == 0 {
		out.SetParallelism(1)
	}
	return out
}

// WindowAggOptions tunes WindowAggregate.
type WindowAggOptions struct {
	// KeyTypes are the key columns' types (see KeyTypes).
	KeyTypes KeyTypes
}

// windowAggregate is WindowAggregate's exchange and window operator, with
// keys of type K.
func windowAggregate[K comparable](timed *stream.DataStream[data.Row], assigner window.Assigner, f *windowAggFunction, key func(data.Row) K, emit stream.ProcessWindowFunction[K, windowAcc, data.Row]) *stream.DataStream[data.Row] {
	return stream.WindowAggregateProcess(stream.Window(stream.KeyBy(timed, key), assigner), f, emit)
}

// windowAggFunction accumulates a window's rows: the window operator's
// AggregateFunction. The accumulator's slices are updated in place and
// the struct handed back, so adding a row allocates nothing.
type windowAggFunction struct {
	g       *aggregator
	timeCol int
}

func (f *windowAggFunction) CreateAccumulator() windowAcc {
	a := windowAcc{accs: make([]acc, len(f.g.funcs))}
	if f.g.counted {
		a.counts = make([]valueCounts, len(f.g.funcs))
		for i := range f.g.funcs {
			if f.g.funcs[i].counted {
				a.counts[i] = valueMap{}
			}
		}
	}
	return a
}

func (f *windowAggFunction) Add(r data.Row, a windowAcc) windowAcc {
	a.ltz = r.Field(f.timeCol).Kind() == data.TimestampLTZ
	f.g.accumulate(a.accs, a.counts, r)
	return a
}

func (f *windowAggFunction) GetResult(a windowAcc) windowAcc { return a }

func (f *windowAggFunction) Merge(a, b windowAcc) windowAcc {
	f.g.merge(a.accs, a.counts, b.accs, b.counts)
	a.ltz = a.ltz || b.ltz
	return a
}

// windowEmitter makes a fired window's output row: the key fields, the
// aggregates, the window's bounds. Its yield function is made once:
// a range over the window's results would hand the window operator's
// iterator a loop body that escapes, one allocation per fired window.
type windowEmitter[K comparable] struct {
	g     *aggregator
	nkeys int
	// appendKey appends the key fields of a key.
	appendKey func([]data.Value, K) ([]data.Value, error)
	yield     func(windowAcc) bool
	// fields are an output row's values, reused.
	fields []data.Value
	alloc  data.Allocator
	// The window being emitted.
	key K
	w   window.TimeWindow
	out operator.Collector[data.Row]
	err error
}

func emitWindow[K comparable](g *aggregator, nkeys int, appendKey func([]data.Value, K) ([]data.Value, error)) stream.ProcessWindowFunction[K, windowAcc, data.Row] {
	e := &windowEmitter[K]{g: g, nkeys: nkeys, appendKey: appendKey}
	e.yield = e.emit
	return e.process
}

func (e *windowEmitter[K]) process(key K, w window.TimeWindow, accs iter.Seq[windowAcc], out operator.Collector[data.Row]) error {
	e.key, e.w, e.out, e.err = key, w, out, nil
	accs(e.yield)
	return e.err
}

func (e *windowEmitter[K]) emit(a windowAcc) bool {
	fields, err := e.appendKey(e.fields[:0], e.key)
	if err != nil {
		e.err = err
		return false
	}
	fields = e.g.appendValues(fields, a.accs)
	e.fields = appendWindowValues(fields, e.w, a.ltz)
	e.out.Collect(e.alloc.MakeRow(data.Insert, e.fields))
	return true
}
