package sql

import (
	"context"
	"testing"
)

// FuzzExecute runs arbitrary statements in a session over the test tables:
// binding, planning and EXPLAIN must return an error or a result, never
// panic, whatever the input. A panic here would be a node's HTTP handler
// crashing on a user's SQL.
func FuzzExecute(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	for _, s := range []string{
		"SELECT auction, COUNT(*) FROM bid GROUP BY auction HAVING COUNT(*) > 1",
		"SELECT window_start, SUM(price) FROM TABLE(HOP(TABLE bid, DESCRIPTOR(ts), INTERVAL '1' SECOND, INTERVAL '3' SECOND)) GROUP BY window_start, window_end",
		"EXPLAIN INSERT INTO counts SELECT auction, COUNT(DISTINCT bidder) FROM bid GROUP BY auction",
		"WITH c AS (SELECT auction FROM bid) SELECT * FROM c UNION ALL SELECT auction FROM c",
		"SELECT a.auction, b.price FROM bid a LEFT JOIN bid b ON a.auction = b.auction AND b.price > a.price WHERE a.bidder IS NOT NULL",
		"SELECT * FROM bid a JOIN bid b ON a.auction = b.auction AND b.ts BETWEEN a.ts - INTERVAL '1' SECOND AND a.ts",
		"SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM bid) WHERE rn <= 3",
		"SELECT auction, SUM(price) OVER w FROM bid WINDOW w AS (PARTITION BY auction ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
		"SELECT * FROM bid o JOIN bid FOR SYSTEM_TIME AS OF o.ts AS r ON o.auction = r.auction",
	} {
		f.Add(s)
	}
	cluster := newMemCluster()
	s := NewSession(cluster)
	if _, err := s.Execute(context.Background(), testTables); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		// Errors are expected; a panic fails the fuzz run.
		s.Execute(context.Background(), src)
	})
}
