package connector

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/runnel/runnel/table/data"
)

func jsonFormatOf(t *testing.T, schema data.Schema, options map[string]string) *jsonFormat {
	t.Helper()
	o := newOptions("filesystem", Table{Options: options})
	f, _ := newJSONFormat(o, schema)
	if err := o.check(jsonOptions...); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestJSONFormat(t *testing.T) {
	want := []string{
		`{"b":true,"i":-42,"l":1099511627776,"d":1.5,"m":12.50,"s":"say \"hi\", bye","y":"AAH/","dt":"2024-01-01","ts":"2024-01-01 10:00:00.120","lt":"2024-01-01 10:00:00.120Z","w":1234567890123456789012.34567}`,
		`{"b":null,"i":null,"l":null,"d":null,"m":null,"s":null,"y":null,"dt":null,"ts":null,"lt":null,"w":null}`,
		`{"b":false,"i":-2147483648,"l":9223372036854775807,"d":1.0E10,"m":-0.05,"s":"","y":"","dt":"1969-12-31","ts":"1970-01-01 00:00:00.000","lt":"1969-12-31 23:59:59.999Z","w":0.00000}`,
		`{"b":null,"i":null,"l":null,"d":"NaN","m":null,"s":" , ;'\t\\ ","y":null,"dt":null,"ts":null,"lt":null,"w":null}`,
		`{"b":null,"i":null,"l":null,"d":"-Infinity","m":null,"s":"\"","y":null,"dt":null,"ts":null,"lt":null,"w":null}`,
		`{"b":null,"i":null,"l":null,"d":-0.0,"m":null,"s":"NULL","y":null,"dt":null,"ts":null,"lt":null,"w":null}`,
	}
	f := jsonFormatOf(t, allTypes, nil)
	iso := jsonFormatOf(t, allTypes, map[string]string{"json.timestamp-format.standard": "iso-8601"})
	for i, row := range sampleRows(t) {
		line := f.format(nil, row)
		if string(line) != want[i] {
			t.Errorf("row %d:\n got %s\nwant %s", i, line, want[i])
		}
		if !json.Valid(line) {
			t.Errorf("row %d: %s is not valid JSON", i, line)
		}
		// Both standards read back what either wrote.
		for _, w := range []*jsonFormat{f, iso} {
			line := string(w.format(nil, row))
			for _, r := range []*jsonFormat{f, iso} {
				got, err := r.parser(allFields(allTypes))(line)
				if err != nil {
					t.Errorf("row %d: parse %s: %v", i, line, err)
				} else if !sameRow(got, row) {
					t.Errorf("row %d: %s read back as %v, want %v", i, line, got, row)
				}
			}
		}
	}
	if got, want := string(iso.format(nil, sampleRows(t)[0])), `"ts":"2024-01-01T10:00:00.120","lt":"2024-01-01T10:00:00.120Z"`; !strings.Contains(got, want) {
		t.Errorf("ISO-8601: %s, want it to hold %s", got, want)
	}
}

func TestJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        `"plain"`,
		"a\"b\\c":      `"a\"b\\c"`,
		"line\nend\r":  `"line\nend\r"`,
		"\x00\x1f":     `"\u0000\u001f"`,
		"héllo ✓":      `"héllo ✓"`,
		"bad \xff utf": `"bad \ufffd utf"`,
		"</script>&":   `"</script>&"`,
	} {
		got := string(appendJSONString(nil, in))
		if got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("%q: %s does not decode: %v", in, got, err)
		}
	}
}

func TestJSONParse(t *testing.T) {
	schema := data.NewSchema(
		data.Column{Name: "id", Type: data.TInt},
		data.Column{Name: "name", Type: data.TString},
		data.Column{Name: "price", Type: data.TDecimal(10, 2)},
		data.Column{Name: "ok", Type: data.TBoolean.AsNotNull()},
	)
	f := jsonFormatOf(t, schema, nil)
	strict := jsonFormatOf(t, schema, map[string]string{"json.fail-on-missing-field": "true"})
	for _, c := range []struct {
		f      *jsonFormat
		line   string
		fields []int
		want   string // the row, or the error
	}{
		{f, `{"id":1,"name":"alice","price":2.5,"ok":true}`, []int{0, 1, 2, 3}, `+I[1, alice, 250e-2, TRUE]`},
		{f, `{"ok":true,"price":"2.5","other":[1,2],"id":"7"}`, []int{2, 0}, `+I[250e-2, 7]`},
		{f, `{"ok":false}`, []int{0, 1, 2, 3}, `+I[NULL, NULL, NULL, FALSE]`},
		{f, `{"name":{"first":"a", "n":[1, 2]}, "ok":true}`, []int{1}, `+I[{"first":"a", "n":[1, 2]}]`},
		{f, `{"name":12.50,"ok":true}`, []int{1}, `+I[12.50]`},
		{strict, `{"ok":false}`, []int{0}, `field id is missing`},
		{strict, `{"id":null,"ok":false}`, []int{0}, `+I[NULL]`},
		{f, `{"id":"x"}`, []int{0}, `column id: cannot parse "x" as INT: not a number`},
		{f, `{"id":1.5e3}`, []int{0}, `column id: cannot parse "1.5e3" as INT: not a number`},
		{f, `{"id":1}`, []int{3}, `column ok: NULL in a NOT NULL column`},
		{f, `[1,2]`, []int{0}, `not a JSON object: json: cannot unmarshal array into Go value of type map[string]json.RawMessage`},
		{f, `null`, []int{0}, `not a JSON object: null`},
		{f, ``, []int{0}, `not a JSON object: unexpected end of JSON input`},
		{f, `{"id":1`, []int{0}, `not a JSON object: unexpected end of JSON input`},
	} {
		row, err := c.f.parser(c.fields)(c.line)
		got := row.String()
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("parse %s at %v:\n got %s\nwant %s", c.line, c.fields, got, c.want)
		}
	}
	if _, err := jsonFormatOf(t, allTypes, nil).parser([]int{6})(`{"y":12}`); err == nil ||
		err.Error() != `column y: cannot parse 12 as BYTES: want a base64 string` {
		t.Errorf("BYTES from a number: %v", err)
	}
}

func TestJSONOptions(t *testing.T) {
	for _, c := range []struct {
		options map[string]string
		err     string
	}{
		{map[string]string{"json.timestamp-format.standard": "RFC"}, "option 'json.timestamp-format.standard' = 'RFC': want one of SQL, ISO-8601"},
		{map[string]string{"json.fail-on-missing-field": "1"}, "option 'json.fail-on-missing-field' = '1': want true or false"},
	} {
		o := newOptions("filesystem", Table{Options: c.options})
		newJSONFormat(o, allTypes)
		wantError(t, o.check(), c.err)
	}
}
