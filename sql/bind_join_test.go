package sql

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/table"
)

const joinTables = `
CREATE TABLE a (id BIGINT, x STRING, n INT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE b (id BIGINT, y STRING, m BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
`

// TestJoinColumns checks how a join's columns are named and resolved: a
// name both sides have is renamed on the right (id0) in the joined table,
// resolves through its qualifier, and is ambiguous without one.
func TestJoinColumns(t *testing.T) {
	s, _ := newTestSession(t)
	ctx := context.Background()
	if _, err := s.Execute(ctx, joinTables); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sql  string
		cols []string
	}{
		{"SELECT * FROM a JOIN b ON a.id = b.id", []string{"id", "x", "n", "id0", "y", "m"}},
		{"SELECT b.*, a.x FROM a LEFT JOIN b ON a.id = b.id AND b.m > a.n", []string{"id", "y", "m", "x"}},
		{"SELECT q.id, p.id FROM a AS p FULL JOIN b AS q ON p.id = q.id", []string{"id", "id0"}},
		{"SELECT y, n FROM a RIGHT JOIN b ON n = m", []string{"y", "n"}},
		{"SELECT c.x FROM a JOIN b ON a.id = b.id JOIN a AS c ON c.id = b.m", []string{"x"}},
	}
	for _, c := range cases {
		tbl, err := bindQuery(ctx, s, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if got := tbl.Schema().Names(); !slices.Equal(got, c.cols) {
			t.Errorf("%s: columns %v, want %v", c.sql, got, c.cols)
		}
	}
}

// bindQuery binds a query as a SELECT statement would.
func bindQuery(ctx context.Context, s *Session, src string) (*table.Table, error) {
	st, err := ParseStatement(src)
	if err != nil {
		return nil, err
	}
	b := &binder{ctx: ctx, env: s.env, idents: map[string]Pos{}}
	t, err := b.query(st.(*QueryStmt).Query)
	return t, b.pointAtColumn(err)
}

// TestJoinErrors checks the joins refused, with their reasons.
func TestJoinErrors(t *testing.T) {
	s, _ := newTestSession(t)
	ctx := context.Background()
	if _, err := s.Execute(ctx, joinTables); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ sql, want string }{
		{"SELECT id FROM a JOIN b ON a.id = b.id", "line 1, column 8: column 'id' is ambiguous"},
		{"SELECT * FROM a JOIN b ON a.id = c.id", "table 'c' not found in FROM"},
		{"SELECT * FROM a JOIN b ON a.n > b.m", "has no equality between a column of each side"},
		{"SELECT * FROM a, b WHERE a.id = b.id", "a streaming join needs an equality condition"},
		{"SELECT * FROM a CROSS JOIN b", "a streaming join needs an equality condition"},
		{"SELECT * FROM a JOIN b USING (id)", "USING is not supported yet"},
		{"SELECT * FROM a JOIN b ON a.id = b.nope", `column "nope" not found`},
		{"INSERT INTO files SELECT a.id, b.m FROM a LEFT JOIN b ON a.id = b.id",
			"Table sink 'default_catalog.default_database.files' doesn't support consuming update changes which is produced by node Join"},
	}
	for _, c := range cases {
		_, err := s.Execute(ctx, c.sql)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.sql, err, c.want)
		}
	}
	// An inner join of insert-only tables is insert-only: the filesystem
	// sink takes it.
	if _, err := s.Execute(ctx, "INSERT INTO files SELECT a.id, b.m FROM a JOIN b ON a.id = b.id"); err != nil {
		t.Errorf("an inner join into an append-only sink: %v", err)
	}
}

// TestStateTTLInPlan checks that table.exec.state.ttl travels in the job's
// plan to its joins and aggregations, and that a bad value is refused.
func TestStateTTLInPlan(t *testing.T) {
	s, c := newTestSession(t)
	ctx := context.Background()
	if _, err := s.Execute(ctx, joinTables+`
SET 'table.exec.state.ttl' = '90 min';
INSERT INTO counts SELECT a.id, COUNT(*) FROM a JOIN b ON a.id = b.id GROUP BY a.id;`); err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(c.specs[len(c.specs)-1].Args[table.PlanArg])
	if err != nil {
		t.Fatal(err)
	}
	plan, err := table.DecodePlan(b)
	if err != nil {
		t.Fatal(err)
	}
	var ttls []time.Duration
	var walk func(n table.Node)
	walk = func(n table.Node) {
		switch n := n.(type) {
		case *table.Join:
			ttls = append(ttls, n.StateTTL)
		case *table.Aggregate:
			ttls = append(ttls, n.StateTTL)
		}
		for _, in := range n.Inputs() {
			walk(in)
		}
	}
	walk(plan)
	if !slices.Equal(ttls, []time.Duration{90 * time.Minute, 90 * time.Minute}) {
		t.Errorf("state TTLs in the plan: %v, want 90m for the aggregation and the join", ttls)
	}
	if _, err := s.Execute(ctx, "SET 'table.exec.state.ttl' = 'soon'"); err == nil {
		t.Error("a bad state TTL was accepted")
	}
}

// TestTemporalJoinErrors checks the temporal joins refused: the versioned
// table needs a primary key the condition equates and a rowtime, the
// time must be the left side's rowtime, and only INNER and LEFT exist.
func TestTemporalJoinErrors(t *testing.T) {
	s, _ := newTestSession(t)
	ctx := context.Background()
	if _, err := s.Execute(ctx, `
CREATE TABLE rates (currency STRING, rate BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts, PRIMARY KEY (currency) NOT ENFORCED)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE plain_rates (currency STRING, rate BIGINT, ts TIMESTAMP(3), PRIMARY KEY (currency) NOT ENFORCED)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE orders (id BIGINT, currency STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');`); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ sql, want string }{
		{"SELECT * FROM orders o JOIN bid FOR SYSTEM_TIME AS OF o.ts AS b ON o.id = b.auction", "needs a PRIMARY KEY"},
		{"SELECT * FROM orders o JOIN plain_rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.currency = r.currency", "needs a rowtime attribute"},
		{"SELECT * FROM orders o JOIN rates FOR SYSTEM_TIME AS OF o.id AS r ON o.currency = r.currency", "must name a rowtime attribute of the left table"},
		{"SELECT * FROM orders o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.id = r.rate", "must equate every column of the versioned table's primary key"},
		{"SELECT * FROM orders o RIGHT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.currency = r.currency", "an INNER or a LEFT join"},
		{"SELECT * FROM rates FOR SYSTEM_TIME AS OF ts", "belongs on the right side of a JOIN"},
	}
	for _, c := range cases {
		_, err := s.Execute(ctx, c.sql)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.sql, err, c.want)
		}
	}
	if _, err := s.Execute(ctx, "SELECT o.id, r.rate FROM orders o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.currency = r.currency"); err != nil {
		t.Errorf("a left temporal join: %v", err)
	}
}

// TestWindowAfterIntervalJoin checks that an interval join's rowtimes stay
// time attributes (it holds its watermark back), so a window can follow,
// and that a regular join's do not.
func TestWindowAfterIntervalJoin(t *testing.T) {
	s, _ := newTestSession(t)
	ctx := context.Background()
	if _, err := s.Execute(ctx, `
CREATE TEMPORARY VIEW pairs AS SELECT a.auction, a.ts, b.price FROM bid a JOIN bid b
  ON a.auction = b.auction AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '1' SECOND;
CREATE TEMPORARY VIEW regular AS SELECT a.auction, a.ts FROM bid a JOIN bid b ON a.auction = b.auction;
SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE pairs, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end;`); err != nil {
		t.Errorf("a window after an interval join: %v", err)
	}
	_, err := s.Execute(ctx, "SELECT * FROM TABLE(TUMBLE(TABLE regular, DESCRIPTOR(ts), INTERVAL '10' SECOND))")
	if err == nil || !strings.Contains(err.Error(), "event-time attribute") {
		t.Errorf("a window after a regular join: %v, want an error about the time attribute", err)
	}
}
