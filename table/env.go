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
