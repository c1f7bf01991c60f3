package connector

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/runnel/runnel/table/data"
)

// allTypes has a column of every type the formats support.
var allTypes = data.NewSchema(
	data.Column{Name: "b", Type: data.TBoolean},
	data.Column{Name: "i", Type: data.TInt},
	data.Column{Name: "l", Type: data.TBigInt},
	data.Column{Name: "d", Type: data.TDouble},
	data.Column{Name: "m", Type: data.TDecimal(10, 2)},
	data.Column{Name: "s", Type: data.TString},
	data.Column{Name: "y", Type: data.TBytes},
	data.Column{Name: "dt", Type: data.TDate},
	data.Column{Name: "ts", Type: data.TTimestamp(3)},
	data.Column{Name: "lt", Type: data.TTimestampLTZ(3)},
	data.Column{Name: "w", Type: data.TDecimal(30, 5)},
)

func mustValue(t testing.TB, s string, typ data.Type) data.Value {
	t.Helper()
	v, err := data.ParseText(s, typ)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// sampleRows are rows of allTypes with the awkward values: NULLs, empty
// strings, quotes and delimiters, wide decimals, odd doubles.
func sampleRows(t testing.TB) []data.Row {
	wide, _ := new(big.Int).SetString("123456789012345678901234567", 10)
	ts := mustValue(t, "2024-01-01 10:00:00.120", data.TTimestamp(3))
	lt := mustValue(t, "2024-01-01 10:00:00.120", data.TTimestampLTZ(3))
	nulls := make([]data.Value, allTypes.Len())
	for i, c := range allTypes.Columns {
		nulls[i] = data.NullOf(c.Type.Kind)
	}
	return []data.Row{
		data.NewRow(data.BoolValue(true), data.IntValue(-42), data.BigIntValue(1<<40), data.DoubleValue(1.5),
			data.DecimalValue(1250, 2), data.StringValue(`say "hi", bye`), data.BytesValue([]byte{0, 1, 255}),
			data.DateValue(19723), ts, lt, data.BigDecimalValue(wide, 5)),
		data.NewRow(nulls...),
		data.NewRow(data.BoolValue(false), data.IntValue(math.MinInt32), data.BigIntValue(math.MaxInt64), data.DoubleValue(1e10),
			data.DecimalValue(-5, 2), data.StringValue(""), data.BytesValue(nil),
			data.DateValue(-1), data.TimestampValue(0), data.TimestampLTZValue(-1e6), data.DecimalValue(0, 5)),
		data.NewRow(nulls[0], nulls[1], nulls[2], data.DoubleValue(math.NaN()), nulls[4], data.StringValue(" , ;'\t\\ "),
			nulls[6], nulls[7], nulls[8], nulls[9], nulls[10]),
		data.NewRow(nulls[0], nulls[1], nulls[2], data.DoubleValue(math.Inf(-1)), nulls[4], data.StringValue(`"`),
			nulls[6], nulls[7], nulls[8], nulls[9], nulls[10]),
		data.NewRow(nulls[0], nulls[1], nulls[2], data.DoubleValue(math.Copysign(0, -1)), nulls[4], data.StringValue(`NULL`),
			nulls[6], nulls[7], nulls[8], nulls[9], nulls[10]),
	}
}

// sameRow compares rows by value (a NaN equals itself).
func sameRow(a, b data.Row) bool {
	if a.Kind != b.Kind || a.Width() != b.Width() {
		return false
	}
	for i := range a.Width() {
		x, y := a.Field(i), b.Field(i)
		if x.Kind() == data.Double && !x.IsNull() && !y.IsNull() && math.IsNaN(x.Float64()) && math.IsNaN(y.Float64()) {
			continue
		}
		if !x.Equal(y) {
			return false
		}
	}
	return true
}

func csvFormatOf(t *testing.T, schema data.Schema, options map[string]string) *csvFormat {
	t.Helper()
	o := newOptions("filesystem", Table{Options: options})
	f, _ := newCSVFormat(o, schema)
	if err := o.check(csvOptions...); err != nil {
		t.Fatal(err)
	}
	return f
}

func allFields(schema data.Schema) []int {
	fields := make([]int, schema.Len())
	for i := range fields {
		fields[i] = i
	}
	return fields
}

func TestCSVFormat(t *testing.T) {
	f := csvFormatOf(t, allTypes, nil)
	want := []string{
		`true,-42,1099511627776,1.5,12.50,"say ""hi"", bye",AAH/,2024-01-01,2024-01-01 10:00:00.120,2024-01-01 10:00:00.120Z,1234567890123456789012.34567`,
		`,,,,,,,,,,`,
		`false,-2147483648,9223372036854775807,1.0E10,-0.05,"","",1969-12-31,1970-01-01 00:00:00.000,1969-12-31 23:59:59.999Z,0.00000`,
		`,,,NaN,," , ;'	\ ",,,,,`,
		`,,,-Infinity,,"""",,,,,`,
		`,,,-0.0,,NULL,,,,,`,
	}
	for i, row := range sampleRows(t) {
		if got := string(f.format(nil, row)); got != want[i] {
			t.Errorf("row %d:\n got %s\nwant %s", i, got, want[i])
		}
	}
}

// TestCSVRoundTrip writes and reads back every sample row, with the
// default options and with others.
func TestCSVRoundTrip(t *testing.T) {
	for _, options := range []map[string]string{
		nil,
		{"csv.field-delimiter": ";", "csv.quote-character": "'", "csv.null-literal": "NULL"},
		{"csv.field-delimiter": `\t`, "csv.null-literal": `\N`},
		{"csv.field-delimiter": ".", "csv.quote-character": "-"}, // in numbers and dates: quoted
	} {
		f := csvFormatOf(t, allTypes, options)
		parse := f.parser(allFields(allTypes))
		for i, row := range sampleRows(t) {
			line := string(f.format(nil, row))
			got, err := parse(line)
			if err != nil {
				t.Errorf("%v row %d: parse %s: %v", options, i, line, err)
			} else if !sameRow(got, row) {
				t.Errorf("%v row %d: %s read back as %v, want %v", options, i, line, got, row)
			}
		}
	}
}

func TestCSVParse(t *testing.T) {
	schema := data.NewSchema(
		data.Column{Name: "id", Type: data.TInt},
		data.Column{Name: "name", Type: data.TString},
		data.Column{Name: "price", Type: data.TDecimal(10, 2)},
		data.Column{Name: "ok", Type: data.TBoolean.AsNotNull()},
	)
	f := csvFormatOf(t, schema, nil)
	for _, c := range []struct {
		line   string
		fields []int
		want   string // the row, or the error
	}{
		{`1,alice,2.5,TRUE`, []int{0, 1, 2, 3}, `+I[1, alice, 250e-2, TRUE]`},
		{`1,alice,2.5,TRUE`, []int{2, 0}, `+I[250e-2, 1]`},
		{`1,alice,2.5,true,extra,"fields"`, []int{3}, `+I[TRUE]`},
		{` 7 ,"a ""quoted"", name", 3 ,false`, []int{0, 1, 2}, `+I[7, a "quoted", name, 300e-2]`},
		{`,,,no`, []int{0, 1, 2, 3}, `+I[NULL, NULL, NULL, FALSE]`},
		{`1,"",,0`, []int{1}, `+I[]`},
		{`1,un"quoted,1,1`, []int{1}, `+I[un"quoted]`},
		{`x,alice,2.5,true`, []int{0}, `column id: cannot parse "x" as INT: not a number`},
		{`x,alice,2.5,true`, []int{1}, `+I[alice]`}, // a column not read is not parsed
		{`1,alice,1e20,true`, []int{2}, `column price: cannot parse "1e20" as DECIMAL(10, 2): out of range`},
		{`1,alice`, []int{0}, `column price is missing: the line has 2 fields, the table 4 columns`},
		{``, []int{0}, `column name is missing: the line has 1 fields, the table 4 columns`},
		{`1,"alice,2.5,true`, []int{0}, `column name: quoted field without its closing quote`},
		{`1,"alice"x,2.5,true`, []int{0}, `column name: text after the closing quote`},
		{`1,alice,2.5,`, []int{3}, `column ok: NULL in a NOT NULL column`},
		{`1,alice,2.5,maybe`, []int{3}, `column ok: cannot parse "maybe" as BOOLEAN: not a boolean`},
	} {
		row, err := f.parser(c.fields)(c.line)
		got := row.String()
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("parse %s at %v:\n got %s\nwant %s", c.line, c.fields, got, c.want)
		}
	}
	if _, err := csvFormatOf(t, allTypes, nil).parser([]int{6})(",,,,,,not base64!,,,,"); err == nil ||
		err.Error() != `column y: cannot parse "not base64!" as BYTES: not base64` {
		t.Errorf("bad base64: %v", err)
	}
}

func TestCSVOptions(t *testing.T) {
	for _, c := range []struct {
		options map[string]string
		err     string
	}{
		{map[string]string{"csv.field-delimiter": "ab"}, "option 'csv.field-delimiter' = 'ab': want a single ASCII character other than a line end"},
		{map[string]string{"csv.field-delimiter": `\n`}, `option 'csv.field-delimiter' = '\n': want a single ASCII character other than a line end`},
		{map[string]string{"csv.field-delimiter": "é"}, "option 'csv.field-delimiter' = 'é': want a single ASCII character other than a line end"},
		{map[string]string{"csv.quote-character": ","}, "option 'csv.quote-character' = ',': the same as the field delimiter"},
		{map[string]string{"csv.null-literal": "a,b"}, "option 'csv.null-literal' = 'a,b': holds the field delimiter, the quote character or a line end"},
		{map[string]string{"csv.ignore-parse-errors": "yes"}, "option 'csv.ignore-parse-errors' = 'yes': want true or false"},
	} {
		o := newOptions("filesystem", Table{Options: c.options})
		newCSVFormat(o, allTypes)
		wantError(t, o.check(), c.err)
	}
}

// BenchmarkCSV formats and parses a typical row of six columns.
func BenchmarkCSV(b *testing.B) {
	schema := data.NewSchema(
		data.Column{Name: "id", Type: data.TBigInt},
		data.Column{Name: "name", Type: data.TString},
		data.Column{Name: "price", Type: data.TDecimal(10, 2)},
		data.Column{Name: "qty", Type: data.TInt},
		data.Column{Name: "ts", Type: data.TTimestamp(3)},
		data.Column{Name: "note", Type: data.TString},
	)
	o := newOptions("filesystem", Table{})
	f, _ := newCSVFormat(o, schema)
	row := data.NewRow(data.BigIntValue(123456789), data.StringValue("alice"), data.DecimalValue(1999, 2),
		data.IntValue(3), mustValue(b, "2024-01-01 10:00:00.120", data.TTimestamp(3)), data.StringValue("a note, quoted"))
	line := string(f.format(nil, row))
	b.Run("format", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = f.format(buf[:0], row)
		}
	})
	b.Run("parse", func(b *testing.B) {
		parse := f.parser(allFields(schema))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parse(line); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse projected", func(b *testing.B) {
		parse := f.parser([]int{0, 2})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parse(line); err != nil {
				b.Fatal(err)
			}
		}
	})
	if strings.Count(line, ",") != 6 {
		b.Fatalf("line %s", line)
	}
}
