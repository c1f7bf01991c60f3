package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/runnel/runnel/node"
	"github.com/runnel/runnel/sql"
)

func fields(vals ...string) []*string {
	out := make([]*string, len(vals))
	for i, v := range vals {
		if v != "NULL" {
			out[i] = &vals[i]
		}
	}
	return out
}

// TestTableauLines checks Flink's tableau form: right-aligned cells, the
// op column, <NULL>, and cells cut to the column's width.
func TestTableauLines(t *testing.T) {
	var b bytes.Buffer
	v := newLogView(&b, []sql.Column{{Name: "k", Type: "STRING"}, {Name: "n", Type: "BIGINT NOT NULL"}})
	v.add(node.ResultRow{Kind: "+I", Fields: fields("a", "1")})
	v.add(node.ResultRow{Kind: "-U", Fields: fields(strings.Repeat("x", 40), "NULL")})
	v.end(2)
	want := `+----+--------------------------------+----------------------+
| op |                              k |                    n |
+----+--------------------------------+----------------------+
| +I |                              a |                    1 |
| -U | xxxxxxxxxxxxxxxxxxxxxxxxxxx... |               <NULL> |
+----+--------------------------------+----------------------+
Received a total of 2 rows
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestTableViewAppliesChangelog checks that the table mode keeps the
// current result: an update replaces its row in place, a delete removes it.
func TestTableViewAppliesChangelog(t *testing.T) {
	v := newTableView(&bytes.Buffer{}, []sql.Column{{Name: "k", Type: "STRING"}, {Name: "n", Type: "BIGINT"}})
	for _, r := range []node.ResultRow{
		{Kind: "+I", Fields: fields("a", "1")},
		{Kind: "+I", Fields: fields("b", "1")},
		{Kind: "-U", Fields: fields("a", "1")},
		{Kind: "+U", Fields: fields("a", "2")},
		{Kind: "-D", Fields: fields("b", "1")},
		{Kind: "+I", Fields: fields("c", "NULL")},
	} {
		v.add(r)
	}
	var got []string
	for _, r := range v.rows {
		s := *r[0] + "="
		if r[1] != nil {
			s += *r[1]
		}
		got = append(got, s)
	}
	if strings.Join(got, " ") != "a=2 c=" {
		t.Fatalf("table = %v, want [a=2 c=]", got)
	}
}

func TestStatementComplete(t *testing.T) {
	for text, want := range map[string]bool{
		"SELECT 1;":            true,
		"SELECT 1":             false,
		"SELECT ';":            false,
		"SELECT ';';":          true,
		"SELECT `a;`;":         true,
		"CREATE TABLE t (\n a": false,
		"SELECT 'it''s';":      true,
	} {
		if got := complete(text); got != want {
			t.Errorf("complete(%q) = %v, want %v", text, got, want)
		}
	}
}
