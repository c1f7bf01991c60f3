package sql

import (
	"reflect"
	"strings"
	"testing"
)

var exprCases = []formatCase{
	// Literals
	{"42", "42"},
	{"1.5", "1.5"},
	{".5", ".5"},
	{"1.", "1."},
	{"1e3", "1e3"},
	{"1.5E-2", "1.5E-2"},
	{"'it''s'", "'it''s'"},
	{"''", "''"},
	{"true", "TRUE"},
	{"False", "FALSE"},
	{"null", "NULL"},
	{"DATE '2024-01-01'", "DATE '2024-01-01'"},
	{"time '10:00:00'", "TIME '10:00:00'"},
	{"TIMESTAMP '2024-01-01 10:00:00.123'", "TIMESTAMP '2024-01-01 10:00:00.123'"},
	{"TIMESTAMP_LTZ '2024-01-01 10:00:00'", "TIMESTAMP_LTZ '2024-01-01 10:00:00'"},
	{"INTERVAL '10' SECOND", "INTERVAL '10' SECOND"},
	{"INTERVAL '1' MINUTES", "INTERVAL '1' MINUTE"},
	{"interval '2' hours", "INTERVAL '2' HOUR"},
	{"INTERVAL '2 10:00:00' DAY TO SECOND", "INTERVAL '2 10:00:00' DAY TO SECOND"},
	{"INTERVAL '1-2' YEAR TO MONTH", "INTERVAL '1-2' YEAR TO MONTH"},
	{"INTERVAL '1.5' SECOND", "INTERVAL '1.5' SECOND"},
	// Names
	{"a", "a"},
	{"t.a", "t.a"},
	{"`t`.`a`", "t.a"},
	{"`my col`", "`my col`"},
	{"`from`", "`from`"},
	{"`a``b`", "`a``b`"},
	{"Mixed_Case$1", "Mixed_Case$1"},
	{"année", "année"},
	{"year + `value` + count", "year + value + count"},
	// Operators
	{"a <> b", "a <> b"},
	{"a != b", "a <> b"},
	{"a < b", "a < b"},
	{"a <= b", "a <= b"},
	{"a > b", "a > b"},
	{"a >= b", "a >= b"},
	{"a || b || c", "a || b || c"},
	{"a % b", "a % b"},
	{"-a", "-a"},
	{"+a", "+a"},
	{"- - a", "- -a"},
	{"-(-1)", "- -1"},
	{"NOT NOT a", "NOT NOT a"},
	{"a IS NULL", "a IS NULL"},
	{"a IS NOT NULL", "a IS NOT NULL"},
	{"a IS TRUE", "a IS TRUE"},
	{"a IS NOT FALSE", "a IS NOT FALSE"},
	{"a IS UNKNOWN", "a IS UNKNOWN"},
	{"a IS DISTINCT FROM b", "a IS DISTINCT FROM b"},
	{"a IS NOT DISTINCT FROM b", "a IS NOT DISTINCT FROM b"},
	{"a BETWEEN 1 AND 10", "a BETWEEN 1 AND 10"},
	{"a NOT BETWEEN ASYMMETRIC b AND c", "a NOT BETWEEN b AND c"},
	{"a BETWEEN SYMMETRIC b + 1 AND c * 2", "a BETWEEN SYMMETRIC b + 1 AND c * 2"},
	{"a IN (1, 2, 3)", "a IN (1, 2, 3)"},
	{"a NOT IN ('x')", "a NOT IN ('x')"},
	{"a LIKE 'x%'", "a LIKE 'x%'"},
	{"a NOT LIKE 'x!%' ESCAPE '!'", "a NOT LIKE 'x!%' ESCAPE '!'"},
	{"a SIMILAR TO 'x'", "a SIMILAR TO 'x'"},
	{"a NOT SIMILAR TO 'x' ESCAPE 'y'", "a NOT SIMILAR TO 'x' ESCAPE 'y'"},
	// CASE, CAST
	{"CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END", "CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END"},
	{"case a when 1 then 'one' end", "CASE a WHEN 1 THEN 'one' END"},
	{"CAST(a AS BIGINT)", "CAST(a AS BIGINT)"},
	{"CAST(a AS DECIMAL(10, 2) NOT NULL)", "CAST(a AS DECIMAL(10, 2) NOT NULL)"},
	{"TRY_CAST(a AS INTEGER)", "TRY_CAST(a AS INT)"},
	{"CAST(ts AS TIMESTAMP(3) WITH LOCAL TIME ZONE)", "CAST(ts AS TIMESTAMP_LTZ(3))"},
	// Calls
	{"f()", "F()"},
	{"upper(name)", "UPPER(name)"},
	{"`my_udf`(a, b)", "MY_UDF(a, b)"},
	{"COUNT(*)", "COUNT(*)"},
	{"count(DISTINCT a)", "COUNT(DISTINCT a)"},
	{"SUM(ALL a)", "SUM(a)"},
	{"NOW()", "NOW()"},
	{"PROCTIME()", "PROCTIME()"},
	{"CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"},
	{"localtimestamp", "LOCALTIMESTAMP"},
	{"CURRENT_DATE", "CURRENT_DATE"},
	{"EXTRACT(YEAR FROM ts)", "EXTRACT(YEAR FROM ts)"},
	{"extract(days from ts)", "EXTRACT(DAY FROM ts)"},
	{"FLOOR(ts TO HOUR)", "FLOOR(ts TO HOUR)"},
	{"CEIL(ts TO MINUTE)", "CEIL(ts TO MINUTE)"},
	{"CEILING(ts TO DAY)", "CEIL(ts TO DAY)"},
	{"FLOOR(x)", "FLOOR(x)"},
	{"CEIL(x + 1)", "CEIL(x + 1)"},
	{"SUBSTRING(s FROM 2)", "SUBSTRING(s, 2)"},
	{"SUBSTRING(s FROM 2 FOR 3)", "SUBSTRING(s, 2, 3)"},
	{"SUBSTRING(s, 2, 3)", "SUBSTRING(s, 2, 3)"},
	{"TRIM(s)", "TRIM(BOTH FROM s)"},
	{"TRIM(BOTH FROM s)", "TRIM(BOTH FROM s)"},
	{"TRIM(LEADING 'x' FROM s)", "TRIM(LEADING 'x' FROM s)"},
	{"TRIM(TRAILING FROM s)", "TRIM(TRAILING FROM s)"},
	{"TRIM('x' FROM s)", "TRIM(BOTH 'x' FROM s)"},
	{"POSITION('a' IN s)", "POSITION('a' IN s)"},
	{"POSITION(a || b IN c || d)", "POSITION(a || b IN c || d)"},
	{"ROW_NUMBER() OVER (PARTITION BY a ORDER BY ts DESC)", "ROW_NUMBER() OVER (PARTITION BY a ORDER BY ts DESC)"},
	{"SUM(x) OVER w", "SUM(x) OVER w"},
	// Columns named like non-reserved keywords
	{"cast + extract + trim + position", "`cast` + `extract` + `trim` + `position`"},
	{"timestamp_ltz", "timestamp_ltz"},
	{"TIMESTAMP_LTZ(3)", "TIMESTAMP_LTZ(3)"},
	{"year(ts) + hour", "YEAR(ts) + hour"},
}

func TestFormatExprs(t *testing.T) {
	for _, c := range exprCases {
		e, err := ParseExpr(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := Format(e); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, got, c.want)
		}
		roundTrip(t, e, func(text string) (Node, error) { return ParseExpr(text) })
	}
}

// tree prints an expression with every operator's operands in brackets,
// which shows how the parser grouped them.
func tree(e Expr) string {
	switch e := e.(type) {
	case *Binary:
		return "[" + tree(e.L) + " " + e.Op + " " + tree(e.R) + "]"
	case *Unary:
		return "[" + e.Op + " " + tree(e.X) + "]"
	case *IsExpr:
		not := ""
		if e.Not {
			not = "NOT "
		}
		return "[" + tree(e.X) + " IS " + not + e.Value + "]"
	case *Between:
		return "[" + tree(e.X) + " BETWEEN " + tree(e.Lo) + " AND " + tree(e.Hi) + "]"
	case *InList:
		var items []string
		for _, x := range e.List {
			items = append(items, tree(x))
		}
		return "[" + tree(e.X) + " IN (" + strings.Join(items, ", ") + ")]"
	case *Like:
		return "[" + tree(e.X) + " LIKE " + tree(e.Pattern) + "]"
	}
	return Format(e)
}

// precedenceCases pin the grouping: want is the fully bracketed tree.
var precedenceCases = []formatCase{
	{"a OR b AND NOT c = 1 + 2 * 3", "[a OR [b AND [NOT [c = [1 + [2 * 3]]]]]]"},
	{"a AND b OR c AND d", "[[a AND b] OR [c AND d]]"},
	{"a OR b OR c", "[[a OR b] OR c]"},
	{"NOT a AND b", "[[NOT a] AND b]"},
	{"NOT a = b", "[NOT [a = b]]"},
	{"a = b = c", "[[a = b] = c]"},
	{"a - b - c", "[[a - b] - c]"},
	{"a - (b - c)", "[a - [b - c]]"},
	{"a / b * c % d", "[[[a / b] * c] % d]"},
	{"-a * b", "[[- a] * b]"},
	{"-(a * b)", "[- [a * b]]"},
	{"a || b + c", "[a || [b + c]]"},
	{"a + b || c = d", "[[[a + b] || c] = d]"},
	{"a < b AND c >= d", "[[a < b] AND [c >= d]]"},
	{"a IS NULL AND b IS NOT NULL", "[[a IS NULL] AND [b IS NOT NULL]]"},
	{"a = b IS TRUE", "[[a = b] IS TRUE]"},
	{"NOT a IS NULL", "[NOT [a IS NULL]]"},
	{"a BETWEEN b + 1 AND c * 2 AND d", "[[a BETWEEN [b + 1] AND [c * 2]] AND d]"},
	{"a NOT BETWEEN 1 AND 2 OR b", "[[a BETWEEN 1 AND 2] OR b]"},
	{"a + 1 IN (1, 2 + 3) AND b", "[[[a + 1] IN (1, [2 + 3])] AND b]"},
	{"a || 'x' LIKE 'y' || 'z'", "[[a || 'x'] LIKE ['y' || 'z']]"},
	{"a IS DISTINCT FROM b + 1 OR c", "[[a IS DISTINCT FROM [b + 1]] OR c]"},
	{"(a OR b) AND c", "[[a OR b] AND c]"},
	{"a * (b + c)", "[a * [b + c]]"},
	{"- - a", "[- [- a]]"},
	{"a - -b", "[a - [- b]]"},
}

func TestPrecedence(t *testing.T) {
	for _, c := range precedenceCases {
		e, err := ParseExpr(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := tree(e); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, got, c.want)
		}
		roundTrip(t, e, func(text string) (Node, error) { return ParseExpr(text) })
	}
}

// TestFormatParenthesises checks that Format puts back the parentheses a
// tree needs, also for trees the parser would not build.
func TestFormatParenthesises(t *testing.T) {
	a, b, c := &Ident{Parts: []string{"a"}}, &Ident{Parts: []string{"b"}}, &Ident{Parts: []string{"c"}}
	for _, tc := range []struct {
		e    Expr
		want string
	}{
		{&Binary{Op: "*", L: &Binary{Op: "+", L: a, R: b}, R: c}, "(a + b) * c"},
		{&Binary{Op: "-", L: a, R: &Binary{Op: "-", L: b, R: c}}, "a - (b - c)"},
		{&Binary{Op: "=", L: a, R: &Unary{Op: "NOT", X: b}}, "a = (NOT b)"},
		{&Binary{Op: "=", L: &Unary{Op: "NOT", X: a}, R: b}, "(NOT a) = b"},
		{&Binary{Op: "=", L: a, R: &IsExpr{X: b, Value: "NULL"}}, "a = (b IS NULL)"},
		{&Between{X: a, Lo: &Binary{Op: "AND", L: b, R: c}, Hi: c}, "a BETWEEN (b AND c) AND c"},
		{&Unary{Op: "-", X: &Unary{Op: "-", X: a}}, "- -a"},
		{&Unary{Op: "-", X: &Binary{Op: "+", L: a, R: b}}, "-(a + b)"},
		{&FloorCeil{X: &IntervalLit{Text: "1", Unit: "DAY"}, Unit: "HOUR"}, "FLOOR((INTERVAL '1' DAY) TO HOUR)"},
	} {
		if got := Format(tc.e); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}

func TestExprPositions(t *testing.T) {
	e, err := ParseExpr("a +\n  f(`b`, 'x')")
	if err != nil {
		t.Fatal(err)
	}
	want := &Binary{Pos: Pos{1, 3}, Op: "+",
		L: &Ident{Pos: Pos{1, 1}, Parts: []string{"a"}},
		R: &Call{Pos: Pos{2, 3}, Name: "F", Args: []Expr{
			&Ident{Pos: Pos{2, 5}, Parts: []string{"b"}},
			&Literal{Pos: Pos{2, 10}, Kind: LitString, Text: "x"},
		}}}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("got %#v", e)
	}
}

func TestLiteralKinds(t *testing.T) {
	for in, want := range map[string]LitKind{
		"1": LitInt, "1.0": LitDecimal, ".1": LitDecimal, "1e1": LitFloat, "1.5e+2": LitFloat,
		"'s'": LitString, "TRUE": LitBool, "NULL": LitNull,
	} {
		e, err := ParseExpr(in)
		if err != nil {
			t.Fatal(err)
		}
		if l, ok := e.(*Literal); !ok || l.Kind != want {
			t.Errorf("%s: got %#v, want kind %d", in, e, want)
		}
	}
}

var exprErrorCases = []errorCase{
	{"(a", 1, 3, "expected ')' but found end of input"},
	{"a +", 1, 4, "expected an expression but found end of input"},
	{"a = NOT b", 1, 5, "expected an expression but found 'NOT'"},
	{"a IS 1", 1, 6, "expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM but found '1'"},
	{"a BETWEEN 1", 1, 12, "expected AND but found end of input"},
	{"a IN ()", 1, 7, "expected an expression but found ')'"},
	{"a IN 1", 1, 6, "expected '(' but found '1'"},
	{"a SIMILAR 'x'", 1, 11, "expected TO but found string 'x'"},
	{"CASE END", 1, 6, "expected WHEN but found 'END'"},
	{"CASE WHEN a THEN b", 1, 19, "expected END but found end of input"},
	{"CAST(a INT)", 1, 8, "expected AS but found 'INT'"},
	{"CAST(a AS)", 1, 10, "expected a data type but found ')'"},
	{"EXTRACT(FORTNIGHT FROM ts)", 1, 9, "expected a time unit but found 'FORTNIGHT'"},
	{"FLOOR(ts TO EPOCH)", 1, 13, "expected a time unit but found 'EPOCH'"},
	{"TRIM(LEADING 'x' s)", 1, 18, "expected FROM but found 's'"},
	{"POSITION(a, b)", 1, 11, "expected IN but found ','"},
	{"DATE 5", 1, 6, "expected a string literal after DATE but found '5'"},
	{"t.*", 1, 3, "expected an identifier but found '*'"},
	{"a.b.f(x)", 1, 1, "qualified function names are not supported"},
	{"COUNT(*) OVER", 1, 14, "expected a window name or '(' but found end of input"},
	{"f(x) FILTER (x)", 1, 14, "expected WHERE but found 'x'"},
	{"a b", 1, 3, "expected end of input but found 'b'"},
	{"SELECT", 1, 1, "expected an expression but found 'SELECT'"},
	{"", 1, 1, "expected an expression but found end of input"},
	{"'abc\n", 1, 1, "unterminated string literal"},
	{"1e", 1, 1, "malformed number '1e'"},
	{"1.5.3", 1, 4, "expected end of input but found '.3'"},
	{"``", 1, 1, "empty quoted identifier"},
}

func TestExprErrors(t *testing.T) {
	for _, c := range exprErrorCases {
		_, err := ParseExpr(c.in)
		checkErrorCase(t, c, err)
	}
}
