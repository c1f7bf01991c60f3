package sql

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// formatCase is an input and its canonical form, which pins the tree's
// shape: Format writes exactly what the tree holds.
type formatCase struct{ in, want string }

var statementCases = []formatCase{
	// CREATE TABLE
	{"create table t (a int)", "CREATE TABLE t (a INT)"},
	{"CREATE TABLE IF NOT EXISTS cat.db.t (a INTEGER NOT NULL, b STRING NULL) WITH ('connector' = 'print')",
		"CREATE TABLE IF NOT EXISTS cat.db.t (a INT NOT NULL, b STRING) WITH ('connector' = 'print')"},
	{"CREATE TEMPORARY TABLE t (a INT)", "CREATE TEMPORARY TABLE t (a INT)"},
	{"CREATE TABLE t (a INT COMMENT 'the a', c AS a * 2 COMMENT 'twice a') COMMENT 'tbl' WITH ('k' = 'v')",
		"CREATE TABLE t (a INT COMMENT 'the a', c AS a * 2 COMMENT 'twice a') COMMENT 'tbl' WITH ('k' = 'v')"},
	{"CREATE TABLE t (PRIMARY KEY (a, b) NOT ENFORCED, a INT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND, ts TIMESTAMP(3), b INT)",
		"CREATE TABLE t (a INT, ts TIMESTAMP(3), b INT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND, PRIMARY KEY (a, b) NOT ENFORCED)"},
	{"CREATE TABLE t (a INT, CONSTRAINT pk PRIMARY KEY (a) NOT ENFORCED)",
		"CREATE TABLE t (a INT, CONSTRAINT pk PRIMARY KEY (a) NOT ENFORCED)"},
	{"CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY NOT ENFORCED COMMENT 'key')",
		"CREATE TABLE t (id BIGINT NOT NULL COMMENT 'key', PRIMARY KEY (id) NOT ENFORCED)"},
	{"CREATE TABLE t (watermark INT, `primary` INT, constraint INT)",
		"CREATE TABLE t (`watermark` INT, `primary` INT, `constraint` INT)"},
	{"CREATE TABLE t (`my col` INT, `a``b` STRING)", "CREATE TABLE t (`my col` INT, `a``b` STRING)"},
	{"CREATE TABLE t (a INT) WITH ('it''s' = 'a''b', 'k2' = '')", "CREATE TABLE t (a INT) WITH ('it''s' = 'a''b', 'k2' = '')"},
	// Types
	{"CREATE TABLE t (a BOOLEAN, b TINYINT, c SMALLINT, d INT, e INTEGER, f BIGINT, g FLOAT, h DOUBLE, i DOUBLE PRECISION)",
		"CREATE TABLE t (a BOOLEAN, b TINYINT, c SMALLINT, d INT, e INT, f BIGINT, g FLOAT, h DOUBLE, i DOUBLE)"},
	{"CREATE TABLE t (a DECIMAL, b DECIMAL(10), c DEC(10, 2), d NUMERIC(38, 18))",
		"CREATE TABLE t (a DECIMAL, b DECIMAL(10), c DECIMAL(10, 2), d DECIMAL(38, 18))"},
	{"CREATE TABLE t (a CHAR(1), b VARCHAR(20), c STRING, d BINARY(3), e VARBINARY(4), f BYTES)",
		"CREATE TABLE t (a CHAR(1), b VARCHAR(20), c STRING, d BINARY(3), e VARBINARY(4), f BYTES)"},
	{"CREATE TABLE t (a DATE, b TIME, c TIME(3), d TIME(0) WITHOUT TIME ZONE, e TIMESTAMP, f TIMESTAMP(3) WITHOUT TIME ZONE)",
		"CREATE TABLE t (a DATE, b TIME, c TIME(3), d TIME(0), e TIMESTAMP, f TIMESTAMP(3))"},
	{"CREATE TABLE t (a TIMESTAMP WITH LOCAL TIME ZONE, b TIMESTAMP(3) WITH LOCAL TIME ZONE NOT NULL, c TIMESTAMP_LTZ(6))",
		"CREATE TABLE t (a TIMESTAMP_LTZ, b TIMESTAMP_LTZ(3) NOT NULL, c TIMESTAMP_LTZ(6))"},
	{"CREATE TABLE t (a INTERVAL DAY TO SECOND, b INTERVAL YEAR TO MONTH, c INTERVAL MINUTES)",
		"CREATE TABLE t (a INTERVAL DAY TO SECOND, b INTERVAL YEAR TO MONTH, c INTERVAL MINUTE)"},
	// Views
	{"CREATE VIEW v AS SELECT a FROM t", "CREATE VIEW v AS SELECT a FROM t"},
	{"create temporary view if not exists v (x, y) comment 'c' as select a, b from t",
		"CREATE TEMPORARY VIEW IF NOT EXISTS v (x, y) COMMENT 'c' AS SELECT a, b FROM t"},
	// DROP
	{"DROP TABLE t", "DROP TABLE t"},
	{"DROP TABLE IF EXISTS db.t", "DROP TABLE IF EXISTS db.t"},
	{"DROP TEMPORARY VIEW IF EXISTS v", "DROP TEMPORARY VIEW IF EXISTS v"},
	{"DROP VIEW v", "DROP VIEW v"},
	// SHOW, DESCRIBE
	{"SHOW TABLES", "SHOW TABLES"},
	{"show views", "SHOW VIEWS"},
	{"SHOW FUNCTIONS", "SHOW FUNCTIONS"},
	{"DESCRIBE t", "DESCRIBE t"},
	{"DESC db.`t`", "DESCRIBE db.t"},
	// SET, RESET
	{"SET", "SET"},
	{"SET 'parallelism.default' = '2'", "SET 'parallelism.default' = '2'"},
	{"RESET", "RESET"},
	{"RESET 'parallelism.default'", "RESET 'parallelism.default'"},
	// INSERT
	{"INSERT INTO out SELECT * FROM t", "INSERT INTO out SELECT * FROM t"},
	{"INSERT INTO db.out (a, b) SELECT x, y FROM t", "INSERT INTO db.out (a, b) SELECT x, y FROM t"},
	{"INSERT INTO out (SELECT a FROM t)", "INSERT INTO out SELECT a FROM t"},
	{"INSERT INTO out VALUES (1, 'a'), (2, 'b')", "INSERT INTO out VALUES (1, 'a'), (2, 'b')"},
	// EXPLAIN
	{"EXPLAIN SELECT a FROM t", "EXPLAIN SELECT a FROM t"},
	{"EXPLAIN PLAN FOR INSERT INTO o SELECT a FROM t", "EXPLAIN INSERT INTO o SELECT a FROM t"},
	// Keywords are case-insensitive, names keep their case.
	{"sElEcT MyCol FrOm MyTable", "SELECT MyCol FROM MyTable"},
}

var queryCases = []formatCase{
	{"SELECT 1", "SELECT 1"},
	{"SELECT DISTINCT a, b FROM t", "SELECT DISTINCT a, b FROM t"},
	{"SELECT ALL a FROM t", "SELECT a FROM t"},
	{"SELECT *, t.*, `db`.`t`.* FROM t", "SELECT *, t.*, db.t.* FROM t"},
	{"SELECT a AS x, b y, c AS `select` FROM t", "SELECT a AS x, b AS y, c AS `select` FROM t"},
	{"SELECT a FROM t WHERE a > 1 GROUP BY a, b HAVING COUNT(*) > 2",
		"SELECT a FROM t WHERE a > 1 GROUP BY a, b HAVING COUNT(*) > 2"},
	{"SELECT a FROM t ORDER BY a, b DESC, c ASC NULLS FIRST LIMIT 10",
		"SELECT a FROM t ORDER BY a, b DESC, c NULLS FIRST LIMIT 10"},
	{"SELECT a FROM t LIMIT 10 OFFSET 5", "SELECT a FROM t LIMIT 10 OFFSET 5"},
	{"SELECT a FROM t OFFSET 5 ROWS FETCH FIRST 3 ROWS ONLY", "SELECT a FROM t LIMIT 3 OFFSET 5"},
	{"SELECT a FROM t FETCH NEXT 1 ROW ONLY", "SELECT a FROM t LIMIT 1"},
	// Set operations
	{"SELECT a FROM t UNION ALL SELECT a FROM u", "SELECT a FROM t UNION ALL SELECT a FROM u"},
	{"SELECT a FROM t UNION DISTINCT SELECT a FROM u", "SELECT a FROM t UNION SELECT a FROM u"},
	{"SELECT a FROM t UNION SELECT a FROM u INTERSECT SELECT a FROM v",
		"SELECT a FROM t UNION SELECT a FROM u INTERSECT SELECT a FROM v"},
	{"(SELECT a FROM t UNION SELECT a FROM u) INTERSECT SELECT a FROM v",
		"(SELECT a FROM t UNION SELECT a FROM u) INTERSECT SELECT a FROM v"},
	{"SELECT a FROM t EXCEPT (SELECT a FROM u EXCEPT ALL SELECT a FROM v)",
		"SELECT a FROM t EXCEPT (SELECT a FROM u EXCEPT ALL SELECT a FROM v)"},
	{"SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY a LIMIT 3",
		"SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY a LIMIT 3"},
	{"(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL (SELECT a FROM u)",
		"(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL SELECT a FROM u"},
	{"((SELECT a FROM t)) ORDER BY a", "SELECT a FROM t ORDER BY a"},
	{"VALUES (1, 'a'), (2, 'b')", "VALUES (1, 'a'), (2, 'b')"},
	{"VALUES (1) UNION ALL VALUES (2)", "VALUES (1) UNION ALL VALUES (2)"},
	// WITH
	{"WITH a AS (SELECT x FROM t), b (y) AS (SELECT x FROM a) SELECT y FROM b ORDER BY y",
		"WITH a AS (SELECT x FROM t), b (y) AS (SELECT x FROM a) SELECT y FROM b ORDER BY y"},
	{"SELECT a FROM t UNION ALL (WITH w AS (SELECT 1) SELECT * FROM w)",
		"SELECT a FROM t UNION ALL (WITH w AS (SELECT 1) SELECT * FROM w)"},
	// FROM items
	{"SELECT * FROM cat.db.t AS x (a, b)", "SELECT * FROM cat.db.t AS x (a, b)"},
	{"SELECT * FROM t x", "SELECT * FROM t AS x"},
	{"SELECT * FROM (SELECT a FROM t) s", "SELECT * FROM (SELECT a FROM t) AS s"},
	{"SELECT * FROM (SELECT a FROM t)", "SELECT * FROM (SELECT a FROM t)"},
	{"SELECT * FROM (VALUES (1, 2), (3, 4)) AS v (a, b)", "SELECT * FROM (VALUES (1, 2), (3, 4)) AS v (a, b)"},
	{"SELECT * FROM a, b, c", "SELECT * FROM a, b, c"},
	{"SELECT * FROM a JOIN b ON a.id = b.id INNER JOIN c USING (id)",
		"SELECT * FROM a JOIN b ON a.id = b.id JOIN c USING (id)"},
	{"SELECT * FROM a LEFT OUTER JOIN b ON x RIGHT JOIN c ON y FULL OUTER JOIN d ON z CROSS JOIN e",
		"SELECT * FROM a LEFT JOIN b ON x RIGHT JOIN c ON y FULL JOIN d ON z CROSS JOIN e"},
	{"SELECT * FROM a JOIN (b JOIN c ON p) ON q", "SELECT * FROM a JOIN (b JOIN c ON p) ON q"},
	{"SELECT * FROM (a JOIN b ON p) JOIN c ON q", "SELECT * FROM a JOIN b ON p JOIN c ON q"},
	{"SELECT * FROM a, b JOIN c ON a.x = c.x", "SELECT * FROM a, b JOIN c ON a.x = c.x"},
	{"SELECT o.id, r.rate FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur",
		"SELECT o.id, r.rate FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur"},
	{"SELECT * FROM o JOIN r FOR SYSTEM_TIME AS OF o.proc r2 ON true",
		"SELECT * FROM o JOIN r FOR SYSTEM_TIME AS OF o.proc AS r2 ON TRUE"},
	// Window table-valued functions
	{"SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))",
		"SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))"},
	{"SELECT * FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' MINUTE, INTERVAL '10' MINUTE)) AS w",
		"SELECT * FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' MINUTE, INTERVAL '10' MINUTE)) AS w"},
	{"SELECT * FROM TABLE(CUMULATE(TABLE db.bid, DESCRIPTOR(ts), INTERVAL '2' MINUTES, INTERVAL '10' MINUTES))",
		"SELECT * FROM TABLE(CUMULATE(TABLE db.bid, DESCRIPTOR(ts), INTERVAL '2' MINUTE, INTERVAL '10' MINUTE))"},
	{"SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY auction, DESCRIPTOR(ts), INTERVAL '5' MINUTE))",
		"SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY auction, DESCRIPTOR(ts), INTERVAL '5' MINUTE))"},
	{"SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY (a, b), DESCRIPTOR(ts), INTERVAL '5' MINUTE))",
		"SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY (a, b), DESCRIPTOR(ts), INTERVAL '5' MINUTE))"},
	{"SELECT * FROM TABLE(TUMBLE(DATA => TABLE bid, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '10' MINUTES))",
		"SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' MINUTE))"},
	{"SELECT * FROM TABLE(HOP(size => INTERVAL '10' MINUTE, offset => INTERVAL '1' MINUTE, data => TABLE bid, slide => INTERVAL '5' MINUTE, timecol => DESCRIPTOR(ts)))",
		"SELECT * FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' MINUTE, INTERVAL '10' MINUTE, INTERVAL '1' MINUTE))"},
	{"SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' SECOND)) w (a, b)",
		"SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' SECOND)) AS w (a, b)"},
	// OVER windows and the WINDOW clause
	{"SELECT SUM(x) OVER (PARTITION BY a ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t",
		"SELECT SUM(x) OVER (PARTITION BY a ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t"},
	{"SELECT SUM(x) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW) FROM t",
		"SELECT SUM(x) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW) FROM t"},
	{"SELECT SUM(x) OVER (ORDER BY ts ROWS 10 PRECEDING) FROM t",
		"SELECT SUM(x) OVER (ORDER BY ts ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) FROM t"},
	{"SELECT SUM(x) OVER (ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) FROM t",
		"SELECT SUM(x) OVER (ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) FROM t"},
	{"SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b DESC) AS rn FROM t",
		"SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b DESC) AS rn FROM t"},
	{"SELECT SUM(x) OVER w, AVG(x) OVER (w) FROM t WINDOW w AS (PARTITION BY a ORDER BY ts)",
		"SELECT SUM(x) OVER w, AVG(x) OVER w FROM t WINDOW w AS (PARTITION BY a ORDER BY ts)"},
	{"SELECT SUM(x) OVER (w ROWS 2 PRECEDING) FROM t WHERE x > 0 GROUP BY a HAVING b WINDOW w AS (ORDER BY ts), w2 AS (w)",
		"SELECT SUM(x) OVER (w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t WHERE x > 0 GROUP BY a HAVING b WINDOW w AS (ORDER BY ts), w2 AS (w)"},
	{"SELECT COUNT(*) FILTER (WHERE x > 1) FROM t", "SELECT COUNT(*) FILTER (WHERE x > 1) FROM t"},
	// Comments and hints
	{"SELECT /*+ OPTIONS('k'='v') */ a -- trailing\nFROM t /* block\ncomment */", "SELECT a FROM t"},
}

func TestFormatStatements(t *testing.T) {
	for _, c := range append(statementCases, queryCases...) {
		s, err := ParseStatement(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := Format(s); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, got, c.want)
		}
		roundTrip(t, s, func(text string) (Node, error) { return ParseStatement(text) })
	}
}

const fullScript = `-- the Nexmark-style example
CREATE TABLE bid (
  auction BIGINT, price DECIMAL(10, 2), bidder STRING,
  ts TIMESTAMP(3), pt AS PROCTIME(),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND,
  PRIMARY KEY (auction) NOT ENFORCED
) WITH ('connector' = 'datagen', 'rows-per-second' = '100', 'fields.auction.min' = '1');
SET 'parallelism.default' = '2';
INSERT INTO out SELECT window_start, window_end, auction, COUNT(*) AS n, SUM(price)
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, auction;
`

func TestFullScript(t *testing.T) {
	stmts, err := Parse(fullScript)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 3 {
		t.Fatalf("got %d statements, want 3", len(stmts))
	}

	ct := stmts[0].(*CreateTable)
	if ct.Position() != (Pos{2, 1}) {
		t.Errorf("CREATE TABLE at %v, want line 2, column 1", ct.Position())
	}
	if !strings.HasPrefix(ct.Source(), "CREATE TABLE bid (\n  auction BIGINT") || !strings.HasSuffix(ct.Source(), "'fields.auction.min' = '1')") {
		t.Errorf("CREATE TABLE text %q", ct.Source())
	}
	wantCols := []*ColumnDef{
		{Pos: Pos{3, 3}, Name: "auction", Type: &TypeName{Pos: Pos{3, 11}, Name: "BIGINT"}},
		{Pos: Pos{3, 19}, Name: "price", Type: &TypeName{Pos: Pos{3, 25}, Name: "DECIMAL", Params: []int{10, 2}}},
		{Pos: Pos{3, 41}, Name: "bidder", Type: &TypeName{Pos: Pos{3, 48}, Name: "STRING"}},
		{Pos: Pos{4, 3}, Name: "ts", Type: &TypeName{Pos: Pos{4, 6}, Name: "TIMESTAMP", Params: []int{3}}},
		{Pos: Pos{4, 20}, Name: "pt", Expr: &Call{Pos: Pos{4, 26}, Name: "PROCTIME"}},
	}
	if !reflect.DeepEqual(ct.Columns, wantCols) {
		for i, c := range ct.Columns {
			t.Errorf("column %d: %+v %+v", i, *c, c.Type)
		}
	}
	wantWM := &Watermark{Pos: Pos{5, 3}, Column: "ts", Expr: &Binary{Pos: Pos{5, 26}, Op: "-",
		L: &Ident{Pos: Pos{5, 23}, Parts: []string{"ts"}},
		R: &IntervalLit{Pos: Pos{5, 28}, Text: "5", Unit: "SECOND"}}}
	if !reflect.DeepEqual(ct.Watermark, wantWM) {
		t.Errorf("watermark %s", Format(ct.Watermark.Expr))
	}
	if want := (&PrimaryKey{Pos: Pos{6, 3}, Columns: []string{"auction"}}); !reflect.DeepEqual(ct.PrimaryKey, want) {
		t.Errorf("primary key %+v", ct.PrimaryKey)
	}
	var opts []string
	for _, o := range ct.Options {
		opts = append(opts, o.Key+"="+o.Value)
	}
	if got := strings.Join(opts, " "); got != "connector=datagen rows-per-second=100 fields.auction.min=1" {
		t.Errorf("options %s", got)
	}

	set := stmts[1].(*Set)
	if set.Key != "parallelism.default" || set.Value != "2" || set.Position() != (Pos{8, 1}) || set.Source() != "SET 'parallelism.default' = '2'" {
		t.Errorf("SET %+v", set)
	}

	ins := stmts[2].(*Insert)
	if ins.Position() != (Pos{9, 1}) || !strings.HasSuffix(ins.Source(), "GROUP BY window_start, window_end, auction") {
		t.Errorf("INSERT at %v: %q", ins.Position(), ins.Source())
	}
	if !reflect.DeepEqual(ins.Table, []string{"out"}) || ins.Columns != nil {
		t.Errorf("INSERT target %v %v", ins.Table, ins.Columns)
	}
	sel := ins.Query.(*Select)
	if len(sel.Items) != 5 || sel.Items[3].Alias != "n" || !sel.Items[3].Expr.(*Call).Star {
		t.Errorf("select list %s", Format(sel))
	}
	tvf := sel.From.(*WindowTVF)
	wantTVF := &WindowTVF{Pos: Pos{10, 6}, Func: "TUMBLE",
		Table:   &TableName{Pos: Pos{10, 25}, Name: []string{"bid"}},
		TimeCol: &Ident{Pos: Pos{10, 41}, Parts: []string{"ts"}},
		Args:    []Expr{&IntervalLit{Pos: Pos{10, 46}, Text: "10", Unit: "SECOND"}}}
	if !reflect.DeepEqual(tvf, wantTVF) {
		t.Errorf("window TVF %+v", tvf)
	}
	if got := Format(&Values{Rows: [][]Expr{sel.GroupBy}}); got != "VALUES (window_start, window_end, auction)" {
		t.Errorf("GROUP BY %s", got)
	}
}

func TestScriptSeparators(t *testing.T) {
	stmts, err := Parse(";; SELECT 1;;\n  SELECT 2 /* c */ ; -- done\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 2 || stmts[0].Source() != "SELECT 1" || stmts[1].Source() != "SELECT 2" || stmts[1].Position() != (Pos{2, 3}) {
		t.Fatalf("got %d statements: %q", len(stmts), stmts)
	}
	for _, src := range []string{"", "  ", ";", "-- only a comment"} {
		if stmts, err := Parse(src); err != nil || len(stmts) != 0 {
			t.Errorf("%q: %v, %d statements", src, err, len(stmts))
		}
	}
	ex, err := ParseStatement("EXPLAIN  SELECT a FROM t;")
	if err != nil {
		t.Fatal(err)
	}
	if inner := ex.(*Explain).Stmt; inner.Source() != "SELECT a FROM t" || inner.Position() != (Pos{1, 10}) {
		t.Errorf("explained statement %q at %v", inner.Source(), inner.Position())
	}
}

// errorCase is malformed input with where the error is and part of its
// message.
type errorCase struct {
	in        string
	line, col int
	msg       string
}

var errorCases = []errorCase{
	{"SELECT (a FROM t", 1, 11, "expected ')' but found 'FROM'"},
	{"SELECT a FROM", 1, 14, "expected a table reference but found end of input"},
	{"SELECT a FROM WHERE x", 1, 15, "expected a table reference but found 'WHERE'"},
	{"SELECT FROM t", 1, 8, "expected an expression but found 'FROM'"},
	{"SELECT 1;\nSELECT 'abc", 2, 8, "unterminated string literal"},
	{"SELECT a FROM t garbage more", 1, 25, "expected ';' or end of input but found 'more'"},
	{"SELECT 1 2", 1, 10, "expected ';' or end of input but found '2'"},
	{"CREATE TABLE t (a INT,) WITH ()", 1, 23, "expected a column definition but found ')'"},
	{"CREATE TABLE t (a INT) WITH ()", 1, 30, "expected an option key (a string literal) but found ')'"},
	{"CREATE TABLE t (a INT) WITH (k = 'v')", 1, 30, "expected an option key (a string literal) but found 'k'"},
	{"FOO bar", 1, 1, "expected a statement (SELECT, INSERT, CREATE, DROP, SHOW, DESCRIBE, EXPLAIN, SET or RESET) but found 'FOO'"},
	{"SELECT INTERVAL '1' FORTNIGHT", 1, 21, "expected an interval unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND) but found 'FORTNIGHT'"},
	{"SELECT INTERVAL '1' SECOND TO MINUTE", 1, 31, "invalid interval qualifier SECOND TO MINUTE"},
	{"SELECT INTERVAL 1 SECOND", 1, 17, "expected a string literal after INTERVAL but found '1'"},
	{"CREATE TABLE t (\n  a INT,\n  b FOO\n)", 3, 5, "expected a data type but found 'FOO'"},
	{"CREATE TABLE t (a INT(3))", 1, 22, "INT takes no parameters"},
	{"CREATE TABLE t (a VARCHAR(99999999999))", 1, 27, "type parameter 99999999999 is out of range"},
	{"CREATE TABLE t (a VARCHAR(n))", 1, 27, "expected an integer type parameter but found 'n'"},
	{"SELECT a FROM t '" + strings.Repeat("x", 50) + "'", 1, 17, "but found string '" + strings.Repeat("x", 39) + "..."},
	{"CREATE TABLE t (a DECIMAL(1, 2, 3))", 1, 33, "too many parameters for DECIMAL"},
	{"CREATE TABLE t (a TIMESTAMP WITH TIME ZONE)", 1, 34, "TIMESTAMP WITH TIME ZONE is not supported"},
	{"CREATE TABLE t (a INT, PRIMARY KEY (a))", 1, 39, "expected NOT ENFORCED (Flink does not enforce primary keys) but found ')'"},
	{"CREATE TABLE t (a INT PRIMARY KEY NOT ENFORCED, PRIMARY KEY (a) NOT ENFORCED)", 1, 49, "more than one PRIMARY KEY"},
	{"CREATE TABLE t (WATERMARK FOR a AS a, WATERMARK FOR a AS a)", 1, 39, "more than one WATERMARK definition"},
	{"CREATE TABLE t (a INT METADATA)", 1, 23, "metadata columns are not supported"},
	{"CREATE FUNCTION f AS 'x'", 1, 8, "expected TABLE or VIEW but found 'FUNCTION'"},
	{"DROP INDEX i", 1, 6, "expected TABLE or VIEW but found 'INDEX'"},
	{"SHOW JOBS", 1, 6, "expected TABLES, VIEWS or FUNCTIONS but found 'JOBS'"},
	{"SET parallelism = 2", 1, 5, "expected a configuration key (a string literal) but found 'parallelism'"},
	{"SET '' = 'x'", 1, 5, "empty configuration key"},
	{"SET 'k' = 2", 1, 11, "expected a value (a string literal) but found '2'"},
	{"INSERT OVERWRITE t SELECT 1", 1, 8, "INSERT OVERWRITE is not supported"},
	{"INSERT INTO t", 1, 14, "expected a query (SELECT, VALUES or WITH) but found end of input"},
	{"EXPLAIN DROP TABLE t", 1, 9, "expected a query or INSERT statement to explain but found 'DROP'"},
	{"SELECT a FROM t JOIN u", 1, 23, "expected ON or USING but found end of input"},
	{"SELECT a FROM t NATURAL JOIN u", 1, 17, "NATURAL JOIN is not supported"},
	{"SELECT a FROM LATERAL TABLE(f(x))", 1, 15, "LATERAL table functions are not supported"},
	{"SELECT a FROM t UNION", 1, 22, "expected a query (SELECT, VALUES or WITH) but found end of input"},
	{"(SELECT a FROM t LIMIT 1) ORDER BY a", 1, 27, "the query already has ORDER BY, LIMIT or OFFSET"},
	{"VALUES (1) ORDER BY 1", 1, 12, "ORDER BY, LIMIT and OFFSET are not supported on VALUES"},
	{"SELECT a FROM t LIMIT x", 1, 23, "expected an integer but found 'x'"},
	{"SELECT * FROM TABLE(FOO(TABLE t))", 1, 21, "expected a window function (TUMBLE, HOP, CUMULATE or SESSION) but found 'FOO'"},
	{"SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts)))", 1, 21, "TUMBLE takes TABLE, DESCRIPTOR and SIZE [, OFFSET]"},
	{"SELECT * FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND))", 1, 21, "HOP takes TABLE, DESCRIPTOR and SLIDE, SIZE [, OFFSET]"},
	{"SELECT * FROM TABLE(TUMBLE(DESCRIPTOR(ts), TABLE t, INTERVAL '1' SECOND))", 1, 21, "TUMBLE expects TABLE t, DESCRIPTOR(column)"},
	{"SELECT * FROM TABLE(TUMBLE(TABLE t PARTITION BY a, DESCRIPTOR(ts), INTERVAL '1' SECOND))", 1, 28, "PARTITION BY is only allowed in SESSION windows"},
	{"SELECT * FROM TABLE(TUMBLE(DATA => TABLE t, DESCRIPTOR(ts)))", 1, 45, "cannot mix named and positional arguments"},
	{"SELECT * FROM TABLE(TUMBLE(DATA => TABLE t, TIMECOL => DESCRIPTOR(ts)))", 1, 70, "TUMBLE is missing argument SIZE"},
	{"SELECT * FROM TABLE(TUMBLE(DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), GAP => INTERVAL '1' SECOND))", 1, 72, "TUMBLE has no parameter GAP"},
	{"SELECT * FROM TABLE(TUMBLE(DATA => TABLE t, DATA => TABLE u))", 1, 45, "parameter DATA given twice"},
	{"SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), DESCRIPTOR(x)))", 1, 53, "expected an expression as argument of TUMBLE"},
	{"SELECT 1 FROM t WHERE a IN (SELECT b FROM u)", 1, 29, "IN with a subquery is not supported"},
	{"SELECT (SELECT 1) FROM t", 1, 8, "scalar subqueries are not supported"},
	{"SELECT * FROM t WHERE EXISTS (SELECT 1)", 1, 23, "EXISTS subqueries are not supported"},
	{"SELECT `unterminated FROM t", 1, 8, "unterminated quoted identifier"},
	{"SELECT a FROM t /* never closed", 1, 17, "unterminated comment"},
	{"SELECT a FROM t WHERE a = 1abc", 1, 27, "malformed number '1abc'"},
	{"SELECT a ? b", 1, 10, "unexpected character '?'"},
	{"SELECT\n\t`é` + 'ü',\n\t\"x\"", 3, 2, "unexpected character '\"'"},
	{"SELECT " + strings.Repeat("(", 2000) + "1" + strings.Repeat(")", 2000), 1, 1007, "nesting too deep (more than 1000 levels)"},
	{"SELECT " + strings.Repeat("- ", 2000) + "1", 1, 2004, "nesting too deep"},
	{"SELECT * FROM " + strings.Repeat("(", 2000) + "t" + strings.Repeat(")", 2000), 1, 1014, "nesting too deep"},
	{"SELECT CAST(a AS INT FROM t", 1, 22, "expected ')' but found 'FROM'"},
	{"CREATE TABLE t (a INT b INT)", 1, 23, "expected ',' or ')' but found 'b'"},
	{"SELECT f(a b) FROM t", 1, 12, "expected ',' or ')' but found 'b'"},
	{"INSERT INTO t (a b) SELECT 1", 1, 18, "expected ',' or ')' but found 'b'"},
	{"SELECT a FROM t ORDER BY a NULLS MIDDLE", 1, 34, "expected FIRST or LAST but found 'MIDDLE'"},
	{"SELECT a FROM t WINDOW w AS PARTITION BY a", 1, 29, "expected '(' but found 'PARTITION'"},
	{"SELECT SUM(a) OVER (ROWS 2) FROM t", 1, 27, "expected PRECEDING or FOLLOWING but found ')'"},
}

func TestErrors(t *testing.T) {
	for _, c := range errorCases {
		_, err := Parse(c.in)
		checkErrorCase(t, c, err)
	}
}

func checkErrorCase(t *testing.T, c errorCase, err error) {
	t.Helper()
	name := c.in
	if len(name) > 60 {
		name = name[:60] + "..."
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%q: got %v, want an *Error", name, err)
		return
	}
	if e.Line != c.line || e.Col != c.col || !strings.Contains(e.Msg, c.msg) {
		t.Errorf("%q:\n got %v\nwant line %d, column %d: %s", name, e, c.line, c.col, c.msg)
	}
}

func TestParseStatementWantsOne(t *testing.T) {
	if _, err := ParseStatement("SELECT 1; SELECT 2"); err == nil || err.Error() != "line 1, column 11: expected end of input but found 'SELECT'" {
		t.Errorf("got %v", err)
	}
	if _, err := ParseStatement(""); err == nil || err.Error() != "line 1, column 1: expected a statement (SELECT, INSERT, CREATE, DROP, SHOW, DESCRIBE, EXPLAIN, SET or RESET) but found end of input" {
		t.Errorf("got %v", err)
	}
	if s, err := ParseStatement("SHOW TABLES;"); err != nil || s.(*Show).Object != "TABLES" {
		t.Errorf("got %v, %v", s, err)
	}
}

func TestFormatOtherNodes(t *testing.T) {
	tn := &TypeName{Name: "DECIMAL", Params: []int{10, 2}, NotNull: true}
	if got := Format(tn); got != "DECIMAL(10, 2) NOT NULL" {
		t.Errorf("type: %s", got)
	}
	ws := &WindowSpec{PartitionBy: []Expr{&Ident{Parts: []string{"a"}}}, Frame: &Frame{Start: FrameBound{Kind: Preceding, Offset: &Literal{Kind: LitInt, Text: "2"}}, End: FrameBound{Kind: CurrentRow}}}
	if got := Format(ws); got != "(PARTITION BY a RANGE BETWEEN 2 PRECEDING AND CURRENT ROW)" {
		t.Errorf("window: %s", got)
	}
	for k, want := range map[JoinKind]string{CommaJoin: ",", InnerJoin: "JOIN", LeftJoin: "LEFT JOIN", RightJoin: "RIGHT JOIN", FullJoin: "FULL JOIN", CrossJoin: "CROSS JOIN", 9: "JoinKind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("JoinKind %d: %s", int(k), got)
		}
	}
}
