package expr

import (
	"testing"
	"time"
)

// truthCols are the columns holding TRUE, FALSE and NULL.
var truthCols = []struct{ name, text string }{{"t", "TRUE"}, {"f", "FALSE"}, {"u", "NULL"}}

func TestAndOrTruthTables(t *testing.T) {
	and := map[[2]string]string{
		{"TRUE", "TRUE"}: "TRUE", {"TRUE", "FALSE"}: "FALSE", {"TRUE", "NULL"}: "NULL",
		{"FALSE", "TRUE"}: "FALSE", {"FALSE", "FALSE"}: "FALSE", {"FALSE", "NULL"}: "FALSE",
		{"NULL", "TRUE"}: "NULL", {"NULL", "FALSE"}: "FALSE", {"NULL", "NULL"}: "NULL",
	}
	or := map[[2]string]string{
		{"TRUE", "TRUE"}: "TRUE", {"TRUE", "FALSE"}: "TRUE", {"TRUE", "NULL"}: "TRUE",
		{"FALSE", "TRUE"}: "TRUE", {"FALSE", "FALSE"}: "FALSE", {"FALSE", "NULL"}: "NULL",
		{"NULL", "TRUE"}: "TRUE", {"NULL", "FALSE"}: "NULL", {"NULL", "NULL"}: "NULL",
	}
	for _, a := range truthCols {
		for _, b := range truthCols {
			k := [2]string{a.text, b.text}
			runCases(t, []evalCase{
				{col(a.name).And(col(b.name)), and[k]},
				{col(a.name).Or(col(b.name)), or[k]},
				// The same with literals, folded at compile time.
				{boolLit(a.text).And(boolLit(b.text)), and[k]},
				{boolLit(a.text).Or(boolLit(b.text)), or[k]},
				// Three operands: the n-ary closure.
				{call("AND", col(a.name), col(b.name), col("t")), and[k]},
				{call("OR", col(a.name), col(b.name), col("f")), or[k]},
			})
		}
	}
}

func boolLit(s string) *Expr {
	switch s {
	case "TRUE":
		return lit(true)
	case "FALSE":
		return lit(false)
	}
	return null
}

func TestNotAndIsTruth(t *testing.T) {
	want := map[string][3]string{ // for TRUE, FALSE, NULL
		"NOT":            {"FALSE", "TRUE", "NULL"},
		"IS TRUE":        {"TRUE", "FALSE", "FALSE"},
		"IS NOT TRUE":    {"FALSE", "TRUE", "TRUE"},
		"IS FALSE":       {"FALSE", "TRUE", "FALSE"},
		"IS NOT FALSE":   {"TRUE", "FALSE", "TRUE"},
		"IS UNKNOWN":     {"FALSE", "FALSE", "TRUE"},
		"IS NOT UNKNOWN": {"TRUE", "TRUE", "FALSE"},
		"IS NULL":        {"FALSE", "FALSE", "TRUE"},
		"IS NOT NULL":    {"TRUE", "TRUE", "FALSE"},
	}
	for op, w := range want {
		for i, c := range truthCols {
			runCases(t, []evalCase{{call(op, col(c.name)), w[i]}})
		}
	}
}

func TestComparisons(t *testing.T) {
	runCases(t, []evalCase{
		{col("b").Gt(lit(50)), "TRUE"},
		{col("b").Gt(lit(100)), "FALSE"},
		{col("b").Ge(lit(100)), "TRUE"},
		{col("b").Lt(lit(100)), "FALSE"},
		{col("b").Le(lit(100)), "TRUE"},
		{col("b").Eq(lit(100)), "TRUE"},
		{col("b").Ne(lit(100)), "FALSE"},
		{lit(50).Lt(col("b")), "TRUE"}, // literal on the left: flipped
		{lit(100).Ge(col("b")), "TRUE"},
		{col("i").Lt(col("b")), "TRUE"},    // INT widened to BIGINT
		{col("i").Gt(lit(6.5)), "TRUE"},    // INT vs DOUBLE
		{col("m").Eq(dec("12.5")), "TRUE"}, // DECIMAL scales differ
		{col("m").Gt(lit(12)), "TRUE"},     // DECIMAL vs INT
		{col("m").Lt(lit(12.6)), "TRUE"},   // DECIMAL vs DOUBLE
		{col("d").Eq(lit(2.5)), "TRUE"},
		{col("s").Eq(str("Hello World")), "TRUE"},
		{col("s").Ne(str("x")), "TRUE"},
		{col("s").Lt(str("Hello")), "FALSE"},
		{col("s").Gt(str("Hello")), "TRUE"},
		{col("ts").Gt(str("2024-01-15 10:30:45")), "TRUE"}, // the string is cast
		{str("2024-01-15 10:30:45.123").Eq(col("ts")), "TRUE"},
		{col("ts").Eq(ts("2024-01-15 10:30:45.123")), "TRUE"},
		{col("dt").Lt(col("ts")), "TRUE"},   // DATE widened to TIMESTAMP
		{col("ltz").Eq(col("ts")), "FALSE"}, // the TIMESTAMP is read in the session zone, UTC+8
		{col("ltz").Eq(col("ts").Plus(Lit(8 * time.Hour))), "TRUE"},
		{col("dt").Eq(str("2024-01-15")), "TRUE"},
		{col("t").Gt(col("f")), "TRUE"},
		{col("b").Gt(null), "NULL"},
		{null.Eq(col("s")), "NULL"},
		{col("ni").Eq(lit(1)), "NULL"},
		{col("ns").Eq(col("ns")), "NULL"},
		{col("nd").Lt(lit(1.0)), "NULL"},
		{col("nm").Ge(col("m")), "NULL"},
		{call("IS DISTINCT FROM", col("b"), lit(100)), "FALSE"},
		{call("IS DISTINCT FROM", col("b"), null), "TRUE"},
		{call("IS DISTINCT FROM", col("ni"), null), "FALSE"},
		{call("IS NOT DISTINCT FROM", col("ni"), null), "TRUE"},
		{call("IS NOT DISTINCT FROM", col("ns"), col("s")), "FALSE"},
	})
}

// TestComparisonsNaN: DOUBLE compares as Java's primitives.
func TestComparisonsNaN(t *testing.T) {
	nan := call("/", lit(0.0), lit(0.0))
	runCases(t, []evalCase{
		{nan.Eq(nan), "FALSE"},
		{nan.Ne(nan), "TRUE"},
		{nan.Lt(lit(1.0)), "FALSE"},
		{nan.Ge(lit(1.0)), "FALSE"},
	})
}

func TestBetweenIn(t *testing.T) {
	runCases(t, []evalCase{
		{col("b").Between(lit(1), lit(100)), "TRUE"},
		{col("b").Between(lit(101), lit(200)), "FALSE"},
		{col("b").Between(lit(200), lit(1)), "FALSE"},
		{call("BETWEEN SYMMETRIC", col("b"), lit(200), lit(1)), "TRUE"},
		{call("NOT BETWEEN", col("b"), lit(1), lit(100)), "FALSE"},
		{call("NOT BETWEEN SYMMETRIC", col("b"), lit(200), lit(1)), "FALSE"},
		{col("b").Between(null, lit(200)), "NULL"},
		{col("b").Between(null, lit(50)), "FALSE"}, // x <= 50 is FALSE
		{col("ni").Between(lit(1), lit(2)), "NULL"},
		{col("d").Between(lit(2), lit(3)), "TRUE"},
		{col("ts").Between(str("2024-01-15"), str("2024-01-16")), "TRUE"},
		{call("IN", col("b"), lit(1), lit(100)), "TRUE"},
		{call("IN", col("b"), lit(1), lit(2)), "FALSE"},
		{call("IN", col("b"), lit(1), null), "NULL"},
		{call("IN", col("b"), lit(100), null), "TRUE"},
		{call("NOT IN", col("b"), lit(1), lit(2)), "TRUE"},
		{call("NOT IN", col("b"), lit(1), null), "NULL"},
		{call("NOT IN", col("b"), lit(100)), "FALSE"},
		{call("IN", col("ni"), lit(1)), "NULL"},
		{call("IN", col("s"), str("a"), str("Hello World")), "TRUE"},
		{call("IN", col("i"), col("b"), lit(7)), "TRUE"}, // not all literals: scanned
		{call("IN", col("m"), dec("12.5"), lit(3)), "TRUE"},
		{call("IN", col("d"), lit(1), lit(2.5)), "TRUE"},
	})
}

func TestConditionals(t *testing.T) {
	runCases(t, []evalCase{
		{call("CASE", col("f"), lit(1), col("t"), lit(2), lit(3)), "2"},
		{call("CASE", col("f"), lit(1), col("u"), lit(2), lit(3)), "3"},
		{call("CASE", col("f"), lit(1)), "NULL"},
		{call("CASE", col("t"), lit(1), lit(2.5)), "1.0"},                // common type DOUBLE
		{call("CASE", col("t"), col("m"), lit(1)), "12.50"},              // DECIMAL(12, 2)
		{call("CASE", col("t"), null, str("x")), "NULL"},                 // NULL takes VARCHAR
		{call("CASE", col("f"), call("/", lit(1), lit(0)), lit(1)), "1"}, // branch not taken: no error
		{call("SIMPLE CASE", col("b"), lit(1), str("one"), lit(100), str("hundred"), str("other")), "hundred"},
		{call("SIMPLE CASE", col("b"), lit(1), str("one"), str("other")), "other"},
		{call("SIMPLE CASE", col("ni"), null, str("null"), str("other")), "other"}, // NULL never matches
		{call("SIMPLE CASE", col("ts"), str("2024-01-15 10:30:45.123"), lit(1)), "1"},
		{call("COALESCE", col("ni"), col("i")), "7"},
		{call("COALESCE", col("ni"), null), "NULL"},
		{call("COALESCE", col("ni"), col("b"), lit(1)), "100"},
		{call("IFNULL", col("ns"), str("dflt")), "dflt"},
		{call("IF", col("t"), str("yes"), str("no")), "yes"},
		{call("IF", col("u"), str("yes"), str("no")), "no"},
		{call("NULLIF", col("b"), lit(100)), "NULL"},
		{call("NULLIF", col("b"), lit(1)), "100"},
		{call("NULLIF", col("ni"), lit(1)), "NULL"},
		{call("NULLIF", col("b"), null), "100"},
	})
}
