package table

import (
	"fmt"
	"strings"
	"time"

	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
	"github.com/runnel/runnel/table/runtime"
)

// Node is one relational operator of a plan. A plan is resolved when built:
// every node knows its output schema, every expression is typed, every
// table is the catalog's definition at that moment. That resolved tree is
// what a SQL job's spec carries, so every node builds the same graph even
// if the catalog changes later.
type Node interface {
	Schema() data.Schema
	Inputs() []Node
	// describe is the node's line in EXPLAIN.
	describe() string
}

// Scan reads a catalog table's physical columns at Fields (Flink's
// TableSourceScan with projection pushed down).
type Scan struct {
	Table  *CatalogTable
	Fields []int
}

func (s *Scan) Schema() data.Schema {
	phys := s.Table.Physical()
	out := data.Schema{Columns: make([]data.Column, len(s.Fields))}
	for i, f := range s.Fields {
		out.Columns[i] = phys.Columns[f]
	}
	return out
}
func (s *Scan) Inputs() []Node { return nil }
func (s *Scan) describe() string {
	return fmt.Sprintf("TableSourceScan(table=[%s], fields=[%s])", Qualified(s.Table.Name), strings.Join(s.Schema().Names(), ", "))
}

// Calc projects and filters (Flink's Calc: a projection and a condition
// fused into one function over a row). A row passes when Cond is true;
// its change kind is kept.
type Calc struct {
	Input Node
	Exprs []*expr.Expr
	Names []string
	Cond  *expr.Expr
}

func (c *Calc) Schema() data.Schema {
	out := data.Schema{Columns: make([]data.Column, len(c.Exprs))}
	for i, e := range c.Exprs {
		out.Columns[i] = data.Column{Name: c.Names[i], Type: e.Type}
	}
	return out
}
func (c *Calc) Inputs() []Node { return []Node{c.Input} }
func (c *Calc) describe() string {
	var b strings.Builder
	b.WriteString("Calc(select=[")
	for i, e := range c.Exprs {
		if i > 0 {
			b.WriteString(", ")
		}
		s := e.String()
		if s != c.Names[i] {
			s += " AS " + c.Names[i]
		}
		b.WriteString(s)
	}
	b.WriteString("]")
	if c.Cond != nil {
		fmt.Fprintf(&b, ", where=[%s]", c.Cond)
	}
	b.WriteString(")")
	return b.String()
}

// isIdentity reports whether c passes its input through unchanged.
func (c *Calc) isIdentity() bool {
	in := c.Input.Schema()
	if c.Cond != nil || len(c.Exprs) != in.Len() {
		return false
	}
	for i, e := range c.Exprs {
		if e.Op != expr.OpCol || e.Index != i || c.Names[i] != in.Columns[i].Name {
			return false
		}
	}
	return true
}

// WatermarkAssigner sets each row's event time from the rowtime column and
// emits watermarks: the largest rowtime seen minus Delay, exactly as
// Flink's SQL watermark `col - INTERVAL ...` (no extra millisecond).
type WatermarkAssigner struct {
	Input   Node
	Rowtime int
	Delay   int64 // milliseconds
	Expr    *expr.Expr
}

func (w *WatermarkAssigner) Schema() data.Schema {
	in := w.Input.Schema()
	cols := append([]data.Column(nil), in.Columns...)
	cols[w.Rowtime].Type.Time = data.Rowtime
	return data.Schema{Columns: cols}
}
func (w *WatermarkAssigner) Inputs() []Node { return []Node{w.Input} }
func (w *WatermarkAssigner) describe() string {
	return fmt.Sprintf("WatermarkAssigner(rowtime=[%s], watermark=[%s])", w.Schema().Columns[w.Rowtime].Name, w.Expr)
}

// Values is a bounded table of constant rows (SQL's VALUES), read by one
// subtask.
type Values struct {
	Columns data.Schema
	Rows    [][]data.Value
}

func (v *Values) Schema() data.Schema { return v.Columns }
func (v *Values) Inputs() []Node      { return nil }
func (v *Values) describe() string {
	return fmt.Sprintf("Values(tuples=[%d rows], fields=[%s])", len(v.Rows), strings.Join(v.Columns.Names(), ", "))
}

// Union is UNION ALL: the inputs' rows, merged.
type Union struct {
	Ins []Node
}

func (u *Union) Schema() data.Schema { return u.Ins[0].Schema() }
func (u *Union) Inputs() []Node      { return u.Ins }
func (u *Union) describe() string {
	return fmt.Sprintf("Union(all=[true], union=[%s])", strings.Join(u.Schema().Names(), ", "))
}

// WindowTVF is a windowing table-valued function (TUMBLE, HOP, CUMULATE,
// SESSION): the input's columns plus window_start, window_end and
// window_time.
type WindowTVF struct {
	Input Node
	Spec  runtime.WindowSpec
	// PartitionBy are SESSION's PARTITION BY columns, checked against the
	// aggregation's keys when the plan is built; a SESSION is never left
	// alone in a plan, so they do not travel.
	PartitionBy []int
}

func (w *WindowTVF) Schema() data.Schema {
	in := w.Input.Schema()
	start, end, tm := runtime.WindowOutputTypes(in.Columns[w.Spec.TimeCol].Type)
	cols := append([]data.Column(nil), in.Columns...)
	for i := range cols {
		if cols[i].Type.Time == data.Rowtime {
			// As Flink's: window_time is the rowtime attribute from here on.
			cols[i].Type = cols[i].Type.Plain()
		}
	}
	cols = append(cols, data.Column{Name: "window_start", Type: start},
		data.Column{Name: "window_end", Type: end}, data.Column{Name: "window_time", Type: tm})
	return data.Schema{Columns: cols}
}
func (w *WindowTVF) Inputs() []Node { return []Node{w.Input} }
func (w *WindowTVF) describe() string {
	return fmt.Sprintf("WindowTableFunction(window=[%s])", describeWindow(w.Spec, w.Input.Schema()))
}

// Aggregate is an unwindowed GROUP BY (Flink's GroupAggregate): the key
// columns, then one column per aggregate call. Its result is a changelog.
type Aggregate struct {
	Input Node
	Keys  []int
	Aggs  []runtime.AggCall
	Names []string // output names: keys, then aggregates
	// IntKeys is the state layout the planner chose: keyed by int64 (see
	// runtime.IntKeyKind) rather than by encoded key. It is part of the
	// plan, so that a job restored by a later binary reads its state in
	// the layout it was written in.
	IntKeys bool
	// StateTTL is table.exec.state.ttl when the plan was built (see
	// Join.StateTTL); a window aggregation cleans its state by watermark.
	StateTTL time.Duration
	// windowed marks a grouping by a window TVF's bounds, which the
	// planner turns into a WindowAggregate; its keys keep their time
	// attribute. Never set on a node that survives optimization, so it
	// does not travel.
	windowed bool
}

func (a *Aggregate) Schema() data.Schema {
	s := aggSchema(a.Input.Schema(), a.Keys, a.Aggs, a.Names)
	if a.windowed {
		in := a.Input.Schema()
		for i, k := range a.Keys {
			s.Columns[i].Type.Time = in.Columns[k].Type.Time
		}
	}
	return s
}
func (a *Aggregate) Inputs() []Node { return []Node{a.Input} }
func (a *Aggregate) describe() string {
	return fmt.Sprintf("GroupAggregate(%s)", describeAgg(a.Input.Schema(), a.Keys, a.Aggs, a.Names))
}

func aggSchema(in data.Schema, keys []int, aggs []runtime.AggCall, names []string) data.Schema {
	var out data.Schema
	for i, k := range keys {
		t := in.Columns[k].Type.Plain()
		out.Columns = append(out.Columns, data.Column{Name: names[i], Type: t})
	}
	for i, a := range aggs {
		out.Columns = append(out.Columns, data.Column{Name: names[len(keys)+i], Type: a.Type})
	}
	return out
}

// WindowAggregate aggregates per key and window of a windowing TVF and
// emits one insert-only row per window once the watermark passes its end:
// the keys, the aggregates, window_start, window_end, window_time.
type WindowAggregate struct {
	Input Node
	Spec  runtime.WindowSpec
	Keys  []int
	Aggs  []runtime.AggCall
	Names []string // keys, then aggregates
	// IntKeys is the state layout, as Aggregate's.
	IntKeys bool
}

func (w *WindowAggregate) Schema() data.Schema {
	in := w.Input.Schema()
	out := aggSchema(in, w.Keys, w.Aggs, w.Names)
	start, end, tm := runtime.WindowOutputTypes(in.Columns[w.Spec.TimeCol].Type)
	out.Columns = append(out.Columns, data.Column{Name: "window_start", Type: start},
		data.Column{Name: "window_end", Type: end}, data.Column{Name: "window_time", Type: tm})
	return out
}
func (w *WindowAggregate) Inputs() []Node { return []Node{w.Input} }
func (w *WindowAggregate) describe() string {
	return fmt.Sprintf("WindowAggregate(window=[%s], %s)", describeWindow(w.Spec, w.Input.Schema()), describeAgg(w.Input.Schema(), w.Keys, w.Aggs, w.Names))
}

// intKeys is the state layout for a grouping by keys of in: int64 keys
// where the runtime supports them.
func intKeys(in data.Schema, keys []int) bool {
	_, ok := runtime.IntKeyKind(keys, runtime.KeyTypesOf(in, keys))
	return ok
}

// Sink writes its input into a catalog table.
type Sink struct {
	Input Node
	Table *CatalogTable
}

func (s *Sink) Schema() data.Schema { return s.Input.Schema() }
func (s *Sink) Inputs() []Node      { return []Node{s.Input} }
func (s *Sink) describe() string {
	return fmt.Sprintf("Sink(table=[%s], fields=[%s])", Qualified(s.Table.Name), strings.Join(s.Schema().Names(), ", "))
}

// Collect hands a SELECT's rows to the client that asked (Flink's collect
// sink).
type Collect struct {
	Input Node
}

func (c *Collect) Schema() data.Schema { return c.Input.Schema() }
func (c *Collect) Inputs() []Node      { return []Node{c.Input} }
func (c *Collect) describe() string {
	return fmt.Sprintf("Collect(fields=[%s])", strings.Join(c.Schema().Names(), ", "))
}

// Qualified is a table's name as Flink prints it.
func Qualified(name string) string { return "default_catalog.default_database." + name }

func describeWindow(s runtime.WindowSpec, in data.Schema) string {
	col := in.Columns[s.TimeCol].Name
	switch s.Kind {
	case runtime.Tumble:
		return fmt.Sprintf("TUMBLE(time_col=[%s], size=[%s])", col, s.Size)
	case runtime.Hop:
		return fmt.Sprintf("HOP(time_col=[%s], size=[%s], slide=[%s])", col, s.Size, s.Slide)
	case runtime.Cumulate:
		return fmt.Sprintf("CUMULATE(time_col=[%s], max_size=[%s], step=[%s])", col, s.Size, s.Step)
	default:
		return fmt.Sprintf("SESSION(time_col=[%s], gap=[%s])", col, s.Gap)
	}
}

func describeAgg(in data.Schema, keys []int, aggs []runtime.AggCall, names []string) string {
	var g, sel []string
	for i, k := range keys {
		g = append(g, in.Columns[k].Name)
		sel = append(sel, names[i])
	}
	for i, a := range aggs {
		arg := "*"
		if a.Arg >= 0 {
			arg = in.Columns[a.Arg].Name
		}
		if a.Distinct {
			arg = "DISTINCT " + arg
		}
		sel = append(sel, fmt.Sprintf("%s(%s) AS %s", a.Func, arg, names[len(keys)+i]))
	}
	return fmt.Sprintf("groupBy=[%s], select=[%s]", strings.Join(g, ", "), strings.Join(sel, ", "))
}
