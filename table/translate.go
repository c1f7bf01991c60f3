package table

import (
	"encoding/base64"
	"fmt"
	"time"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/watermark"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
	"github.com/runnel/runnel/table/runtime"
)

// JobName is the registered job that runs a plan from its spec: the spec's
// PlanArg holds the encoded, optimized plan.
const (
	JobName = "sql"
	PlanArg = "plan"
	// WatermarkIntervalArg is pipeline.auto-watermark-interval, when the
	// session set it.
	WatermarkIntervalArg = "auto-watermark-interval"
)

// AutoWatermarkInterval is Flink's pipeline.auto-watermark-interval
// default for SQL jobs.
const AutoWatermarkInterval = 200 * time.Millisecond

func init() {
	stream.RegisterJob(JobName, func(env *stream.Env, args stream.Args) error {
		enc, err := args.Required(PlanArg)
		if err != nil {
			return err
		}
		b, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return fmt.Errorf("argument %q: %w", PlanArg, err)
		}
		plan, err := DecodePlan(b)
		if err != nil {
			return err
		}
		interval, err := args.Duration(WatermarkIntervalArg, AutoWatermarkInterval)
		if err != nil {
			return err
		}
		env.SetAutoWatermarkInterval(interval)
		return Translate(env, plan)
	})
}

// PlanArgValue is the encoded plan as a spec argument.
func PlanArgValue(n Node) (string, error) {
	b, err := EncodePlan(n)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Translate adds an optimized plan's operators to env: every node becomes
// DataStream operators of rows, and each sink ends a pipeline. Watermarks
// are emitted at env's auto-watermark interval.
func Translate(env *stream.Env, n Node) error {
	t := &translator{env: env, done: map[Node]*stream.DataStream[data.Row]{}}
	_, err := t.node(n)
	return err
}

type translator struct {
	env  *stream.Env
	done map[Node]*stream.DataStream[data.Row]
}

func (t *translator) node(n Node) (*stream.DataStream[data.Row], error) {
	if s, ok := t.done[n]; ok {
		return s, nil
	}
	var ins []*stream.DataStream[data.Row]
	for _, in := range n.Inputs() {
		s, err := t.node(in)
		if err != nil {
			return nil, err
		}
		ins = append(ins, s)
	}
	s, err := t.translate(n, ins)
	if err != nil {
		return nil, err
	}
	t.done[n] = s
	return s, nil
}

func (t *translator) translate(n Node, ins []*stream.DataStream[data.Row]) (*stream.DataStream[data.Row], error) {
	switch n := n.(type) {
	case *Scan:
		sf, err := n.Table.SourceFactory()
		if err != nil {
			return nil, err
		}
		return sf.Source(t.env, n.Table.ConnectorTable(), n.Fields, n.describe())
	case *Values:
		rows := n.Rows
		var alloc data.Allocator
		src := connector.NewDataGen(int64(len(rows)), 0, func(i int64) data.Row { return alloc.MakeRow(data.Insert, rows[i]) })
		return stream.FromSource(t.env, src, n.describe()).SetParallelism(1), nil
	case *Calc:
		fn, err := newCalcFunc(n)
		if err != nil {
			return nil, err
		}
		return stream.Process[data.Row, data.Row](ins[0], fn).Name(n.describe()), nil
	case *WatermarkAssigner:
		col, delay := n.Rowtime, n.Delay
		return stream.AssignTimestampsAndWatermarks(ins[0], watermark.Strategy[data.Row]{
			Generator: func() watermark.Generator { return watermark.SQL(delay) },
			Timestamps: func(r data.Row, prev int64) int64 {
				if v := r.Field(col); !v.IsNull() {
					return v.Millis()
				}
				return prev
			},
		}).Name(n.describe()), nil
	case *Union:
		return stream.Union(ins[0], ins[1:]...), nil
	case *WindowTVF:
		return runtime.WindowTableFunction(ins[0], n.Spec), nil
	case *WindowAggregate:
		return runtime.WindowAggregate(ins[0], n.Spec, n.Keys, n.Aggs, runtime.WindowAggOptions{KeyTypes: keyTypes(n.IntKeys, n.Input, n.Keys)}), nil
	case *Aggregate:
		return runtime.GroupAggregate(ins[0], n.Keys, n.Aggs, runtime.GroupAggOptions{
			InsertOnly: InsertOnly(n.Input),
			KeyTypes:   keyTypes(n.IntKeys, n.Input, n.Keys),
			StateTTL:   n.StateTTL,
		}), nil
	case *Join:
		return translateJoin(n, ins)
	case *Rank:
		return runtime.Rank(ins[0], runtime.RankSpec{PartitionBy: n.PartitionBy, KeyTypes: keyTypes(n.IntKeys, n.Input, n.PartitionBy),
			OrderBy: n.OrderBy, N: n.N, OutputRank: n.OutputRank, InsertOnly: InsertOnly(n.Input), StateTTL: n.StateTTL}), nil
	case *OverAggregate:
		return runtime.OverAggregate(ins[0], runtime.OverSpec{PartitionBy: n.PartitionBy, KeyTypes: keyTypes(n.IntKeys, n.Input, n.PartitionBy),
			TimeCol: n.TimeCol, Aggs: n.Aggs, Rows: n.Rows, Preceding: n.Preceding, StateTTL: n.StateTTL}), nil
	case *WindowRank:
		return runtime.WindowRank(ins[0], runtime.WindowRankSpec{PartitionBy: n.PartitionBy, KeyTypes: keyTypes(n.IntKeys, n.Input, n.PartitionBy),
			WindowStart: n.WindowStart, WindowEnd: n.WindowEnd, OrderBy: n.OrderBy, N: n.N, OutputRank: n.OutputRank}), nil
	case *Deduplicate:
		return runtime.Deduplicate(ins[0], runtime.DedupSpec{Keys: n.Keys, KeyTypes: keyTypes(n.IntKeys, n.Input, n.Keys),
			KeepLast: n.KeepLast, TimeCol: n.TimeCol, StateTTL: n.StateTTL}), nil
	case *Sink:
		sf, err := n.Table.SinkFactory()
		if err != nil {
			return nil, err
		}
		in := ins[0]
		if check := notNullChecks(n); check != nil {
			in = stream.Process[data.Row, data.Row](in, check).Name("NotNullEnforcer")
		}
		return nil, sf.Sink(in, n.Table.ConnectorTable(), n.describe())
	case *dataStreamScan:
		return n.s, nil
	case *Collect:
		stream.SinkTo[data.Row](ins[0], collectSink{results: LocalResults, schema: n.Schema()}, "Collect").SetParallelism(1)
		return nil, nil
	}
	return nil, fmt.Errorf("translate: unknown plan node %T", n)
}

// keyTypes are the key types an aggregation's runtime picks its state
// layout from: none (encoded keys) unless the plan chose int64 keys.
func keyTypes(intKeys bool, in Node, keys []int) runtime.KeyTypes {
	if !intKeys {
		return nil
	}
	return runtime.KeyTypesOf(in.Schema(), keys)
}

// calcFunc evaluates a Calc's compiled condition and projections.
type calcFunc struct {
	cond func(data.Row) (bool, error)
	// cols[i] is the input column that output column i copies, or -1
	// where exprs[i] computes it: a copy needs no call through a closure.
	cols  []int
	exprs []expr.Eval
	// reads is one more than the largest column copied: an input row
	// narrower than that is reported, as a compiled column reference
	// reports it, rather than indexed out of range.
	reads int
	// run is set when the output columns are the input's columns from
	// on, in order (a filter, a projection dropping leading or trailing
	// columns): the output row then shares the input's bytes instead of
	// copying them, as rows are not modified once built. An output row
	// kept downstream keeps all of the input's bytes alive.
	run  bool
	from int
	// values holds the computed fields of an output row, reused per row;
	// alloc makes the rows.
	values []data.Value
	alloc  data.Allocator
}

func newCalcFunc(c *Calc) (*calcFunc, error) {
	f := &calcFunc{}
	if c.Cond != nil {
		p, err := expr.CompilePredicate(c.Cond)
		if err != nil {
			return nil, err
		}
		f.cond = p
	}
	f.run = len(c.Exprs) > 0
	for i, e := range c.Exprs {
		if e.Op == expr.OpCol {
			f.cols, f.exprs = append(f.cols, e.Index), append(f.exprs, nil)
			f.reads = max(f.reads, e.Index+1)
			f.run = f.run && e.Index == c.Exprs[0].Index+i
			continue
		}
		ev, err := expr.Compile(e)
		if err != nil {
			return nil, err
		}
		f.cols, f.exprs = append(f.cols, -1), append(f.exprs, ev)
		f.run = false
	}
	if f.run {
		f.from = c.Exprs[0].Index
	}
	f.values = make([]data.Value, len(f.cols))
	return f, nil
}

func (f *calcFunc) ProcessElement(r data.Row, out operator.Collector[data.Row]) error {
	if r.Width() < f.reads {
		return fmt.Errorf("row has %d fields, the projection reads $%d", r.Width(), f.reads-1)
	}
	if f.cond != nil {
		ok, err := f.cond(r)
		if err != nil || !ok {
			return err
		}
	}
	if f.run {
		out.Collect(r.Slice(f.from, f.from+len(f.cols)))
		return nil
	}
	for i, c := range f.cols {
		if c >= 0 {
			continue
		}
		v, err := f.exprs[i](r)
		if err != nil {
			return err
		}
		f.values[i] = v
	}
	out.Collect(f.alloc.Project(r.Kind, r, f.cols, f.values))
	return nil
}

// watermarkDelay is the delay of a watermark expression over the rowtime
// column at col: the column itself (0) or the column minus a constant
// INTERVAL. Flink accepts any expression; these are the forms its
// documentation uses and the ones the runtime's generator implements.
func watermarkDelay(e *expr.Expr, col int) (int64, error) {
	if e.Op == expr.OpCol && e.Index == col {
		return 0, nil
	}
	if e.Op == expr.OpCall && e.Name == "-" && len(e.Args) == 2 {
		l, r := e.Args[0], e.Args[1]
		if l.Op == expr.OpCol && l.Index == col && r.Op == expr.OpLit && r.Type.Kind == data.IntervalDayTime && !r.Lit.IsNull() {
			return r.Lit.Int64(), nil
		}
	}
	return 0, fmt.Errorf("the watermark must be the rowtime column or the column minus a constant INTERVAL (like ts - INTERVAL '5' SECOND), not %s", e)
}

// notNullEnforcer fails the job on a NULL bound for a NOT NULL sink column,
// as Flink's default table.exec.sink.not-null-enforcer (ERROR) does.
type notNullEnforcer struct {
	cols  []int
	names []string
}

// notNullChecks is the enforcer of a sink whose NOT NULL columns the query
// may fill with NULL, or nil.
func notNullChecks(s *Sink) *notNullEnforcer {
	want, got := s.Table.Physical(), s.Input.Schema()
	var e notNullEnforcer
	for i, c := range want.Columns {
		if c.Type.NotNull && !got.Columns[i].Type.NotNull {
			e.cols, e.names = append(e.cols, i), append(e.names, c.Name)
		}
	}
	if e.cols == nil {
		return nil
	}
	return &e
}

func (e *notNullEnforcer) ProcessElement(r data.Row, out operator.Collector[data.Row]) error {
	for i, c := range e.cols {
		if r.IsNullAt(c) {
			return fmt.Errorf("column '%s' is NOT NULL, however, a null value is being written into it", e.names[i])
		}
	}
	out.Collect(r)
	return nil
}
