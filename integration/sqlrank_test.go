package integration

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"testing"
	"time"
)

// TestProcessSQLIntervalJoinTopNDedup runs, in SQL on 3 node processes
// at parallelism 2 over disordered CSV files, a left interval join into a
// file, a Top-3 per key and a deduplication keeping each key's last row
// read back as changelogs, and checks each against a result computed
// here.
func TestProcessSQLIntervalJoinTopNDedup(t *testing.T) {
	needBinary(t)
	c := NewProcCluster(t, binary, 3)
	leader := c.WaitForLeader(0, 1, 2)
	addr := c.Procs[(leader+1)%3].HTTPURL()

	in, joined := t.TempDir(), t.TempDir()
	evs := writeEvents(t, in, 2, 1200)
	script := fmt.Sprintf(eventsDDL, in) + fmt.Sprintf(`CREATE TABLE later (a_ts TIMESTAMP(3), k STRING, a_v BIGINT, b_v BIGINT)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
SET 'parallelism.default' = '2';
SET 'table.dml-sync' = 'true';
SET 'sql-client.execution.result-mode' = 'tableau';
INSERT INTO later
SELECT a.ts, a.k, a.v, b.v
FROM events a LEFT JOIN events b
ON a.k = b.k AND b.ts BETWEEN a.ts + INTERVAL '1' SECOND AND a.ts + INTERVAL '2' SECOND;
SELECT k, v, rn FROM (
  SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM events
) WHERE rn <= 3;
SELECT k, v, ts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts DESC) AS rn FROM events
) WHERE rn = 1;
`, joined)
	out, err := runSQL(t, addr, script)
	if err != nil {
		t.Fatalf("runnel sql -f: %v\n%s", err, out)
	}
	const layout = "2006-01-02 15:04:05.000"

	// The interval join: every pair of one key whose times are 1 to 2 s
	// apart, and each row without one padded.
	wantJoin := map[string]int{}
	for _, a := range evs {
		matched := false
		for _, b := range evs {
			if d := b.ts.Sub(a.ts); a.k == b.k && d >= time.Second && d <= 2*time.Second {
				wantJoin[fmt.Sprintf("%s,%s,%d,%d", a.ts.Format(layout), a.k, a.v, b.v)]++
				matched = true
			}
		}
		if !matched {
			wantJoin[fmt.Sprintf("%s,%s,%d,", a.ts.Format(layout), a.k, a.v)]++
		}
	}
	got := map[string]int{}
	for _, l := range readLines(t, joined) {
		got[l]++
	}
	if !maps.Equal(got, wantJoin) {
		diff := diffSets(got, wantJoin)
		t.Errorf("interval join: %d rows, want %d; first differences: %v", len(got), len(wantJoin), diff[:min(len(diff), 10)])
	}

	// Top-3 values per key: ties give the same (k, v, rn) whichever row.
	byKey := map[string][]int64{}
	for _, e := range evs {
		byKey[e.k] = append(byKey[e.k], e.v)
	}
	wantTop := map[string]int{}
	for k, vs := range byKey {
		sort.Slice(vs, func(i, j int) bool { return vs[i] > vs[j] })
		for i := range min(3, len(vs)) {
			wantTop[fmt.Sprintf("%s,%d,%d", k, vs[i], i+1)] = 1
		}
	}
	if got := applyChangelog(t, tableauRows(out, "k", "v", "rn")); !maps.Equal(got, wantTop) {
		t.Errorf("Top-3: %v, want %v", got, wantTop)
	}

	// The last row of each key by time; a key whose latest time is
	// shared by several rows may keep either.
	latest := map[string][]event{}
	for _, e := range evs {
		switch l := latest[e.k]; {
		case len(l) == 0 || e.ts.After(l[0].ts):
			latest[e.k] = []event{e}
		case e.ts.Equal(l[0].ts):
			latest[e.k] = append(l, e)
		}
	}
	got = applyChangelog(t, tableauRows(out, "k", "v", "ts"))
	if len(got) != len(latest) {
		t.Errorf("deduplication kept %d rows, want one per key (%d): %v", len(got), len(latest), got)
	}
	for k, es := range latest {
		var options []string
		for _, e := range es {
			options = append(options, fmt.Sprintf("%s,%d,%s", k, e.v, e.ts.Format(layout)))
		}
		if !slices.ContainsFunc(options, func(o string) bool { return got[o] == 1 }) {
			t.Errorf("deduplication of %s: %v, want one of %v", k, got, options)
		}
	}
}
