package integration

import (
	"fmt"
	"maps"
	"testing"
	"time"
)

// TestProcessSQLWindowJoinAndOver runs, in SQL on 3 node processes at
// parallelism 2 over disordered CSV files, a left window join of the
// events with themselves (10 s tumbling windows, pairs whose values differ
// by one) and a RANGE OVER aggregation (the sum of a key's values in the 2
// seconds up to each row), both into files, and checks them against
// results computed here.
func TestProcessSQLWindowJoinAndOver(t *testing.T) {
	needBinary(t)
	c := NewProcCluster(t, binary, 3)
	leader := c.WaitForLeader(0, 1, 2)
	addr := c.Procs[(leader+1)%3].HTTPURL()

	in, joined, over := t.TempDir(), t.TempDir(), t.TempDir()
	evs := writeEvents(t, in, 2, 1200)
	script := fmt.Sprintf(eventsDDL, in) + fmt.Sprintf(`CREATE TABLE pairs (k STRING, window_start TIMESTAMP(3), a_v BIGINT, b_v BIGINT)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
CREATE TABLE sums (k STRING, ts TIMESTAMP(3), v BIGINT, s BIGINT)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
SET 'parallelism.default' = '2';
SET 'table.dml-sync' = 'true';
INSERT INTO pairs
SELECT a.k, a.window_start, a.v, b.v
FROM (SELECT * FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND))) a
LEFT JOIN (SELECT * FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND))) b
ON a.k = b.k AND a.window_start = b.window_start AND a.window_end = b.window_end AND b.v = a.v + 1;
INSERT INTO sums
SELECT k, ts, v, SUM(v) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '2' SECOND PRECEDING AND CURRENT ROW)
FROM events;
`, joined, over)
	out, err := runSQL(t, addr, script)
	if err != nil {
		t.Fatalf("runnel sql -f: %v\n%s", err, out)
	}
	const layout = "2006-01-02 15:04:05.000"

	wantPairs := map[string]int{}
	window := func(ts time.Time) time.Time { return ts.Truncate(10 * time.Second) }
	for _, a := range evs {
		matched := false
		for _, b := range evs {
			if a.k == b.k && window(a.ts).Equal(window(b.ts)) && b.v == a.v+1 {
				wantPairs[fmt.Sprintf("%s,%s,%d,%d", a.k, window(a.ts).Format(layout), a.v, b.v)]++
				matched = true
			}
		}
		if !matched {
			wantPairs[fmt.Sprintf("%s,%s,%d,", a.k, window(a.ts).Format(layout), a.v)]++
		}
	}
	got := map[string]int{}
	for _, l := range readLines(t, joined) {
		got[l]++
	}
	if !maps.Equal(got, wantPairs) {
		diff := diffSets(got, wantPairs)
		t.Errorf("window join: %d rows, want %d; first differences: %v", len(got), len(wantPairs), diff[:min(len(diff), 10)])
	}

	wantSums := map[string]int{}
	for _, a := range evs {
		var s int64
		for _, b := range evs {
			if a.k == b.k && !b.ts.After(a.ts) && !b.ts.Before(a.ts.Add(-2*time.Second)) {
				s += b.v
			}
		}
		wantSums[fmt.Sprintf("%s,%s,%d,%d", a.k, a.ts.Format(layout), a.v, s)]++
	}
	got = map[string]int{}
	for _, l := range readLines(t, over) {
		got[l]++
	}
	if !maps.Equal(got, wantSums) {
		diff := diffSets(got, wantSums)
		t.Errorf("OVER aggregation: %d rows, want %d; first differences: %v", len(got), len(wantSums), diff[:min(len(diff), 10)])
	}
}
