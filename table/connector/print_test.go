package connector

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/table/data"
)

func TestPrintValidate(t *testing.T) {
	f := lookupSink(t, "print").(Factory)
	checkValidate(t, f, allTypes, []optionCase{
		{options: nil},
		{options: map[string]string{"print-identifier": "orders", "standard-error": "TRUE"}},
		{options: map[string]string{"standard-error": "stderr"},
			err: "option 'standard-error' = 'stderr': want true or false"},
		{options: map[string]string{"print-identifer": "x"},
			err: "unknown option 'print-identifer' for connector print (known: print-identifier, standard-error)"},
	})
	if !lookupSink(t, "print").AcceptsChanges() {
		t.Error("print does not accept changes")
	}
}

func TestPrintLine(t *testing.T) {
	rows := sampleRows(t)
	for _, c := range []struct {
		row  data.Row
		want string
	}{
		{rows[0], `+I[TRUE, -42, 1099511627776, 1.5, 12.50, say "hi", bye, [0, 1, -1], 2024-01-01, 2024-01-01 10:00:00.120, 2024-01-01 10:00:00.120, 1234567890123456789012.34567]`},
		{rows[1], `+I[null, null, null, null, null, null, null, null, null, null, null]`},
		{data.MakeRow(data.UpdateBefore, rows[2].Values()), `-U[FALSE, -2147483648, 9223372036854775807, 1.0E10, -0.05, , [], 1969-12-31, 1970-01-01 00:00:00.000, 1969-12-31 23:59:59.999, 0.00000]`},
		{data.Row{Kind: data.Delete}, `-D[]`},
	} {
		got := printLine(c.row, allTypes.Types())
		if got != c.want {
			t.Errorf("\n got %s\nwant %s", got, c.want)
		}
	}
}

// TestPrintSink prints rows of every kind at parallelism 1 and 2, with
// and without an identifier, on the standard output or error.
func TestPrintSink(t *testing.T) {
	var out, errOut bytes.Buffer
	out0, err0 := stdout, stderr
	defer func() { stdout, stderr = out0, err0 }()
	stdout, stderr = &out, &errOut
	schema := data.NewSchema(data.Column{Name: "id", Type: data.TInt}, data.Column{Name: "name", Type: data.TString})
	rows := []data.Row{
		data.NewRow(data.IntValue(1), data.StringValue("alice")),
		data.MakeRow(data.UpdateBefore, []data.Value{data.IntValue(1), data.StringValue("alice")}),
		data.MakeRow(data.UpdateAfter, []data.Value{data.IntValue(1), data.NullOf(data.String)}),
		data.MakeRow(data.Delete, []data.Value{data.IntValue(2), data.StringValue("bob")}),
	}
	lines := []string{"+I[1, alice]", "-U[1, alice]", "+U[1, null]", "-D[2, bob]"}
	for _, c := range []struct {
		options map[string]string
		p       int
		stderr  bool
		prefix  func(line int) string
	}{
		{nil, 1, false, func(int) string { return "" }},
		{nil, 2, false, func(i int) string { return []string{"1> ", "2> "}[i%2] }},
		{map[string]string{"print-identifier": "orders"}, 1, false, func(int) string { return "orders> " }},
		{map[string]string{"print-identifier": "orders", "standard-error": "true"}, 2, true,
			func(i int) string { return []string{"orders:1> ", "orders:2> "}[i%2] }},
	} {
		out.Reset()
		errOut.Reset()
		tbl := Table{Name: "t", Schema: schema, Options: c.options}
		if err := writeTable(t, lookupSink(t, "print"), tbl, rows, c.p, false); err != nil {
			t.Fatal(err)
		}
		written, other := &out, &errOut
		if c.stderr {
			written, other = other, written
		}
		var want []string
		for i, l := range lines {
			want = append(want, c.prefix(i)+l) // sliceSource gives row i to subtask i % p
		}
		got := strings.Split(strings.TrimSuffix(written.String(), "\n"), "\n")
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) || other.Len() != 0 {
			t.Errorf("%v at p=%d: printed %q, want %q; the other stream got %q", c.options, c.p, got, want, other.String())
		}
	}
}

func TestBlackhole(t *testing.T) {
	f := lookupSink(t, "blackhole")
	checkValidate(t, f.(Factory), allTypes, []optionCase{
		{options: nil},
		{options: map[string]string{"path": "/dev/null"}, err: "unknown option 'path': connector blackhole takes no options"},
	})
	if !f.AcceptsChanges() {
		t.Error("blackhole does not accept changes")
	}
	rows := []data.Row{data.NewRow(data.IntValue(1)), data.MakeRow(data.Delete, []data.Value{data.IntValue(1)})}
	tbl := Table{Name: "t", Schema: data.NewSchema(data.Column{Name: "a", Type: data.TInt})}
	if err := writeTable(t, f, tbl, rows, 2, false); err != nil {
		t.Fatal(err)
	}
}
