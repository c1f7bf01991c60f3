package expr

import (
	"reflect"
	"strings"
	"testing"

	"github.com/runnel/runnel/table/data"
	"github.com/vmihailenco/msgpack/v5"
)

func TestCompilePredicate(t *testing.T) {
	for _, c := range []struct {
		e    *Expr
		want bool
	}{
		{col("t"), true},
		{col("f"), false},
		{col("u"), false}, // UNKNOWN is not true
		{col("u").Not(), false},
		{col("u").Or(col("t")), true},
		{col("u").And(col("t")), false},
		{call("AND", col("t"), col("t"), col("u")), false},
		{call("OR", col("f"), col("u"), col("t")), true},
		{lit(true), true},
		{null, false},
		{col("s").Eq(str("Hello World")), true},
		{col("s").Ne(str("Hello World")), false},
		{str("a").Lt(col("s")), false},
		{col("ns").Eq(str("x")), false},
		{col("ns").Ne(str("x")), false},
		{col("m").Gt(lit(12)), true},
		{col("d").Le(lit(2.5)), true},
		{col("b").IsNotNull().And(col("s").Like(str("Hello%"))), true},
	} {
		r := mustResolve(t, c.e)
		p, err := CompilePredicate(r)
		if err != nil {
			t.Fatalf("%s: %v", c.e, err)
		}
		if got, err := p(testRow); err != nil || got != c.want {
			t.Errorf("%s: %v, %v, want %v", c.e, got, err, c.want)
		}
	}
	if _, err := CompilePredicate(mustResolve(t, col("b"))); err == nil || err.Error() != "a condition must be BOOLEAN, got BIGINT: b" {
		t.Errorf("got %v", err)
	}
	if _, err := CompilePredicate(col("t")); err == nil {
		t.Error("an unresolved predicate compiled")
	}
}

// TestColumnLiteralFastPaths checks the per-operator closures against the
// general comparison, for each operator, both operand orders and NULL.
func TestColumnLiteralFastPaths(t *testing.T) {
	for _, op := range []string{"=", "<>", "<", "<=", ">", ">="} {
		for _, k := range []int64{99, 100, 101} {
			for _, colName := range []string{"b", "ni"} {
				for _, flip := range []bool{false, true} {
					e := call(op, col(colName), lit(k))
					if flip {
						e = call(op, lit(k), col(colName))
					}
					r := mustResolve(t, e)
					p, err := CompilePredicate(r)
					if err != nil {
						t.Fatal(err)
					}
					ev, _ := Compile(r)
					got, err := p(testRow)
					v, err2 := ev(testRow)
					// The general path: the literal moved into an expression.
					g, _ := Compile(mustResolve(t, call(op, call("+", col(colName), lit(0)), lit(k))))
					if flip {
						g, _ = Compile(mustResolve(t, call(op, lit(k), call("+", col(colName), lit(0)))))
					}
					w, _ := g(testRow)
					want := !w.IsNull() && w.Bool()
					if err != nil || err2 != nil || got != want || v.IsNull() != w.IsNull() || (!v.IsNull() && v.Bool() != w.Bool()) {
						t.Errorf("%s: predicate %v, eval %v, want %v", e, got, v, w)
					}
				}
			}
		}
	}
}

func TestShortRow(t *testing.T) {
	for _, e := range []*Expr{col("s"), col("b").Gt(lit(1)), col("s").Eq(str("x"))} {
		r := mustResolve(t, e)
		ev, _ := Compile(r)
		if _, err := ev(data.NewRow(data.IntValue(1))); err == nil || !strings.Contains(err.Error(), "row has 1 fields") {
			t.Errorf("%s: %v", e, err)
		}
		if r.Type.Kind == data.Boolean {
			p, _ := CompilePredicate(r)
			if _, err := p(data.NewRow()); err == nil {
				t.Errorf("%s: no error", e)
			}
		}
	}
}

// TestMsgpackRoundTrip: a resolved expression, literals and zone included,
// travels in a plan and means the same on arrival.
func TestMsgpackRoundTrip(t *testing.T) {
	for _, e := range []*Expr{
		col("b").Gt(lit(100)).And(col("s").Ne(str("x"))),
		col("m").Times(dec("12345678901234567890.123")).Plus(lit(1)),
		call("CASE", col("u"), lit(1.5), null),
		call("DATE_FORMAT", col("ltz"), str("yyyy-MM-dd HH:mm")),
		call("FLOOR", col("ltz"), str("DAY")),
		col("ts").Plus(days(1)).Gt(ts("2024-01-01 00:00:00")),
		col("dt").Minus(month(3)),
		call("IN", col("s"), str("a"), str("Hello World"), null),
		lit([]byte{1, 2, 3}).Cast(data.TString),
		&Expr{Op: OpCast, Name: "TRY_CAST", Type: data.TDecimal(5, 2), Args: []*Expr{col("s")}},
	} {
		r := mustResolve(t, e)
		b, err := msgpack.Marshal(r)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		var back Expr
		if err := msgpack.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		if !reflect.DeepEqual(r, &back) {
			t.Errorf("%s: decoded as %s", r, &back)
		}
		ev1, err1 := Compile(r)
		ev2, err2 := Compile(&back)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", e, err1, err2)
		}
		v1, _ := ev1(testRow)
		v2, _ := ev2(testRow)
		if !v1.Equal(v2) {
			t.Errorf("%s: %v before, %v after", e, v1, v2)
		}
	}
}
