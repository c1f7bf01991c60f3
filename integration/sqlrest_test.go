package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/node"
	"github.com/runnel/runnel/sql"
)

// postSQL POSTs statements to /v1/sql and returns the status and body.
func postSQL(t *testing.T, addr, session, stmt string) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(node.StatementRequest{Session: session, Statement: stmt})
	resp, err := http.Post("http://"+addr+"/v1/sql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// TestSQLRESTBadStatements sends bad SQL to a node: each gets a 400 that
// says where and why, and the node goes on answering.
func TestSQLRESTBadStatements(t *testing.T) {
	c := NewCluster(t, 1, nil)
	addr := c.WaitForLeader().HTTPAddr()
	cases := []struct{ stmt, want string }{
		{"SELEC 1", "line 1, column 1"},
		{"SELECT a FROM\n  t WHERE (", "line 2"},
		{"CREATE TABLE t (a INT) WITH ('connector' = 'nope')", "unknown (known: [blackhole datagen"},
		{"SELECT * FROM missing", "missing not found"},
		{strings.Repeat("(", 5000) + "1", "nesting"},
		{"\x00\xff'", "line 1"},
	}
	for _, tc := range cases {
		status, body := postSQL(t, addr, "", tc.stmt)
		if status != http.StatusBadRequest || !strings.Contains(string(body), tc.want) {
			t.Errorf("%.40q: %d %s; want 400 with %q", tc.stmt, status, body, tc.want)
		}
	}
	if status, body := postSQL(t, addr, "", "SHOW TABLES"); status != http.StatusOK {
		t.Fatalf("the node stopped answering: %d %s", status, body)
	}
	// A script that fails half-way answers what ran before the failure.
	status, body := postSQL(t, addr, "", "CREATE TABLE ok1 (a INT) WITH ('connector' = 'blackhole');\nSELECT nope FROM ok1")
	var resp node.StatementResponse
	if err := json.Unmarshal(body, &resp); err != nil || status != http.StatusBadRequest || len(resp.Results) != 1 ||
		!strings.Contains(resp.Error, "line 2, column 8: column \"nope\" not found") {
		t.Fatalf("half-failed script: %d %s", status, body)
	}
}

// TestSQLRESTResultPages runs a SELECT over a bounded datagen table in a
// session and fetches its rows page by page until the end.
func TestSQLRESTResultPages(t *testing.T) {
	const rows = 2500
	c := NewCluster(t, 3, nil)
	addr := followersOf(c)[0].HTTPAddr()
	var open node.OpenSessionResponse
	postJSON(t, "http://"+addr+"/v1/sql/sessions", struct{}{}, &open)
	status, body := postSQL(t, addr, open.Session, `
CREATE TABLE seq (id BIGINT, name STRING) WITH (
  'connector' = 'datagen', 'number-of-rows' = '`+strconv.Itoa(rows)+`',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '`+strconv.Itoa(rows)+`');
SET 'parallelism.default' = '2';
CREATE TEMPORARY VIEW odd AS SELECT id, UPPER(name) AS name FROM seq WHERE MOD(id, 2) = 1;
SELECT id FROM odd`)
	if status != http.StatusOK {
		t.Fatalf("POST /v1/sql: %d %s", status, body)
	}
	var resp node.StatementResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	last := resp.Results[len(resp.Results)-1]
	if last.Kind != sql.ResultQuery || !last.InsertOnly {
		t.Fatalf("last result = %+v; want an insert-only query", last)
	}
	seen := map[int64]bool{}
	var token int64
	pages := 0
	WaitForResult(t, 60*time.Second, func() (bool, error) {
		var page node.ResultPage
		if err := getJSON("http://"+addr+"/v1/sql/results/"+last.JobID+"?token="+strconv.FormatInt(token, 10), &page); err != nil {
			return false, err
		}
		if len(page.Rows) > 0 {
			pages++
		}
		for _, r := range page.Rows {
			id, _ := strconv.ParseInt(*r.Fields[0], 10, 64)
			if r.Kind != "+I" || seen[id] || id%2 == 0 {
				t.Fatalf("row %s %d: a duplicate, an update or an even id", r.Kind, id)
			}
			seen[id] = true
		}
		token = page.Next
		return page.Ended, nil
	})
	if len(seen) != rows/2 || pages < 2 {
		t.Fatalf("%d rows in %d pages; want %d rows over several pages", len(seen), pages, rows/2)
	}
}

// TestSQLNotNullSink writes a NULL into a NOT NULL sink column: the job
// fails with Flink's reason.
func TestSQLNotNullSink(t *testing.T) {
	c := NewCluster(t, 1, nil)
	addr := c.WaitForLeader().HTTPAddr()
	status, body := postSQL(t, addr, "", `
CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '50', 'fields.a.null-rate' = '0.5');
CREATE TABLE dst (a BIGINT NOT NULL) WITH ('connector' = 'blackhole');
INSERT INTO dst SELECT a FROM src`)
	var resp node.StatementResponse
	if err := json.Unmarshal(body, &resp); err != nil || status != http.StatusOK || len(resp.Results) != 3 {
		t.Fatalf("POST /v1/sql: %d %s", status, body)
	}
	d := WaitForJobStatus(t, addr, resp.Results[2].JobID, coordinator.JobFailed, 30*time.Second)
	if !strings.Contains(d.Error, "column 'a' is NOT NULL, however, a null value is being written into it") {
		t.Fatalf("job error = %q", d.Error)
	}
}

// TestSQLInsertValues writes VALUES into a csv table, all columns and then
// some by name, waits for each job (table.dml-sync), and reads the table
// back through a query.
func TestSQLInsertValues(t *testing.T) {
	c := NewCluster(t, 3, nil)
	addr := followersOf(c)[0].HTTPAddr()
	var open node.OpenSessionResponse
	postJSON(t, "http://"+addr+"/v1/sql/sessions", struct{}{}, &open)
	status, body := postSQL(t, addr, open.Session, `
CREATE TABLE people (name STRING, age INT, born DATE) WITH ('connector' = 'filesystem', 'path' = '`+t.TempDir()+`', 'format' = 'csv');
SET 'table.dml-sync' = 'true';
INSERT INTO people VALUES ('ada', 36, DATE '1815-12-10'), ('alan, m.', 41, DATE '1912-06-23'), (NULL, NULL, NULL);
INSERT INTO people (age, name) VALUES (1, 'grace');
SELECT UPPER(name), age + 1, born FROM people`)
	var resp node.StatementResponse
	if err := json.Unmarshal(body, &resp); err != nil || status != http.StatusOK || len(resp.Results) != 5 {
		t.Fatalf("POST /v1/sql: %d %s", status, body)
	}
	var got []string
	WaitForResult(t, 30*time.Second, func() (bool, error) {
		var page node.ResultPage
		if err := getJSON("http://"+addr+"/v1/sql/results/"+resp.Results[4].JobID+"?token="+strconv.Itoa(len(got)), &page); err != nil {
			return false, err
		}
		for _, r := range page.Rows {
			var cells []string
			for _, f := range r.Fields {
				if f == nil {
					cells = append(cells, "NULL")
				} else {
					cells = append(cells, *f)
				}
			}
			got = append(got, strings.Join(cells, "|"))
		}
		return page.Ended, nil
	})
	slices.Sort(got)
	want := []string{"ADA|37|1815-12-10", "ALAN, M.|42|1912-06-23", "GRACE|2|NULL", "NULL|NULL|NULL"}
	if !slices.Equal(got, want) {
		t.Fatalf("rows = %q, want %q", got, want)
	}
}
