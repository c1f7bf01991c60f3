package table

import (
	"fmt"
	"strings"
	"time"

	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
	"github.com/runnel/runnel/table/runtime"
)

// OverWindow is the window of OVER aggregates (Flink's Over.partitionBy
// ... orderBy ... preceding): per partition, in the order of a rowtime
// attribute, the rows from a start before the current row up to it.
type OverWindow struct {
	PartitionBy []string
	OrderBy     string // a rowtime attribute, ascending
	// Rows makes the frame a number of rows (ROWS BETWEEN n PRECEDING AND
	// CURRENT ROW); otherwise it is a time range (RANGE BETWEEN INTERVAL
	// ... PRECEDING AND CURRENT ROW, the current row's peers included).
	Rows bool
	// PrecedingRows or PrecedingTime is where the frame starts, unless
	// Unbounded (UNBOUNDED PRECEDING).
	PrecedingRows int64
	PrecedingTime time.Duration
	Unbounded     bool
}

// OverAggregate appends a column per aggregate call (COUNT, SUM, MIN, MAX,
// AVG), named names[i], of the call over w: each row with the aggregates
// of its window (Flink's over aggregation). Rows come out when the
// watermark passes their time, in time order; a row behind the watermark
// when it arrives is dropped, as in Flink.
func (t *Table) OverAggregate(w OverWindow, calls []*expr.Expr, names []string) *Table {
	if t.err != nil {
		return t
	}
	n, err := t.overNode(w, calls, names)
	if err != nil {
		return t.with(nil, fmt.Errorf("OVER: %w", err))
	}
	return t.with(n, nil)
}

func (t *Table) overNode(w OverWindow, calls []*expr.Expr, names []string) (*OverAggregate, error) {
	in := t.node.Schema()
	if len(calls) == 0 || len(calls) != len(names) {
		return nil, fmt.Errorf("%d aggregate calls and %d names", len(calls), len(names))
	}
	o := &OverAggregate{Rows: w.Rows, Names: names, StateTTL: t.env.stateTTL, Preceding: -1}
	for _, p := range w.PartitionBy {
		i := in.Index(p)
		if i < 0 {
			return nil, &expr.UnknownColumnError{Name: p, Input: in.Names()}
		}
		o.PartitionBy = append(o.PartitionBy, i)
	}
	o.TimeCol = in.Index(w.OrderBy)
	switch {
	case o.TimeCol < 0:
		return nil, &expr.UnknownColumnError{Name: w.OrderBy, Input: in.Names()}
	case in.Columns[o.TimeCol].Type.Time != data.Rowtime:
		return nil, fmt.Errorf("an OVER window must be ordered by a rowtime attribute; %s is %s", w.OrderBy, in.Columns[o.TimeCol].Type)
	case w.Unbounded:
	case w.Rows && w.PrecedingRows >= 0:
		o.Preceding = w.PrecedingRows
	case !w.Rows && w.PrecedingTime >= 0:
		o.Preceding = w.PrecedingTime.Milliseconds()
	default:
		return nil, fmt.Errorf("the frame cannot start after the current row")
	}
	// Arguments that are not columns are computed by a Calc under the
	// aggregation, after the input's columns.
	pre := &Calc{Input: t.node}
	for i, c := range in.Columns {
		pre.Exprs = append(pre.Exprs, colRef(i, c))
		pre.Names = append(pre.Names, c.Name)
	}
	for _, c := range calls {
		if c.Op != expr.OpCall || !expr.IsAggregate(c.Name) {
			return nil, fmt.Errorf("%s is not an aggregate call", c)
		}
		if c.Distinct {
			return nil, fmt.Errorf("DISTINCT in an OVER aggregate is not supported yet")
		}
		call := runtime.AggCall{Func: c.Name, Arg: -1}
		var argType data.Type
		switch len(c.Args) {
		case 0:
			if c.Name != "COUNT" {
				return nil, fmt.Errorf("%s takes one argument", c.Name)
			}
		case 1:
			if HasAggregate(c.Args[0]) {
				return nil, fmt.Errorf("aggregate calls cannot be nested")
			}
			r, err := expr.Resolve(c.Args[0], in, t.env.opts)
			if err != nil {
				return nil, err
			}
			argType = r.Type
			call.Arg = r.Index
			if r.Op != expr.OpCol {
				call.Arg = len(pre.Exprs)
				pre.Exprs = append(pre.Exprs, r)
				pre.Names = append(pre.Names, fmt.Sprintf("$f%d", len(pre.Names)))
			}
		default:
			return nil, fmt.Errorf("%s takes one argument, got %d", c.Name, len(c.Args))
		}
		rt, err := runtime.AggResultType(c.Name, argType, false)
		if err != nil {
			return nil, err
		}
		call.ArgType, call.Type = argType, rt
		o.Aggs = append(o.Aggs, call)
	}
	o.Input = t.node
	if len(pre.Exprs) > in.Len() {
		o.Input = pre
	}
	for _, n := range names {
		if in.Index(n) >= 0 {
			return nil, fmt.Errorf("the table has a column %s already", n)
		}
	}
	return o, nil
}

// OverAggregate is an event-time OVER aggregation (Flink's
// OverAggregate): its input's rows, each with the aggregates over its
// partition's rows in the frame ending at it, in time order. Its rows are
// inserts, and the rowtime stays a time attribute.
type OverAggregate struct {
	Input       Node
	PartitionBy []int
	TimeCol     int
	Rows        bool
	Preceding   int64 // rows or milliseconds; -1 is UNBOUNDED
	Aggs        []runtime.AggCall
	Names       []string
	IntKeys     bool
	StateTTL    time.Duration
}

func (o *OverAggregate) Schema() data.Schema {
	cols := append([]data.Column(nil), o.Input.Schema().Columns...)
	for i, a := range o.Aggs {
		cols = append(cols, data.Column{Name: o.Names[i], Type: a.Type})
	}
	return data.Schema{Columns: cols}
}
func (o *OverAggregate) Inputs() []Node { return []Node{o.Input} }
func (o *OverAggregate) describe() string {
	in := o.Input.Schema()
	frame := "RANG" // sic: Flink's spelling in EXPLAIN
	if o.Rows {
		frame = "ROWS"
	}
	start := "UNBOUNDED PRECEDING"
	if o.Preceding >= 0 {
		start = fmt.Sprintf("%d PRECEDING", o.Preceding) // rows or ms, as Flink prints them
	}
	var aggs []string
	for i, a := range o.Aggs {
		arg := "*"
		if a.Arg >= 0 {
			arg = in.Columns[a.Arg].Name
		}
		aggs = append(aggs, fmt.Sprintf("%s(%s) AS %s", a.Func, arg, o.Names[i]))
	}
	return fmt.Sprintf("OverAggregate(partitionBy=[%s], orderBy=[%s ASC], window=[%s BETWEEN %s AND CURRENT ROW], select=[%s, %s])",
		names(in, o.PartitionBy), in.Columns[o.TimeCol].Name, frame, start, strings.Join(in.Names(), ", "), strings.Join(aggs, ", "))
}
