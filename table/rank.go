package table

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
	"github.com/runnel/runnel/table/runtime"
)

// OrderBy is one ORDER BY item of a ranking.
type OrderBy struct {
	Column     string
	Descending bool
	// NullsFirst and NullsLast override where NULLs go: by default first
	// when ascending, last when descending, as in Flink.
	NullsFirst, NullsLast bool
}

// RowNumber adds a BIGINT column, name, numbering t's rows 1, 2, ... per
// partition in the given order: SQL's ROW_NUMBER() OVER (PARTITION BY ...
// ORDER BY ...). On a stream it must be filtered on that number, the
// Top-N pattern: Where(Col(name).Le(Lit(3))) keeps each partition's first
// three rows (Flink's Rank), and a filter rn = 1 ordered by a rowtime
// attribute keeps each partition's first or last row (Flink's
// Deduplicate).
func (t *Table) RowNumber(name string, partitionBy []string, orderBy []OrderBy) *Table {
	if t.err != nil {
		return t
	}
	in := t.node.Schema()
	n := &RowNumber{Input: t.node, Name: name}
	for _, p := range partitionBy {
		i := in.Index(p)
		if i < 0 {
			return t.with(nil, fmt.Errorf("PARTITION BY: %w", &expr.UnknownColumnError{Name: p, Input: in.Names()}))
		}
		n.PartitionBy = append(n.PartitionBy, i)
	}
	if len(orderBy) == 0 {
		return t.with(nil, fmt.Errorf("ROW_NUMBER() OVER needs an ORDER BY"))
	}
	for _, o := range orderBy {
		i := in.Index(o.Column)
		if i < 0 {
			return t.with(nil, fmt.Errorf("ORDER BY: %w", &expr.UnknownColumnError{Name: o.Column, Input: in.Names()}))
		}
		k := runtime.SortKey{Col: i, Descending: o.Descending, NullsFirst: !o.Descending}
		if o.NullsFirst || o.NullsLast {
			k.NullsFirst = o.NullsFirst
		}
		n.OrderBy = append(n.OrderBy, k)
	}
	if in.Index(name) >= 0 {
		return t.with(nil, fmt.Errorf("ROW_NUMBER: the table has a column %s already", name))
	}
	n.StateTTL = t.env.stateTTL
	return t.with(n, nil)
}

// RowNumber numbers its input's rows per partition: the logical node of
// ROW_NUMBER() OVER, which the planner turns into a Rank or a Deduplicate
// by the filter on the number above it; alone it cannot run on a stream.
type RowNumber struct {
	Input       Node
	PartitionBy []int
	OrderBy     []runtime.SortKey
	Name        string
	StateTTL    time.Duration
}

func (r *RowNumber) Schema() data.Schema {
	in := r.Input.Schema()
	cols := append(append([]data.Column(nil), in.Columns...), data.Column{Name: r.Name, Type: data.TBigInt.AsNotNull()})
	return data.Schema{Columns: cols}
}
func (r *RowNumber) Inputs() []Node { return []Node{r.Input} }
func (r *RowNumber) describe() string {
	return fmt.Sprintf("OverAggregate(partitionBy=[%s], orderBy=[%s], select=[%s, ROW_NUMBER() AS %s])",
		names(r.Input.Schema(), r.PartitionBy), describeOrder(r.Input.Schema(), r.OrderBy),
		strings.Join(r.Input.Schema().Names(), ", "), r.Name)
}

// Rank is Top-N (Flink's Rank with ROW_NUMBER): the first N rows of each
// partition in order, as a changelog that keeps the result current; with
// OutputRank each row carries its number as a last column.
type Rank struct {
	Input       Node
	PartitionBy []int
	OrderBy     []runtime.SortKey
	N           int64
	OutputRank  bool
	RankName    string
	// IntKeys is the state layout, as Aggregate's.
	IntKeys  bool
	StateTTL time.Duration
}

func (r *Rank) Schema() data.Schema {
	in := r.Input.Schema()
	cols := plainColumns(in)
	if r.OutputRank {
		cols = append(cols, data.Column{Name: r.RankName, Type: data.TBigInt.AsNotNull()})
	}
	return data.Schema{Columns: cols}
}
func (r *Rank) Inputs() []Node { return []Node{r.Input} }
func (r *Rank) describe() string {
	return fmt.Sprintf("Rank(strategy=[%s], rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd=%d], partitionBy=[%s], orderBy=[%s], select=[%s])",
		map[bool]string{true: "AppendFastStrategy", false: "RetractStrategy"}[InsertOnly(r.Input)], r.N,
		names(r.Input.Schema(), r.PartitionBy), describeOrder(r.Input.Schema(), r.OrderBy), strings.Join(r.Schema().Names(), ", "))
}

// Deduplicate keeps the first or the last row of each key by a rowtime
// attribute (Flink's Deduplicate, from ROW_NUMBER() ... = 1), as a
// changelog.
type Deduplicate struct {
	Input    Node
	Keys     []int
	KeepLast bool
	TimeCol  int
	IntKeys  bool
	StateTTL time.Duration
}

func (d *Deduplicate) Schema() data.Schema {
	return data.Schema{Columns: plainColumns(d.Input.Schema())}
}
func (d *Deduplicate) Inputs() []Node { return []Node{d.Input} }
func (d *Deduplicate) describe() string {
	return fmt.Sprintf("Deduplicate(keep=[%s], key=[%s], order=[ROWTIME])",
		map[bool]string{true: "LastRow", false: "FirstRow"}[d.KeepLast], names(d.Input.Schema(), d.Keys))
}

// plainColumns are in's columns without time attributes: a ranking's
// output updates rows past any watermark.
func plainColumns(in data.Schema) []data.Column {
	cols := append([]data.Column(nil), in.Columns...)
	for i := range cols {
		cols[i].Type = cols[i].Type.Plain()
	}
	return cols
}

func names(s data.Schema, cols []int) string {
	var out []string
	for _, c := range cols {
		out = append(out, s.Columns[c].Name)
	}
	return strings.Join(out, ", ")
}

func describeOrder(s data.Schema, keys []runtime.SortKey) string {
	var out []string
	for _, k := range keys {
		dir := "ASC"
		if k.Descending {
			dir = "DESC"
		}
		nulls := "LAST"
		if k.NullsFirst {
			nulls = "FIRST"
		}
		out = append(out, fmt.Sprintf("%s %s NULLS %s", s.Columns[k.Col].Name, dir, nulls))
	}
	return strings.Join(out, ", ")
}

// rankFilter turns a Calc filtering a RowNumber on its number (rn <= N,
// rn < N, rn = 1) into a Calc over a Rank or a Deduplicate, and a Calc
// over a Rank that does not read the number into one over a Rank without
// it (or a Deduplicate); c stays as it is when it does not match.
func rankFilter(c *Calc) {
	if r, ok := c.Input.(*WindowRank); ok && r.OutputRank {
		if !c.columnsRead()[r.Input.Schema().Len()] {
			w := *r
			w.OutputRank = false
			c.Input = &w
		}
		return
	}
	if r, ok := c.Input.(*Rank); ok && r.OutputRank {
		if !c.columnsRead()[r.Input.Schema().Len()] {
			c.Input = ranking(&RowNumber{Input: r.Input, PartitionBy: r.PartitionBy, OrderBy: r.OrderBy, Name: r.RankName, StateTTL: r.StateTTL}, r.N, false)
		}
		return
	}
	rn, ok := c.Input.(*RowNumber)
	if !ok || c.Cond == nil {
		return
	}
	col := rn.Input.Schema().Len()
	var n int64
	var rest []*expr.Expr
	for _, e := range conjuncts(c.Cond) {
		if k, ok := rankBound(e, col); ok && (n == 0 || k < n) {
			n = k
			continue
		}
		rest = append(rest, e)
	}
	if n <= 0 {
		return
	}
	c.Cond = andAll(rest)
	c.Input = ranking(rn, n, c.columnsRead()[col])
}

// ranking is the node that keeps the first n rows of rn's partitions: a
// Deduplicate for the first or last row by a rowtime attribute of an
// insert-only input when the number is not output, else a Rank (which
// also takes a changelog).
func ranking(rn *RowNumber, n int64, outputRank bool) Node {
	if w := windowRank(rn, n, outputRank); w != nil {
		return w
	}
	in := rn.Input.Schema()
	if n == 1 && !outputRank && len(rn.OrderBy) == 1 && in.Columns[rn.OrderBy[0].Col].Type.Time == data.Rowtime && InsertOnly(rn.Input) {
		d := &Deduplicate{Input: rn.Input, Keys: rn.PartitionBy, KeepLast: rn.OrderBy[0].Descending, TimeCol: rn.OrderBy[0].Col, StateTTL: rn.StateTTL}
		d.IntKeys = intKeys(in, d.Keys)
		return d
	}
	r := &Rank{Input: rn.Input, PartitionBy: rn.PartitionBy, OrderBy: rn.OrderBy, N: n, OutputRank: outputRank, RankName: rn.Name, StateTTL: rn.StateTTL}
	r.IntKeys = intKeys(in, r.PartitionBy)
	return r
}

// rankBound reads e as an upper bound on column col, the row number, and
// returns the largest number it keeps: rn <= k, rn < k, rn = 1, k >= rn.
func rankBound(e *expr.Expr, col int) (int64, bool) {
	if e.Op != expr.OpCall || len(e.Args) != 2 {
		return 0, false
	}
	a, b, op := e.Args[0], e.Args[1], e.Name
	if a.Op == expr.OpLit {
		a, b = b, a
		op = map[string]string{"<=": ">=", "<": ">", ">=": "<=", ">": "<", "=": "="}[op]
	}
	if a.Op != expr.OpCol || a.Index != col || b.Op != expr.OpLit || b.Lit.IsNull() || (b.Type.Kind != data.Int && b.Type.Kind != data.BigInt) {
		return 0, false
	}
	k := b.Lit.Int64()
	switch {
	case op == "<=":
		return k, true
	case op == "<":
		return k - 1, true
	case op == "=" && k == 1:
		return 1, true
	}
	return 0, false
}

// WindowRank is a window Top-N (Flink's WindowRank): the first N rows of
// each partition of each window of a windowing TVF or window aggregation,
// emitted once, as inserts, when the watermark passes the window's end.
type WindowRank struct {
	Input                  Node
	PartitionBy            []int // besides the window's bounds
	WindowStart, WindowEnd int
	Spec                   runtime.WindowSpec // for EXPLAIN
	OrderBy                []runtime.SortKey
	N                      int64
	OutputRank             bool
	RankName               string
	IntKeys                bool
}

func (r *WindowRank) Schema() data.Schema {
	cols := append([]data.Column(nil), r.Input.Schema().Columns...)
	if r.OutputRank {
		cols = append(cols, data.Column{Name: r.RankName, Type: data.TBigInt.AsNotNull()})
	}
	return data.Schema{Columns: cols}
}
func (r *WindowRank) Inputs() []Node { return []Node{r.Input} }
func (r *WindowRank) describe() string {
	in := r.Input.Schema()
	return fmt.Sprintf("WindowRank(window=[%s], rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd=%d], partitionBy=[%s], orderBy=[%s], select=[%s])",
		describeWindow(r.Spec, windowInput(r.Input)), r.N, names(in, r.PartitionBy), describeOrder(in, r.OrderBy), strings.Join(r.Schema().Names(), ", "))
}

// windowRank is the WindowRank of rn's first n rows when rn partitions by
// the window_start and window_end of a windowing TVF or window
// aggregation under it, else nil.
func windowRank(rn *RowNumber, n int64, outputRank bool) *WindowRank {
	start, end, spec, ok := windowColumns(rn.Input)
	if !ok || !slices.Contains(rn.PartitionBy, start) || !slices.Contains(rn.PartitionBy, end) || !InsertOnly(rn.Input) {
		return nil
	}
	r := &WindowRank{Input: rn.Input, WindowStart: start, WindowEnd: end, Spec: spec, OrderBy: rn.OrderBy, N: n,
		OutputRank: outputRank, RankName: rn.Name}
	for _, p := range rn.PartitionBy {
		if p != start && p != end {
			r.PartitionBy = append(r.PartitionBy, p)
		}
	}
	r.IntKeys = intKeys(rn.Input.Schema(), r.PartitionBy)
	return r
}
