package integration

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestProcessSQLTemporalJoinAndWindowTopN runs, in SQL on 3 node
// processes at parallelism 2, a left temporal join of orders with a
// versioned table of rates (FOR SYSTEM_TIME AS OF the order's time) and a
// window Top-2 of the events per key and 10 s window, both into files,
// and checks them against results computed here.
func TestProcessSQLTemporalJoinAndWindowTopN(t *testing.T) {
	needBinary(t)
	c := NewProcCluster(t, binary, 3)
	leader := c.WaitForLeader(0, 1, 2)
	addr := c.Procs[(leader+2)%3].HTTPURL()
	const layout = "2006-01-02 15:04:05.000"

	// Rates: a new version of each currency every 7 s, from 2 s on; the
	// versions of two currencies interleave in two files, in time order
	// within each, so disorder stays under the watermark's 5 s.
	ratesDir, ordersDir, convertedDir, topDir, eventsDir := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	type version struct {
		ts   time.Time
		rate int
	}
	versions := map[string][]version{}
	var rateFiles [2]strings.Builder
	for i, cur := range []string{"EUR", "JPY"} {
		for v := range 20 {
			ts := sqlEpoch.Add(time.Duration(2000+7000*v+i*500) * time.Millisecond)
			versions[cur] = append(versions[cur], version{ts, 100*i + v})
			fmt.Fprintf(&rateFiles[v%2], "%s,%d,%s\n", cur, 100*i+v, ts.Format(layout))
		}
	}
	var orderFiles [2]strings.Builder
	type order struct {
		id       int
		currency string
		amount   int
		ts       time.Time
	}
	var orders []order
	for i := range 300 {
		o := order{id: i, currency: []string{"EUR", "JPY", "GBP"}[i%3], amount: i%7 + 1, ts: sqlEpoch.Add(time.Duration(i*450) * time.Millisecond)}
		orders = append(orders, o)
		fmt.Fprintf(&orderFiles[i%2], "%d,%s,%d,%s\n", o.id, o.currency, o.amount, o.ts.Format(layout))
	}
	for i := range 2 {
		if err := os.WriteFile(filepath.Join(ratesDir, fmt.Sprintf("part-%d.csv", i)), []byte(rateFiles[i].String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ordersDir, fmt.Sprintf("part-%d.csv", i)), []byte(orderFiles[i].String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	evs := writeEvents(t, eventsDir, 2, 1200)

	script := fmt.Sprintf(eventsDDL, eventsDir) + fmt.Sprintf(`CREATE TABLE rates (currency STRING, rate BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND, PRIMARY KEY (currency) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
CREATE TABLE orders (id BIGINT, currency STRING, amount BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
CREATE TABLE converted (id BIGINT, currency STRING, rate BIGINT, total BIGINT)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
CREATE TABLE top2 (k STRING, window_start TIMESTAMP(3), v BIGINT, rn BIGINT)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
SET 'parallelism.default' = '2';
SET 'table.dml-sync' = 'true';
INSERT INTO converted
SELECT o.id, o.currency, r.rate, o.amount * r.rate
FROM orders AS o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.currency = r.currency;
INSERT INTO top2
SELECT k, window_start, v, rn FROM (
  SELECT k, window_start, v, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, k ORDER BY v DESC) AS rn
  FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND))
) WHERE rn <= 2;
`, ratesDir, ordersDir, convertedDir, topDir)
	out, err := runSQL(t, addr, script)
	if err != nil {
		t.Fatalf("runnel sql -f: %v\n%s", err, out)
	}

	wantConverted := map[string]int{}
	for _, o := range orders {
		var rate *int
		for _, v := range versions[o.currency] {
			if !v.ts.After(o.ts) {
				rate = &v.rate
			}
		}
		if rate == nil {
			wantConverted[fmt.Sprintf("%d,%s,,", o.id, o.currency)]++
		} else {
			wantConverted[fmt.Sprintf("%d,%s,%d,%d", o.id, o.currency, *rate, o.amount**rate)]++
		}
	}
	got := map[string]int{}
	for _, l := range readLines(t, convertedDir) {
		got[l]++
	}
	if !maps.Equal(got, wantConverted) {
		diff := diffSets(got, wantConverted)
		t.Errorf("temporal join: %d rows, want %d; first differences: %v", len(got), len(wantConverted), diff[:min(len(diff), 10)])
	}

	// Top-2 values per key and window: ties give the same (v, rn).
	byWindow := map[string][]int64{}
	for _, e := range evs {
		key := e.k + "," + e.ts.Truncate(10*time.Second).Format(layout)
		byWindow[key] = append(byWindow[key], e.v)
	}
	wantTop := map[string]int{}
	for key, vs := range byWindow {
		slices.Sort(vs)
		slices.Reverse(vs)
		for i := range min(2, len(vs)) {
			wantTop[fmt.Sprintf("%s,%d,%d", key, vs[i], i+1)]++
		}
	}
	got = map[string]int{}
	for _, l := range readLines(t, topDir) {
		got[l]++
	}
	if !maps.Equal(got, wantTop) {
		diff := diffSets(got, wantTop)
		t.Errorf("window Top-2: %d rows, want %d; first differences: %v", len(got), len(wantTop), diff[:min(len(diff), 10)])
	}
}
