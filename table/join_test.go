//go:build unix

package table_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/internal/localjob"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table"
	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
)

var (
	ordersSchema = data.NewSchema(data.Column{Name: "oid", Type: data.TBigInt}, data.Column{Name: "cust", Type: data.TInt},
		data.Column{Name: "amount", Type: data.TBigInt})
	custSchema = data.NewSchema(data.Column{Name: "cid", Type: data.Type{Kind: data.BigInt, NotNull: true}},
		data.Column{Name: "name", Type: data.TString})
	orderRows = []data.Row{
		data.NewRow(data.BigIntValue(1), data.IntValue(10), data.BigIntValue(5)),
		data.NewRow(data.BigIntValue(2), data.IntValue(10), data.BigIntValue(7)),
		data.NewRow(data.BigIntValue(3), data.IntValue(20), data.BigIntValue(1)),
		data.NewRow(data.BigIntValue(4), data.NullOf(data.Int), data.BigIntValue(2)),
		data.NewRow(data.BigIntValue(5), data.IntValue(99), data.BigIntValue(9)),
	}
	custRows = []data.Row{
		data.NewRow(data.BigIntValue(10), data.StringValue("ann")),
		data.NewRow(data.BigIntValue(20), data.StringValue("bob")),
		data.NewRow(data.BigIntValue(30), data.StringValue("cid")),
	}
)

// joinJob joins the orders and customers with join on cust = cid (an INT
// key against a BIGINT one) and the amount above 1.
func joinJob(join func(l, r *table.Table, cond *expr.Expr) *table.Table) job[data.Row] {
	return func(env *stream.Env, _ int64) (*stream.DataStream[data.Row], error) {
		src := func(rows []data.Row, name string) *stream.DataStream[data.Row] {
			return stream.FromSource(env, connector.NewDataGen(int64(len(rows)), 0, func(i int64) data.Row { return rows[i] }), name)
		}
		tenv := table.NewStreamEnv(env)
		orders := tenv.FromDataStream(src(orderRows, "orders"), ordersSchema)
		custs := tenv.FromDataStream(src(custRows, "customers"), custSchema)
		cond := expr.Col("cust").Eq(expr.Col("cid")).And(expr.Col("amount").Gt(expr.Lit(1)))
		return join(orders, custs, cond).ToDataStream()
	}
}

// TestTableJoins runs the four regular joins of the Table API and checks
// the changelog each emits, applied, against the join's result.
func TestTableJoins(t *testing.T) {
	// Order 3 has the key of bob but an amount of 1; order 4 no key.
	matched := []string{"+I[1, 10, 5, 10, ann]", "+I[2, 10, 7, 10, ann]"}
	leftOnly := []string{"+I[3, 20, 1, NULL, NULL]", "+I[4, NULL, 2, NULL, NULL]", "+I[5, 99, 9, NULL, NULL]"}
	rightOnly := []string{"+I[NULL, NULL, NULL, 20, bob]", "+I[NULL, NULL, NULL, 30, cid]"}
	cases := []struct {
		name string
		join func(l, r *table.Table, cond *expr.Expr) *table.Table
		want []string
	}{
		{"inner", (*table.Table).Join, matched},
		{"left", (*table.Table).LeftOuterJoin, append(slices.Clone(matched), leftOnly...)},
		{"right", (*table.Table).RightOuterJoin, append(slices.Clone(matched), rightOnly...)},
		{"full", (*table.Table).FullOuterJoin, append(append(slices.Clone(matched), leftOnly...), rightOnly...)},
	}
	for _, c := range cases {
		set := map[string]int{}
		for _, r := range joinOutput(t, joinJob(c.join)) {
			ins := r
			ins.Kind = data.Insert
			switch r.Kind {
			case data.Insert, data.UpdateAfter:
				set[ins.String()]++
			default:
				if set[ins.String()] == 0 {
					t.Errorf("%s: %s retracts a row not in the result", c.name, r)
				}
				if set[ins.String()]--; set[ins.String()] == 0 {
					delete(set, ins.String())
				}
			}
		}
		want := map[string]int{}
		for _, w := range c.want {
			want[w]++
		}
		if !maps.Equal(set, want) {
			t.Errorf("%s join: %v, want %v", c.name, set, want)
		}
	}
}

// joinOutput runs j, whose two sources the job harness of package
// localjob drains, and returns its rows.
func joinOutput(t *testing.T, j job[data.Row]) []data.Row {
	t.Helper()
	sink := &sliceSink[data.Row]{}
	prog, err := localjob.Build(1, func(env *stream.Env) error {
		out, err := j(env, 0)
		if err != nil {
			return err
		}
		stream.SinkTo[data.Row](out, sink, "rows")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := localjob.Run(prog, false); err != nil {
		t.Fatal(err)
	}
	return sink.got
}

// TestJoinPlan checks what the Table API refuses, the joined schema's
// nullability, and how the condition splits into keys and the rest.
func TestJoinPlan(t *testing.T) {
	tenv := table.NewEnv(table.NewMemCatalog(), nil)
	orders := tenv.FromValues([]*expr.Expr{expr.Lit(int64(1)), expr.Lit(int32(10)), expr.Lit(int64(5))}).As("oid", "cust", "amount")
	custs := tenv.FromValues([]*expr.Expr{expr.Lit(int64(10)), expr.Lit("ann")}).As("cid", "name")
	for _, c := range []struct {
		t    *table.Table
		want string
	}{
		{orders.Join(orders, expr.Col("oid").Eq(expr.Col("oid"))), "both tables have a column oid"},
		{orders.Join(custs, expr.Col("amount").Gt(expr.Col("cid"))), "has no equality between a column of each side"},
		{orders.Join(custs, expr.Col("oid").Eq(expr.Lit(1))), "has no equality"},
		{orders.Join(custs, expr.Col("amount")), "want BOOLEAN"},
		{orders.LeftOuterJoin(custs, expr.Col("nope").Eq(expr.Col("cid"))), "nope"},
	} {
		if err := c.t.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error with %q", err, c.want)
		}
	}
	j := orders.RightOuterJoin(custs, expr.Col("cid").Eq(expr.Col("cust")).And(expr.Col("name").Gt(expr.Lit("a"))))
	if err := j.Err(); err != nil {
		t.Fatal(err)
	}
	s := j.Schema()
	if !s.Columns[3].Type.NotNull || s.Columns[0].Type.NotNull {
		t.Errorf("right join schema %s: the right side keeps NOT NULL, the left is nullable", s)
	}
	plan, err := j.Plan()
	if err != nil {
		t.Fatal(err)
	}
	jn := plan.(*table.Join)
	if !slices.Equal(jn.LeftKeys, []int{1}) || !slices.Equal(jn.RightKeys, []int{0}) || jn.Rest == nil || !strings.Contains(jn.Rest.String(), "name") {
		t.Errorf("keys %v = %v, rest %v", jn.LeftKeys, jn.RightKeys, jn.Rest)
	}
}
