package runtime

import (
	"fmt"
	"iter"
	"maps"

	"github.com/runnel/runnel/table/data"
)

// valueCounts is a count per argument value of one counted aggregate
// call (see aggFunc.counted): keyed MapState in GroupAggregate, a Go map
// inside a window's accumulator.
type valueCounts interface {
	count(v data.Value) int64
	// setCount sets v's count; 0 removes v.
	setCount(v data.Value, n int64)
	all() iter.Seq2[valueKey, int64]
}

// valueMap is a window's valueCounts.
type valueMap map[valueKey]int64

func (m valueMap) count(v data.Value) int64 { return m[valueKey(v)] }

func (m valueMap) setCount(v data.Value, n int64) {
	if n == 0 {
		delete(m, valueKey(v))
	} else {
		// A new key is kept, not its row's block; a map keeps the key it
		// has on an update.
		if _, ok := m[valueKey(v)]; !ok {
			v = v.Clone()
		}
		m[valueKey(v)] = n
	}
}

func (m valueMap) all() iter.Seq2[valueKey, int64] { return maps.All(m) }

// aggregator runs a list of aggregate calls over rows.
type aggregator struct {
	funcs []aggFunc
	// counted says whether any call keeps value counts.
	counted bool
}

// newAggregator compiles calls; MIN and MAX keep value counts when the
// input may retract rows.
func newAggregator(calls []AggCall, retract bool) (*aggregator, error) {
	g := &aggregator{funcs: make([]aggFunc, len(calls))}
	for i, c := range calls {
		f, err := newAggFunc(c, retract)
		if err != nil {
			return nil, fmt.Errorf("aggregate call %d, %s: %w", i+1, callString(c), err)
		}
		g.funcs[i] = f
		g.counted = g.counted || f.counted
	}
	return g, nil
}

// mustAggregator is newAggregator for the operator constructors, whose
// callers (the planner) have checked the calls with AggResultType: a
// call that still fails is a planner bug, and the panic fails the job's
// build with its message.
func mustAggregator(op string, calls []AggCall, retract bool) *aggregator {
	g, err := newAggregator(calls, retract)
	if err != nil {
		panic(fmt.Sprintf("runtime: %s: %v", op, err))
	}
	return g
}

// accumulate adds row to accs; counts holds the value counts of the
// counted calls (nil for the others). NULL arguments are skipped, as SQL
// aggregates skip them; COUNT(*) counts every row.
func (g *aggregator) accumulate(accs []acc, counts []valueCounts, row data.Row) {
	for i := range g.funcs {
		f := &g.funcs[i]
		if f.kind == fnCountStar {
			accs[i].n++
			continue
		}
		v := row.Field(f.arg)
		if v.IsNull() {
			continue
		}
		if f.counted {
			n := counts[i].count(v) + 1
			counts[i].setCount(v, n)
			if n != 1 {
				continue // seen before (or making up for an early retraction)
			}
		}
		f.add(&accs[i], v)
	}
}

// retract takes row back out of accs. Only counted MIN and MAX retract;
// the callers make sure no other MIN or MAX is asked to.
func (g *aggregator) retract(accs []acc, counts []valueCounts, row data.Row) {
	for i := range g.funcs {
		f := &g.funcs[i]
		if f.kind == fnCountStar {
			accs[i].n--
			continue
		}
		v := row.Field(f.arg)
		if v.IsNull() {
			continue
		}
		var c valueCounts
		if f.counted {
			c = counts[i]
			n := c.count(v) - 1
			c.setCount(v, n)
			if n != 0 {
				continue // still there (or retracted before its accumulation)
			}
		}
		f.sub(&accs[i], v, c)
	}
}

// merge folds b's accumulators into a's. A counted call's values new to
// a are accumulated into a's accumulator: merging two DISTINCT sums adds
// each value once, as Flink's distinct accumulators merge.
func (g *aggregator) merge(a []acc, aCounts []valueCounts, b []acc, bCounts []valueCounts) {
	for i := range g.funcs {
		f := &g.funcs[i]
		if !f.counted {
			f.merge(&a[i], b[i])
			continue
		}
		for k, bn := range bCounts[i].all() {
			v := data.Value(k)
			an := aCounts[i].count(v)
			aCounts[i].setCount(v, an+bn)
			if an <= 0 && an+bn > 0 {
				f.add(&a[i], v)
			}
		}
	}
}

// appendValues appends the results of accs to dst.
func (g *aggregator) appendValues(dst []data.Value, accs []acc) []data.Value {
	for i := range g.funcs {
		dst = append(dst, g.funcs[i].value(accs[i]))
	}
	return dst
}
