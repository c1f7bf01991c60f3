package integration

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
)

// event is one row of the SQL tests' input.
type event struct {
	ts time.Time
	k  string
	v  int64
}

var sqlEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// writeEvents writes n events over keys in files CSV files, in an order
// disordered by up to 3 s (the table's watermark allows 5 s, so none is
// late), and returns them.
func writeEvents(t *testing.T, dir string, files, n int) []event {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 11))
	keys := []string{"a", "b", "c", "d"}
	var evs []event
	for i := range n {
		base := sqlEpoch.Add(time.Duration(i) * 97 * time.Millisecond)
		jitter := time.Duration(r.IntN(3000)) * time.Millisecond
		evs = append(evs, event{ts: base.Add(-jitter), k: keys[r.IntN(len(keys))], v: int64(r.IntN(100))})
	}
	per := (n + files - 1) / files
	for f := range files {
		var b strings.Builder
		for _, e := range evs[f*per : min((f+1)*per, n)] {
			fmt.Fprintf(&b, "%s,%s,%d\n", e.ts.Format("2006-01-02 15:04:05.000"), e.k, e.v)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%d.csv", f)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return evs
}

// windowAgg is the expected COUNT(*) and SUM(v) per key and window.
type windowKey struct {
	k          string
	start, end string
}

type agg struct{ n, sum int64 }

// expectWindows computes the windows of the events independently: for each
// event, every window [start, end) of the given kind that holds it.
func expectWindows(evs []event, windows func(ts time.Time) [][2]time.Time) map[windowKey]agg {
	out := map[windowKey]agg{}
	const f = "2006-01-02 15:04:05.000"
	for _, e := range evs {
		for _, w := range windows(e.ts) {
			k := windowKey{e.k, w[0].Format(f), w[1].Format(f)}
			a := out[k]
			a.n++
			a.sum += e.v
			out[k] = a
		}
	}
	return out
}

func tumbleWindows(size time.Duration) func(time.Time) [][2]time.Time {
	return func(ts time.Time) [][2]time.Time {
		s := ts.Truncate(size)
		return [][2]time.Time{{s, s.Add(size)}}
	}
}

func hopWindows(slide, size time.Duration) func(time.Time) [][2]time.Time {
	return func(ts time.Time) [][2]time.Time {
		var out [][2]time.Time
		for s := ts.Truncate(slide); s.After(ts.Add(-size)); s = s.Add(-slide) {
			out = append(out, [2]time.Time{s, s.Add(size)})
		}
		return out
	}
}

func cumulateWindows(step, size time.Duration) func(time.Time) [][2]time.Time {
	return func(ts time.Time) [][2]time.Time {
		var out [][2]time.Time
		s := ts.Truncate(size)
		for e := s.Add(step); !e.After(s.Add(size)); e = e.Add(step) {
			if ts.Before(e) {
				out = append(out, [2]time.Time{s, e})
			}
		}
		return out
	}
}

// readWindowOutput reads a filesystem sink's csv rows k, start, end, n, sum.
func readWindowOutput(t *testing.T, dir string) map[windowKey]agg {
	t.Helper()
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[windowKey]agg{}
	for _, f := range files {
		if strings.HasPrefix(f.Name(), ".") {
			continue
		}
		fh, err := os.Open(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		for _, r := range recs {
			n, _ := strconv.ParseInt(r[3], 10, 64)
			s, _ := strconv.ParseInt(r[4], 10, 64)
			k := windowKey{r[0], r[1], r[2]}
			if _, dup := out[k]; dup {
				t.Errorf("window %v written twice", k)
			}
			out[k] = agg{n, s}
		}
	}
	return out
}

func compareWindows(t *testing.T, name string, got, want map[windowKey]agg) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s: window %v = %+v (present %v), want %+v", name, k, g, ok, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d windows, want %d", name, len(got), len(want))
	}
}

// runSQL runs a script with `runnel sql -f` against addr.
func runSQL(t *testing.T, addr, script string) (string, error) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "script.sql")
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := exec.Command(binary, "sql", "-f", f, "--addr", addr).CombinedOutput()
	return string(b), err
}

const eventsDDL = `CREATE TABLE events (
  ts TIMESTAMP(3),
  k STRING,
  v BIGINT,
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
`

// TestProcessSQLWindowAggregations runs TUMBLE, HOP and CUMULATE window
// aggregations in SQL on 3 node processes over disordered CSV files and
// checks every window against an independent computation; then an
// unwindowed GROUP BY is read back in tableau form as a changelog whose
// final state must be the per-key totals.
func TestProcessSQLWindowAggregations(t *testing.T) {
	needBinary(t)
	c := NewProcCluster(t, binary, 3)
	leader := c.WaitForLeader(0, 1, 2)
	addr := c.Procs[(leader+1)%3].HTTPURL()

	in := t.TempDir()
	evs := writeEvents(t, in, 3, 3000)
	outs := map[string]string{}
	var script strings.Builder
	fmt.Fprintf(&script, eventsDDL, in)
	for _, name := range []string{"tumble_out", "hop_out", "cumulate_out"} {
		outs[name] = filepath.Join(t.TempDir(), name)
		fmt.Fprintf(&script, `CREATE TABLE %s (k STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, total BIGINT)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
`, name, outs[name])
	}
	script.WriteString(`SET 'parallelism.default' = '2';
SET 'table.dml-sync' = 'true';
INSERT INTO tumble_out
SELECT k, window_start, window_end, COUNT(*), SUM(v)
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, k;
INSERT INTO hop_out
SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS total
FROM TABLE(HOP(TABLE events, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND))
GROUP BY k, window_start, window_end;
INSERT INTO cumulate_out
SELECT k, window_start, window_end, COUNT(*), SUM(v)
FROM TABLE(CUMULATE(TABLE events, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '20' SECOND))
GROUP BY window_start, window_end, k;
SELECT k, COUNT(*) AS n, SUM(v) AS total FROM events GROUP BY k;
`)
	out, err := runSQL(t, addr, script.String())
	if err != nil {
		t.Fatalf("runnel sql -f: %v\n%s", err, out)
	}
	compareWindows(t, "TUMBLE", readWindowOutput(t, outs["tumble_out"]), expectWindows(evs, tumbleWindows(10*time.Second)))
	compareWindows(t, "HOP", readWindowOutput(t, outs["hop_out"]), expectWindows(evs, hopWindows(5*time.Second, 10*time.Second)))
	compareWindows(t, "CUMULATE", readWindowOutput(t, outs["cumulate_out"]), expectWindows(evs, cumulateWindows(5*time.Second, 20*time.Second)))

	want := map[string]agg{}
	for _, e := range evs {
		a := want[e.k]
		a.n++
		a.sum += e.v
		want[e.k] = a
	}
	got, kinds := applyTableau(t, out, 3)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("changelog result for %s = %+v, want %+v", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("changelog result has %d keys, want %d:\n%s", len(got), len(want), out)
	}
	if !slices.Contains(kinds, "-U") || !slices.Contains(kinds, "+U") {
		t.Errorf("the changelog shows no updates (kinds %v)", kinds)
	}
}

// applyTableau applies the tableau rows | op | k | n | total | that runnel
// sql printed to a table keyed by k, and returns it and the kinds seen.
func applyTableau(t *testing.T, out string, cols int) (map[string]agg, []string) {
	t.Helper()
	got := map[string]agg{}
	var kinds []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		cells := strings.Split(strings.Trim(sc.Text(), "|"), "|")
		if len(cells) != cols+1 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		kind := cells[0]
		if kind != "+I" && kind != "-U" && kind != "+U" && kind != "-D" {
			continue
		}
		kinds = append(kinds, kind)
		n, _ := strconv.ParseInt(cells[2], 10, 64)
		s, _ := strconv.ParseInt(cells[3], 10, 64)
		switch kind {
		case "+I", "+U":
			got[cells[1]] = agg{n, s}
		default:
			if got[cells[1]] != (agg{n, s}) {
				t.Errorf("%s retracts %s %d %d, which is not the current row %+v", kind, cells[1], n, s, got[cells[1]])
			}
			delete(got, cells[1])
		}
	}
	return got, kinds
}

// TestProcessSQLCatalogSurvivesRestart creates a table through one node,
// stops every node, starts them again, and finds the table, with its
// columns and watermark, through another node.
func TestProcessSQLCatalogSurvivesRestart(t *testing.T) {
	needBinary(t)
	c := NewProcCluster(t, binary, 3)
	c.WaitForLeader(0, 1, 2)
	if out, err := runSQL(t, c.Procs[0].HTTPURL(), fmt.Sprintf(eventsDDL, t.TempDir())); err != nil {
		t.Fatalf("CREATE TABLE: %v\n%s", err, out)
	}
	for i := range c.Procs {
		if err := c.Stop(i); err != nil {
			t.Fatalf("stop %d: %v", i, err)
		}
	}
	for i := range c.Procs {
		c.Restart(i)
	}
	c.WaitHealthy()
	c.WaitForLeader(0, 1, 2)
	out, err := runSQL(t, c.Procs[2].HTTPURL(), "SHOW TABLES;\nDESCRIBE events;\n")
	if err != nil {
		t.Fatalf("runnel sql: %v\n%s", err, out)
	}
	for _, want := range []string{" events |", "| TIMESTAMP(3) *ROWTIME* |", "| ts - INTERVAL '5' SECOND |"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestProcessSQLExactlyOnceAfterKill runs a checkpointing SQL INSERT from a
// rate-limited datagen sequence into a csv table on 3 node processes,
// kills -9 a follower that runs its subtasks, and checks that every id is
// written exactly once: the plan's source and sink take part in the
// checkpoints as the DataStream ones do.
func TestProcessSQLExactlyOnceAfterKill(t *testing.T) {
	needBinary(t)
	const rows = 6000
	dir := t.TempDir()
	c := NewProcCluster(t, binary, 3, "--checkpoint-storage", "file://"+filepath.Join(dir, "checkpoints"))
	leader := c.WaitForLeader(0, 1, 2)
	addr := c.Procs[leader].HTTPURL()
	out := filepath.Join(dir, "out")
	script := fmt.Sprintf(`CREATE TABLE ids (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '1500',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
CREATE TABLE doubled (id BIGINT, twice BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
SET 'parallelism.default' = '2';
SET 'execution.checkpointing.interval' = '300ms';
INSERT INTO doubled SELECT id, id * 2 FROM ids WHERE id > 0;
`, rows, out)
	res, err := runSQL(t, addr, script)
	if err != nil {
		t.Fatalf("runnel sql: %v\n%s", err, res)
	}
	i := strings.Index(res, "Job ID: ")
	if i < 0 {
		t.Fatalf("no job id in:\n%s", res)
	}
	id := strings.Fields(res[i+len("Job ID: "):])[0]
	d := waitRunningAttempt(t, c, []int{leader}, id, 0)
	waitCheckpoint(t, c.Procs[leader].HTTPAddr(), id)

	victim := -1
	for _, i := range others(leader) {
		if slices.Contains(nodesRunning(d), c.Procs[i].Name) {
			victim = i
		}
	}
	if victim < 0 {
		t.Fatalf("no follower runs subtasks: %v", nodesRunning(d))
	}
	c.Kill(victim)
	waitRunningAttempt(t, c, []int{leader}, id, d.Attempt)
	c.Restart(victim)
	c.WaitHealthy()
	WaitForJobStatus(t, c.Procs[leader].HTTPAddr(), id, coordinator.JobFinished, 2*time.Minute)

	seen := map[int64]bool{}
	files, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasPrefix(f.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Fields(string(b)) {
			var v, twice int64
			if _, err := fmt.Sscanf(line, "%d,%d", &v, &twice); err != nil || twice != 2*v {
				t.Fatalf("line %q", line)
			}
			if seen[v] {
				t.Fatalf("id %d written twice", v)
			}
			seen[v] = true
		}
	}
	if len(seen) != rows {
		t.Fatalf("%d ids written, want %d", len(seen), rows)
	}
}
