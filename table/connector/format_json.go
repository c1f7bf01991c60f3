package connector

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/runnel/runnel/table/data"
)

// jsonFormat is Flink's json format for one schema: a row is a line
// holding one JSON object with the column names as keys, in column
// order.
//
// Writing: NULL as null; BOOLEAN as true/false; INT, BIGINT, DOUBLE and
// DECIMAL as JSON numbers (DOUBLE in Java's form, 1.0E10; DECIMAL plain,
// with its scale; NaN and the infinities, which JSON lacks, as the
// strings "NaN", "Infinity", "-Infinity", as Jackson writes them);
// STRING as a JSON string; BYTES as a base64 string; DATE as
// "2024-01-01"; TIMESTAMP as "2024-01-01 10:00:00.123", or with
// 'json.timestamp-format.standard' = 'ISO-8601' as
// "2024-01-01T10:00:00.123"; TIMESTAMP_LTZ the same in UTC followed by Z.
//
// Reading, as Flink's: a key that is missing is NULL, or an error with
// 'json.fail-on-missing-field'; keys not in the table are ignored; a
// number may come as a JSON number or a string; a STRING column takes a
// JSON string's value, or the JSON text of any other value; timestamps
// are read in either standard.
type jsonFormat struct {
	schema data.Schema
	keys   [][]byte // by column, the quoted key and its colon
	iso    bool     // timestamps with T
	// failOnMissing makes a missing key an error rather than NULL.
	failOnMissing bool
}

// jsonOptions are the json format's options.
var jsonOptions = []string{"json.fail-on-missing-field", "json.ignore-parse-errors", "json.timestamp-format.standard"}

// newJSONFormat reads the json options from o; it also returns
// 'json.ignore-parse-errors'.
func newJSONFormat(o *options, schema data.Schema) (*jsonFormat, bool) {
	f := &jsonFormat{
		schema:        schema,
		keys:          make([][]byte, schema.Len()),
		iso:           o.oneOf("json.timestamp-format.standard", "SQL", "SQL", "ISO-8601") == "ISO-8601",
		failOnMissing: o.boolean("json.fail-on-missing-field", false),
	}
	for i, c := range schema.Columns {
		f.keys[i] = append(appendJSONString(nil, c.Name), ':')
	}
	return f, o.boolean("json.ignore-parse-errors", false)
}

// format appends row's line, without a line end, to buf.
func (f *jsonFormat) format(buf []byte, row data.Row) []byte {
	buf = append(buf, '{')
	for i := range row.Width() {
		if i > 0 {
			buf = append(buf, ',')
		}
		v := row.Field(i)
		buf = append(buf, f.keys[i]...)
		buf = f.appendValue(buf, v, f.schema.Columns[i].Type)
	}
	return append(buf, '}')
}

func (f *jsonFormat) appendValue(buf []byte, v data.Value, t data.Type) []byte {
	if v.IsNull() {
		return append(buf, "null"...)
	}
	switch v.Kind() {
	case data.Boolean:
		return strconv.AppendBool(buf, v.Bool())
	case data.Double:
		if x := v.Float64(); math.IsNaN(x) || math.IsInf(x, 0) {
			return append(data.AppendDouble(append(buf, '"'), x), '"')
		}
		return data.AppendDouble(buf, v.Float64())
	case data.Int, data.BigInt, data.Decimal:
		return data.AppendText(buf, v, t, time.UTC)
	case data.String:
		return appendJSONString(buf, v.Str())
	case data.Bytes:
		buf = append(buf, '"')
		return append(base64.StdEncoding.AppendEncode(buf, []byte(v.Str())), '"')
	}
	buf = append(buf, '"')
	start := len(buf)
	buf = data.AppendText(buf, v, t, time.UTC)
	if f.iso && v.Kind() != data.Date {
		if i := indexByteFrom(buf, start, ' '); i >= 0 {
			buf[i] = 'T'
		}
	}
	if v.Kind() == data.TimestampLTZ {
		buf = append(buf, 'Z')
	}
	return append(buf, '"')
}

// indexByteFrom is the index of the first c in buf from start, or -1.
func indexByteFrom(buf []byte, start int, c byte) int {
	for i := start; i < len(buf); i++ {
		if buf[i] == c {
			return i
		}
	}
	return -1
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			buf = append(buf, c)
			i++
			continue
		}
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			if c < 0x20 {
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
				break
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, `\ufffd`...)
			} else {
				buf = append(buf, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return append(buf, '"')
}

// parser returns the function reading a line into the row of the columns
// at fields, in that order.
func (f *jsonFormat) parser(fields []int) func(line string) (data.Row, error) {
	return func(line string) (data.Row, error) { return f.parse(line, fields) }
}

func (f *jsonFormat) parse(line string, fields []int) (data.Row, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &obj); err != nil {
		return data.Row{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if obj == nil {
		return data.Row{}, fmt.Errorf("not a JSON object: null")
	}
	values := make([]data.Value, len(fields))
	for k, col := range fields {
		c := f.schema.Columns[col]
		raw, ok := obj[c.Name]
		var err error
		switch {
		case !ok && f.failOnMissing:
			err = fmt.Errorf("field %s is missing", c.Name)
		case !ok || string(raw) == "null":
			if c.Type.NotNull {
				err = fmt.Errorf("column %s: NULL in a NOT NULL column", c.Name)
			}
			values[k] = data.NullOf(c.Type.Kind)
		default:
			values[k], err = jsonValue(raw, c.Type)
			if err != nil {
				err = fmt.Errorf("column %s: %w", c.Name, err)
			}
		}
		if err != nil {
			return data.Row{}, err
		}
	}
	return data.MakeRow(data.Insert, values), nil
}

// jsonValue reads a non-null JSON value as a value of t.
func jsonValue(raw json.RawMessage, t data.Type) (data.Value, error) {
	text := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return data.Value{}, err
		}
	} else if t.Kind == data.Bytes {
		return data.Value{}, fmt.Errorf("cannot parse %s as BYTES: want a base64 string", raw)
	}
	return parseFieldText(text, t)
}
