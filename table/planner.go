package table

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/runnel/runnel/table/expr"
	"github.com/runnel/runnel/table/runtime"
)

// Optimize rewrites a logical plan into the one the runtime executes, in
// passes: adjacent Calcs fuse into one; a Calc over a scan pushes its
// projection into the scan; filters over one side of a join move into
// that side; an aggregation grouped by a windowing TVF's
// window_start and window_end becomes a WindowAggregate; last, the plan's
// changelog is checked: an updating result into an insert-only sink, or
// into a window, is refused, naming the node that updates.
func Optimize(n Node) (Node, error) {
	n = rewrite(n)
	if err := checkChangelog(n); err != nil {
		return nil, err
	}
	return n, nil
}

// rewrite applies the passes bottom-up.
func rewrite(n Node) Node {
	switch n := n.(type) {
	case *Calc:
		// Copies: a plan may be optimized again (a view used twice, a
		// Table explained then run), so a pass never changes its input.
		c := &Calc{Input: rewrite(n.Input), Exprs: slices.Clone(n.Exprs), Names: slices.Clone(n.Names), Cond: n.Cond}
		if in, ok := c.Input.(*Calc); ok && deterministic(in) {
			c = fuseCalc(c, in)
		}
		rankFilter(c)
		pushFilterIntoJoin(c)
		if c.isIdentity() {
			return c.Input
		}
		pushProjection(c)
		return c
	case *WatermarkAssigner:
		w := *n
		w.Input = rewrite(n.Input)
		return &w
	case *Union:
		u := &Union{}
		for _, in := range n.Ins {
			u.Ins = append(u.Ins, rewrite(in))
		}
		return u
	case *WindowTVF:
		w := *n
		w.Input = rewrite(n.Input)
		return &w
	case *Aggregate:
		a := *n
		a.Input = rewrite(n.Input)
		if wa := windowAggregate(&a); wa != nil {
			// Once more, for the Calc it put under the window aggregate.
			return rewrite(wa)
		}
		a.IntKeys = intKeys(a.Input.Schema(), a.Keys)
		return &a
	case *WindowAggregate:
		w := *n
		w.Input = rewrite(n.Input)
		w.IntKeys = intKeys(w.Input.Schema(), w.Keys)
		return &w
	case *Join:
		j := *n
		j.Left, j.Right = rewrite(n.Left), rewrite(n.Right)
		return pushJoinConditions(&j)
	case *RowNumber:
		r := *n
		r.Input = rewrite(n.Input)
		return &r
	case *OverAggregate:
		o := *n
		o.Input = rewrite(n.Input)
		o.IntKeys = intKeys(o.Input.Schema(), o.PartitionBy)
		return &o
	case *Rank:
		r := *n
		r.Input = rewrite(n.Input)
		return &r
	case *WindowRank:
		r := *n
		r.Input = rewrite(n.Input)
		return &r
	case *Deduplicate:
		d := *n
		d.Input = rewrite(n.Input)
		return &d
	case *Sink:
		return &Sink{Input: rewrite(n.Input), Table: n.Table}
	case *Collect:
		return &Collect{Input: rewrite(n.Input)}
	}
	return n
}

// fuseCalc merges outer over inner into one Calc over inner's input.
func fuseCalc(outer, inner *Calc) *Calc {
	c := &Calc{Input: inner.Input, Names: outer.Names, Cond: inner.Cond}
	for _, e := range outer.Exprs {
		c.Exprs = append(c.Exprs, substitute(e, inner.Exprs))
	}
	if outer.Cond != nil {
		cond := substitute(outer.Cond, inner.Exprs)
		if c.Cond == nil {
			c.Cond = cond
		} else {
			c.Cond = and(c.Cond, cond)
		}
	}
	return c
}

// nonDeterministic are the functions whose value changes from call to
// call; a Calc computing one is not fused into the Calc above it, which
// could copy the call into several places (as Calcite does not).
var nonDeterministic = map[string]bool{
	"NOW": true, "CURRENT_TIMESTAMP": true, "LOCALTIMESTAMP": true, "CURRENT_DATE": true,
	"UNIX_TIMESTAMP": true, "PROCTIME": true, "RAND": true, "RAND_INTEGER": true, "UUID": true,
}

func deterministic(c *Calc) bool {
	var calls func(e *expr.Expr) bool
	calls = func(e *expr.Expr) bool {
		if e == nil {
			return false
		}
		if e.Op == expr.OpCall && nonDeterministic[e.Name] {
			return true
		}
		return slices.ContainsFunc(e.Args, calls)
	}
	return !slices.ContainsFunc(c.Exprs, calls) && !calls(c.Cond)
}

// substitute replaces e's column references with the expressions that
// compute them.
func substitute(e *expr.Expr, by []*expr.Expr) *expr.Expr {
	if e == nil {
		return nil
	}
	if e.Op == expr.OpCol {
		return by[e.Index]
	}
	c := *e
	c.Args = make([]*expr.Expr, len(e.Args))
	for i, a := range e.Args {
		c.Args[i] = substitute(a, by)
	}
	return &c
}

// remap renumbers e's column references through m (old position → new).
func remap(e *expr.Expr, m map[int]int) *expr.Expr {
	if e == nil {
		return nil
	}
	c := *e
	if e.Op == expr.OpCol {
		c.Index = m[e.Index]
		return &c
	}
	c.Args = make([]*expr.Expr, len(e.Args))
	for i, a := range e.Args {
		c.Args[i] = remap(a, m)
	}
	return &c
}

// columnsRead are the input columns c's projections and condition read.
func (c *Calc) columnsRead() map[int]bool {
	used := map[int]bool{}
	for _, e := range c.Exprs {
		columnsUsed(e, used)
	}
	columnsUsed(c.Cond, used)
	return used
}

// columnsUsed adds the positions e reads to used.
func columnsUsed(e *expr.Expr, used map[int]bool) {
	if e == nil {
		return
	}
	if e.Op == expr.OpCol {
		used[e.Index] = true
	}
	for _, a := range e.Args {
		columnsUsed(a, used)
	}
}

func and(a, b *expr.Expr) *expr.Expr {
	c := expr.Call("AND", a, b)
	c.Type = a.Type
	if !b.Type.NotNull {
		c.Type.NotNull = false
	}
	c.Resolved = true
	return c
}

// pushProjection narrows the scan under c, directly or under a watermark
// assigner, to the columns c reads (and the assigner's rowtime column).
func pushProjection(c *Calc) {
	wa, _ := c.Input.(*WatermarkAssigner)
	var s *Scan
	if wa != nil {
		s, _ = wa.Input.(*Scan)
	} else {
		s, _ = c.Input.(*Scan)
	}
	if s == nil {
		return
	}
	used := c.columnsRead()
	if wa != nil {
		used[wa.Rowtime] = true
	}
	if len(used) == len(s.Fields) {
		return
	}
	keep := make([]int, 0, len(used))
	for i := range used {
		keep = append(keep, i)
	}
	slices.Sort(keep)
	m := map[int]int{}
	ns := &Scan{Table: s.Table}
	for newPos, old := range keep {
		m[old] = newPos
		ns.Fields = append(ns.Fields, s.Fields[old])
	}
	for i, e := range c.Exprs {
		c.Exprs[i] = remap(e, m)
	}
	c.Cond = remap(c.Cond, m)
	if wa == nil {
		c.Input = ns
		return
	}
	c.Input = &WatermarkAssigner{Input: ns, Rowtime: m[wa.Rowtime], Delay: wa.Delay, Expr: remap(wa.Expr, m)}
}

// windowAggregate turns GROUP BY window_start, window_end[, window_time],
// keys over a windowing TVF (directly, or through a Calc that does not
// touch the window columns otherwise) into a WindowAggregate and a Calc
// that orders its output as the aggregation's; nil if a does not match.
func windowAggregate(a *Aggregate) Node {
	tvf, pre, exprs := windowSource(a)
	if tvf == nil {
		return nil
	}
	n := tvf.Input.Schema().Len()
	windowCol := func(e *expr.Expr) int {
		if e.Op == expr.OpCol && e.Index >= n {
			return e.Index - n
		}
		return -1
	}
	var otherKeys []int
	role := make([]int, len(a.Keys)) // -1: a plain key, 0..2: a window column
	hasStart, hasEnd := false, false
	for i, k := range a.Keys {
		role[i] = windowCol(exprs[k])
		switch role[i] {
		case -1:
			otherKeys = append(otherKeys, k)
		case 0:
			hasStart = true
		case 1:
			hasEnd = true
		}
	}
	if !hasStart || !hasEnd {
		return nil
	}
	// The new Calc under the window aggregate: the plain keys, the
	// aggregates' arguments, the time column; none may read a window column.
	inner := &Calc{Input: tvf.Input}
	if pre != nil {
		inner.Cond = pre.Cond
	}
	add := func(e *expr.Expr, name string) (int, bool) {
		used := map[int]bool{}
		columnsUsed(e, used)
		if used[n] || used[n+1] || used[n+2] {
			return 0, false
		}
		if slices.Contains(inner.Names, name) {
			name = fmt.Sprintf("$f%d", len(inner.Names))
		}
		inner.Exprs = append(inner.Exprs, e)
		inner.Names = append(inner.Names, name)
		return len(inner.Exprs) - 1, true
	}
	wa := &WindowAggregate{Spec: tvf.Spec}
	for i, k := range otherKeys {
		pos, ok := add(exprs[k], argName(exprs[k], fmt.Sprintf("$k%d", i)))
		if !ok {
			return nil
		}
		wa.Keys = append(wa.Keys, pos)
	}
	for i, call := range a.Aggs {
		if call.Arg >= 0 {
			pos, ok := add(exprs[call.Arg], argName(exprs[call.Arg], fmt.Sprintf("$a%d", i)))
			if !ok {
				return nil
			}
			call.Arg = pos
		}
		wa.Aggs = append(wa.Aggs, call)
	}
	tc := tvf.Input.Schema().Columns[tvf.Spec.TimeCol]
	pos, _ := add(&expr.Expr{Op: expr.OpCol, Index: tvf.Spec.TimeCol, Type: tc.Type, Name: tc.Name, Resolved: true}, tc.Name)
	wa.Spec.TimeCol = pos
	wa.Input = inner
	for i, r := range role {
		if r == -1 {
			wa.Names = append(wa.Names, a.Names[i])
		}
	}
	wa.Names = append(wa.Names, a.Names[len(a.Keys):]...)
	// The Calc over it puts the columns in the aggregation's order.
	out := wa.Schema()
	ref := func(i int) *expr.Expr {
		return &expr.Expr{Op: expr.OpCol, Index: i, Type: out.Columns[i].Type, Name: out.Columns[i].Name, Resolved: true}
	}
	post := &Calc{Input: wa, Names: a.Names}
	plain, nAggs := 0, len(a.Aggs)
	winBase := len(otherKeys) + nAggs
	for _, r := range role {
		if r == -1 {
			post.Exprs = append(post.Exprs, ref(plain))
			plain++
		} else {
			post.Exprs = append(post.Exprs, ref(winBase+r))
		}
	}
	for i := range a.Aggs {
		post.Exprs = append(post.Exprs, ref(len(otherKeys)+i))
	}
	return post
}

// windowSource finds the windowing TVF under an aggregation, directly or
// through a Calc that does not filter on the window columns, and what the
// aggregation's input columns are over the TVF's output; tvf is nil when
// there is none.
func windowSource(a *Aggregate) (tvf *WindowTVF, pre *Calc, exprs []*expr.Expr) {
	tvf, ok := a.Input.(*WindowTVF)
	if !ok {
		if pre, ok = a.Input.(*Calc); !ok {
			return nil, nil, nil
		}
		if tvf, ok = pre.Input.(*WindowTVF); !ok {
			return nil, nil, nil
		}
	}
	n := tvf.Input.Schema().Len()
	if pre != nil {
		used := map[int]bool{}
		columnsUsed(pre.Cond, used)
		if used[n] || used[n+1] || used[n+2] {
			return nil, nil, nil
		}
		return tvf, pre, pre.Exprs
	}
	out := tvf.Schema()
	for i, c := range out.Columns {
		exprs = append(exprs, colRef(i, c))
	}
	return tvf, nil, exprs
}

// checkSessionKeys refuses a SESSION window aggregation whose GROUP BY keys
// (besides the window's) are not its PARTITION BY keys: Flink finds the
// sessions per partition and groups within them, and the runtime finds
// them per grouping key, which is the same only when the two agree.
func checkSessionKeys(a *Aggregate) error {
	tvf, _, exprs := windowSource(a)
	if tvf == nil || tvf.Spec.Kind != runtime.Session {
		return nil
	}
	n := tvf.Input.Schema().Len()
	keys := map[int]bool{}
	for _, k := range a.Keys {
		e := exprs[k]
		if e.Op != expr.OpCol {
			return fmt.Errorf("SESSION windows: group by columns (and window_start, window_end), not by %s", e)
		}
		if e.Index < n {
			keys[e.Index] = true
		}
	}
	part := map[int]bool{}
	for _, p := range tvf.PartitionBy {
		part[p] = true
	}
	if !maps.Equal(keys, part) {
		return fmt.Errorf("SESSION windows: the GROUP BY keys besides window_start and window_end must be the PARTITION BY keys of SESSION")
	}
	return nil
}

// argName names a column of the Calc under a window aggregate: a plain
// column keeps its name.
func argName(e *expr.Expr, def string) string {
	if e.Op == expr.OpCol && e.Name != "" {
		return e.Name
	}
	return def
}

// InsertOnly reports whether a plan's output holds inserts only, or is a
// changelog with updates and deletes.
func InsertOnly(n Node) bool {
	switch n := n.(type) {
	case *Scan, *Values, *WindowAggregate, *dataStreamScan:
		return true
	case *Aggregate, *Rank, *Deduplicate:
		return false
	case *Join:
		// An interval join emits an outer row's padding once, when it
		// can no longer match: inserts only, as its inputs must be.
		return n.Interval != nil || n.Window != nil || n.Temporal != nil || n.Type == runtime.InnerJoin && InsertOnly(n.Left) && InsertOnly(n.Right)
	case *Union:
		for _, in := range n.Ins {
			if !InsertOnly(in) {
				return false
			}
		}
		return true
	}
	return InsertOnly(n.Inputs()[0])
}

// updatingNode is the node that first makes n's output a changelog.
func updatingNode(n Node) Node {
	switch n := n.(type) {
	case *Aggregate, *Rank, *Deduplicate:
		return n
	case *Join:
		if n.Type != runtime.InnerJoin && n.Interval == nil && n.Window == nil && n.Temporal == nil {
			return n
		}
	}
	for _, in := range n.Inputs() {
		if u := updatingNode(in); u != nil {
			return u
		}
	}
	return nil
}

func checkChangelog(n Node) error {
	for _, in := range n.Inputs() {
		if err := checkChangelog(in); err != nil {
			return err
		}
	}
	switch n := n.(type) {
	case *WindowTVF:
		if err := n.Spec.ValidateTableFunction(); err != nil {
			return err
		}
	case *WindowAggregate:
		if err := n.Spec.Validate(); err != nil {
			return err
		}
	}
	switch n := n.(type) {
	case *WindowTVF, *WindowAggregate, *WatermarkAssigner, *OverAggregate, *WindowRank:
		if !InsertOnly(n.Inputs()[0]) {
			return fmt.Errorf("%s doesn't support consuming update changes which is produced by node %s",
				strings.SplitN(n.describe(), "(", 2)[0], updatingNode(n).describe())
		}
	case *RowNumber:
		return fmt.Errorf("ROW_NUMBER() OVER on a stream needs a filter on its number in the query around it: WHERE %s <= N (Top-N), or %s = 1 ordered by a rowtime attribute (deduplication)", n.Name, n.Name)
	case *Deduplicate:
		if !InsertOnly(n.Input) {
			return fmt.Errorf("Deduplicate doesn't support consuming update changes which is produced by node %s", updatingNode(n.Input).describe())
		}
	case *Join:
		ins := n.Inputs()
		if n.Temporal != nil {
			ins = ins[:1] // the versioned table may be a changelog
		}
		for _, in := range ins {
			if (n.Interval != nil || n.Window != nil || n.Temporal != nil) && !InsertOnly(in) {
				return fmt.Errorf("%s doesn't support consuming update changes which is produced by node %s",
					strings.SplitN(n.describe(), "(", 2)[0], updatingNode(in).describe())
			}
		}
	case *Sink:
		sf, err := n.Table.SinkFactory()
		if err != nil {
			return err
		}
		if !sf.AcceptsChanges() && !InsertOnly(n.Input) {
			return fmt.Errorf("Table sink '%s' doesn't support consuming update changes which is produced by node %s",
				Qualified(n.Table.Name), updatingNode(n).describe())
		}
	}
	return nil
}
