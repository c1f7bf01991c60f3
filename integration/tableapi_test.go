package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table"
	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
)

func init() {
	// it-table-window is a Table API job: a filesystem table of events
	// declared in code, filtered and aggregated per auction and 10 s
	// tumbling window, written with ExecuteInsert into a csv table.
	stream.RegisterJob("it-table-window", func(env *stream.Env, args stream.Args) error {
		ctx := context.Background()
		tenv := table.NewStreamEnv(env)
		events := &table.CatalogTable{
			Name: "events",
			Columns: []table.CatalogColumn{
				{Name: "ts", Type: data.TTimestamp(3)}, {Name: "k", Type: data.TString}, {Name: "v", Type: data.TBigInt},
			},
			Watermark: &table.WatermarkSpec{Column: "ts", Expr: expr.Col("ts").Minus(expr.Lit(5 * time.Second))},
			Options:   map[string]string{"connector": "filesystem", "path": args["input"], "format": "csv"},
		}
		out := &table.CatalogTable{
			Name: "out",
			Columns: []table.CatalogColumn{
				{Name: "k", Type: data.TString}, {Name: "window_start", Type: data.TTimestamp(3)},
				{Name: "window_end", Type: data.TTimestamp(3)}, {Name: "n", Type: data.TBigInt}, {Name: "total", Type: data.TBigInt},
			},
			Options: map[string]string{"connector": "filesystem", "path": args["output"], "format": "csv"},
		}
		for _, t := range []*table.CatalogTable{events, out} {
			if err := tenv.CreateTemporaryTable(ctx, t); err != nil {
				return err
			}
		}
		_, err := tenv.From(ctx, "events").
			Where(expr.Col("v").Ge(expr.Lit(0))).
			Window(table.Tumble(10*time.Second).On("ts"), "w").
			GroupBy("w", "k").
			Select(expr.Col("k"), expr.Col("window_start"), expr.Col("window_end"),
				expr.Col("v").Count().As("n"), expr.Col("v").Sum().As("total")).
			ExecuteInsert(ctx, "out")
		return err
	})
	// it-table-changelog reads a DataStream of rows as a table
	// (FromDataStream), sums per key, and writes the changelog it gets back
	// (ToDataStream) as lines.
	stream.RegisterJob("it-table-changelog", func(env *stream.Env, args stream.Args) error {
		tenv := table.NewStreamEnv(env)
		src := stream.FromSource(env, connector.NewDataGen(tableChangelogRows, 0, func(i int64) data.Row {
			return data.NewRow(data.BigIntValue(i%7), data.BigIntValue(i))
		}), "numbers")
		schema := data.NewSchema(data.Column{Name: "k", Type: data.TBigInt}, data.Column{Name: "v", Type: data.TBigInt})
		changes, err := tenv.FromDataStream(src, schema).
			GroupBy(expr.Col("k")).
			Select(expr.Col("k"), expr.Col("v").Sum().As("total")).
			ToDataStream()
		if err != nil {
			return err
		}
		lines := stream.Map(changes, func(r data.Row) string { return r.String() })
		stream.SinkTo(lines, connector.NewLineFileSink(args["output"]), "changelog")
		return nil
	})
}

const tableChangelogRows = 700

// TestTableAPIWindowAggregation runs the Table API's window aggregation on
// 3 in-process nodes and checks every window against an independent
// computation.
func TestTableAPIWindowAggregation(t *testing.T) {
	c := NewCluster(t, 3, nil)
	addr := followersOf(c)[0].HTTPAddr()
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	evs := writeEvents(t, in, 2, 1500)
	id := SubmitJob(t, addr, "it-table-window", 2, map[string]string{"input": in, "output": out})
	WaitForJobStatus(t, addr, id, coordinator.JobFinished, 60*time.Second)
	compareWindows(t, "Table API TUMBLE", readWindowOutput(t, out), expectWindows(evs, tumbleWindows(10*time.Second)))
}

// TestTableAPIChangelogRoundTrip reads a DataStream as a table, aggregates
// it, and applies the changelog ToDataStream returns: the result is the
// sums per key.
func TestTableAPIChangelogRoundTrip(t *testing.T) {
	c := NewCluster(t, 3, nil)
	addr := followersOf(c)[0].HTTPAddr()
	out := filepath.Join(t.TempDir(), "out")
	id := SubmitJob(t, addr, "it-table-changelog", 2, map[string]string{"output": out})
	WaitForJobStatus(t, addr, id, coordinator.JobFinished, 60*time.Second)

	want := map[string]int64{}
	for i := range int64(tableChangelogRows) {
		want[strconv.FormatInt(i%7, 10)] += i
	}
	got := map[string]int64{}
	files, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(out, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var kind, k string
			var v int64
			if _, err := fmt.Sscanf(strings.NewReplacer("[", " ", "]", "", ",", "").Replace(line), "%s %s %d", &kind, &k, &v); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			switch kind {
			case "+I", "+U":
				got[k] = v
			case "-U", "-D":
				if got[k] != v {
					t.Errorf("%s of %s %d, but the current sum is %d", kind, k, v, got[k])
				}
				delete(got, k)
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sums from the changelog = %v, want %v", got, want)
	}
}
