package sql

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// memCluster is a cluster for one session's unit tests: a catalog in
// memory and a record of the submitted specs.
type memCluster struct {
	cat   *table.MemCatalog
	specs []jobgraph.Spec
}

func newMemCluster() *memCluster { return &memCluster{cat: table.NewMemCatalog()} }

func (c *memCluster) Catalog() table.Catalog { return c.cat }

func (c *memCluster) SubmitJob(_ context.Context, spec jobgraph.Spec) (string, error) {
	// As the leader does: the spec must build into a job.
	if _, err := stream.Default.Build(spec); err != nil {
		return "", err
	}
	c.specs = append(c.specs, spec)
	return "job-" + string(rune('0'+len(c.specs))), nil
}

func (c *memCluster) JobStatus(context.Context, string) (string, string, error) {
	return "FINISHED", "", nil
}

const testTables = `
CREATE TABLE bid (
  auction BIGINT,
  price DECIMAL(10, 2),
  bidder STRING,
  ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'datagen', 'number-of-rows' = '100');
CREATE TABLE counts (auction BIGINT, n BIGINT) WITH ('connector' = 'print');
CREATE TABLE windows (window_start TIMESTAMP(3), window_end TIMESTAMP(3), auction BIGINT, n BIGINT, total DECIMAL(38, 2))
  WITH ('connector' = 'blackhole');
CREATE TABLE files (auction BIGINT, n BIGINT) WITH ('connector' = 'filesystem', 'path' = '/tmp/x', 'format' = 'csv');
`

func newTestSession(t *testing.T) (*Session, *memCluster) {
	t.Helper()
	c := newMemCluster()
	s := NewSession(c)
	if _, err := s.Execute(context.Background(), testTables); err != nil {
		t.Fatal(err)
	}
	return s, c
}

// TestExplainGolden pins EXPLAIN's output for the queries in
// testdata/explain: the logical plan, the optimized plan and the chained
// tasks. Run with -update to rewrite the golden files.
func TestExplainGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/explain/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := newTestSession(t)
			res, err := s.Execute(context.Background(), string(src))
			if err != nil {
				t.Fatal(err)
			}
			got := res[len(res)-1].Rows[0][0]
			golden := strings.TrimSuffix(f, ".sql") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("EXPLAIN changed (run with -update if intended):\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestSpecBuildsSameGraph checks that a SQL job's spec carries the whole
// resolved plan: two builds of one spec give the same graph, also after
// the catalog dropped the tables.
func TestSpecBuildsSameGraph(t *testing.T) {
	s, c := newTestSession(t)
	ctx := context.Background()
	if _, err := s.Execute(ctx, `INSERT INTO windows SELECT window_start, window_end, auction, COUNT(*), SUM(price)
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end, auction`); err != nil {
		t.Fatal(err)
	}
	spec := c.specs[0]
	a, err := stream.Default.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Execute(ctx, "DROP TABLE bid; DROP TABLE windows"); err != nil {
		t.Fatal(err)
	}
	b, err := stream.Default.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	if a.Graph().Fingerprint() != b.Graph().Fingerprint() {
		t.Fatalf("two builds of one spec differ:\n%v\n%v", a.Graph(), b.Graph())
	}
}

// TestStatementErrors checks that bad statements fail with a reason and a
// position, and change nothing.
func TestStatementErrors(t *testing.T) {
	cases := []struct{ sql, want string }{
		{"SELECT nope FROM bid", "line 1, column 8: column \"nope\" not found"},
		{"SELECT * FROM missing", "table or view missing not found"},
		{"INSERT INTO files SELECT auction, COUNT(*) FROM bid GROUP BY auction",
			"Table sink 'default_catalog.default_database.files' doesn't support consuming update changes which is produced by node GroupAggregate"},
		{"SET 'no.such.key' = '1'", "unknown option 'no.such.key'"},
		{"SET 'parallelism.default' = 'x'", "want an integer"},
		{"CREATE TABLE bid (a INT) WITH ('connector' = 'datagen')", "table bid already exists"},
		{"CREATE TABLE t2 (a INT) WITH ('connector' = 'nope')", "connector \"nope\": unknown"},
		{"CREATE TABLE t3 (a INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts + INTERVAL '1' SECOND) WITH ('connector' = 'datagen')", "watermark"},
		{"SELECT auction, bidder, COUNT(*) FROM bid GROUP BY auction", "column bidder is neither grouped nor aggregated"},
		{"SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(auction), INTERVAL '1' SECOND))", "must be an event-time attribute"},
		{"SELECT * FROM bid JOIN bid FOR SYSTEM_TIME AS OF bid.ts AS b ON bid.auction = b.auction", "the versioned table needs a PRIMARY KEY"},
		{"SELECT x.auction FROM bid AS b", "table 'x' not found in FROM"},
	}
	for _, tc := range cases {
		s, c := newTestSession(t)
		_, err := s.Execute(context.Background(), tc.sql)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %q", tc.sql, err, tc.want)
		}
		var se *Error
		if err != nil && !errors.As(err, &se) {
			t.Errorf("%s: error %v has no position", tc.sql, err)
		}
		if len(c.specs) != 0 {
			t.Errorf("%s: a job was submitted", tc.sql)
		}
	}
}

// TestTimeAttributeThroughView checks that a rowtime column keeps its mark
// through a view's projection, so a window can be defined on the view.
func TestTimeAttributeThroughView(t *testing.T) {
	s, c := newTestSession(t)
	_, err := s.Execute(context.Background(), `
CREATE TEMPORARY VIEW cheap AS SELECT auction, ts AS bid_time FROM bid WHERE price < 10;
SELECT window_start, window_end, auction, COUNT(*) AS n
FROM TABLE(HOP(TABLE cheap, DESCRIPTOR(bid_time), INTERVAL '5' SECOND, INTERVAL '10' SECOND))
GROUP BY window_start, window_end, auction`)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.specs) != 1 {
		t.Fatalf("%d jobs submitted, want 1", len(c.specs))
	}
	if _, err := s.Execute(context.Background(), `
CREATE TEMPORARY VIEW shifted AS SELECT auction, ts + INTERVAL '1' SECOND AS later FROM bid;
SELECT * FROM TABLE(TUMBLE(TABLE shifted, DESCRIPTOR(later), INTERVAL '5' SECOND))`); err == nil ||
		!strings.Contains(err.Error(), "event-time attribute") {
		t.Fatalf("a window on a computed timestamp: %v; want the time attribute error", err)
	}
}

// TestReviewRegressions pins fixes: a view used twice reads the right
// columns in both places; RESET restores the time zone; INSERT refuses a
// type that does not widen; window_time stays a rowtime attribute after a
// window aggregation (cascaded windows); qualified names round-trip;
// UNION ALL widens its columns; repeated names get a suffix; an interval
// out of range is refused.
func TestReviewRegressions(t *testing.T) {
	ctx := context.Background()
	s, c := newTestSession(t)
	res, err := s.Execute(ctx, `CREATE TEMPORARY VIEW v AS SELECT bidder FROM bid;
EXPLAIN SELECT bidder FROM v UNION ALL SELECT bidder FROM v`)
	if err != nil {
		t.Fatal(err)
	}
	plan := res[len(res)-1].Rows[0][0]
	if strings.Count(plan, "fields=[bidder, ts]") != 4 {
		t.Errorf("both branches must scan bidder (and ts for the watermark):\n%s", plan)
	}

	if _, err := s.Execute(ctx, "SET 'table.local-time-zone' = 'GMT-08:00'; RESET"); err != nil {
		t.Fatal(err)
	}
	if got := s.env.Options().Location.String(); got != "UTC" {
		t.Errorf("zone after RESET = %s, want UTC", got)
	}

	_, err = s.Execute(ctx, "INSERT INTO counts SELECT bidder, auction FROM bid")
	if err == nil || !strings.Contains(err.Error(), "Incompatible types for sink column 'auction'") {
		t.Errorf("STRING into BIGINT: %v", err)
	}

	if _, err := s.Execute(ctx, `
CREATE TEMPORARY VIEW w1 AS SELECT window_start, window_end, window_time AS wt, auction, COUNT(*) AS n
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY window_start, window_end, window_time, auction;
SELECT window_start, window_end, SUM(n) FROM TABLE(TUMBLE(TABLE w1, DESCRIPTOR(wt), INTERVAL '1' MINUTE))
  GROUP BY window_start, window_end`); err != nil {
		t.Errorf("cascaded windows: %v", err)
	}

	if _, err := s.Execute(ctx, `CREATE TABLE default_catalog.default_database.q (a INT) WITH ('connector' = 'blackhole');
INSERT INTO default_catalog.default_database.q SELECT 1 FROM bid;
DROP TABLE default_catalog.default_database.q`); err != nil {
		t.Errorf("qualified names: %v", err)
	}

	res, err = s.Execute(ctx, "EXPLAIN SELECT COUNT(*) AS n FROM bid UNION ALL SELECT auction FROM bid")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res[0].Rows[0][0], "Union(all=[true], union=[n])") {
		t.Errorf("union plan:\n%s", res[0].Rows[0][0])
	}

	specs := len(c.specs)
	res, err = s.Execute(ctx, "SELECT auction, auction FROM bid")
	if err != nil || res[0].Columns[1].Name != "auction0" {
		t.Errorf("repeated names: %v %+v", err, res)
	}
	if len(c.specs) != specs+1 {
		t.Errorf("no job for the query")
	}

	for _, bad := range []string{"SELECT b.auction FROM bid", "SELECT bid.auction FROM bid AS b"} {
		if _, err := s.Execute(ctx, bad); err == nil || !strings.Contains(err.Error(), "not found in FROM") {
			t.Errorf("%s: %v; want the qualifier refused", bad, err)
		}
	}
	if _, err := s.Execute(ctx, "SELECT bid.auction FROM bid; SELECT b.auction FROM bid AS b"); err != nil {
		t.Errorf("qualified columns: %v", err)
	}

	for _, bad := range []string{"SELECT INTERVAL '1e300' DAY FROM bid", "SELECT INTERVAL '99999999999' YEAR FROM bid"} {
		if _, err := s.Execute(ctx, bad); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// TestSessionWindowKeys checks Flink's SESSION partitioning: the sessions
// are found per PARTITION BY key, so the other GROUP BY keys must be those.
func TestSessionWindowKeys(t *testing.T) {
	ctx := context.Background()
	s, c := newTestSession(t)
	for _, ok := range []string{
		`SELECT window_start, window_end, auction, COUNT(*) FROM TABLE(SESSION(TABLE bid PARTITION BY auction, DESCRIPTOR(ts), INTERVAL '5' SECOND))
		 GROUP BY window_start, window_end, auction`,
		`SELECT window_start, window_end, COUNT(*) FROM TABLE(SESSION(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' SECOND))
		 GROUP BY window_start, window_end`,
	} {
		if _, err := s.Execute(ctx, ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	if len(c.specs) != 2 {
		t.Errorf("%d jobs, want 2", len(c.specs))
	}
	for _, bad := range []string{
		`SELECT window_start, window_end, auction, COUNT(*) FROM TABLE(SESSION(TABLE bid, DESCRIPTOR(ts), INTERVAL '5' SECOND))
		 GROUP BY window_start, window_end, auction`,
		`SELECT window_start, window_end, bidder, COUNT(*) FROM TABLE(SESSION(TABLE bid PARTITION BY auction, DESCRIPTOR(ts), INTERVAL '5' SECOND))
		 GROUP BY window_start, window_end, bidder`,
	} {
		if _, err := s.Execute(ctx, bad); err == nil || !strings.Contains(err.Error(), "PARTITION BY keys") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// TestPlanRecordsStateLayout checks that an aggregation's state layout
// (int64 or encoded keys) is decided once, by the planner, and travels in
// the plan, so a later binary reads state in the layout it was written in.
func TestPlanRecordsStateLayout(t *testing.T) {
	ctx := context.Background()
	s, c := newTestSession(t)
	if _, err := s.Execute(ctx, `CREATE TABLE ints (k INT, v BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
SELECT k, COUNT(*) FROM ints GROUP BY k;
SELECT auction, COUNT(*) FROM bid GROUP BY auction`); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		b, err := base64.StdEncoding.DecodeString(c.specs[i].Args[table.PlanArg])
		if err != nil {
			t.Fatal(err)
		}
		plan, err := table.DecodePlan(b)
		if err != nil {
			t.Fatal(err)
		}
		var agg *table.Aggregate
		for n := plan; n != nil && agg == nil; {
			agg, _ = n.(*table.Aggregate)
			if in := n.Inputs(); len(in) > 0 {
				n = in[0]
			} else {
				n = nil
			}
		}
		if agg == nil || agg.IntKeys != want {
			t.Errorf("query %d: aggregate %+v, want IntKeys %v", i, agg, want)
		}
	}
}

// TestValues checks VALUES as a table: the columns' common types, INSERT
// INTO ... VALUES, and a query over VALUES.
func TestValues(t *testing.T) {
	ctx := context.Background()
	s, c := newTestSession(t)
	res, err := s.Execute(ctx, `INSERT INTO counts (n, auction) VALUES (1, 2), (3, CAST(NULL AS BIGINT));
SELECT * FROM (VALUES (1, 'a'), (2.5, 'bb')) AS t (x, y)`)
	if err != nil {
		t.Fatal(err)
	}
	q := res[1]
	if len(c.specs) != 2 || q.Columns[0].Name != "x" || q.Columns[0].Type != "DECIMAL(11, 1) NOT NULL" || q.Columns[1].Type != "VARCHAR(2) NOT NULL" {
		t.Fatalf("specs %d, columns %+v", len(c.specs), q.Columns)
	}
	for bad, want := range map[string]string{
		"SELECT * FROM (VALUES (1), (1, 2))":      "VALUES",
		"SELECT * FROM (VALUES (NULL))":           "VALUES",
		"SELECT * FROM (VALUES (1), ('a'))":       "VALUES",
		"INSERT INTO counts (n) VALUES (1, 2)":    "1 columns listed, the query has 2",
		"INSERT INTO counts (n, n) VALUES (1, 2)": "listed twice",
		"INSERT INTO counts (x) VALUES (1)":       "unknown target column x",
	} {
		if _, err := s.Execute(ctx, bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, err := s.Execute(ctx, "INSERT INTO counts (n) VALUES (7)"); err != nil {
		t.Errorf("a column list with the others NULL: %v", err)
	}
}
