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

// Join is a regular join of two inputs (Flink's StreamExecJoin): its rows
// are the left input's columns, then the right's, for every pair whose
// condition holds, and for an outer join the unmatched rows of the
// preserved side padded with NULLs. Both sides are kept in state, so a
// regular join's output is a changelog unless it is an inner join of
// insert-only inputs.
type Join struct {
	Left, Right Node
	Type        runtime.JoinType
	// Cond is the join condition over the joined row.
	Cond *expr.Expr
	// LeftKeys[i] = RightKeys[i] are Cond's equalities between the two
	// sides, which key both inputs; Rest is the rest of Cond (nil when
	// there is none), checked on each pair of a key's rows.
	LeftKeys, RightKeys []int
	Rest                *expr.Expr
	// StateTTL is table.exec.state.ttl when the plan was built: how long
	// a row the join keeps lives after its last update; 0 is forever.
	StateTTL time.Duration
	// Interval is set for an interval join: Cond bounds the distance
	// between the two sides' rowtimes (those bounds are not in Rest).
	Interval *TimeInterval
	// Window is set for a window join: its bounds are not in the keys.
	Window *WindowBounds
	// Temporal is set for a temporal join: the right side is a versioned
	// table, its primary key among the keys.
	Temporal *TemporalBounds
}

func (j *Join) Schema() data.Schema {
	l, r := j.Left.Schema(), j.Right.Schema()
	s := joinSchema(l, r, j.Type)
	if j.Interval != nil {
		// An interval join holds its watermark back until no row it
		// emits can be late, so both rowtimes stay time attributes, as
		// in Flink.
		s.Columns[j.Interval.LeftTime].Type.Time = data.Rowtime
		s.Columns[l.Len()+j.Interval.RightTime].Type.Time = data.Rowtime
	}
	return s
}
func (j *Join) Inputs() []Node { return []Node{j.Left, j.Right} }
func (j *Join) describe() string {
	if tb := j.Temporal; tb != nil {
		l, r := j.Left.Schema(), j.Right.Schema()
		return fmt.Sprintf("TemporalJoin(joinType=[%s], where=[%s], leftTime=[%s], rightTime=[%s], select=[%s])",
			j.Type, j.Cond, l.Columns[tb.LeftTime].Name, r.Columns[tb.RightTime].Name, strings.Join(j.Schema().Names(), ", "))
	}
	if w := j.Window; w != nil {
		window := describeWindow(w.Spec, windowInput(j.Left))
		return fmt.Sprintf("WindowJoin(leftWindow=[%s], rightWindow=[%s], joinType=[%s], where=[%s], select=[%s])",
			window, window, j.Type, j.Cond, strings.Join(j.Schema().Names(), ", "))
	}
	if j.Interval != nil {
		return fmt.Sprintf("IntervalJoin(joinType=[%s], windowBounds=[%s], where=[%s], select=[%s])",
			j.Type, j.Interval.describe(), j.Cond, strings.Join(j.Schema().Names(), ", "))
	}
	return fmt.Sprintf("Join(joinType=[%s], where=[%s], select=[%s], leftInputSpec=[NoUniqueKey], rightInputSpec=[NoUniqueKey])",
		j.Type, j.Cond, strings.Join(j.Schema().Names(), ", "))
}

// joinSchema is the joined row's schema: the columns of an outer join's
// padded side become nullable, and no column stays a time attribute, as
// a regular join keeps rows past any watermark (Flink's rule); an
// interval join puts its rowtimes back.
func joinSchema(l, r data.Schema, typ runtime.JoinType) data.Schema {
	out := data.Schema{Columns: make([]data.Column, 0, l.Len()+r.Len())}
	leftPadded := typ == runtime.RightJoin || typ == runtime.FullJoin
	rightPadded := typ == runtime.LeftJoin || typ == runtime.FullJoin
	for _, c := range l.Columns {
		c.Type = c.Type.Plain()
		c.Type.NotNull = c.Type.NotNull && !leftPadded
		out.Columns = append(out.Columns, c)
	}
	for _, c := range r.Columns {
		c.Type = c.Type.Plain()
		c.Type.NotNull = c.Type.NotNull && !rightPadded
		out.Columns = append(out.Columns, c)
	}
	return out
}

// Join is the inner join of t and right on cond (Flink's Table.join with
// a join predicate). As in Flink, the two tables' column names must
// differ: rename with As first.
func (t *Table) Join(right *Table, cond *expr.Expr) *Table {
	return t.join(right, runtime.InnerJoin, cond)
}

// LeftOuterJoin is the left outer join of t and right on cond.
func (t *Table) LeftOuterJoin(right *Table, cond *expr.Expr) *Table {
	return t.join(right, runtime.LeftJoin, cond)
}

// RightOuterJoin is the right outer join of t and right on cond.
func (t *Table) RightOuterJoin(right *Table, cond *expr.Expr) *Table {
	return t.join(right, runtime.RightJoin, cond)
}

// FullOuterJoin is the full outer join of t and right on cond.
func (t *Table) FullOuterJoin(right *Table, cond *expr.Expr) *Table {
	return t.join(right, runtime.FullJoin, cond)
}

func (t *Table) join(right *Table, typ runtime.JoinType, cond *expr.Expr) *Table {
	switch {
	case t.err != nil:
		return t
	case right.err != nil:
		return right
	case right.env != t.env:
		return t.with(nil, fmt.Errorf("%s: the tables belong to different table environments", typ))
	}
	l, r := t.node.Schema(), right.node.Schema()
	seen := map[string]bool{}
	for _, n := range l.Names() {
		seen[n] = true
	}
	for _, n := range r.Names() {
		if seen[n] {
			return t.with(nil, fmt.Errorf("%s: both tables have a column %s; rename one side's columns with As", typ, n))
		}
	}
	in := data.Schema{Columns: append(append([]data.Column(nil), l.Columns...), r.Columns...)}
	c, err := expr.Resolve(cond, in, t.env.opts)
	if err != nil {
		return t.with(nil, fmt.Errorf("%s: %w", typ, err))
	}
	if c.Type.Kind != data.Boolean {
		return t.with(nil, fmt.Errorf("%s: the condition is %s; want BOOLEAN", typ, c.Type))
	}
	j := &Join{Left: t.node, Right: right.node, Type: typ, Cond: c, StateTTL: t.env.stateTTL}
	if err := j.splitCondition(l.Len()); err != nil {
		return t.with(nil, fmt.Errorf("%s: %w", typ, err))
	}
	return t.with(j, nil)
}

// splitCondition finds Cond's equalities between a left column and a
// right column (the keys) among its AND-ed conjuncts; the other
// conjuncts are Rest.
func (j *Join) splitCondition(leftWidth int) error {
	var rest []*expr.Expr
	for _, c := range conjuncts(j.Cond) {
		l, r, ok := equiKey(c, leftWidth)
		if !ok {
			rest = append(rest, c)
			continue
		}
		j.LeftKeys, j.RightKeys = append(j.LeftKeys, l), append(j.RightKeys, r-leftWidth)
	}
	if len(j.LeftKeys) == 0 {
		return fmt.Errorf("the condition %s has no equality between a column of each side; a streaming regular join needs one", j.Cond)
	}
	if err := j.findWindow(); err != nil {
		return err
	}
	if j.Window == nil {
		j.Interval, rest = findInterval(rest, j.Left.Schema(), j.Right.Schema())
	}
	if iv := j.Interval; iv != nil && iv.Lower > iv.Upper {
		return fmt.Errorf("the time bounds of %s leave no interval: the right time minus the left must be at least %d ms and at most %d ms", j.Cond, iv.Lower, iv.Upper)
	}
	j.Rest = andAll(rest)
	return nil
}

// check refuses a decoded join whose keys do not fit its inputs, which
// the runtime would index out of range.
func (j *Join) check() error {
	lw, rw := j.Left.Schema().Len(), j.Right.Schema().Len()
	if len(j.LeftKeys) == 0 || len(j.LeftKeys) != len(j.RightKeys) || j.Type > runtime.FullJoin {
		return fmt.Errorf("join: bad keys or type")
	}
	for i, l := range j.LeftKeys {
		if r := j.RightKeys[i]; l < 0 || l >= lw || r < 0 || r >= rw {
			return fmt.Errorf("join: key column out of range")
		}
	}
	if iv := j.Interval; iv != nil && (iv.LeftTime < 0 || iv.LeftTime >= lw || iv.RightTime < 0 || iv.RightTime >= rw || iv.Lower > iv.Upper) {
		return fmt.Errorf("join: bad time interval")
	}
	if tb := j.Temporal; tb != nil && (tb.LeftTime < 0 || tb.LeftTime >= lw || tb.RightTime < 0 || tb.RightTime >= rw || j.Type > runtime.LeftJoin) {
		return fmt.Errorf("join: bad temporal join")
	}
	if w := j.Window; w != nil {
		for _, c := range [][2]int{{w.LeftStart, lw}, {w.LeftEnd, lw}, {w.RightStart, rw}, {w.RightEnd, rw}} {
			if c[0] < 0 || c[0] >= c[1] {
				return fmt.Errorf("join: window column out of range")
			}
		}
	}
	return nil
}

// conjuncts are the operands of e's top-level ANDs.
func conjuncts(e *expr.Expr) []*expr.Expr {
	if e.Op == expr.OpCall && e.Name == "AND" {
		var out []*expr.Expr
		for _, a := range e.Args {
			out = append(out, conjuncts(a)...)
		}
		return out
	}
	return []*expr.Expr{e}
}

// equiKey reads e as left column = right column (either way round) whose
// values key alike: the same kind, or INT with BIGINT.
func equiKey(e *expr.Expr, leftWidth int) (l, r int, ok bool) {
	if e.Op != expr.OpCall || e.Name != "=" || len(e.Args) != 2 {
		return 0, 0, false
	}
	a, b := e.Args[0], e.Args[1]
	if a.Op == expr.OpCast && len(a.Args) == 1 && a.Args[0].Op == expr.OpCol && isInt(a.Args[0].Type.Kind) && isInt(a.Type.Kind) {
		a = a.Args[0]
	}
	if b.Op == expr.OpCast && len(b.Args) == 1 && b.Args[0].Op == expr.OpCol && isInt(b.Args[0].Type.Kind) && isInt(b.Type.Kind) {
		b = b.Args[0]
	}
	if a.Op != expr.OpCol || b.Op != expr.OpCol {
		return 0, 0, false
	}
	if a.Index >= leftWidth {
		a, b = b, a
	}
	if a.Index >= leftWidth || b.Index < leftWidth {
		return 0, 0, false
	}
	ka, kb := a.Type.Kind, b.Type.Kind
	if ka != kb && !(isInt(ka) && isInt(kb)) || ka == data.Decimal && a.Type.Scale != b.Type.Scale {
		return 0, 0, false // equal values that would key differently
	}
	return a.Index, b.Index, true
}

func isInt(k data.Kind) bool { return k == data.Int || k == data.BigInt }

// pushFilterIntoJoin moves the conjuncts of c's condition that read one
// side of the join under c into that side, so that the join keeps fewer
// rows in state (Flink's FilterIntoJoinRule): for an inner join, to
// either side; for an outer join, only to its preserved side, since a
// filter on the padded side must see the padding.
func pushFilterIntoJoin(c *Calc) {
	j, ok := c.Input.(*Join)
	if !ok || c.Cond == nil {
		return
	}
	toLeft := j.Type == runtime.InnerJoin || j.Type == runtime.LeftJoin
	// A filter on a versioned table's rows would change which version
	// is valid when: it stays above a temporal join.
	toRight := (j.Type == runtime.InnerJoin || j.Type == runtime.RightJoin) && j.Temporal == nil
	keep, left, right := splitBySide(conjuncts(c.Cond), j.Left.Schema().Len(), toLeft, toRight)
	if len(left) == 0 && len(right) == 0 {
		return
	}
	c.Input = j.withFilters(left, right)
	c.Cond = andAll(keep)
}

// pushJoinConditions moves the conjuncts of j's condition besides its keys
// that read one side into that side: for an inner join, to either side;
// for an outer join, only to its padded side (ON b.x > 0 of a LEFT JOIN
// drops b's rows before they match, where a's rows must all be kept).
func pushJoinConditions(j *Join) *Join {
	if j.Rest == nil {
		return j
	}
	toLeft := j.Type == runtime.InnerJoin || j.Type == runtime.RightJoin
	toRight := (j.Type == runtime.InnerJoin || j.Type == runtime.LeftJoin) && j.Temporal == nil
	keep, left, right := splitBySide(conjuncts(j.Rest), j.Left.Schema().Len(), toLeft, toRight)
	if len(left) == 0 && len(right) == 0 {
		return j
	}
	moved := map[*expr.Expr]bool{}
	for _, e := range conjuncts(j.Rest) {
		moved[e] = !slices.Contains(keep, e)
	}
	out := j.withFilters(left, right)
	out.Rest = andAll(keep)
	var cond []*expr.Expr
	for _, e := range conjuncts(j.Cond) {
		if !moved[e] {
			cond = append(cond, e)
		}
	}
	out.Cond = andAll(cond)
	return out
}

// splitBySide sorts conditions over a joined row into those that stay,
// those over the left side alone (when toLeft) and those over the right
// side alone (when toRight), the latter renumbered to the right's columns.
func splitBySide(conds []*expr.Expr, leftWidth int, toLeft, toRight bool) (keep, left, right []*expr.Expr) {
	for _, e := range conds {
		used := map[int]bool{}
		columnsUsed(e, used)
		onlyLeft, onlyRight := len(used) > 0, len(used) > 0
		for i := range used {
			onlyLeft = onlyLeft && i < leftWidth
			onlyRight = onlyRight && i >= leftWidth
		}
		switch {
		case onlyLeft && toLeft:
			left = append(left, e)
		case onlyRight && toRight:
			m := map[int]int{}
			for i := range used {
				m[i] = i - leftWidth
			}
			right = append(right, remap(e, m))
		default:
			keep = append(keep, e)
		}
	}
	return keep, left, right
}

// withFilters is a copy of j whose inputs are filtered by the given
// conditions, each over its side's columns.
func (j *Join) withFilters(left, right []*expr.Expr) *Join {
	out := *j
	if len(left) > 0 {
		out.Left = rewrite(filterOf(j.Left, andAll(left)))
	}
	if len(right) > 0 {
		out.Right = rewrite(filterOf(j.Right, andAll(right)))
	}
	return &out
}

// filterOf is a Calc that keeps n's rows for which cond is true.
func filterOf(n Node, cond *expr.Expr) *Calc {
	c := &Calc{Input: n, Cond: cond}
	for i, col := range n.Schema().Columns {
		c.Exprs = append(c.Exprs, colRef(i, col))
		c.Names = append(c.Names, col.Name)
	}
	return c
}

// andAll is the conjunction of conds, nil when there are none.
func andAll(conds []*expr.Expr) *expr.Expr {
	var out *expr.Expr
	for _, c := range conds {
		if out == nil {
			out = c
		} else {
			out = and(out, c)
		}
	}
	return out
}

// WindowBounds are a window join's window columns (Flink's
// WindowJoin): both sides are the same windowing TVF's output and the
// condition equates their window_start and window_end, so each window's
// rows are joined once the watermark passes its end.
type WindowBounds struct {
	LeftStart, LeftEnd, RightStart, RightEnd int
	Spec                                     runtime.WindowSpec // the left side's; the time column is the TVF input's
}

// findWindow makes j a window join when both inputs come from windowing
// TVFs of one kind and size and the keys pair their window_start and
// window_end; those pairs then leave the keys.
func (j *Join) findWindow() error {
	ls, le, lspec, lok := windowColumns(j.Left)
	rs, re, rspec, rok := windowColumns(j.Right)
	if !lok || !rok {
		return nil
	}
	lcmp, rcmp := lspec, rspec
	lcmp.TimeCol, rcmp.TimeCol = 0, 0
	start, end := -1, -1
	for i, l := range j.LeftKeys {
		switch r := j.RightKeys[i]; {
		case l == ls && r == rs:
			start = i
		case l == le && r == re:
			end = i
		}
	}
	if start < 0 || end < 0 {
		return nil
	}
	if lcmp != rcmp {
		return fmt.Errorf("a window join needs the same window on both sides: %s and %s", describeWindow(lspec, windowInput(j.Left)), describeWindow(rspec, windowInput(j.Right)))
	}
	var lk, rk []int
	for i := range j.LeftKeys {
		if i != start && i != end {
			lk, rk = append(lk, j.LeftKeys[i]), append(rk, j.RightKeys[i])
		}
	}
	if len(lk) == 0 {
		return fmt.Errorf("a window join needs an equality on a key besides window_start and window_end")
	}
	j.LeftKeys, j.RightKeys = lk, rk
	j.Window = &WindowBounds{LeftStart: ls, LeftEnd: le, RightStart: rs, RightEnd: re, Spec: lspec}
	return nil
}

// windowColumns finds n's window_start and window_end columns when n is
// a windowing TVF, or a Calc over one that keeps them.
func windowColumns(n Node) (start, end int, spec runtime.WindowSpec, ok bool) {
	switch n := n.(type) {
	case *WindowTVF:
		w := n.Input.Schema().Len()
		return w, w + 1, n.Spec, true
	case *WindowAggregate:
		w := len(n.Keys) + len(n.Aggs)
		return w, w + 1, n.Spec, true
	case *Calc:
		s, e, spec, ok := windowColumns(n.Input)
		if !ok {
			return 0, 0, spec, false
		}
		start, end = -1, -1
		for i, x := range n.Exprs {
			if x.Op == expr.OpCol && x.Index == s && start < 0 {
				start = i
			}
			if x.Op == expr.OpCol && x.Index == e && end < 0 {
				end = i
			}
		}
		return start, end, spec, start >= 0 && end >= 0
	}
	return 0, 0, runtime.WindowSpec{}, false
}

// windowInput is the schema of the TVF's input under n, for describing
// its window.
func windowInput(n Node) data.Schema {
	for {
		switch x := n.(type) {
		case *WindowTVF:
			return x.Input.Schema()
		case *WindowAggregate:
			return x.Input.Schema()
		case *Calc:
			n = x.Input
		default:
			return n.Schema()
		}
	}
}
