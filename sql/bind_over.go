package sql

import (
	"reflect"
	"strconv"

	"github.com/runnel/runnel/table"
	"github.com/runnel/runnel/table/expr"
)

// itemName is the name of select item i: its alias, else EXPR$i.
func itemName(it *SelectItem, i int) string {
	if it.Alias != "" {
		return it.Alias
	}
	return "EXPR$" + strconv.Itoa(i)
}

// overAggregates binds the select items that are aggregates OVER a
// window (SUM(v) OVER w) into one OVER aggregation of t, which Flink
// requires to share one window, and returns the table and the column
// name of each such item by its position.
func (b *binder) overAggregates(list []*SelectItem, t *table.Table) (*table.Table, map[int]string, error) {
	var win *table.OverWindow
	var calls []*expr.Expr
	var names []string
	cols := map[int]string{}
	for i, it := range list {
		c, ok := it.Expr.(*Call)
		if !ok || c.Over == nil || !expr.IsAggregate(c.Name) {
			continue
		}
		w, err := b.overWindow(c.Over)
		if err != nil {
			return nil, nil, err
		}
		if win != nil && !reflect.DeepEqual(*win, w) {
			return nil, nil, errAt(c, "the OVER aggregates of a SELECT must share one window")
		}
		win = &w
		if c.Filter != nil {
			return nil, nil, errAt(c, "FILTER (WHERE ...) on aggregates is not supported yet")
		}
		call := expr.Call(c.Name)
		if !c.Star {
			if call, err = b.call(c, c.Name, c.Args...); err != nil {
				return nil, nil, err
			}
		}
		call.Distinct = c.Distinct
		calls, names = append(calls, call), append(names, itemName(it, i))
		cols[i] = names[len(names)-1]
	}
	if win == nil {
		return t, nil, nil
	}
	out := t.OverAggregate(*win, calls, names)
	return out, cols, wrapAt(list[0], b.pointAtColumn(out.Err()))
}

// overWindow reads an OVER clause of an aggregate, or the named window it
// refers to.
func (b *binder) overWindow(spec *WindowSpec) (table.OverWindow, error) {
	if spec.Ref != "" {
		var named *WindowSpec
		for _, w := range b.windows {
			if w.Name == spec.Ref {
				named = w.Spec
			}
		}
		if named == nil {
			return table.OverWindow{}, errAt(spec, "window '%s' is not defined in the WINDOW clause", spec.Ref)
		}
		if len(spec.PartitionBy) > 0 || len(spec.OrderBy) > 0 || spec.Frame != nil {
			return table.OverWindow{}, errAt(spec, "refining a named window is not supported; write the whole window")
		}
		spec = named
	}
	var w table.OverWindow
	for _, p := range spec.PartitionBy {
		n, err := b.columnName(p, "PARTITION BY of an OVER window")
		if err != nil {
			return w, err
		}
		w.PartitionBy = append(w.PartitionBy, n)
	}
	if len(spec.OrderBy) != 1 || spec.OrderBy[0].Desc {
		return w, errAt(spec, "an OVER window is ordered by one rowtime attribute, ascending")
	}
	var err error
	if w.OrderBy, err = b.columnName(spec.OrderBy[0].Expr, "ORDER BY of an OVER window"); err != nil {
		return w, err
	}
	f := spec.Frame
	if f == nil {
		// SQL's default with ORDER BY: RANGE BETWEEN UNBOUNDED PRECEDING
		// AND CURRENT ROW.
		w.Unbounded = true
		return w, nil
	}
	if f.End.Kind != CurrentRow {
		return w, errAt(f, "an OVER window must end at the CURRENT ROW")
	}
	w.Rows = f.Rows
	switch f.Start.Kind {
	case UnboundedPreceding:
		w.Unbounded = true
	case CurrentRow:
	case Preceding:
		if f.Rows {
			lit, ok := f.Start.Offset.(*Literal)
			if !ok || lit.Kind != LitInt {
				return w, errAt(f, "ROWS BETWEEN n PRECEDING takes a whole number")
			}
			n, err := strconv.ParseInt(lit.Text, 10, 64)
			if err != nil {
				return w, errAt(f, "ROWS BETWEEN n PRECEDING: %v", err)
			}
			w.PrecedingRows = n
		} else {
			d, err := intervalArg(f.Start.Offset)
			if err != nil {
				return w, err
			}
			w.PrecedingTime = d
		}
	default:
		return w, errAt(f, "an OVER window must start before or at the CURRENT ROW")
	}
	return w, nil
}

// columnName is the FROM table's name of a column reference e.
func (b *binder) columnName(e Expr, what string) (string, error) {
	id, ok := e.(*Ident)
	if !ok {
		return "", errAt(e, "%s takes columns", what)
	}
	if b.scope == nil {
		return id.Parts[len(id.Parts)-1], nil
	}
	return b.scope.column(id)
}
