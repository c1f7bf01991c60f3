package table

import (
	"fmt"
	"slices"
	"time"

	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
	"github.com/runnel/runnel/table/runtime"
)

// Table is a relational query under construction (Flink's Table): each
// call returns a new Table over a bigger plan. An error (an unknown column,
// a type mismatch) stays in the Table and surfaces from the call that
// runs it, so that calls chain as in Flink.
type Table struct {
	env  *Env
	node Node
	err  error
}

// Err is the first error met while building t.
func (t *Table) Err() error { return t.err }

// Schema is t's resolved schema.
func (t *Table) Schema() data.Schema {
	if t.err != nil {
		return data.Schema{}
	}
	return t.node.Schema()
}

// Plan is t's logical plan.
func (t *Table) Plan() (Node, error) { return t.node, t.err }

func (t *Table) with(n Node, err error) *Table {
	if err != nil {
		return &Table{env: t.env, err: err}
	}
	return &Table{env: t.env, node: n}
}

// Where keeps the rows for which cond is true (Flink's where/filter).
func (t *Table) Where(cond *expr.Expr) *Table {
	if t.err != nil {
		return t
	}
	in := t.node.Schema()
	c, err := expr.Resolve(cond, in, t.env.opts)
	if err != nil {
		return t.with(nil, fmt.Errorf("WHERE: %w", err))
	}
	if c.Type.Kind != data.Boolean {
		return t.with(nil, fmt.Errorf("WHERE: the condition is %s; want BOOLEAN", c.Type))
	}
	calc := &Calc{Input: t.node, Cond: c}
	for i, col := range in.Columns {
		calc.Exprs = append(calc.Exprs, colRef(i, col))
		calc.Names = append(calc.Names, col.Name)
	}
	return t.with(calc, nil)
}

// Filter is Where.
func (t *Table) Filter(cond *expr.Expr) *Table { return t.Where(cond) }

// Select projects t onto items; an item is named by its alias (e.As), by
// its column for a column reference, else EXPR$n as in Flink. Items with
// aggregate functions make this a global aggregation.
func (t *Table) Select(items ...*expr.Expr) *Table {
	if t.err != nil {
		return t
	}
	for _, it := range items {
		if HasAggregate(it) {
			return t.Aggregate(nil, items, nil)
		}
	}
	in := t.node.Schema()
	calc := &Calc{Input: t.node}
	for i, it := range items {
		inner, name := NameOf(it, i)
		r, err := expr.Resolve(inner, in, t.env.opts)
		if err != nil {
			return t.with(nil, fmt.Errorf("SELECT: %w", err))
		}
		calc.Exprs = append(calc.Exprs, r)
		calc.Names = append(calc.Names, name)
	}
	calc.Names = UniqueNames(calc.Names)
	return t.with(calc, nil)
}

// UniqueNames renames repeated output names as Calcite does: the second
// auction becomes auction0, the next auction1.
func UniqueNames(names []string) []string {
	seen := make(map[string]bool, len(names))
	out := make([]string, len(names))
	for i, n := range names {
		name := n
		for j := 0; seen[name]; j++ {
			name = fmt.Sprintf("%s%d", n, j)
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

// NameOf unwraps an alias and names the item at pos as Flink does: by its
// alias, by its column for a column reference, else EXPR$pos.
func NameOf(e *expr.Expr, pos int) (*expr.Expr, string) {
	if inner, name, ok := expr.Alias(e); ok {
		return inner, name
	}
	if e.Op == expr.OpCol {
		return e, e.Name
	}
	return e, fmt.Sprintf("EXPR$%d", pos)
}

// As renames t's columns.
func (t *Table) As(names ...string) *Table {
	if t.err != nil {
		return t
	}
	in := t.node.Schema()
	if len(names) != in.Len() {
		return t.with(nil, fmt.Errorf("AS: %d names for %d columns", len(names), in.Len()))
	}
	calc := &Calc{Input: t.node, Names: names}
	for i, col := range in.Columns {
		calc.Exprs = append(calc.Exprs, colRef(i, col))
	}
	if err := calc.Schema().CheckNames(); err != nil {
		return t.with(nil, err)
	}
	return t.with(calc, nil)
}

// UnionAll is t's rows and others'; the schemas must have the same types.
func (t *Table) UnionAll(others ...*Table) *Table {
	if t.err != nil {
		return t
	}
	if len(others) == 0 {
		return t.with(nil, fmt.Errorf("UNION ALL needs a second table"))
	}
	ins := []*Table{t}
	want := t.node.Schema()
	for _, o := range others {
		if o.err != nil {
			return o
		}
		if got := o.node.Schema(); got.Len() != want.Len() {
			return t.with(nil, fmt.Errorf("UNION ALL: %d columns against %d", got.Len(), want.Len()))
		}
		ins = append(ins, o)
	}
	// Every column takes the type all inputs meet at (Flink's least
	// restrictive type), each input cast to it where it differs.
	types := make([]data.Type, want.Len())
	for i := range types {
		var ts []data.Type
		for _, in := range ins {
			ts = append(ts, in.node.Schema().Columns[i].Type)
		}
		ct, ok := expr.CommonType(ts)
		if !ok {
			return t.with(nil, fmt.Errorf("UNION ALL: column %s has types %v, which have no common type", want.Columns[i].Name, ts))
		}
		types[i] = ct
	}
	u := &Union{}
	for _, in := range ins {
		n, err := castTo(in.node, types, want.Names(), t.env.opts)
		if err != nil {
			return t.with(nil, fmt.Errorf("UNION ALL: %w", err))
		}
		u.Ins = append(u.Ins, n)
	}
	return t.with(u, nil)
}

// castTo projects n onto the given types and names, casting the columns
// whose type differs; n itself when nothing does.
func castTo(n Node, types []data.Type, names []string, opts expr.Options) (Node, error) {
	in := n.Schema()
	calc := &Calc{Input: n, Names: names}
	same := true
	for i, c := range in.Columns {
		e := colRef(i, c)
		if !c.Type.Plain().Equal(types[i]) {
			if c.Type.Plain().Nullable().Equal(types[i].Nullable()) {
				// Only the nullability differs: no cast, the wider type.
				e.Type = types[i]
			} else {
				r, err := expr.Resolve(expr.Cast(expr.Col(c.Name), types[i]), in, opts)
				if err != nil {
					return nil, fmt.Errorf("column %s: %w", c.Name, err)
				}
				e = r
			}
			same = false
		}
		calc.Exprs = append(calc.Exprs, e)
	}
	if same && slices.Equal(in.Names(), names) {
		return n, nil
	}
	return calc, nil
}

// Window is a windowing table-valued function's definition.
type Window struct {
	Kind                           runtime.WindowKind
	TimeCol                        string
	Size, Slide, Step, Gap, Offset time.Duration
	// PartitionBy are SESSION's partition columns.
	PartitionBy []string
}

// Tumble is TUMBLE(size); On sets its time column.
func Tumble(size time.Duration) Window { return Window{Kind: runtime.Tumble, Size: size} }

// Hop is HOP(slide, size).
func Hop(slide, size time.Duration) Window {
	return Window{Kind: runtime.Hop, Slide: slide, Size: size}
}

// Cumulate is CUMULATE(step, size).
func Cumulate(step, size time.Duration) Window {
	return Window{Kind: runtime.Cumulate, Step: step, Size: size}
}

// Session is SESSION(gap).
func Session(gap time.Duration) Window { return Window{Kind: runtime.Session, Gap: gap} }

// On sets the window's time column, which must be a time attribute.
func (w Window) On(col string) Window { w.TimeCol = col; return w }

// WindowTVF applies a windowing table-valued function: t's columns plus
// window_start, window_end and window_time.
func (t *Table) WindowTVF(w Window) *Table {
	if t.err != nil {
		return t
	}
	in := t.node.Schema()
	i := in.Index(w.TimeCol)
	if i < 0 {
		return t.with(nil, fmt.Errorf("window: time column %s not found", w.TimeCol))
	}
	if ct := in.Columns[i].Type; ct.Time != data.Rowtime {
		return t.with(nil, fmt.Errorf("window: the time column %s must be an event-time attribute (a column with a WATERMARK), but it is %s", w.TimeCol, ct))
	}
	if err := checkWindow(w); err != nil {
		return t.with(nil, err)
	}
	spec := runtime.WindowSpec{Kind: w.Kind, TimeCol: i, Size: w.Size, Slide: w.Slide, Step: w.Step, Gap: w.Gap, Offset: w.Offset}
	tvf := &WindowTVF{Input: t.node, Spec: spec}
	if len(w.PartitionBy) > 0 && w.Kind != runtime.Session {
		return t.with(nil, fmt.Errorf("window: only SESSION takes PARTITION BY"))
	}
	for _, p := range w.PartitionBy {
		j := in.Index(p)
		if j < 0 {
			return t.with(nil, fmt.Errorf("SESSION: partition column %s not found", p))
		}
		tvf.PartitionBy = append(tvf.PartitionBy, j)
	}
	return t.with(tvf, nil)
}

func checkWindow(w Window) error {
	switch w.Kind {
	case runtime.Tumble:
		if w.Size <= 0 {
			return fmt.Errorf("TUMBLE: the size must be positive")
		}
	case runtime.Hop:
		if w.Size <= 0 || w.Slide <= 0 {
			return fmt.Errorf("HOP: the slide and size must be positive")
		}
	case runtime.Cumulate:
		if w.Step <= 0 || w.Size <= 0 || w.Size%w.Step != 0 {
			return fmt.Errorf("CUMULATE: the size must be a positive multiple of the step")
		}
	case runtime.Session:
		if w.Gap <= 0 {
			return fmt.Errorf("SESSION: the gap must be positive")
		}
	}
	return nil
}

// GroupedTable is a table grouped by keys, waiting for its aggregates.
type GroupedTable struct {
	t    *Table
	keys []*expr.Expr
}

// GroupBy groups t by keys (column references or expressions).
func (t *Table) GroupBy(keys ...*expr.Expr) *GroupedTable { return &GroupedTable{t: t, keys: keys} }

// Select computes items per group: keys and aggregate calls.
func (g *GroupedTable) Select(items ...*expr.Expr) *Table { return g.t.Aggregate(g.keys, items, nil) }

// WindowedTable is a table with a group window, as Flink's
// window(Tumble.over(...).on(...).as("w")).
type WindowedTable struct {
	t     *Table
	w     Window
	alias string
}

// Window opens a group window named alias; GroupBy(alias, keys...) groups
// by it and the select reads window_start and window_end.
func (t *Table) Window(w Window, alias string) *WindowedTable {
	return &WindowedTable{t: t, w: w, alias: alias}
}

// GroupBy groups by the window (its alias) and keys. A session window's
// sessions are per key, as in Flink's group windows.
func (w *WindowedTable) GroupBy(keys ...string) *GroupedTable {
	var ks []*expr.Expr
	win := w.w
	for _, k := range keys {
		if k == w.alias {
			ks = append(ks, expr.Col("window_start"), expr.Col("window_end"))
			continue
		}
		ks = append(ks, expr.Col(k))
		if win.Kind == runtime.Session {
			win.PartitionBy = append(win.PartitionBy, k)
		}
	}
	return w.t.WindowTVF(win).GroupBy(ks...)
}
