package sql

import (
	"context"
	"strings"
	"testing"
)

// TestRankingErrors checks the ROW_NUMBER() OVER and interval join
// queries refused, with their reasons.
func TestRankingErrors(t *testing.T) {
	s, _ := newTestSession(t)
	ctx := context.Background()
	cases := []struct{ sql, want string }{
		{"SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid",
			"ROW_NUMBER() OVER on a stream needs a filter on its number"},
		{"SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid) WHERE rn > 3",
			"ROW_NUMBER() OVER on a stream needs a filter on its number"},
		{"SELECT * FROM (SELECT *, RANK() OVER (PARTITION BY auction ORDER BY price) AS r FROM bid) WHERE r <= 3",
			"RANK() OVER is not supported yet"},
		{"SELECT auction, COUNT(*), ROW_NUMBER() OVER (ORDER BY auction) FROM bid GROUP BY auction",
			"ROW_NUMBER() OVER with GROUP BY"},
		{"SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction) AS rn FROM bid) WHERE rn <= 3",
			"ROW_NUMBER() OVER needs an ORDER BY"},
		{"SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY nope ORDER BY price) AS rn FROM bid) WHERE rn <= 3",
			`column "nope" not found`},
		{"INSERT INTO files SELECT auction, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price) AS rn FROM bid) WHERE rn <= 3",
			"doesn't support consuming update changes which is produced by node Rank"},
		{`SELECT * FROM bid a JOIN bid b ON a.auction = b.auction AND b.ts BETWEEN a.ts + INTERVAL '2' SECOND AND a.ts`,
			"leave no interval"},
		{`SELECT * FROM (SELECT auction, MAX(ts) AS ts FROM bid GROUP BY auction) a JOIN bid b
		  ON a.auction = b.auction AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '1' SECOND`,
			""}, // an aggregate's ts is no rowtime: a regular join
	}
	for _, c := range cases {
		_, err := s.Execute(ctx, c.sql)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.sql, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want an error with %q", c.sql, err, c.want)
		}
	}
}

// TestOverErrors checks the OVER aggregates refused, with their reasons.
func TestOverErrors(t *testing.T) {
	s, _ := newTestSession(t)
	ctx := context.Background()
	cases := []struct{ sql, want string }{
		{"SELECT SUM(price) OVER (PARTITION BY auction ORDER BY ts) + 1 FROM bid", "must be a select item of its own"},
		{"SELECT SUM(price) OVER (PARTITION BY auction ORDER BY ts), COUNT(*) OVER (ORDER BY ts) FROM bid", "must share one window"},
		{"SELECT SUM(price) OVER (PARTITION BY auction ORDER BY ts DESC) FROM bid", "ordered by one rowtime attribute, ascending"},
		{"SELECT SUM(price) OVER (PARTITION BY auction ORDER BY auction) FROM bid", "must be ordered by a rowtime attribute"},
		{"SELECT SUM(price) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM bid", "must end at the CURRENT ROW"},
		{"SELECT SUM(price) OVER w FROM bid", "window 'w' is not defined"},
		{"SELECT COUNT(DISTINCT bidder) OVER (ORDER BY ts) FROM bid", "DISTINCT in an OVER aggregate is not supported yet"},
		{"SELECT SUM(price) OVER (ORDER BY ts RANGE BETWEEN 3 PRECEDING AND CURRENT ROW) FROM bid", "INTERVAL"},
	}
	for _, c := range cases {
		_, err := s.Execute(ctx, c.sql)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.sql, err, c.want)
		}
	}
}
