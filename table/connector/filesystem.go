package connector

import (
	"errors"
	"fmt"
	"strings"

	ds "github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// filesystem is Flink's filesystem connector over local files, one row a
// line in the csv or json format.
//
// Read, 'path' is a file or a directory whose visible files (names not
// starting with "." or "_", Flink's hidden files) are read in parallel
// splits (connector.NewFileLineSource); the source is bounded. A line
// that does not parse fails the job with the file, the offset and the
// column, unless the format's 'ignore-parse-errors' skips it.
//
// Written, 'path' is a directory of part files
// (connector.NewAppendingLineFileSink): exactly once when the job
// checkpoints, each part committed with the checkpoint that holds it;
// without checkpoints the parts are committed when the input ends, so a
// bounded query's output appears whole at its end. Each INSERT adds parts
// of its own, as Flink's. The sink takes inserts only: an update or delete
// fails the job.
type filesystem struct{}

func init() { Register("filesystem", filesystem{}) }

// rowFormat is a line format bound to a table's schema.
type rowFormat interface {
	// format appends row's line, without a line end, to buf.
	format(buf []byte, row data.Row) []byte
	// parser returns the function reading a line into the row of the
	// columns at fields, in that order.
	parser(fields []int) func(line string) (data.Row, error)
}

type filesystemSpec struct {
	path              string
	formatName        string
	format            rowFormat
	ignoreParseErrors bool
}

func parseFilesystem(t Table) (*filesystemSpec, error) {
	o := newOptions("filesystem", t)
	spec := &filesystemSpec{path: o.required("path"), formatName: o.required("format")}
	if o.err != nil {
		return nil, o.err
	}
	switch rest, ok := strings.CutPrefix(spec.path, "file://"); {
	case ok:
		spec.path = rest
	case strings.Contains(spec.path, "://"):
		o.badValue("path", "only local files (file://) are supported")
	}
	if spec.path == "" {
		o.badValue("path", "empty")
	}
	known := []string{"format", "path"}
	switch spec.formatName {
	case "csv":
		spec.format, spec.ignoreParseErrors = newCSVFormat(o, t.Schema)
		known = append(known, csvOptions...)
	case "json":
		spec.format, spec.ignoreParseErrors = newJSONFormat(o, t.Schema)
		known = append(known, jsonOptions...)
	default:
		o.badValue("format", "want csv or json")
	}
	for _, c := range t.Schema.Columns {
		switch c.Type.Kind {
		case data.Boolean, data.Int, data.BigInt, data.Double, data.Decimal,
			data.String, data.Bytes, data.Date, data.Timestamp, data.TimestampLTZ:
		default:
			o.fail(fmt.Errorf("column %s: format %s does not support %s", c.Name, spec.formatName, c.Type))
		}
	}
	return spec, o.check(known...)
}

func (filesystem) Validate(t Table) error {
	_, err := parseFilesystem(t)
	return err
}

func (filesystem) Bounded(Table) bool { return true }

func (filesystem) Source(env *stream.Env, t Table, fields []int, name string) (*stream.DataStream[data.Row], error) {
	spec, err := parseFilesystem(t)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	if err := checkFields(t, fields); err != nil {
		return nil, err
	}
	src := &rowSource{
		lines:  ds.NewFileLineSource(spec.path),
		parse:  spec.format.parser(fields),
		ignore: spec.ignoreParseErrors,
		table:  t.Name,
	}
	return stream.FromSource(env, src, name), nil
}

func (filesystem) AcceptsChanges() bool { return false }

func (filesystem) Sink(in *stream.DataStream[data.Row], t Table, name string) error {
	spec, err := parseFilesystem(t)
	if err != nil {
		return fmt.Errorf("table %s: %w", t.Name, err)
	}
	lines := stream.Process(in, &lineFormatter{format: spec.format, table: t.Name}).Name("Format: " + spec.formatName)
	stream.SinkTo(lines, ds.NewAppendingLineFileSink(spec.path), name)
	return nil
}

// lineFormatter turns insert rows into lines and fails on any other
// kind. Each subtask has its own, so buf may be reused.
type lineFormatter struct {
	format rowFormat
	table  string
	buf    []byte
}

func (f *lineFormatter) ProcessElement(r data.Row, out operator.Collector[string]) error {
	if r.Kind != data.Insert {
		return fmt.Errorf("filesystem table %s takes inserts only, not %s", f.table, r)
	}
	f.buf = f.format.format(f.buf[:0], r)
	out.Collect(string(f.buf))
	return nil
}

// rowSource parses the lines of a file source into rows in the source
// itself, so that a scan is one vertex whose parallelism is the source's.
type rowSource struct {
	lines  operator.Source[ds.FileLine]
	parse  func(string) (data.Row, error)
	ignore bool
	table  string
}

func (s *rowSource) NewReader(ctx *operator.Context) (operator.SourceReader[data.Row], error) {
	r, err := s.lines.NewReader(ctx)
	if err != nil {
		return nil, err
	}
	state, ok := r.(operator.Checkpointed)
	if !ok {
		return nil, errors.New("filesystem source: the file reader keeps no position")
	}
	return &rowReader{src: s, lines: r, state: state}, nil
}

// rowReader is the file reader's Collector: it parses each line into out
// and stops at the first bad one, which PollNext returns. Its position
// is the file reader's, so it forwards the checkpoint calls.
type rowReader struct {
	src   *rowSource
	lines operator.SourceReader[ds.FileLine]
	state operator.Checkpointed
	out   operator.Collector[data.Row]
	err   error
}

func (r *rowReader) Open(ctx *operator.Context) error { return r.lines.Open(ctx) }
func (r *rowReader) EndInput() error                  { return r.lines.EndInput() }
func (r *rowReader) Close() error                     { return r.lines.Close() }

func (r *rowReader) RestoreState(st operator.Restored) error { return r.state.RestoreState(st) }
func (r *rowReader) SnapshotState(id int64) (operator.Snapshot, error) {
	return r.state.SnapshotState(id)
}

func (r *rowReader) PollNext(out operator.Collector[data.Row]) (operator.InputStatus, error) {
	r.out = out
	status, err := r.lines.PollNext(r)
	if err == nil {
		err = r.err
	}
	return status, err
}

// maxQuotedLine bounds how much of a bad line an error quotes.
const maxQuotedLine = 100

func (r *rowReader) Collect(l ds.FileLine) {
	if r.err != nil {
		return
	}
	row, err := r.src.parse(l.Text)
	switch {
	case err == nil:
		r.out.Collect(row)
	case !r.src.ignore:
		text := l.Text
		if len(text) > maxQuotedLine {
			text = text[:maxQuotedLine] + "..."
		}
		r.err = fmt.Errorf("table %s: %s at offset %d: %w (line %q)", r.src.table, l.Path, l.Offset, err, text)
	}
}
