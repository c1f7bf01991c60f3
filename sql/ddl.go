package sql

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/runnel/runnel/table"
)

func (s *Session) createTable(ctx context.Context, b *binder, st *CreateTable) (Result, error) {
	if st.Temporary {
		return Result{}, errAt(st, "CREATE TEMPORARY TABLE is not supported; tables live in the cluster's catalog")
	}
	t := &table.CatalogTable{Name: tableName(st.Name), Options: map[string]string{}, Comment: st.Comment}
	for _, c := range st.Columns {
		col := table.CatalogColumn{Name: c.Name}
		if c.Expr != nil {
			e, err := b.expr(c.Expr)
			if err != nil {
				return Result{}, err
			}
			col.Expr, col.SQL = e, Format(c.Expr)
		} else {
			typ, err := typeOf(c.Type)
			if err != nil {
				return Result{}, err
			}
			col.Type = typ
		}
		t.Columns = append(t.Columns, col)
	}
	if wm := st.Watermark; wm != nil {
		e, err := b.expr(wm.Expr)
		if err != nil {
			return Result{}, err
		}
		t.Watermark = &table.WatermarkSpec{Column: wm.Column, Expr: e, SQL: Format(wm.Expr)}
	}
	if pk := st.PrimaryKey; pk != nil {
		t.PrimaryKey = pk.Columns
	}
	for _, o := range st.Options {
		if _, dup := t.Options[o.Key]; dup {
			return Result{}, errAt(o, "option '%s' is given twice", o.Key)
		}
		t.Options[o.Key] = o.Value
	}
	if err := t.Resolve(s.env.Options()); err != nil {
		return Result{}, errAt(st, "%v", err)
	}
	if err := s.cluster.Catalog().CreateTable(ctx, t, st.IfNotExists); err != nil {
		if errors.Is(err, table.ErrTableExists) {
			return Result{}, errAt(st, "table %s already exists", t.Name)
		}
		return Result{}, wrapAt(st, err)
	}
	return ok("Execute statement succeeded."), nil
}

func (s *Session) show(ctx context.Context, st *Show) (Result, error) {
	var names []string
	var col string
	switch st.Object {
	case "TABLES":
		ts, err := s.cluster.Catalog().Tables(ctx)
		if err != nil {
			return Result{}, err
		}
		names, col = append(ts, s.env.Views()...), "table name"
	case "VIEWS":
		names, col = s.env.Views(), "view name"
	default:
		return Result{}, errAt(st, "SHOW %s is not supported", st.Object)
	}
	slices.Sort(names)
	r := Result{Kind: ResultTable, Columns: []Column{{col, "STRING"}}}
	for _, n := range names {
		r.Rows = append(r.Rows, []string{n})
	}
	return r, nil
}

// describe prints a table's columns as Flink's DESCRIBE: name, type, null,
// key, extras (a computed column's expression), watermark.
func (s *Session) describe(ctx context.Context, st *Describe) (Result, error) {
	name := tableName(st.Name)
	t, err := s.cluster.Catalog().Table(ctx, name)
	if errors.Is(err, table.ErrTableNotFound) {
		view := s.env.From(ctx, name)
		if view.Err() != nil {
			return Result{}, errAt(st, "table or view %s does not exist", name)
		}
		r := describeHeader()
		for _, c := range view.Schema().Columns {
			r.Rows = append(r.Rows, []string{c.Name, typeOnly(c.Type.String()), nullText(!c.Type.NotNull), "", "", ""})
		}
		return r, nil
	}
	if err != nil {
		return Result{}, wrapAt(st, err)
	}
	r := describeHeader()
	schema := t.Schema()
	for i, c := range t.Columns {
		typ := schema.Columns[i].Type
		key, extras, wm := "", "", ""
		if slices.Contains(t.PrimaryKey, c.Name) {
			key = "PRI(" + strings.Join(t.PrimaryKey, ", ") + ")"
		}
		if c.Expr != nil {
			extras = "AS " + c.SQL
		}
		if t.Watermark != nil && t.Watermark.Column == c.Name {
			wm = t.Watermark.SQL
		}
		r.Rows = append(r.Rows, []string{c.Name, typeOnly(typ.String()), nullText(!typ.NotNull), key, extras, wm})
	}
	return r, nil
}

func describeHeader() Result {
	return Result{Kind: ResultTable, Columns: []Column{
		{"name", "STRING"}, {"type", "STRING"}, {"null", "BOOLEAN"}, {"key", "STRING"}, {"extras", "STRING"}, {"watermark", "STRING"},
	}}
}

// typeOnly drops NOT NULL, which DESCRIBE shows in its own column.
func typeOnly(t string) string { return strings.Replace(t, " NOT NULL", "", 1) }

func nullText(nullable bool) string {
	if nullable {
		return "TRUE"
	}
	return "FALSE"
}
