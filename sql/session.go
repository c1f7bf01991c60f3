package sql

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/table"
	"github.com/runnel/runnel/table/expr"
)

// Cluster is what a SQL session needs from the cluster it runs on.
type Cluster interface {
	Catalog() table.Catalog
	// SubmitJob runs spec and returns the job's id.
	SubmitJob(ctx context.Context, spec jobgraph.Spec) (string, error)
	// JobStatus is a job's status and, once failed, its error.
	JobStatus(ctx context.Context, id string) (status, failure string, err error)
}

// Result kinds.
const (
	ResultOK    = "OK"    // a statement that changed something
	ResultTable = "TABLE" // rows to show (SHOW, DESCRIBE, SET, EXPLAIN)
	ResultJob   = "JOB"   // an INSERT's job
	ResultQuery = "QUERY" // a SELECT's job, whose rows are fetched
)

// Column is a result column.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Result is what one statement returns.
type Result struct {
	Statement string     `json:"statement"`
	Kind      string     `json:"kind"`
	Message   string     `json:"message,omitempty"`
	Columns   []Column   `json:"columns,omitempty"`
	Rows      [][]string `json:"rows,omitempty"`
	JobID     string     `json:"job_id,omitempty"`
	// InsertOnly tells a client whether a query's rows only append (shown
	// as a log) or update (shown as a changing table).
	InsertOnly bool `json:"insert_only,omitempty"`
}

// Session holds what statements set for later ones: options (SET) and
// temporary views, as Flink's SQL client session.
type Session struct {
	cluster Cluster
	env     *table.Env
	conf    map[string]string
}

// NewSession is a session on cluster.
func NewSession(c Cluster) *Session {
	s := &Session{cluster: c, conf: map[string]string{}}
	s.env = table.NewEnv(c.Catalog(), s.submit)
	return s
}

// The session options that are not job settings, with their defaults.
var sessionDefaults = map[string]string{
	"parallelism.default":              "1",
	"pipeline.name":                    "",
	"table.local-time-zone":            "UTC",
	"table.dml-sync":                   "false",
	"sql-client.execution.result-mode": "table",
	"pipeline.auto-watermark-interval": "200ms",
	"table.exec.state.ttl":             "0 ms",
}

// Execute runs a script's statements in order and returns their results;
// it stops at the first failing statement and returns the results before
// it with the error.
func (s *Session) Execute(ctx context.Context, script string) ([]Result, error) {
	stmts, err := Parse(script)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, st := range stmts {
		r, err := s.execute(ctx, st)
		if err != nil {
			return out, err
		}
		r.Statement = st.Source()
		out = append(out, r)
	}
	return out, nil
}

func (s *Session) execute(ctx context.Context, st Statement) (_ Result, err error) {
	b := &binder{ctx: ctx, env: s.env, idents: map[string]Pos{}}
	defer func() { err = b.pointAtColumn(err) }()
	switch st := st.(type) {
	case *CreateTable:
		return s.createTable(ctx, b, st)
	case *DropTable:
		err := s.cluster.Catalog().DropTable(ctx, tableName(st.Name), st.IfExists)
		if errors.Is(err, table.ErrTableNotFound) {
			return Result{}, errAt(st, "table %s does not exist", tableName(st.Name))
		}
		return ok("Execute statement succeeded."), wrapAt(st, err)
	case *CreateView:
		if !st.Temporary {
			return Result{}, errAt(st, "only CREATE TEMPORARY VIEW is supported")
		}
		t, err := b.query(st.Query)
		if err != nil {
			return Result{}, err
		}
		if len(st.Columns) > 0 {
			t = t.As(st.Columns...)
		}
		if err := s.env.CreateTemporaryView(tableName(st.Name), t, st.IfNotExists); err != nil {
			return Result{}, wrapAt(st, err)
		}
		return ok("Execute statement succeeded."), nil
	case *DropView:
		return ok("Execute statement succeeded."), wrapAt(st, s.env.DropTemporaryView(tableName(st.Name), st.IfExists))
	case *Show:
		return s.show(ctx, st)
	case *Describe:
		return s.describe(ctx, st)
	case *Set:
		return s.set(st)
	case *Reset:
		if st.Key == "" {
			s.conf = map[string]string{}
		} else {
			delete(s.conf, st.Key)
		}
		s.applyOptions()
		return ok("Execute statement succeeded."), nil
	case *Insert:
		return s.insert(ctx, b, st)
	case *QueryStmt:
		return s.query(ctx, b, st)
	case *Explain:
		return s.explain(ctx, b, st)
	}
	return Result{}, errAt(st, "unsupported statement")
}

func ok(msg string) Result { return Result{Kind: ResultOK, Message: msg} }

// tableName is the catalog's name of a table or view: Flink's default
// catalog and database may be written before it.
func tableName(parts []string) string { return table.Unqualified(strings.Join(parts, ".")) }

func (s *Session) set(st *Set) (Result, error) {
	if st.Key == "" {
		conf := maps.Clone(sessionDefaults)
		maps.Copy(conf, s.conf)
		r := Result{Kind: ResultTable, Columns: []Column{{"key", "STRING"}, {"value", "STRING"}}}
		for _, k := range slices.Sorted(maps.Keys(conf)) {
			r.Rows = append(r.Rows, []string{k, conf[k]})
		}
		return r, nil
	}
	if _, known := sessionDefaults[st.Key]; !known && !jobgraph.IsSetting(st.Key) {
		return Result{}, errAt(st, "unknown option '%s' (known: %s, execution.checkpointing.*, restart-strategy.*)",
			st.Key, strings.Join(slices.Sorted(maps.Keys(sessionDefaults)), ", "))
	}
	if err := s.checkOption(st.Key, st.Value); err != nil {
		return Result{}, errAt(st, "option '%s' = '%s': %v", st.Key, st.Value, err)
	}
	s.conf[st.Key] = st.Value
	s.applyOptions()
	return ok("Execute statement succeeded."), nil
}

// applyOptions gives the table environment the session's options that
// plans record when they are built: the time zone (in expressions) and
// the state TTL (in joins and aggregations).
func (s *Session) applyOptions() {
	loc, err := expr.LoadZone(s.Option("table.local-time-zone"))
	if err != nil {
		loc = time.UTC // checked when it was SET
	}
	s.env.SetLocalTimeZone(loc)
	ttl, _ := jobgraph.ParseDuration(s.Option("table.exec.state.ttl"))
	s.env.SetIdleStateRetention(ttl)
}

func (s *Session) checkOption(k, v string) error {
	switch k {
	case "parallelism.default":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > jobgraph.MaxKeyGroups {
			return fmt.Errorf("want an integer from 1 to %d", jobgraph.MaxKeyGroups)
		}
	case "table.local-time-zone":
		if _, err := expr.LoadZone(v); err != nil {
			return err
		}
	case "table.dml-sync":
		if _, err := strconv.ParseBool(v); err != nil {
			return fmt.Errorf("want true or false")
		}
	case "sql-client.execution.result-mode":
		switch strings.ToLower(v) {
		case "table", "changelog", "tableau":
		default:
			return fmt.Errorf("want table, changelog or tableau")
		}
	case "pipeline.auto-watermark-interval":
		d, err := jobgraph.ParseDuration(v)
		if err != nil {
			return err
		}
		if d <= 0 {
			return fmt.Errorf("want a positive duration")
		}
	case "table.exec.state.ttl":
		d, err := jobgraph.ParseDuration(v)
		if err != nil {
			return err
		}
		if d < 0 {
			return fmt.Errorf("want a duration of 0 (keep state forever) or more")
		}
	default:
		return jobgraph.Spec{Job: table.JobName, Settings: map[string]string{k: v}}.Validate()
	}
	return nil
}

// Option is a session option's value.
func (s *Session) Option(k string) string {
	if v, ok := s.conf[k]; ok {
		return v
	}
	return sessionDefaults[k]
}

// submit runs a plan as a job with the session's options.
func (s *Session) submit(ctx context.Context, plan table.Node) (string, error) {
	arg, err := table.PlanArgValue(plan)
	if err != nil {
		return "", err
	}
	par, _ := strconv.Atoi(s.Option("parallelism.default"))
	spec := jobgraph.Spec{Job: table.JobName, Args: map[string]string{table.PlanArg: arg}, Parallelism: par}
	spec.Name = s.Option("pipeline.name")
	if spec.Name == "" {
		spec.Name = defaultJobName(plan)
	}
	if iv := s.conf["pipeline.auto-watermark-interval"]; iv != "" {
		spec.Args[table.WatermarkIntervalArg] = iv
	}
	for k, v := range s.conf {
		if jobgraph.IsSetting(k) {
			if spec.Settings == nil {
				spec.Settings = map[string]string{}
			}
			spec.Settings[k] = v
		}
	}
	return s.cluster.SubmitJob(ctx, spec)
}

// defaultJobName names a job as Flink's SQL client does: after its sink
// table, or "collect" for a query.
func defaultJobName(plan table.Node) string {
	if sink, ok := plan.(*table.Sink); ok {
		return "insert-into_" + table.Qualified(sink.Table.Name)
	}
	return "collect"
}

func (s *Session) insert(ctx context.Context, b *binder, st *Insert) (Result, error) {
	t, err := b.query(st.Query)
	if err != nil {
		return Result{}, err
	}
	id, err := t.ExecuteInsert(ctx, tableName(st.Table), st.Columns...)
	if err != nil {
		return Result{}, wrapAt(st, err)
	}
	r := Result{Kind: ResultJob, JobID: id, Message: "Job ID: " + id}
	if sync, _ := strconv.ParseBool(s.Option("table.dml-sync")); sync {
		if err := s.waitJob(ctx, id); err != nil {
			return r, err
		}
		r.Message = "Job " + id + " finished."
	}
	return r, nil
}

// waitJob waits for a job to end; a failed or cancelled job is an error.
func (s *Session) waitJob(ctx context.Context, id string) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		status, failure, err := s.cluster.JobStatus(ctx, id)
		if err != nil {
			return err
		}
		switch status {
		case "FINISHED":
			return nil
		case "FAILED":
			return fmt.Errorf("job %s failed: %s", id, failure)
		case "CANCELED":
			return fmt.Errorf("job %s was cancelled", id)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (s *Session) query(ctx context.Context, b *binder, st *QueryStmt) (Result, error) {
	t, err := b.query(st.Query)
	if err != nil {
		return Result{}, err
	}
	plan, err := t.SelectPlan()
	if err != nil {
		return Result{}, wrapAt(st, err)
	}
	id, err := s.submit(ctx, plan)
	if err != nil {
		return Result{}, wrapAt(st, err)
	}
	r := Result{Kind: ResultQuery, JobID: id, InsertOnly: table.InsertOnly(plan)}
	for _, c := range t.Schema().Columns {
		r.Columns = append(r.Columns, Column{Name: c.Name, Type: c.Type.String()})
	}
	return r, nil
}

func (s *Session) explain(ctx context.Context, b *binder, st *Explain) (Result, error) {
	var text string
	var err error
	par, _ := strconv.Atoi(s.Option("parallelism.default"))
	switch inner := st.Stmt.(type) {
	case *QueryStmt:
		t, berr := b.query(inner.Query)
		if berr != nil {
			return Result{}, berr
		}
		text, err = t.Explain(ctx, "", par)
	case *Insert:
		t, berr := b.query(inner.Query)
		if berr != nil {
			return Result{}, berr
		}
		text, err = t.Explain(ctx, tableName(inner.Table), par, inner.Columns...)
	default:
		return Result{}, errAt(st, "EXPLAIN takes a query or an INSERT")
	}
	if err != nil {
		return Result{}, wrapAt(st, err)
	}
	return Result{Kind: ResultTable, Columns: []Column{{"result", "STRING"}}, Rows: [][]string{{text}}}, nil
}
