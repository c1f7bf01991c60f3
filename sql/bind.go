package sql

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/runnel/runnel/table"
	"github.com/runnel/runnel/table/expr"
)

// binder turns a query's syntax tree into a Table through the Table API,
// so that SQL and the Go API share one planner. Errors point at the node
// they are about.
type binder struct {
	ctx  context.Context
	env  *table.Env
	ctes map[string]*table.Table
	// scope is what column names resolve against in the current SELECT;
	// nil outside one.
	scope *scope
	// windows are the current SELECT's named windows (WINDOW w AS ...).
	windows []*NamedWindow
	// idents is where each column name was last written: the Table API
	// resolves each clause as it is added, so an unknown column it reports
	// is most likely the one bound last.
	idents map[string]Pos
}

// pointAtColumn gives an unknown column's error the position where the
// column was written, rather than its statement's.
func (b *binder) pointAtColumn(err error) error {
	var uc *expr.UnknownColumnError
	if errors.As(err, &uc) {
		if p, ok := b.idents[uc.Name]; ok {
			return &Error{Line: p.Line, Col: p.Col, Msg: uc.Error()}
		}
	}
	return err
}

func errAt(n Node, format string, args ...any) error {
	p := n.Position()
	return &Error{Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)}
}

func (b *binder) query(q Query) (*table.Table, error) {
	switch q := q.(type) {
	case *Select:
		return b.selectBlock(q)
	case *SetOp:
		if q.Op != "UNION" || !q.All {
			return nil, errAt(q, "%s is not supported; UNION ALL is", setOpName(q))
		}
		if len(q.OrderBy) > 0 || q.Limit != nil {
			return nil, errAt(q, "ORDER BY and LIMIT are not supported on a streaming query")
		}
		l, err := b.query(q.L)
		if err != nil {
			return nil, err
		}
		r, err := b.query(q.R)
		if err != nil {
			return nil, err
		}
		u := l.UnionAll(r)
		return u, wrapAt(q, u.Err())
	case *With:
		saved := b.ctes
		b.ctes = make(map[string]*table.Table, len(saved)+len(q.CTEs))
		for k, v := range saved {
			b.ctes[k] = v
		}
		defer func() { b.ctes = saved }()
		for _, c := range q.CTEs {
			t, err := b.query(c.Query)
			if err != nil {
				return nil, err
			}
			if len(c.Columns) > 0 {
				t = t.As(c.Columns...)
			}
			b.ctes[c.Name] = t
		}
		return b.query(q.Body)
	case *Values:
		rows := make([][]*expr.Expr, len(q.Rows))
		for i, r := range q.Rows {
			for _, v := range r {
				e, err := b.expr(v)
				if err != nil {
					return nil, err
				}
				rows[i] = append(rows[i], e)
			}
		}
		t := b.env.FromValues(rows...)
		return t, wrapAt(q, t.Err())
	}
	return nil, errAt(q, "unsupported query")
}

func setOpName(q *SetOp) string {
	if q.All {
		return q.Op + " ALL"
	}
	return q.Op
}

// wrapAt gives a planning error the position of the construct it is about.
func wrapAt(n Node, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*Error); ok {
		return err
	}
	p := n.Position()
	return &Error{Line: p.Line, Col: p.Col, Msg: err.Error(), cause: err}
}

func (b *binder) selectBlock(s *Select) (*table.Table, error) {
	if s.From == nil {
		return nil, errAt(s, "SELECT without FROM is not supported")
	}
	if len(s.OrderBy) > 0 || s.Limit != nil || s.Offset != nil {
		return nil, errAt(s, "ORDER BY and LIMIT are not supported on a streaming query")
	}
	t, sc, err := b.from(s.From)
	if err != nil {
		return nil, err
	}
	saved, savedWindows := b.scope, b.windows
	b.scope, b.windows = sc, s.Windows
	defer func() { b.scope, b.windows = saved, savedWindows }()
	if s.Where != nil {
		cond, err := b.expr(s.Where)
		if err != nil {
			return nil, err
		}
		t = t.Where(cond)
		if err := t.Err(); err != nil {
			return nil, wrapAt(s.Where, err)
		}
	}
	from := t
	items, t, err := b.items(s.Items, t)
	if err != nil {
		return nil, err
	}
	var keys []*expr.Expr
	for _, g := range s.GroupBy {
		k, err := b.expr(g)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	var having *expr.Expr
	if s.Having != nil {
		if having, err = b.expr(s.Having); err != nil {
			return nil, err
		}
	}
	aggregating := len(keys) > 0 || having != nil
	for _, it := range items {
		aggregating = aggregating || table.HasAggregate(it)
	}
	if aggregating || s.Distinct {
		if t != from {
			return nil, errAt(s, "ROW_NUMBER() OVER with GROUP BY, aggregates or DISTINCT in the same SELECT is not supported; rank in a query around it")
		}
	}
	switch {
	case s.Distinct && !aggregating:
		// SELECT DISTINCT is a grouping by every item.
		for i, it := range items {
			inner, name := table.NameOf(it, i)
			keys = append(keys, inner)
			items[i] = inner.As(name)
		}
		t = t.Aggregate(keys, items, nil)
	case s.Distinct:
		return nil, errAt(s, "SELECT DISTINCT with GROUP BY or aggregates is not supported")
	case aggregating:
		t = t.Aggregate(keys, items, having)
	default:
		t = t.Select(items...)
	}
	return t, wrapAt(s, t.Err())
}

// items binds a select list, expanding * to the columns of t. A
// ROW_NUMBER() OVER item adds its column to t (Table.RowNumber), so items
// also returns the table the list selects from.
func (b *binder) items(list []*SelectItem, t *table.Table) ([]*expr.Expr, *table.Table, error) {
	var out []*expr.Expr
	fromNames := t.Schema().Names()
	t, overCols, err := b.overAggregates(list, t)
	if err != nil {
		return nil, nil, err
	}
	for i, it := range list {
		if name, ok := overCols[i]; ok {
			out = append(out, expr.Col(name))
			continue
		}
		if st, ok := it.Expr.(*Star); ok {
			own := fromNames
			cols := own
			if len(st.Table) > 0 && b.scope != nil {
				var err error
				if own, cols, err = b.scope.star(st); err != nil {
					return nil, nil, err
				}
			}
			for i, c := range cols {
				out = append(out, named(expr.Col(c), own[i]))
			}
			continue
		}
		if c, ok := it.Expr.(*Call); ok && c.Over != nil {
			name := itemName(it, i)
			var err error
			if t, err = b.rowNumber(t, c, name); err != nil {
				return nil, nil, err
			}
			out = append(out, expr.Col(name))
			continue
		}
		e, err := b.expr(it.Expr)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case it.Alias != "":
			e = e.As(it.Alias)
		case e.Op == expr.OpCol:
			// A column a join renamed (id0) keeps its own name (id) in
			// the output, as in Flink.
			if id, ok := it.Expr.(*Ident); ok {
				e = named(e, id.Parts[len(id.Parts)-1])
			}
		}
		out = append(out, e)
	}
	return out, t, nil
}

// rowNumber adds the column of ROW_NUMBER() OVER (PARTITION BY ... ORDER
// BY ...), the Top-N and deduplication pattern, to t.
func (b *binder) rowNumber(t *table.Table, c *Call, name string) (*table.Table, error) {
	switch {
	case c.Name != "ROW_NUMBER":
		return nil, errAt(c, "%s() OVER is not supported yet; ROW_NUMBER() OVER is, filtered on its number (Top-N)", c.Name)
	case len(c.Args) > 0:
		return nil, errAt(c, "ROW_NUMBER takes no arguments")
	case c.Over.Ref != "":
		return nil, errAt(c, "a named window in OVER is not supported yet")
	case c.Over.Frame != nil:
		return nil, errAt(c.Over, "ROW_NUMBER() OVER takes no frame")
	}
	var part []string
	for _, p := range c.Over.PartitionBy {
		n, err := b.columnName(p, "PARTITION BY of ROW_NUMBER() OVER")
		if err != nil {
			return nil, err
		}
		part = append(part, n)
	}
	var order []table.OrderBy
	for _, o := range c.Over.OrderBy {
		n, err := b.columnName(o.Expr, "ORDER BY of ROW_NUMBER() OVER")
		if err != nil {
			return nil, err
		}
		order = append(order, table.OrderBy{Column: n, Descending: o.Desc, NullsFirst: o.Nulls == "FIRST", NullsLast: o.Nulls == "LAST"})
	}
	out := t.RowNumber(name, part, order)
	return out, wrapAt(c, out.Err())
}

// named is column c named name.
func named(c *expr.Expr, name string) *expr.Expr {
	if c.Name == name {
		return c
	}
	return c.As(name)
}

// from binds a FROM item to its table and the scope its columns resolve in.
func (b *binder) from(r TableRef) (*table.Table, *scope, error) {
	if j, ok := r.(*Join); ok {
		return b.join(j)
	}
	t, err := b.fromItem(r)
	if err != nil {
		return nil, nil, err
	}
	return t, &scope{rels: []relation{fromRelation(r, t)}}, nil
}

func (b *binder) fromItem(r TableRef) (*table.Table, error) {
	switch r := r.(type) {
	case *TableName:
		t := b.named(r.Name)
		if err := t.Err(); err != nil {
			return nil, errAt(r, "%v", err)
		}
		if len(r.Columns) > 0 {
			t = t.As(r.Columns...)
		}
		return t, wrapAt(r, t.Err())
	case *Subquery:
		t, err := b.query(r.Query)
		if err != nil {
			return nil, err
		}
		if len(r.Columns) > 0 {
			t = t.As(r.Columns...)
		}
		return t, wrapAt(r, t.Err())
	case *WindowTVF:
		return b.windowTVF(r)
	case *TemporalTable:
		return nil, errAt(r, "FOR SYSTEM_TIME AS OF belongs on the right side of a JOIN")
	}
	return nil, errAt(r, "unsupported FROM item")
}

func (b *binder) named(parts []string) *table.Table {
	name := strings.Join(parts, ".")
	if t, ok := b.ctes[name]; ok {
		return t
	}
	return b.env.From(b.ctx, name)
}

func (b *binder) windowTVF(r *WindowTVF) (*table.Table, error) {
	t := b.named(r.Table.Name)
	if err := t.Err(); err != nil {
		return nil, errAt(r.Table, "%v", err)
	}
	durations := make([]time.Duration, len(r.Args))
	for i, a := range r.Args {
		d, err := intervalArg(a)
		if err != nil {
			return nil, err
		}
		durations[i] = d
	}
	need := map[string][2]int{"TUMBLE": {1, 2}, "HOP": {2, 3}, "CUMULATE": {2, 3}, "SESSION": {1, 1}}
	n, ok := need[r.Func]
	if !ok {
		return nil, errAt(r, "unknown window function %s", r.Func)
	}
	if len(durations) < n[0] || len(durations) > n[1] {
		return nil, errAt(r, "%s takes %d to %d interval arguments, got %d", r.Func, n[0], n[1], len(durations))
	}
	var w table.Window
	switch r.Func {
	case "TUMBLE":
		w = table.Tumble(durations[0])
	case "HOP":
		w = table.Hop(durations[0], durations[1])
	case "CUMULATE":
		w = table.Cumulate(durations[0], durations[1])
	case "SESSION":
		w = table.Session(durations[0])
	}
	if len(durations) == n[1] && r.Func != "SESSION" {
		w.Offset = durations[n[1]-1]
	}
	w = w.On(r.TimeCol.Parts[len(r.TimeCol.Parts)-1])
	for _, p := range r.PartitionBy {
		w.PartitionBy = append(w.PartitionBy, p.Parts[len(p.Parts)-1])
	}
	out := t.WindowTVF(w)
	if len(r.Columns) > 0 {
		out = out.As(r.Columns...)
	}
	return out, wrapAt(r, out.Err())
}

// intervalArg reads a window size: a day-time INTERVAL literal.
func intervalArg(e Expr) (time.Duration, error) {
	il, ok := e.(*IntervalLit)
	if !ok {
		return 0, errAt(e, "a window size must be an INTERVAL literal")
	}
	ms, months, err := intervalValue(il)
	if err != nil {
		return 0, err
	}
	if months != 0 {
		return 0, errAt(e, "a window size must be a day-time interval (SECOND to DAY), not months or years")
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// intervalValue reads an interval literal as milliseconds (day-time) or
// months (year-month), as Flink's INTERVAL literals.
func intervalValue(il *IntervalLit) (ms, months int64, err error) {
	text := strings.TrimSpace(il.Text)
	neg := strings.HasPrefix(text, "-")
	text = strings.TrimLeft(text, "+-")
	unitMs := map[string]int64{"SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000}
	bad := func() (int64, int64, error) {
		return 0, 0, errAt(il, "bad INTERVAL '%s' %s%s: not a number of that unit, or out of range", il.Text, il.Unit, toUnit(il.ToUnit))
	}
	switch {
	case il.ToUnit == "" && (il.Unit == "YEAR" || il.Unit == "MONTH"):
		n, err := strconv.ParseInt(text, 10, 32)
		if err != nil {
			return bad()
		}
		if il.Unit == "YEAR" {
			n *= 12
		}
		months = n
	case il.ToUnit == "" && unitMs[il.Unit] > 0:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return bad()
		}
		ms, err = toMillis(f * float64(unitMs[il.Unit]))
		if err != nil {
			return bad()
		}
	case il.Unit == "YEAR" && il.ToUnit == "MONTH":
		var y, m int32
		if _, err := fmt.Sscanf(text, "%d-%d", &y, &m); err != nil || m < 0 || m > 11 {
			return bad()
		}
		months = int64(y)*12 + int64(m)
	case unitMs[il.Unit] > 0 && unitMs[il.ToUnit] > 0:
		ms, err = dayTime(text, il.Unit, il.ToUnit)
		if err != nil {
			return bad()
		}
	default:
		return bad()
	}
	if months > math.MaxInt32 {
		return bad()
	}
	if neg {
		ms, months = -ms, -months
	}
	return ms, months, nil
}

// toMillis rounds a number of milliseconds to an int64, refusing one out
// of range: Flink's "interval field value out of range".
func toMillis(f float64) (int64, error) {
	if math.IsNaN(f) || math.Abs(f) >= math.MaxInt64/2 {
		return 0, fmt.Errorf("out of range")
	}
	return int64(math.Round(f)), nil
}

func toUnit(u string) string {
	if u == "" {
		return ""
	}
	return " TO " + u
}

// dayTime reads 'D HH:MM:SS.fff' and its shorter forms, from unit from to
// unit to.
func dayTime(text, from, to string) (int64, error) {
	order := []string{"DAY", "HOUR", "MINUTE", "SECOND"}
	mult := []float64{86_400_000, 3_600_000, 60_000, 1000}
	start, end := -1, -1
	for i, u := range order {
		if u == from {
			start = i
		}
		if u == to {
			end = i
		}
	}
	if start < 0 || end <= start {
		return 0, fmt.Errorf("bad units")
	}
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == ':' })
	if len(fields) != end-start+1 {
		return 0, fmt.Errorf("bad text")
	}
	var ms float64
	for i, f := range fields {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, err
		}
		ms += v * mult[start+i]
	}
	return toMillis(ms)
}
