package runtime

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// GroupAggOptions tunes GroupAggregate.
type GroupAggOptions struct {
	// Parallelism is the aggregation's number of subtasks; 0 keeps the
	// job's default. A global aggregation (no keys) always has one.
	Parallelism int
	// InsertOnly declares that the input retracts nothing, as the
	// planner may know from its changelog mode: MIN and MAX then keep
	// their extreme only, not a count per value (Flink's MinAggFunction
	// rather than MinWithRetractAggFunction). A retraction in such an
	// input fails the job.
	InsertOnly bool
	// KeyTypes are the key columns' types (see KeyTypes).
	KeyTypes KeyTypes
	// StateTTL is table.exec.state.ttl: a key whose state was not
	// written for this long (processing time) starts over, its next
	// result an insert, as Flink's idle state retention; 0 keeps state
	// forever.
	StateTTL time.Duration
}

// GroupAggregate is Flink's unwindowed GROUP BY (GroupAggFunction): it
// keeps each key's accumulators in keyed state, takes a changelog (+I and
// +U rows accumulate, -U and -D rows retract) and emits its result table
// as a changelog of rows of the key fields, then the aggregates: a key's
// first result as +I; a changed result as -U of the previous one and +U
// of the new one, nothing when it did not change; -D of the previous
// result, and the key's state cleared, when the key's last row is
// retracted. A retraction for a key without state (never seen, or
// deleted) is ignored, as Flink ignores it. No keys make a global
// aggregation, run by one subtask. Keys are int64 or encoded strings as
// IntKeyKind picks from opts.KeyTypes.
//
// The calls must pass AggResultType: the planner checks them, and this
// panics (failing the job's build) on what it should have refused.
func GroupAggregate(in *stream.DataStream[data.Row], keys []int, aggs []AggCall, opts GroupAggOptions) *stream.DataStream[data.Row] {
	const op = "GroupAggregate"
	g := mustAggregator(op, aggs, !opts.InsertOnly)
	var out *stream.DataStream[data.Row]
	if _, ok := IntKeyKind(keys, opts.KeyTypes); ok {
		fn := &groupAggFunction[int64]{g: g, keys: keys, insertOnly: opts.InsertOnly, ttl: stateTTL(opts.StateTTL)}
		out = stream.KeyedProcess(stream.KeyBy(in, intKeySelector(keys[0])), fn)
	} else {
		fn := &groupAggFunction[string]{g: g, keys: keys, insertOnly: opts.InsertOnly, ttl: stateTTL(opts.StateTTL)}
		out = stream.KeyedProcess(stream.KeyBy(in, keySelector(keys)), fn)
	}
	out.Name(op)
	switch {
	case len(keys) == 0:
		out.SetParallelism(1)
	case opts.Parallelism > 0:
		out.SetParallelism(opts.Parallelism)
	}
	return out
}

// groupAggFunction is GroupAggregate's keyed function; each subtask has
// its own. K is the key's representation.
type groupAggFunction[K comparable] struct {
	g          *aggregator
	keys       []int
	insertOnly bool
	ttl        state.TTLConfig

	accs *state.ValueState[K, state.VoidNamespace, groupAcc]
	// maps are the counted calls' value counts, which counts holds too,
	// as valueCounts by call index (nil for the other calls).
	maps   []*state.MapState[K, state.VoidNamespace, valueKey, int64]
	counts []valueCounts
	// prev and next are the results before and after a row, fields an
	// output row's values: all reused.
	prev, next, fields []data.Value
	alloc              data.Allocator
}

func (f *groupAggFunction[K]) Open(ctx *stream.KeyedRuntimeContext[K]) error {
	var err error
	f.accs, err = state.GetValueState[state.VoidNamespace](ctx.State, state.ValueStateDescriptor[groupAcc]{Name: "accumulators", TTL: f.ttl})
	if err != nil {
		return err
	}
	f.counts = make([]valueCounts, len(f.g.funcs))
	for i := range f.g.funcs {
		if !f.g.funcs[i].counted {
			continue
		}
		m, err := state.GetMapState[state.VoidNamespace](ctx.State, state.MapStateDescriptor[valueKey, int64]{Name: fmt.Sprintf("values-%d", i), TTL: f.ttl})
		if err != nil {
			return err
		}
		f.maps = append(f.maps, m)
		f.counts[i] = mapCounts[K]{m}
	}
	return nil
}

// ProcessElement is Flink's GroupAggFunction.processElement.
func (f *groupAggFunction[K]) ProcessElement(r data.Row, _ *stream.KeyedContext[K], out operator.Collector[data.Row]) error {
	retract := r.Kind.IsRetraction()
	if retract && f.insertOnly {
		return fmt.Errorf("GroupAggregate: a retraction in an input declared insert-only: %s", r)
	}
	st, had := f.accs.Value()
	switch {
	case had:
		f.prev = f.g.appendValues(f.prev[:0], st.accs)
	case retract:
		return nil
	default:
		st = groupAcc{accs: make([]acc, len(f.g.funcs))}
	}
	if retract {
		st.rows--
		f.g.retract(st.accs, f.counts, r)
	} else {
		st.rows++
		f.g.accumulate(st.accs, f.counts, r)
	}
	if st.rows == 0 {
		out.Collect(f.row(data.Delete, r, f.prev))
		f.accs.Clear()
		for _, m := range f.maps {
			m.Clear()
		}
		return nil
	}
	f.accs.Update(st)
	f.next = f.g.appendValues(f.next[:0], st.accs)
	switch {
	case !had:
		out.Collect(f.row(data.Insert, r, f.next))
	case !slices.EqualFunc(f.prev, f.next, data.Value.Equal):
		out.Collect(f.row(data.UpdateBefore, r, f.prev))
		out.Collect(f.row(data.UpdateAfter, r, f.next))
	}
	return nil
}

// row is an output row: r's key fields, then values.
func (f *groupAggFunction[K]) row(kind data.RowKind, r data.Row, values []data.Value) data.Row {
	f.fields = f.fields[:0]
	for _, k := range f.keys {
		f.fields = append(f.fields, r.Field(k))
	}
	f.fields = append(f.fields, values...)
	return f.alloc.MakeRow(kind, f.fields)
}

// mapCounts is GroupAggregate's valueCounts: the current key's MapState.
type mapCounts[K comparable] struct {
	m *state.MapState[K, state.VoidNamespace, valueKey, int64]
}

func (c mapCounts[K]) count(v data.Value) int64 {
	n, _ := c.m.Get(valueKey(v))
	return n
}

func (c mapCounts[K]) setCount(v data.Value, n int64) {
	if n == 0 {
		c.m.Remove(valueKey(v))
	} else {
		c.m.Put(valueKey(v.Clone()), n) // kept: not its row's block
	}
}

func (c mapCounts[K]) all() iter.Seq2[valueKey, int64] { return c.m.Entries() }

// stateTTL is the state TTL of table.exec.state.ttl, as Flink configures
// its SQL operators' state: restarted by writes, an expired entry never
// read.
func stateTTL(d time.Duration) state.TTLConfig {
	return state.TTLConfig{TTL: d, Update: state.OnCreateAndWrite, Visibility: state.NeverReturnExpired}
}
