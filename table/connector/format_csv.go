package connector

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/runnel/runnel/table/data"
)

// csvFormat is Flink's csv format for one schema: a row is a line of its
// fields in column order, separated by 'csv.field-delimiter' (','), with
// no header.
//
// A field is quoted with 'csv.quote-character' ('"') only when it must
// be: when it holds the delimiter, the quote or a line end, when it is
// empty, or when it equals the null literal; a quote inside is doubled.
// A NULL is written as 'csv.null-literal', by default the empty string,
// unquoted; reading, an unquoted field equal to the null literal is NULL
// and a quoted one is the text itself. So with the defaults, as in Flink,
// an empty field is NULL, and an empty STRING, written "", comes back as
// itself.
//
// Values are in their text form (data.FormatText, Flink's CAST to STRING:
// DECIMAL with its scale, TIMESTAMP(3) as 2024-01-01 10:00:00.120, DATE
// as 2024-01-01), except those Flink's csv format writes otherwise:
// BOOLEAN as true/false, BYTES in base64, TIMESTAMP_LTZ in UTC followed
// by Z. Reading takes what data.ParseText takes (numbers between spaces,
// booleans true/false and the like in any case), a trailing Z on a
// TIMESTAMP_LTZ, and BYTES in base64.
//
// The files are read line by line, so a STRING holding a line end is
// written correctly quoted but cannot be read back. A line with fewer
// fields than the table's columns is an error; fields beyond them are
// ignored, as Flink's.
type csvFormat struct {
	schema      data.Schema
	delimiter   byte
	quote       byte
	nullLiteral string
}

// csvOptions are the csv format's options.
var csvOptions = []string{"csv.field-delimiter", "csv.quote-character", "csv.null-literal", "csv.ignore-parse-errors"}

// newCSVFormat reads the csv options from o; it also returns
// 'csv.ignore-parse-errors'.
func newCSVFormat(o *options, schema data.Schema) (*csvFormat, bool) {
	f := &csvFormat{
		schema:      schema,
		delimiter:   o.char("csv.field-delimiter", ','),
		quote:       o.char("csv.quote-character", '"'),
		nullLiteral: o.str("csv.null-literal", ""),
	}
	ignore := o.boolean("csv.ignore-parse-errors", false)
	switch {
	case f.delimiter == f.quote:
		o.badValue("csv.quote-character", "the same as the field delimiter")
	case strings.IndexByte(f.nullLiteral, f.delimiter) >= 0 || strings.IndexByte(f.nullLiteral, f.quote) >= 0 ||
		strings.ContainsAny(f.nullLiteral, "\r\n"):
		o.badValue("csv.null-literal", "holds the field delimiter, the quote character or a line end")
	}
	return f, ignore
}

// format appends row's line, without a line end, to buf.
func (f *csvFormat) format(buf []byte, row data.Row) []byte {
	for i := range row.Width() {
		if i > 0 {
			buf = append(buf, f.delimiter)
		}
		v := row.Field(i)
		if v.IsNull() {
			buf = append(buf, f.nullLiteral...)
			continue
		}
		start := len(buf)
		buf = appendCSVText(buf, v, f.schema.Columns[i].Type)
		if f.needsQuotes(buf[start:]) {
			buf = f.quoteFrom(buf, start)
		}
	}
	return buf
}

// appendCSVText appends the text of the non-NULL v of type t.
func appendCSVText(buf []byte, v data.Value, t data.Type) []byte {
	switch v.Kind() {
	case data.Boolean:
		if v.Bool() {
			return append(buf, "true"...)
		}
		return append(buf, "false"...)
	case data.Bytes:
		return base64.StdEncoding.AppendEncode(buf, []byte(v.Str()))
	case data.TimestampLTZ:
		return append(data.AppendText(buf, v, t, time.UTC), 'Z')
	}
	return data.AppendText(buf, v, t, time.UTC)
}

func (f *csvFormat) needsQuotes(field []byte) bool {
	if len(field) == 0 || string(field) == f.nullLiteral {
		return true
	}
	for _, c := range field {
		if c == f.delimiter || c == f.quote || c == '\n' || c == '\r' {
			return true
		}
	}
	return false
}

// quoteFrom quotes the field at buf[start:] in place, doubling its
// quotes.
func (f *csvFormat) quoteFrom(buf []byte, start int) []byte {
	end := len(buf)
	buf = append(buf, make([]byte, 2+bytes.Count(buf[start:], []byte{f.quote}))...)
	w := len(buf) - 1
	buf[w] = f.quote
	for r := end - 1; r >= start; r-- {
		w--
		buf[w] = buf[r]
		if buf[r] == f.quote {
			w--
			buf[w] = f.quote
		}
	}
	buf[w-1] = f.quote
	return buf
}

// parser returns the function reading a line into the row of the columns
// at fields, in that order; columns not in fields are skipped unparsed.
func (f *csvFormat) parser(fields []int) func(line string) (data.Row, error) {
	want := make([]int, f.schema.Len()) // by column: its position in the row, or -1
	for i := range want {
		want[i] = -1
	}
	for k, c := range fields {
		want[c] = k
	}
	values := make([]data.Value, len(fields)) // reused per line
	alloc := new(data.Allocator)
	return func(line string) (data.Row, error) { return f.parse(line, want, values, alloc) }
}

// parse reads line into values, whose slots want gives by column (-1 for
// a column not read), and makes them a row.
func (f *csvFormat) parse(line string, want []int, values []data.Value, alloc *data.Allocator) (data.Row, error) {
	pos := 0 // of the next field; len(line)+1 after the last
	for col, k := range want {
		if pos > len(line) {
			return data.Row{}, fmt.Errorf("column %s is missing: the line has %d fields, the table %d columns",
				f.schema.Columns[col].Name, col, len(want))
		}
		text, quoted, next, err := f.field(line, pos)
		if err != nil {
			return data.Row{}, fmt.Errorf("column %s: %w", f.schema.Columns[col].Name, err)
		}
		pos = next
		if k < 0 {
			continue
		}
		if values[k], err = f.value(text, quoted, f.schema.Columns[col]); err != nil {
			return data.Row{}, err
		}
	}
	return alloc.MakeRow(data.Insert, values), nil
}

// field reads the field at pos: its text, unquoted, whether it was
// quoted, and where the next one starts.
func (f *csvFormat) field(line string, pos int) (text string, quoted bool, next int, err error) {
	if pos == len(line) || line[pos] != f.quote {
		end := strings.IndexByte(line[pos:], f.delimiter)
		if end < 0 {
			return line[pos:], false, len(line) + 1, nil
		}
		return line[pos : pos+end], false, pos + end + 1, nil
	}
	doubled := false
	for i := pos + 1; i < len(line); i++ {
		if line[i] != f.quote {
			continue
		}
		if i+1 < len(line) && line[i+1] == f.quote {
			doubled = true
			i++
			continue
		}
		text = line[pos+1 : i]
		if doubled {
			q := string(f.quote)
			text = strings.ReplaceAll(text, q+q, q)
		}
		switch {
		case i+1 == len(line):
			return text, true, len(line) + 1, nil
		case line[i+1] == f.delimiter:
			return text, true, i + 2, nil
		}
		return "", false, 0, fmt.Errorf("text after the closing quote")
	}
	return "", false, 0, fmt.Errorf("quoted field without its closing quote")
}

// value is the field text of column c.
func (f *csvFormat) value(text string, quoted bool, c data.Column) (data.Value, error) {
	if !quoted && text == f.nullLiteral {
		if c.Type.NotNull {
			return data.Value{}, fmt.Errorf("column %s: NULL in a NOT NULL column", c.Name)
		}
		return data.NullOf(c.Type.Kind), nil
	}
	v, err := parseFieldText(text, c.Type)
	if err != nil {
		return data.Value{}, fmt.Errorf("column %s: %w", c.Name, err)
	}
	return v, nil
}

// parseFieldText reads the text csv and json share for a value of t.
func parseFieldText(text string, t data.Type) (data.Value, error) {
	switch t.Kind {
	case data.String:
		return data.StringValue(text), nil
	case data.Bytes:
		b, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return data.Value{}, fmt.Errorf("cannot parse %q as BYTES: not base64", text)
		}
		return data.BytesValue(b), nil
	case data.TimestampLTZ:
		text = strings.TrimSuffix(strings.TrimSpace(text), "Z")
	}
	return data.ParseText(text, t)
}
