package table

import (
	"fmt"

	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
	"github.com/runnel/runnel/table/runtime"
)

// Aggregate groups t by keys and computes items per group, keeping the
// groups for which having (if not nil) holds; items and having may use the
// keys and aggregate calls. It plans Flink's three steps: a Calc computing
// the keys and the aggregates' arguments, the aggregation, and a Calc
// computing the items from its keys and results.
func (t *Table) Aggregate(keys, items []*expr.Expr, having *expr.Expr) *Table {
	if t.err != nil {
		return t
	}
	in := t.node.Schema()
	b := &aggBuilder{in: in, opts: t.env.opts, pre: &Calc{Input: t.node}}
	for i, k := range keys {
		if HasAggregate(k) {
			return t.with(nil, fmt.Errorf("GROUP BY: aggregate functions are not allowed in GROUP BY"))
		}
		r, err := expr.Resolve(k, in, t.env.opts)
		if err != nil {
			return t.with(nil, fmt.Errorf("GROUP BY: %w", err))
		}
		name := fmt.Sprintf("$f%d", i)
		if k.Op == expr.OpCol {
			name = k.Name
		}
		b.pre.Exprs = append(b.pre.Exprs, r)
		b.pre.Names = append(b.pre.Names, name)
		b.keyNames = append(b.keyNames, name)
	}
	b.keys = keys
	// Collect the aggregate calls first: they decide the pre-Calc's
	// argument columns.
	post := make([]*expr.Expr, len(items))
	names := make([]string, len(items))
	for i, it := range items {
		inner, name := NameOf(it, i)
		p, err := b.rewrite(inner)
		if err != nil {
			return t.with(nil, fmt.Errorf("SELECT: %w", err))
		}
		post[i], names[i] = p, name
	}
	var cond *expr.Expr
	if having != nil {
		p, err := b.rewrite(having)
		if err != nil {
			return t.with(nil, fmt.Errorf("HAVING: %w", err))
		}
		cond = p
	}
	agg := &Aggregate{Input: b.pre, Aggs: b.aggs, StateTTL: t.env.stateTTL}
	for i := range keys {
		agg.Keys = append(agg.Keys, i)
	}
	agg.Names = append(append([]string(nil), b.keyNames...), b.aggNames...)
	// Grouped by a window TVF's bounds, the aggregation becomes a window
	// aggregation, after which window_time is still the rowtime attribute
	// (cascaded windows); any other grouping makes a time column plain.
	fused := &Aggregate{Input: rewrite(agg.Input), Keys: agg.Keys, Aggs: agg.Aggs, Names: agg.Names}
	agg.windowed = windowAggregate(fused) != nil
	if err := checkSessionKeys(fused); err != nil {
		return t.with(nil, err)
	}
	out := agg.Schema()
	calc := &Calc{Input: agg, Names: names}
	for _, p := range post {
		r, err := expr.Resolve(p, out, t.env.opts)
		if err != nil {
			return t.with(nil, fmt.Errorf("SELECT: %w", err))
		}
		calc.Exprs = append(calc.Exprs, r)
	}
	if cond != nil {
		r, err := expr.Resolve(cond, out, t.env.opts)
		if err != nil {
			return t.with(nil, fmt.Errorf("HAVING: %w", err))
		}
		calc.Cond = r
	}
	calc.Names = UniqueNames(calc.Names)
	return t.with(calc, nil)
}

type aggBuilder struct {
	in       data.Schema
	opts     expr.Options
	pre      *Calc
	keys     []*expr.Expr
	keyNames []string
	aggs     []runtime.AggCall
	aggNames []string
	calls    []*expr.Expr // the aggregate calls seen, to share equal ones
}

// rewrite replaces, in an item over the input, the group keys and the
// aggregate calls by references to the aggregation's output columns; a
// column that is neither is an error, as in Flink.
func (b *aggBuilder) rewrite(e *expr.Expr) (*expr.Expr, error) {
	for i, k := range b.keys {
		if equalExpr(e, k) {
			return expr.Col(b.keyNames[i]), nil
		}
	}
	switch {
	case e.Op == expr.OpCall && expr.IsAggregate(e.Name):
		return b.aggregateCall(e)
	case e.Op == expr.OpCol:
		return nil, fmt.Errorf("column %s is neither grouped nor aggregated", e.Name)
	}
	c := *e
	c.Args = make([]*expr.Expr, len(e.Args))
	for i, a := range e.Args {
		r, err := b.rewrite(a)
		if err != nil {
			return nil, err
		}
		c.Args[i] = r
	}
	return &c, nil
}

func (b *aggBuilder) aggregateCall(e *expr.Expr) (*expr.Expr, error) {
	for i, c := range b.calls {
		if equalExpr(c, e) {
			return expr.Col(b.aggNames[i]), nil
		}
	}
	call := runtime.AggCall{Func: e.Name, Arg: -1, Distinct: e.Distinct}
	var argType data.Type
	switch len(e.Args) {
	case 0:
		if e.Name != "COUNT" {
			return nil, fmt.Errorf("%s takes one argument", e.Name)
		}
	case 1:
		if HasAggregate(e.Args[0]) {
			return nil, fmt.Errorf("aggregate calls cannot be nested")
		}
		r, err := expr.Resolve(e.Args[0], b.in, b.opts)
		if err != nil {
			return nil, err
		}
		call.Arg = len(b.pre.Exprs)
		argType = r.Type
		b.pre.Exprs = append(b.pre.Exprs, r)
		b.pre.Names = append(b.pre.Names, fmt.Sprintf("$f%d", len(b.pre.Names)))
	default:
		return nil, fmt.Errorf("%s takes one argument, got %d", e.Name, len(e.Args))
	}
	rt, err := runtime.AggResultType(e.Name, argType, e.Distinct)
	if err != nil {
		return nil, err
	}
	call.ArgType, call.Type = argType, rt
	name := fmt.Sprintf("EXPR$%d", len(b.keyNames)+len(b.aggs))
	b.aggs = append(b.aggs, call)
	b.aggNames = append(b.aggNames, name)
	b.calls = append(b.calls, e)
	return expr.Col(name), nil
}

// hasAggregate reports whether e calls an aggregate function.
func HasAggregate(e *expr.Expr) bool {
	if e == nil {
		return false
	}
	if e.Op == expr.OpCall && expr.IsAggregate(e.Name) {
		return true
	}
	for _, a := range e.Args {
		if HasAggregate(a) {
			return true
		}
	}
	return false
}

// equalExpr compares two unresolved expressions structurally.
func equalExpr(a, b *expr.Expr) bool {
	if a.Op != b.Op || a.Name != b.Name || a.Distinct != b.Distinct || len(a.Args) != len(b.Args) {
		return false
	}
	if a.Op == expr.OpLit && !a.Lit.Equal(b.Lit) {
		return false
	}
	if a.Op == expr.OpCast && a.Type != b.Type {
		return false
	}
	for i := range a.Args {
		if !equalExpr(a.Args[i], b.Args[i]) {
			return false
		}
	}
	return true
}
