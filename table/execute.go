package table

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
)

// InsertPlan is the optimized plan that writes t into the catalog table
// named sink: t's columns are cast to the sink's types where they differ
// (Flink's implicit cast on INSERT), and an updating t into an
// insert-only sink is refused.
func (t *Table) InsertPlan(ctx context.Context, sink string, columns ...string) (Node, error) {
	n, err := t.logicalInsert(ctx, sink, columns)
	if err != nil {
		return nil, err
	}
	return Optimize(n)
}

// logicalInsert is the plan of an INSERT before optimization.
func (t *Table) logicalInsert(ctx context.Context, sink string, columns []string) (Node, error) {
	if t.err != nil {
		return nil, t.err
	}
	target, err := t.env.catalog.Table(ctx, Unqualified(sink))
	if err != nil {
		if errors.Is(err, ErrTableNotFound) {
			return nil, fmt.Errorf("INSERT INTO: table %s not found", Unqualified(sink))
		}
		return nil, err
	}
	want := target.Physical()
	source := t.node
	if columns != nil {
		if source, err = t.fillColumns(target, columns); err != nil {
			return nil, err
		}
	}
	in := source.Schema()
	if in.Len() != want.Len() {
		return nil, fmt.Errorf("INSERT INTO %s: the query has %d columns, the table %d (%s)", target.Name, in.Len(), want.Len(), want)
	}
	calc := &Calc{Input: source}
	for i, c := range want.Columns {
		if !assignable(in.Columns[i].Type, c.Type) {
			return nil, fmt.Errorf("Incompatible types for sink column '%s' at position %d. Query schema: %s, sink schema: %s",
				c.Name, i, in, want)
		}
		var e *expr.Expr = colRef(i, in.Columns[i])
		if !in.Columns[i].Type.Plain().Nullable().Equal(c.Type.Nullable()) {
			r, err := expr.Resolve(expr.Cast(expr.Col(in.Columns[i].Name), c.Type), in, t.env.opts)
			if err != nil {
				return nil, fmt.Errorf("INSERT INTO %s: column %s: %w", target.Name, c.Name, err)
			}
			e = r
		}
		calc.Exprs = append(calc.Exprs, e)
		calc.Names = append(calc.Names, c.Name)
	}
	return &Sink{Input: calc, Table: target}, nil
}

// fillColumns places t's columns at the sink's columns named in columns
// (INSERT INTO sink (a, c) ...) and NULL at the others, which must be
// nullable.
func (t *Table) fillColumns(target *CatalogTable, columns []string) (Node, error) {
	in := t.node.Schema()
	want := target.Physical()
	if len(columns) != in.Len() {
		return nil, fmt.Errorf("INSERT INTO %s: %d columns listed, the query has %d", target.Name, len(columns), in.Len())
	}
	from := map[string]int{}
	for i, name := range columns {
		if want.Index(name) < 0 {
			return nil, fmt.Errorf("INSERT INTO %s: unknown target column %s", target.Name, name)
		}
		if _, dup := from[name]; dup {
			return nil, fmt.Errorf("INSERT INTO %s: column %s listed twice", target.Name, name)
		}
		from[name] = i
	}
	calc := &Calc{Input: t.node}
	for _, c := range want.Columns {
		calc.Names = append(calc.Names, c.Name)
		if i, ok := from[c.Name]; ok {
			calc.Exprs = append(calc.Exprs, colRef(i, in.Columns[i]))
			continue
		}
		if c.Type.NotNull {
			return nil, fmt.Errorf("INSERT INTO %s: column %s has no default value and does not allow NULLs", target.Name, c.Name)
		}
		null, err := expr.Resolve(expr.Cast(expr.Lit(nil), c.Type), in, t.env.opts)
		if err != nil {
			return nil, err
		}
		calc.Exprs = append(calc.Exprs, null)
	}
	return calc, nil
}

// assignable reports whether a query column of type from may be written
// into a sink column of type to with an implicit cast, as Flink allows: the
// same type at another length or precision, a wider number, or NULL.
func assignable(from, to data.Type) bool {
	if from.Kind == to.Kind || from.Kind == data.Null {
		return true
	}
	rank := map[data.Kind]int{data.Int: 1, data.BigInt: 2, data.Decimal: 3, data.Double: 4}
	return rank[from.Kind] > 0 && rank[to.Kind] > rank[from.Kind]
}

// SelectPlan is the optimized plan that hands t's rows to its client.
func (t *Table) SelectPlan() (Node, error) {
	if t.err != nil {
		return nil, t.err
	}
	return Optimize(&Collect{Input: t.node})
}

// ExecuteInsert writes t into the table named sink (into the sink's
// columns named in columns, NULL into the others, when any are named):
// inside a DataStream job it adds the pipeline to the job; else it submits
// a job and returns its id.
func (t *Table) ExecuteInsert(ctx context.Context, sink string, columns ...string) (string, error) {
	plan, err := t.InsertPlan(ctx, sink, columns...)
	if err != nil {
		return "", err
	}
	return t.env.run(ctx, plan)
}

// Execute runs t as a query whose rows its client fetches (Flink's
// Table.execute) and returns the job's id.
func (t *Table) Execute(ctx context.Context) (string, error) {
	plan, err := t.SelectPlan()
	if err != nil {
		return "", err
	}
	return t.env.run(ctx, plan)
}

func (e *Env) run(ctx context.Context, plan Node) (string, error) {
	if e.senv != nil {
		return "", Translate(e.senv, plan)
	}
	if e.submit == nil {
		return "", errors.New("this table environment cannot run jobs")
	}
	return e.submit(ctx, plan)
}

// ToDataStream is t's changelog as a DataStream of rows, inside a
// DataStream job. Rows share memory blocks (data.Allocator): a function
// that keeps many rows for long keeps their Clones.
func (t *Table) ToDataStream() (*stream.DataStream[data.Row], error) {
	if t.err != nil {
		return nil, t.err
	}
	if t.env.senv == nil {
		return nil, errors.New("ToDataStream needs a table environment made with NewStreamEnv")
	}
	plan, err := Optimize(t.node)
	if err != nil {
		return nil, err
	}
	tr := &translator{env: t.env.senv, done: map[Node]*stream.DataStream[data.Row]{}}
	return tr.node(plan)
}

// FromDataStream is a table over a DataStream of rows whose fields have
// schema's types, inside a DataStream job. Its rows keep the event
// timestamps they carry; a column marked as rowtime is read as such.
func (e *Env) FromDataStream(s *stream.DataStream[data.Row], schema data.Schema) *Table {
	if e.senv == nil {
		return e.fail(errors.New("FromDataStream needs a table environment made with NewStreamEnv"))
	}
	if err := schema.CheckNames(); err != nil {
		return e.fail(err)
	}
	return &Table{env: e, node: &dataStreamScan{s: s, schema: schema}}
}

// dataStreamScan is a DataStream read as a table; it lives only inside the
// job that built it, so it never travels in a spec.
type dataStreamScan struct {
	s      *stream.DataStream[data.Row]
	schema data.Schema
}

func (d *dataStreamScan) Schema() data.Schema { return d.schema }
func (d *dataStreamScan) Inputs() []Node      { return nil }
func (d *dataStreamScan) describe() string {
	return fmt.Sprintf("DataStreamScan(fields=[%s])", strings.Join(d.schema.Names(), ", "))
}

// Explain explains the INSERT of t into sink (its columns named in
// columns, if any), or, with sink empty, the query t.
func (t *Table) Explain(ctx context.Context, sink string, parallelism int, columns ...string) (string, error) {
	if t.err != nil {
		return "", t.err
	}
	var n Node = &Collect{Input: t.node}
	if sink != "" {
		var err error
		if n, err = t.logicalInsert(ctx, sink, columns); err != nil {
			return "", err
		}
	}
	return Explain(n, parallelism)
}

// Explain prints a plan as Flink's EXPLAIN does, in three parts: the
// logical plan as built, the optimized plan, and the chained tasks the
// job runs.
func Explain(logical Node, parallelism int) (string, error) {
	optimized, err := Optimize(logical)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("== Abstract Syntax Tree ==\n")
	writeTree(&b, logical, "")
	b.WriteString("\n== Optimized Physical Plan ==\n")
	writeTree(&b, optimized, "")
	tasks, err := chainedTasks(optimized, parallelism)
	if err != nil {
		return "", err
	}
	b.WriteString("\n== Tasks ==\n")
	b.WriteString(tasks)
	return b.String(), nil
}

func writeTree(b *strings.Builder, n Node, indent string) {
	b.WriteString(n.describe())
	b.WriteByte('\n')
	for _, in := range n.Inputs() {
		b.WriteString(indent + "+- ")
		writeTree(b, in, indent+"   ")
	}
}

// chainedTasks builds the plan's job graph as a node would and prints its
// chained tasks.
func chainedTasks(plan Node, parallelism int) (string, error) {
	arg, err := PlanArgValue(plan)
	if err != nil {
		return "", err
	}
	prog, err := stream.Default.Build(jobgraph.Spec{Job: JobName, Args: map[string]string{PlanArg: arg}, Parallelism: parallelism})
	if err != nil {
		return "", err
	}
	p, err := scheduler.Chain(prog.Graph())
	if err != nil {
		return "", err
	}
	return p.String(), nil
}
