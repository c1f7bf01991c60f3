package expr

import (
	"testing"
	"time"

	"github.com/runnel/runnel/table/data"
)

func TestResolveErrors(t *testing.T) {
	for _, c := range []struct {
		e    *Expr
		want string
	}{
		{col("pricee"), `column "pricee" not found; the input has i, b, d, m, s, ts, ltz, dt, t, f, u, ni, ns, nts, nm, nd`},
		{&Expr{Op: OpCol, Index: 99}, "column $99 not found; the input has 16 columns"},
		{col("s").Eq(lit(1)), "cannot compare STRING with INT"},
		{col("b").Gt(str("x")), "cannot compare BIGINT with VARCHAR(1)"},
		{col("t").Lt(col("i")), "cannot compare BOOLEAN with INT"},
		{call("IN", col("i"), lit(1), str("a")), "cannot compare INT with VARCHAR(1)"},
		{call("UPPER", col("s"), col("s")), "function UPPER takes 1 argument, got 2"},
		{call("SUBSTRING", col("s")), "function SUBSTRING takes 2 or 3 arguments, got 1"},
		{call("CONCAT"), "function CONCAT takes at least 1 argument, got 0"},
		{call("LIKE", col("s")), "function LIKE takes 2 or 3 arguments, got 1"},
		{call("=", col("s")), "operator = takes 2 arguments, got 1"},
		{call("FOO", col("s")), "unknown function FOO"},
		{col("b").Count(), "aggregate function COUNT is not allowed here"},
		{col("b").Plus(col("b").Sum()), "aggregate function SUM is not allowed here"},
		{col("b").As("x"), "an alias (AS) is not allowed here"},
		{call("UPPER", col("i")), "function UPPER: argument 1 must be STRING, got INT"},
		{call("CONCAT", col("s"), col("b")), "function CONCAT: argument 2 must be STRING, got BIGINT"},
		{call("||", col("s"), col("i")), "operator ||: argument 2 must be STRING, got INT"},
		{col("i").And(col("t")), "operator AND: argument 1 must be BOOLEAN, got INT"},
		{call("SUBSTRING", col("s"), col("d")), "function SUBSTRING: argument 2 must be INT or BIGINT, got DOUBLE"},
		{call("ABS", col("s")), "function ABS: argument 1 must be a number, got STRING"},
		{col("s").Plus(lit(1)), "cannot apply + to STRING and INT"},
		{col("ts").Minus(col("ts")), "cannot apply - to TIMESTAMP(3) and TIMESTAMP(3)"},
		{col("dt").Minus(col("dt")), "cannot apply - to DATE and DATE"},
		{days(1).Minus(col("ts")), "cannot apply - to INTERVAL SECOND(3) and TIMESTAMP(3)"},
		{days(1).Plus(month(1)), "cannot apply + to INTERVAL SECOND(3) and INTERVAL MONTH"},
		{call("-", col("s")), "cannot apply - to STRING"},
		{call("NEGATE", col("s")), "cannot apply - to STRING"},
		{call("CASE", col("t"), lit(1), str("x")), "CASE: INT, VARCHAR(1) have no common type"},
		{call("COALESCE", col("s"), col("i")), "COALESCE: STRING, INT have no common type"},
		{col("ts").Eq(str("yesterday")), `cannot parse "yesterday" as TIMESTAMP(3): want yyyy-MM-dd HH:mm:ss[.fffffffff]`},
		{&Expr{Op: OpLit, Lit: data.IntValue(1), Type: data.TString}, "literal of kind INT typed STRING"},
		{&Expr{Op: OpCall, Name: "UPPER", Args: []*Expr{nil}}, "missing expression"},
	} {
		if got := resolveErr(c.e); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.e, got, c.want)
		}
	}
}

func TestResolveTypes(t *testing.T) {
	for _, c := range []struct {
		e    *Expr
		want string
	}{
		{col("i"), "INT NOT NULL"},
		{col("ts"), "TIMESTAMP(3) *ROWTIME*"},
		{col("ts").Cast(data.TTimestamp(3)), "TIMESTAMP(3) *ROWTIME*"}, // a CAST to its own type keeps the mark
		{col("ts").Cast(data.TTimestamp(0)), "TIMESTAMP(0)"},
		{col("ts").Plus(days(1)), "TIMESTAMP(3)"},
		{call("COALESCE", col("ts"), col("nts")), "TIMESTAMP(3)"},
		{lit(1), "INT NOT NULL"},
		{lit(int64(1)), "BIGINT NOT NULL"},
		{str("abc"), "VARCHAR(3) NOT NULL"},
		{null, "NULL"},
		{dec("12.345"), "DECIMAL(5, 3) NOT NULL"},
		{col("i").Plus(lit(1)), "INT NOT NULL"},
		{col("i").Plus(col("b")), "BIGINT"},
		{col("i").Plus(col("d")), "DOUBLE"},
		{col("i").Div(lit(2)), "INT NOT NULL"},
		{col("i").Plus(col("m")), "DECIMAL(13, 2)"},
		{col("i").Gt(lit(1)), "BOOLEAN NOT NULL"},
		{col("b").Gt(lit(1)), "BOOLEAN"},
		{col("b").IsNull(), "BOOLEAN NOT NULL"},
		{call("IS TRUE", col("u")), "BOOLEAN NOT NULL"},
		{call("IS DISTINCT FROM", col("b"), null), "BOOLEAN NOT NULL"},
		{call("COALESCE", col("b"), col("i")), "BIGINT NOT NULL"},
		{call("COALESCE", col("b"), col("ni")), "BIGINT"},
		{call("CASE", col("t"), lit(1), lit(2)), "INT NOT NULL"},
		{call("CASE", col("t"), lit(1)), "INT"},
		{call("CASE", col("t"), col("m"), col("i")), "DECIMAL(12, 2)"},
		{call("IF", col("t"), str("ab"), str("abcd")), "VARCHAR(4) NOT NULL"},
		{call("NULLIF", col("i"), lit(1)), "INT"},
		{col("s").Concat(str("ab")), "STRING"},
		{str("a").Concat(str("bc")), "VARCHAR(3) NOT NULL"},
		{call("CONCAT_WS", str(","), col("ns")), "STRING NOT NULL"},
		{call("CHAR_LENGTH", col("s")), "INT"},
		{call("SUBSTRING", str("abc"), lit(1), lit(2)), "VARCHAR(3)"},
		{call("UPPER", null), "STRING"},
		{call("EXTRACT", str("YEAR"), col("ts")), "BIGINT"},
		{call("TO_TIMESTAMP", str("x")), "TIMESTAMP(3)"},
		{call("CURRENT_TIMESTAMP"), "TIMESTAMP_LTZ(3) NOT NULL"},
		{days(2).Times(col("i")), "INTERVAL SECOND(3) NOT NULL"},
	} {
		if got := mustResolve(t, c.e).Type.String(); got != c.want {
			t.Errorf("%s: %s, want %s", c.e, got, c.want)
		}
	}
}

// TestImplicitCasts: Resolve makes Flink's conversions explicit, and
// converts literals at once.
func TestImplicitCasts(t *testing.T) {
	for _, c := range []struct {
		e    *Expr
		want string
	}{
		{col("i").Plus(col("b")), "(CAST(i AS BIGINT) + b)"},
		{col("b").Plus(lit(1)), "(b + 1)"}, // the literal is a BIGINT now
		{col("i").Plus(col("d")), "(CAST(i AS DOUBLE) + d)"},
		{col("i").Plus(col("m")), "(CAST(i AS DECIMAL(10, 0)) + m)"},
		{col("m").Gt(col("i")), "(m > CAST(i AS DECIMAL(12, 2)))"},
		{col("m").Gt(lit(1.5)), "(CAST(m AS DOUBLE) > 1.5)"},
		{col("ts").Gt(str("2024-01-01")), "(ts > TIMESTAMP '2024-01-01 00:00:00.000')"},
		{col("ts").Gt(col("s")), "(ts > CAST(s AS TIMESTAMP(3)))"},
		{col("dt").Lt(col("ts")), "(CAST(dt AS TIMESTAMP(3)) < ts)"},
		{col("b").Eq(null), "(b = NULL)"},
		{call("COALESCE", col("ni"), lit(2.5)), "COALESCE(CAST(ni AS DOUBLE), 2.5)"},
		{call("IN", col("i"), lit(int64(1)), lit(2)), "(CAST(i AS BIGINT) IN (1, 2))"},
		{call("SIMPLE CASE", col("i"), lit(1.5), str("a"), str("b")), "CASE CAST(i AS DOUBLE) WHEN 1.5 THEN 'a' ELSE 'b' END"},
	} {
		if got := mustResolve(t, c.e).String(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.e, got, c.want)
		}
	}
	// A NULL literal takes the other side's type.
	r := mustResolve(t, col("b").Eq(null))
	if a := r.Args[1]; a.Type.Kind != data.BigInt || a.Lit.Kind() != data.BigInt || !a.Lit.IsNull() {
		t.Errorf("NULL operand: %s %v", a.Type, a.Lit)
	}
}

func TestResolveKeepsInput(t *testing.T) {
	e := col("i").Plus(col("b"))
	before := e.String()
	r := mustResolve(t, e)
	if e.Resolved || e.Args[0].Type.Kind != data.Null || e.String() != before {
		t.Error("Resolve modified its input")
	}
	// Resolving a resolved expression again gives the same.
	again, err := Resolve(r, testSchema, Options{Location: shanghai})
	if err != nil || again.String() != r.String() || again.Type != r.Type {
		t.Errorf("re-resolve: %v %s vs %s", err, again, r)
	}
	// So does one with a zone argument.
	z := mustResolve(t, col("ltz").Cast(data.TString))
	again, err = Resolve(z, testSchema, Options{Location: shanghai})
	if err != nil || len(again.Args) != 2 || again.String() != "CAST(ltz AS STRING)" {
		t.Errorf("re-resolve with zone: %v %s %d", err, again, len(again.Args))
	}
}

func TestZones(t *testing.T) {
	for name, off := range map[string]int{"UTC": 0, "UTC+8": 8 * 3600, "GMT+08:00": 8 * 3600, "-05:30": -(5*3600 + 1800), "Asia/Shanghai": 8 * 3600} {
		loc, err := LoadZone(name)
		if err != nil && name == "Asia/Shanghai" {
			t.Logf("no time zone database: %v", err)
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, got := time.Date(2024, 1, 1, 0, 0, 0, 0, loc).Zone(); got != off {
			t.Errorf("%s: offset %d, want %d", name, got, off)
		}
	}
	_, err := Resolve(col("ltz").Cast(data.TString), testSchema, Options{Location: time.FixedZone("Mars", 0)})
	if err == nil || err.Error() != `unknown time zone "Mars": want a name such as Asia/Shanghai or an offset such as UTC+8` {
		t.Errorf("got %v", err)
	}
	// A zone that no expression needs is not checked.
	if _, err := Resolve(col("i"), testSchema, Options{Location: time.FixedZone("Mars", 0)}); err != nil {
		t.Error(err)
	}
}

func TestAliasAndAggregates(t *testing.T) {
	inner, name, ok := Alias(col("b").Plus(lit(1)).As("total"))
	if !ok || name != "total" || inner.String() != "(b + 1)" {
		t.Errorf("Alias: %s %q %v", inner, name, ok)
	}
	if e, _, ok := Alias(col("b")); ok || e.Name != "b" {
		t.Error("Alias of a plain expression")
	}
	for _, n := range []string{"COUNT", "SUM", "MIN", "MAX", "AVG"} {
		if !IsAggregate(n) {
			t.Errorf("%s is an aggregate", n)
		}
	}
	if IsAggregate("UPPER") {
		t.Error("UPPER is no aggregate")
	}
}

func TestPrint(t *testing.T) {
	for _, c := range []struct {
		e    *Expr
		want string
	}{
		{col("price").Gt(lit(100)), "(price > 100)"},
		{col("bidder").Upper(), "UPPER(bidder)"},
		{col("x").Cast(data.TBigInt), "CAST(x AS BIGINT)"},
		{&Expr{Op: OpCol, Index: 3}, "$3"},
		{col("a").And(col("b")).Or(col("c").Not()), "((a AND b) OR NOT c)"},
		{call("-", col("a")), "-a"},
		{call("NEGATE", col("a")), "-a"},
		{col("a").IsNotNull(), "(a IS NOT NULL)"},
		{col("a").Between(lit(1), lit(2)), "(a BETWEEN 1 AND 2)"},
		{call("NOT IN", col("a"), lit(1), str("it's")), "(a NOT IN (1, 'it''s'))"},
		{call("LIKE", col("a"), str("x!%"), str("!")), "(a LIKE 'x!%' ESCAPE '!')"},
		{call("CASE", col("a"), lit(1), lit(2)), "CASE WHEN a THEN 1 ELSE 2 END"},
		{call("FLOOR", col("ts"), str("hour")), "FLOOR(ts TO HOUR)"},
		{call("EXTRACT", str("YEAR"), col("ts")), "EXTRACT(YEAR FROM ts)"},
		{call("POSITION", str("a"), col("s")), "POSITION('a' IN s)"},
		{col("a").CountDistinct(), "COUNT(DISTINCT a)"},
		{call("COUNT"), "COUNT(*)"},
		{col("a").As("b"), "a AS b"},
		{lit(1.5), "1.5"},
		{lit(true), "TRUE"},
		{null, "NULL"},
		{lit([]byte{0xca, 0xfe}), "X'CAFE'"},
		{ts("2024-01-01 10:00:00"), "TIMESTAMP '2024-01-01 10:00:00.000'"},
		{days(1), "INTERVAL '+1 00:00:00.000' DAY TO SECOND"},
		{month(14), "INTERVAL '+1-02' YEAR TO MONTH"},
		{&Expr{Op: OpLit, Lit: data.DateValue(0)}, "DATE '1970-01-01'"},
		{&Expr{Op: OpLit, Lit: data.TimestampLTZValue(1704074400000 * 1e6)}, "TO_TIMESTAMP_LTZ(1704074400000, 3)"},
		{call("EXTRACT"), "EXTRACT()"}, // a wrong arity prints plainly
		{&Expr{Op: OpCast, Name: "TRY_CAST", Type: data.TInt, Args: []*Expr{col("s")}}, "TRY_CAST(s AS INT)"},
	} {
		if got := c.e.String(); got != c.want {
			t.Errorf("got %s, want %s", got, c.want)
		}
	}
	// Resolved, the zone argument does not show.
	if got := mustResolve(t, call("HOUR", col("ltz"))).String(); got != "HOUR(ltz)" {
		t.Errorf("got %s", got)
	}
}
