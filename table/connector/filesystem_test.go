package connector

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ds "github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/table/data"
)

func TestFilesystemValidate(t *testing.T) {
	f := lookupSource(t, "filesystem").(Factory)
	checkValidate(t, f, allTypes, []optionCase{
		{options: map[string]string{"path": "/tmp/x", "format": "csv"}},
		{options: map[string]string{"path": "file:///tmp/x", "format": "json", "json.ignore-parse-errors": "true",
			"json.fail-on-missing-field": "false", "json.timestamp-format.standard": "ISO-8601"}},
		{options: map[string]string{"path": "x", "format": "csv", "csv.field-delimiter": "|", "csv.quote-character": "'",
			"csv.null-literal": "n/a", "csv.ignore-parse-errors": "true"}},
		{options: map[string]string{"format": "csv"},
			err: "option 'path' is required for connector filesystem"},
		{options: map[string]string{"path": "/tmp/x"},
			err: "option 'format' is required for connector filesystem"},
		{options: map[string]string{"path": "/tmp/x", "format": "avro"},
			err: "option 'format' = 'avro': want csv or json"},
		{options: map[string]string{"path": "s3://bucket/x", "format": "csv"},
			err: "option 'path' = 's3://bucket/x': only local files (file://) are supported"},
		{options: map[string]string{"path": "file://", "format": "csv"},
			err: "option 'path' = 'file://': empty"},
		{options: map[string]string{"path": "/tmp/x", "format": "csv", "json.ignore-parse-errors": "true"},
			err: "unknown option 'json.ignore-parse-errors' for connector filesystem (known: format, path, " +
				"csv.field-delimiter, csv.quote-character, csv.null-literal, csv.ignore-parse-errors)"},
		{options: map[string]string{"path": "/tmp/x", "format": "json", "csv.field-delimiter": ";"},
			err: "unknown option 'csv.field-delimiter' for connector filesystem (known: format, path, " +
				"json.fail-on-missing-field, json.ignore-parse-errors, json.timestamp-format.standard)"},
	})
	interval := data.NewSchema(data.Column{Name: "i", Type: data.TIntervalDayTime})
	checkValidate(t, f, interval, []optionCase{
		{options: map[string]string{"path": "/tmp/x", "format": "csv"},
			err: "column i: format csv does not support INTERVAL SECOND(3)"},
	})
	if !lookupSource(t, "filesystem").Bounded(Table{}) || lookupSink(t, "filesystem").AcceptsChanges() {
		t.Error("filesystem: want bounded and insert-only")
	}
}

// listDir returns the names under dir, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// project keeps the fields of rows at fields.
func project(rows []data.Row, fields []int) []string {
	out := make([]data.Row, len(rows))
	for i, r := range rows {
		values := make([]data.Value, len(fields))
		for k, f := range fields {
			values[k] = r.Field(f)
		}
		out[i] = data.MakeRow(r.Kind, values)
	}
	return sortedRows(out)
}

// TestFilesystemRoundTrip writes the sample rows of every type with a
// bounded job, with and without checkpoints, and reads them back with a
// projection at another parallelism.
func TestFilesystemRoundTrip(t *testing.T) {
	rows := sampleRows(t)[:3] // the NaN of the others compares unequal as text
	fields := []int{9, 0, 5, 4, 6, 10, 8, 3, 1, 2, 7}
	for _, format := range []string{"csv", "json"} {
		for _, checkpointing := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/checkpointing=%v", format, checkpointing), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "out")
				tbl := Table{Name: "t", Schema: allTypes, Options: map[string]string{"path": "file://" + dir, "format": format}}
				if err := writeTable(t, lookupSink(t, "filesystem"), tbl, rows, 2, checkpointing); err != nil {
					t.Fatal(err)
				}
				names := listDir(t, dir)
				if len(names) != 2 || slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, ".") }) {
					t.Errorf("files %v, want two visible parts", names)
				}
				got, err := readTable(t, lookupSource(t, "filesystem"), tbl, fields, 3)
				if err != nil {
					t.Fatal(err)
				}
				if want := project(rows, fields); !slices.Equal(got, want) {
					t.Errorf("read\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			})
		}
	}
}

func TestFilesystemSinkTakesInsertsOnly(t *testing.T) {
	dir := t.TempDir()
	tbl := Table{Name: "t", Schema: data.NewSchema(data.Column{Name: "a", Type: data.TInt}),
		Options: map[string]string{"path": dir, "format": "csv"}}
	rows := []data.Row{data.NewRow(data.IntValue(1)), data.MakeRow(data.UpdateAfter, []data.Value{data.IntValue(2)})}
	err := writeTable(t, lookupSink(t, "filesystem"), tbl, rows, 1, false)
	wantError(t, err, "filesystem table t takes inserts only, not +U[2]")
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("a failed job left %v", names)
	}
}

// TestFilesystemBadLine reads a file with a bad line: the job fails
// naming the file, the offset and the column, or, ignoring parse
// errors, skips the line.
func TestFilesystemBadLine(t *testing.T) {
	schema := data.NewSchema(data.Column{Name: "id", Type: data.TInt}, data.Column{Name: "name", Type: data.TString})
	for _, c := range []struct {
		format, content, err string
	}{
		{"csv", "1,a\nx,b\n3,c\n", `column id: cannot parse "x" as INT: not a number (line "x,b")`},
		{"csv", "1,a\n2\n3,c\n", `column name is missing: the line has 1 fields, the table 2 columns (line "2")`},
		{"json", "{\"id\":1,\"name\":\"a\"}\n{\"id\":\"x\"}\n{\"id\":3,\"name\":\"c\"}\n", `column id: cannot parse "x" as INT: not a number (line "{\"id\":\"x\"}")`},
		{"json", "{\"id\":1,\"name\":\"a\"}\n{\"id\":\n{\"id\":3,\"name\":\"c\"}\n", `not a JSON object: unexpected end of JSON input (line "{\"id\":")`},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "data."+c.format)
		if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		tbl := Table{Name: "t", Schema: schema, Options: map[string]string{"path": dir, "format": c.format}}
		_, err := readTable(t, lookupSource(t, "filesystem"), tbl, []int{0, 1}, 1)
		offset := strings.IndexByte(c.content, '\n') + 1
		wantError(t, err, fmt.Sprintf("table t: %s at offset %d: %s", path, offset, c.err))

		tbl.Options[c.format+".ignore-parse-errors"] = "true"
		got, err := readTable(t, lookupSource(t, "filesystem"), tbl, []int{0, 1}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"+I[1, a]", "+I[3, c]"}; !slices.Equal(got, want) {
			t.Errorf("%s ignoring parse errors: read %v, want %v", c.format, got, want)
		}
	}
}

// TestFilesystemSourceFile reads a single file named by its path, and
// skips the hidden files of a directory.
func TestFilesystemSourceFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"a.csv": "1\n2\n", ".hidden.csv": "x\n", "_SUCCESS": "", "b.csv": "3"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	schema := data.NewSchema(data.Column{Name: "n", Type: data.TBigInt})
	for path, want := range map[string][]string{
		dir:                         {"+I[1]", "+I[2]", "+I[3]"},
		filepath.Join(dir, "a.csv"): {"+I[1]", "+I[2]"},
	} {
		tbl := Table{Name: "t", Schema: schema, Options: map[string]string{"path": path, "format": "csv"}}
		got, err := readTable(t, lookupSource(t, "filesystem"), tbl, []int{0}, 2)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: read %v, want %v", path, got, want)
		}
	}
}

// rowCollector keeps what a reader emits.
type rowCollector struct{ rows []data.Row }

func (c *rowCollector) Collect(r data.Row) { c.rows = append(c.rows, r) }

// TestFilesystemSourceResumes checks that the scan keeps the file
// reader's position in checkpoints: a reader restored from a snapshot
// taken after the first poll reads exactly the rest.
func TestFilesystemSourceResumes(t *testing.T) {
	dir := t.TempDir()
	var content strings.Builder
	const n = 2500
	for i := range n {
		fmt.Fprintf(&content, "%d\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte(content.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := parseFilesystem(Table{Schema: data.NewSchema(data.Column{Name: "n", Type: data.TInt}),
		Options: map[string]string{"path": dir, "format": "csv"}})
	if err != nil {
		t.Fatal(err)
	}
	src := &rowSource{lines: ds.NewFileLineSource(dir), parse: spec.format.parser([]int{0}), table: "t"}
	ctx := &operator.Context{Parallelism: 1, MaxParallelism: 128}
	open := func(restore *operator.Restored) operator.SourceReader[data.Row] {
		r, err := src.NewReader(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if restore != nil {
			if err := r.(operator.Checkpointed).RestoreState(*restore); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Open(ctx); err != nil {
			t.Fatal(err)
		}
		return r
	}
	first, all := open(nil), &rowCollector{}
	if _, err := first.PollNext(all); err != nil {
		t.Fatal(err)
	}
	if len(all.rows) == 0 || len(all.rows) == n {
		t.Fatalf("the first poll read %d rows, want part of them", len(all.rows))
	}
	snap, err := first.(operator.Checkpointed).SnapshotState(1)
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	rest := open(&operator.Restored{CheckpointID: 1, Operator: [][]byte{snap.Operator}})
	defer rest.Close()
	for status := operator.MoreAvailable; status != operator.EndOfInput; {
		if status, err = rest.PollNext(all); err != nil {
			t.Fatal(err)
		}
	}
	if len(all.rows) != n {
		t.Fatalf("read %d rows, want %d", len(all.rows), n)
	}
	for i, r := range all.rows {
		if r.Field(0).Int64() != int64(i) {
			t.Fatalf("row %d is %v", i, r)
		}
	}
}
