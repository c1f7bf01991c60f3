package connector

import (
	"io"
	"os"
	"strconv"
	"time"

	ds "github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// printConnector is Flink's print connector: every row, of any change
// kind, as a line on the standard output (or error) of the node running
// the sink's subtask, prefixed as Flink's PrintSinkOutputWriter does:
// "<identifier>:<subtask+1>> " above parallelism 1, "<identifier>> "
// at 1, and without 'print-identifier' "<subtask+1>> " or nothing.
//
// A line is the row as Flink prints it: +I[1, alice, 2024-01-01
// 10:00:00.000], the change kind and the fields in their text form
// (data.FormatText, Flink's CAST to STRING; TIMESTAMP_LTZ in UTC), NULL
// as "null" (Flink's Row.toString) and BYTES as their signed byte values
// [104, -1] (Java's Arrays.toString), which keeps a line one line.
type printConnector struct{}

func init() { Register("print", printConnector{}) }

// stdout and stderr are where print tables write; tests replace them
// before building a job.
var stdout, stderr io.Writer = os.Stdout, os.Stderr

type printSpec struct {
	identifier string
	out        io.Writer
}

func parsePrint(t Table) (printSpec, error) {
	o := newOptions("print", t)
	spec := printSpec{identifier: o.str("print-identifier", ""), out: stdout}
	if o.boolean("standard-error", false) {
		spec.out = stderr
	}
	return spec, o.check("print-identifier", "standard-error")
}

func (printConnector) Validate(t Table) error {
	_, err := parsePrint(t)
	return err
}

func (printConnector) AcceptsChanges() bool { return true }

func (printConnector) Sink(in *stream.DataStream[data.Row], t Table, name string) error {
	spec, err := parsePrint(t)
	if err != nil {
		return err
	}
	types := t.Schema.Types()
	lines := stream.Map(in, func(r data.Row) string { return printLine(r, types) })
	stream.SinkTo(lines, ds.NewPrintSinkWithIdentifier[string](spec.out, spec.identifier), name)
	return nil
}

// printLine is r as the print connector shows it; types are its fields'.
func printLine(r data.Row, types []data.Type) string {
	buf := make([]byte, 0, 16+16*r.Width())
	buf = append(buf, r.Kind.String()...)
	buf = append(buf, '[')
	for i := range r.Width() {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		v := r.Field(i)
		switch {
		case v.IsNull():
			buf = append(buf, "null"...)
		case v.Kind() == data.Bytes:
			buf = append(buf, '[')
			for j, b := range []byte(v.Str()) {
				if j > 0 {
					buf = append(buf, ", "...)
				}
				buf = strconv.AppendInt(buf, int64(int8(b)), 10)
			}
			buf = append(buf, ']')
		default:
			buf = data.AppendText(buf, v, types[i], time.UTC)
		}
	}
	buf = append(buf, ']')
	return string(buf)
}
