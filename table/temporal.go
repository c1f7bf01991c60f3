package table

import (
	"fmt"
	"slices"

	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
	"github.com/runnel/runnel/table/runtime"
)

// TemporalBounds are an event-time temporal join's time columns (Flink's
// temporal join FOR SYSTEM_TIME AS OF): each left row at its LeftTime
// joins the version of its key in the right side, a versioned table,
// valid at that time.
type TemporalBounds struct {
	LeftTime, RightTime int
}

// TemporalJoin joins each row of t with the version of right valid at the
// row's rowtime column asOf (SQL's JOIN right FOR SYSTEM_TIME AS OF
// t.asOf ON cond): right is a versioned table, with a primary key, which
// cond must equate with columns of t, and a rowtime attribute. Rows of t
// without a version are dropped.
func (t *Table) TemporalJoin(right *Table, asOf string, cond *expr.Expr) *Table {
	return t.temporalJoin(right, runtime.InnerJoin, asOf, cond)
}

// LeftOuterTemporalJoin is TemporalJoin keeping the rows of t without a
// version, padded with NULLs.
func (t *Table) LeftOuterTemporalJoin(right *Table, asOf string, cond *expr.Expr) *Table {
	return t.temporalJoin(right, runtime.LeftJoin, asOf, cond)
}

func (t *Table) temporalJoin(right *Table, typ runtime.JoinType, asOf string, cond *expr.Expr) *Table {
	j := t.join(right, typ, cond)
	if j.err != nil {
		return j
	}
	n := j.node.(*Join)
	if err := n.makeTemporal(asOf); err != nil {
		return t.with(nil, fmt.Errorf("temporal join: %w", err))
	}
	return j
}

// makeTemporal turns a join, whose condition was split into keys already,
// into a temporal join as of the left column asOf.
func (j *Join) makeTemporal(asOf string) error {
	l, r := j.Left.Schema(), j.Right.Schema()
	lt := l.Index(asOf)
	switch {
	case lt < 0:
		return &expr.UnknownColumnError{Name: asOf, Input: l.Names()}
	case l.Columns[lt].Type.Time != data.Rowtime:
		return fmt.Errorf("FOR SYSTEM_TIME AS OF must name a rowtime attribute of the left table; %s is %s", asOf, l.Columns[lt].Type)
	case r.RowtimeIndex() < 0:
		return fmt.Errorf("the versioned table needs a rowtime attribute (a WATERMARK)")
	}
	pk := primaryKey(j.Right)
	if len(pk) == 0 {
		return fmt.Errorf("the versioned table needs a PRIMARY KEY")
	}
	for _, k := range pk {
		if !slices.Contains(j.RightKeys, k) {
			return fmt.Errorf("the condition must equate every column of the versioned table's primary key, missing %s", r.Columns[k].Name)
		}
	}
	j.Temporal = &TemporalBounds{LeftTime: lt, RightTime: r.RowtimeIndex()}
	j.Interval = nil
	return nil
}

// primaryKey is n's primary key, the columns of its table's PRIMARY KEY
// that come through projections and renames, or nil.
func primaryKey(n Node) []int {
	switch n := n.(type) {
	case *Scan:
		s := n.Schema()
		var out []int
		for _, name := range n.Table.PrimaryKey {
			i := s.Index(name)
			if i < 0 {
				return nil // projected away
			}
			out = append(out, i)
		}
		return out
	case *WatermarkAssigner:
		return primaryKey(n.Input)
	case *Calc:
		if n.Cond != nil {
			return nil // a filtered versioned table loses versions
		}
		var out []int
		for _, k := range primaryKey(n.Input) {
			i := slices.IndexFunc(n.Exprs, func(e *expr.Expr) bool { return e.Op == expr.OpCol && e.Index == k })
			if i < 0 {
				return nil
			}
			out = append(out, i)
		}
		return out
	}
	return nil
}
