package sql

import (
	"cmp"

	"github.com/runnel/runnel/table"
	"github.com/runnel/runnel/table/expr"
)

// join binds a JOIN of two FROM items. The joined table has the left
// side's columns, then the right side's, renamed where the left has the
// name already (id becomes id0, as in Calcite); the scope keeps both
// sides' own names, so that a.id and b.id resolve.
func (b *binder) join(j *Join) (*table.Table, *scope, error) {
	var method func(l, r *table.Table, cond *expr.Expr) *table.Table
	switch j.Kind {
	case InnerJoin:
		method = (*table.Table).Join
	case LeftJoin:
		method = (*table.Table).LeftOuterJoin
	case RightJoin:
		method = (*table.Table).RightOuterJoin
	case FullJoin:
		method = (*table.Table).FullOuterJoin
	default:
		return nil, nil, errAt(j, "%s is not supported: a streaming join needs an equality condition, as in JOIN ... ON a.id = b.id", j.Kind)
	}
	if len(j.Using) > 0 {
		return nil, nil, errAt(j, "JOIN ... USING is not supported yet; write JOIN ... ON")
	}
	lt, ls, err := b.from(j.L)
	if err != nil {
		return nil, nil, err
	}
	var rt *table.Table
	var rs *scope
	temporal, _ := j.R.(*TemporalTable)
	if temporal != nil {
		if rt, rs, err = b.versionedTable(j, temporal, ls, &method); err != nil {
			return nil, nil, err
		}
	} else if rt, rs, err = b.from(j.R); err != nil {
		return nil, nil, err
	}
	left, right := lt.Schema().Names(), rt.Schema().Names()
	names := table.UniqueNames(append(append([]string(nil), left...), right...))[len(left):]
	renamed := map[string]string{}
	for i, n := range right {
		if names[i] != n {
			renamed[n] = names[i]
		}
	}
	if len(renamed) > 0 {
		rt = rt.As(names...)
		if err := rt.Err(); err != nil {
			return nil, nil, wrapAt(j, err)
		}
		for _, r := range rs.rels {
			for k, c := range r.cols {
				if n, ok := renamed[c]; ok {
					r.cols[k] = n
				}
			}
		}
	}
	sc := &scope{rels: append(ls.rels, rs.rels...)}
	saved := b.scope
	b.scope = sc
	cond, err := b.expr(j.On)
	b.scope = saved
	if err != nil {
		return nil, nil, err
	}
	t := method(lt, rt, cond)
	return t, sc, b.pointAtColumn(wrapAt(j.On, t.Err()))
}

// versionedTable binds the right side of a temporal join, `rates FOR
// SYSTEM_TIME AS OF o.ts AS r`, and makes method the temporal join as of
// the left column it names.
func (b *binder) versionedTable(j *Join, tt *TemporalTable, left *scope, method *func(l, r *table.Table, cond *expr.Expr) *table.Table) (*table.Table, *scope, error) {
	id, ok := tt.AsOf.(*Ident)
	if !ok {
		return nil, nil, errAt(tt.AsOf, "FOR SYSTEM_TIME AS OF takes a rowtime column of the left table")
	}
	asOf, err := left.column(id)
	if err != nil {
		return nil, nil, err
	}
	switch j.Kind {
	case InnerJoin:
		*method = func(l, r *table.Table, cond *expr.Expr) *table.Table { return l.TemporalJoin(r, asOf, cond) }
	case LeftJoin:
		*method = func(l, r *table.Table, cond *expr.Expr) *table.Table { return l.LeftOuterTemporalJoin(r, asOf, cond) }
	default:
		return nil, nil, errAt(j, "a temporal join is an INNER or a LEFT join, not %s", j.Kind)
	}
	t := b.named(tt.Name)
	if err := t.Err(); err != nil {
		return nil, nil, errAt(tt, "%v", err)
	}
	return t, &scope{rels: []relation{newRelation(cmp.Or(tt.Alias, tt.Name[len(tt.Name)-1]), t)}}, nil
}
