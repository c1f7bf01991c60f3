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
