package sql

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse checks that parsing never panics, that every error is an
// *Error with a position inside the input, and that whatever parses
// survives a round trip through Format: the formatted text parses to the
// same tree (positions and statement text aside) and formats the same.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		stmts, err := Parse(src)
		checkError(t, src, err)
		for _, s := range stmts {
			roundTrip(t, s, func(text string) (Node, error) { return ParseStatement(text) })
		}
		e, err := ParseExpr(src)
		checkError(t, src, err)
		if err == nil {
			roundTrip(t, e, func(text string) (Node, error) { return ParseExpr(text) })
		}
	})
}

// fuzzSeeds gathers the inputs of the other tests.
func fuzzSeeds() []string {
	seeds := []string{fullScript}
	for _, c := range statementCases {
		seeds = append(seeds, c.in)
	}
	for _, c := range queryCases {
		seeds = append(seeds, c.in)
	}
	for _, c := range exprCases {
		seeds = append(seeds, c.in)
	}
	for _, c := range precedenceCases {
		seeds = append(seeds, c.in)
	}
	for _, c := range errorCases {
		seeds = append(seeds, c.in)
	}
	for _, c := range exprErrorCases {
		seeds = append(seeds, c.in)
	}
	return append(seeds, roundTripSeeds...)
}

// roundTripSeeds exercise the corners of Format: parentheses, spaces and
// quotes that the canonical form must put back.
var roundTripSeeds = []string{
	"SELECT FLOOR(INTERVAL '1' DAY TO HOUR), FLOOR(INTERVAL '1' DAY TO HOUR TO MINUTE)",
	"SELECT - -a, -(a - b), -(-(1)), +(-1), a - -b, a * -b, a--b\n",
	"SELECT `CAST`(x), `current_date`(), `CURRENT_DATE`() FILTER (WHERE x), `count`(DISTINCT a)",
	"SELECT `POSITION`(DISTINCT a, b), `SUBSTRING`(DISTINCT a), SUBSTRING(a), POSITION((a = b) IN c)",
	"SELECT COUNT(DISTINCT a) FILTER (WHERE b) OVER w FROM t",
	"SELECT f(x) OVER (`rows`), f(x) OVER (`range` ROWS 1 PRECEDING), f(x) OVER (ORDER BY a ROWS `current` PRECEDING)",
	"SELECT f(x) OVER (ORDER BY a ROWS BETWEEN `unbounded` PRECEDING AND `current` FOLLOWING)",
	"SELECT TRIM(BOTH `both` FROM x), TRIM(`both`), TRIM(`leading` FROM `trailing`)",
	"SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), `DESCRIPTOR`(x)))",
	"SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY (`a b`), DESCRIPTOR(`t s`), INTERVAL '1' SECOND)) `w`",
	"SELECT * FROM TABLE(TUMBLE(`DATA` => TABLE t, `TimeCol` => DESCRIPTOR(ts), OFFSET => INTERVAL '1' SECOND, SIZE => INTERVAL '2' SECOND))",
	"SELECT * FROM a, (b, c), ((d)) JOIN ((e)) ON x, (SELECT 1) AS s",
	"VALUES (1) UNION VALUES (2) ORDER BY 1",
	"INSERT INTO t ((SELECT 1) UNION ALL (SELECT 2 LIMIT 1))",
	"(WITH a AS (SELECT 1) SELECT 2) ORDER BY 1; WITH a AS (SELECT 1) WITH b AS (SELECT 2) SELECT 3",
	"SELECT a BETWEEN b AND c BETWEEN d AND e, a IS NULL IS NULL, NOT NOT a IS TRUE",
	"SELECT a LIKE b ESCAPE c || d, (a = b) = c, a = (b = c), (a AND b) = c",
	"SELECT `ſelect`, `SELECT`, `ß`(x), `ǅ`(x), `a.b`.c",
	"CREATE TABLE t (`a b` INT, c AS `a b` COMMENT '', WATERMARK FOR `a b` AS `a b`) COMMENT ''",
	"SET 'a''b' = 'c''d'; RESET 'x'",
}

func checkError(t *testing.T, src string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%q: error %v is a %T, not an *Error", src, err, err)
	}
	if e.Line < 1 || e.Col < 1 || e.Msg == "" {
		t.Fatalf("%q: bad error %#v", src, e)
	}
}

func roundTrip(t *testing.T, n Node, parse func(string) (Node, error)) {
	t.Helper()
	text := Format(n)
	again, err := parse(text)
	if err != nil {
		t.Fatalf("Format gave %q, which does not parse: %v", text, err)
	}
	if text2 := Format(again); text2 != text {
		t.Fatalf("Format is not stable:\n%s\n%s", text, text2)
	}
	if !sameTree(n, again) {
		t.Fatalf("%q parses to a different tree", text)
	}
}

// sameTree compares two trees, ignoring positions and statement text.
func sameTree(a, b Node) bool {
	return reflect.DeepEqual(stripped(a), stripped(b))
}

// stripped returns a deep copy of n without positions and statement text.
func stripped(n Node) any {
	v := reflect.ValueOf(n)
	c := reflect.New(v.Type()).Elem()
	copyStripped(c, v)
	return c.Interface()
}

var (
	posType      = reflect.TypeFor[Pos]()
	stmtInfoType = reflect.TypeFor[StmtInfo]()
)

func copyStripped(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyStripped(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		e := reflect.New(src.Elem().Type()).Elem()
		copyStripped(e, src.Elem())
		dst.Set(e)
	case reflect.Struct:
		if src.Type() == posType || src.Type() == stmtInfoType {
			return
		}
		for i := range src.NumField() {
			copyStripped(dst.Field(i), src.Field(i))
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			copyStripped(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	default:
		dst.Set(src)
	}
}
