// Package table is runnel's relational layer: the Go Table API, the
// catalog model, the logical plan and its planner, and the translation of
// a plan into DataStream operators. SQL (package sql) builds the same
// plans through the same calls.
package table

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
)

// Env is a table environment (Flink's TableEnvironment): where tables are
// looked up, the session's options, and where finished pipelines go.
// Embedded in a DataStream job (NewStreamEnv) a pipeline is added to that
// job; driving a cluster (NewEnv with a Submitter) it becomes a job of its
// own.
type Env struct {
	catalog Catalog
	views   map[string]Node
	opts    expr.Options
	senv    *stream.Env
	submit  Submitter
	// stateTTL is table.exec.state.ttl, which plans take when built.
	stateTTL time.Duration
}

// Submitter runs an optimized plan as a job and returns the job's id.
type Submitter func(ctx context.Context, plan Node) (string, error)

// NewEnv is a table environment over catalog whose pipelines go to
// submit.
func NewEnv(catalog Catalog, submit Submitter) *Env {
	return &Env{catalog: catalog, views: map[string]Node{}, opts: expr.Options{Location: time.UTC}, submit: submit}
}

// NewStreamEnv is a table environment inside a DataStream job: its tables
// are those registered on it (CreateTemporaryTable, FromDataStream), and
// ExecuteInsert adds the pipeline to senv.
func NewStreamEnv(senv *stream.Env) *Env {
	return &Env{catalog: NewMemCatalog(), views: map[string]Node{}, opts: expr.Options{Location: time.UTC}, senv: senv}
}

// SetLocalTimeZone sets table.local-time-zone.
func (e *Env) SetLocalTimeZone(loc *time.Location) { e.opts.Location = loc }

// SetIdleStateRetention sets table.exec.state.ttl (Flink's
// TableConfig.setIdleStateRetention): how long the state a join or an
// unwindowed aggregation keeps for a key lives after its last update.
// Zero, the default, keeps it forever. A plan takes the value it had when
// the plan was built.
func (e *Env) SetIdleStateRetention(d time.Duration) { e.stateTTL = d }

// Options are the expression options of the session.
func (e *Env) Options() expr.Options { return e.opts }

// Catalog is the environment's catalog.
func (e *Env) Catalog() Catalog { return e.catalog }

// CreateTemporaryTable declares a table in this environment only.
func (e *Env) CreateTemporaryTable(ctx context.Context, t *CatalogTable) error {
	if err := t.Resolve(e.opts); err != nil {
		return err
	}
	return e.catalog.CreateTable(ctx, t, false)
}

// CreateTemporaryView names a table's plan for later queries in this
// environment (Flink's temporary views live in the session).
func (e *Env) CreateTemporaryView(name string, t *Table, ignoreIfExists bool) error {
	if t.err != nil {
		return t.err
	}
	if _, ok := e.views[name]; ok {
		if ignoreIfExists {
			return nil
		}
		return fmt.Errorf("temporary view %s already exists", name)
	}
	e.views[name] = t.node
	return nil
}

// DropTemporaryView forgets a view.
func (e *Env) DropTemporaryView(name string, ignoreIfNotExists bool) error {
	if _, ok := e.views[name]; !ok {
		if ignoreIfNotExists {
			return nil
		}
		return fmt.Errorf("temporary view %s does not exist", name)
	}
	delete(e.views, name)
	return nil
}

// Views are the temporary views' names.
func (e *Env) Views() []string {
	names := make([]string, 0, len(e.views))
	for n := range e.views {
		names = append(names, n)
	}
	return names
}

// From is the table or view named name.
func (e *Env) From(ctx context.Context, name string) *Table {
	name = Unqualified(name)
	if v, ok := e.views[name]; ok {
		return &Table{env: e, node: v}
	}
	t, err := e.catalog.Table(ctx, name)
	if err != nil {
		if errors.Is(err, ErrTableNotFound) {
			return e.fail(fmt.Errorf("table or view %s not found", name))
		}
		return e.fail(err)
	}
	return &Table{env: e, node: scanTable(t)}
}

// unqualified strips Flink's default catalog and database from a name.
func Unqualified(name string) string {
	for _, p := range []string{"default_catalog.default_database.", "default_database."} {
		if len(name) > len(p) && name[:len(p)] == p {
			return name[len(p):]
		}
	}
	return name
}

// scanTable is a table's read as Flink plans it: the scan of the physical
// columns, a Calc adding the computed columns, the watermark assigner.
func scanTable(t *CatalogTable) Node {
	phys := t.Physical()
	fields := make([]int, phys.Len())
	for i := range fields {
		fields[i] = i
	}
	var n Node = &Scan{Table: t, Fields: fields}
	computed := false
	for _, c := range t.Columns {
		computed = computed || c.Expr != nil
	}
	if computed {
		c := &Calc{Input: n}
		p := 0
		for _, col := range t.Columns {
			e := col.Expr
			if e == nil {
				e = colRef(p, phys.Columns[p])
				p++
			}
			c.Exprs = append(c.Exprs, e)
			c.Names = append(c.Names, col.Name)
		}
		n = c
	}
	if wm := t.Watermark; wm != nil {
		i := n.Schema().Index(wm.Column)
		delay, _ := watermarkDelay(wm.Expr, i)
		n = &WatermarkAssigner{Input: n, Rowtime: i, Delay: delay, Expr: wm.Expr}
	}
	return n
}

func colRef(i int, c data.Column) *expr.Expr {
	return &expr.Expr{Op: expr.OpCol, Index: i, Name: c.Name, Type: c.Type, Resolved: true}
}

func (e *Env) fail(err error) *Table { return &Table{env: e, err: err} }

// FromValues is a bounded table of constant rows (SQL's VALUES): each
// column takes the type its values meet at, and is named EXPR$n as in
// Flink.
func (e *Env) FromValues(rows ...[]*expr.Expr) *Table {
	if len(rows) == 0 {
		return e.fail(fmt.Errorf("VALUES without rows"))
	}
	width := len(rows[0])
	resolved := make([][]*expr.Expr, len(rows))
	for i, r := range rows {
		if len(r) != width {
			return e.fail(fmt.Errorf("VALUES: row %d has %d values, row 1 has %d", i+1, len(r), width))
		}
		for _, v := range r {
			rv, err := expr.Resolve(v, data.Schema{}, e.opts)
			if err != nil {
				return e.fail(fmt.Errorf("VALUES: %w", err))
			}
			resolved[i] = append(resolved[i], rv)
		}
	}
	vals := &Values{Columns: data.Schema{Columns: make([]data.Column, width)}}
	for c := range width {
		var ts []data.Type
		for _, r := range resolved {
			ts = append(ts, r[c].Type)
		}
		ct, ok := expr.CommonType(ts)
		if !ok {
			return e.fail(fmt.Errorf("VALUES: column %d has types %v, which have no common type", c+1, ts))
		}
		if ct.Kind == data.Null {
			return e.fail(fmt.Errorf("VALUES: column %d is only NULL; CAST it to a type", c+1))
		}
		vals.Columns.Columns[c] = data.Column{Name: fmt.Sprintf("EXPR$%d", c), Type: ct}
	}
	for i, r := range resolved {
		row := make([]data.Value, width)
		for c, v := range r {
			if want := vals.Columns.Columns[c].Type; !v.Type.Equal(want) {
				cast, err := expr.Resolve(expr.Cast(rows[i][c], want), data.Schema{}, e.opts)
				if err != nil {
					return e.fail(fmt.Errorf("VALUES: %w", err))
				}
				v = cast
			}
			ev, err := expr.Compile(v)
			if err != nil {
				return e.fail(fmt.Errorf("VALUES: %w", err))
			}
			if row[c], err = ev(data.Row{}); err != nil {
				return e.fail(fmt.Errorf("VALUES: %w", err))
			}
		}
		vals.Rows = append(vals.Rows, row)
	}
	return &Table{env: e, node: vals}
}
