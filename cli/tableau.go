package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/runnel/runnel/node"
	"github.com/runnel/runnel/sql"
)

// maxColumnWidth caps a streamed column as Flink's tableau result does;
// longer values are cut and end in "...".
const maxColumnWidth = 30

// nullText is how the tableau form prints NULL, as Flink's.
const nullText = "<NULL>"

// tableau prints rows in Flink's tableau form: a boxed header, then one
// right-aligned line per row, each column as wide as its type needs, so
// that rows can be printed as they arrive.
type tableau struct {
	w      io.Writer
	names  []string
	widths []int
	op     bool // a first column with the change kind
}

func newTableau(w io.Writer, cols []sql.Column, op bool) *tableau {
	t := &tableau{w: w, op: op}
	if op {
		t.names, t.widths = append(t.names, "op"), append(t.widths, 2)
	}
	for _, c := range cols {
		t.names = append(t.names, c.Name)
		t.widths = append(t.widths, max(typeWidth(c.Type), utf8.RuneCountInString(c.Name), len(nullText)))
	}
	return t
}

// typeWidth is the width a column of type typ gets, after Flink's
// PrintUtils: the longest text a value of the type prints as.
func typeWidth(typ string) int {
	typ = strings.TrimSuffix(strings.Fields(typ + " ")[0], ",")
	switch {
	case strings.HasPrefix(typ, "INTERVAL"):
		return 25
	case strings.HasPrefix(typ, "BOOLEAN"):
		return 5
	case strings.HasPrefix(typ, "INT"):
		return 11
	case strings.HasPrefix(typ, "BIGINT"):
		return 20
	case strings.HasPrefix(typ, "DOUBLE"):
		return 22
	case strings.HasPrefix(typ, "DECIMAL"):
		var p int
		fmt.Sscanf(typ, "DECIMAL(%d", &p)
		return p + 2
	case strings.HasPrefix(typ, "TIMESTAMP"):
		var p int
		if _, err := fmt.Sscanf(strings.TrimPrefix(typ, "TIMESTAMP_LTZ"), "TIMESTAMP(%d)", &p); err != nil {
			fmt.Sscanf(strings.TrimPrefix(typ, "TIMESTAMP_LTZ"), "(%d)", &p)
		}
		if p > 0 {
			return 20 + p
		}
		return 19
	case strings.HasPrefix(typ, "DATE"):
		return 10
	}
	return maxColumnWidth
}

func (t *tableau) border() {
	var b strings.Builder
	for _, w := range t.widths {
		b.WriteString("+-")
		b.WriteString(strings.Repeat("-", w))
		b.WriteString("-")
	}
	b.WriteString("+\n")
	io.WriteString(t.w, b.String())
}

func (t *tableau) line(cells []string) {
	var b strings.Builder
	for i, c := range cells {
		w := t.widths[i]
		if utf8.RuneCountInString(c) > w {
			c = string([]rune(c)[:w-3]) + "..."
		}
		b.WriteString("| ")
		b.WriteString(strings.Repeat(" ", w-utf8.RuneCountInString(c)))
		b.WriteString(c)
		b.WriteString(" ")
	}
	b.WriteString("|\n")
	io.WriteString(t.w, b.String())
}

func (t *tableau) header() {
	t.border()
	t.line(t.names)
	t.border()
}

func (t *tableau) row(r node.ResultRow) {
	var cells []string
	if t.op {
		cells = append(cells, r.Kind)
	}
	for _, f := range r.Fields {
		if f == nil {
			cells = append(cells, nullText)
		} else {
			cells = append(cells, *f)
		}
	}
	t.line(cells)
}

// printTable prints a statement's table result (SHOW, DESCRIBE, SET) with
// columns as wide as their content, as Flink prints a bounded result.
func printTable(w io.Writer, r sql.Result) {
	t := &tableau{w: w}
	for _, c := range r.Columns {
		t.names = append(t.names, c.Name)
		t.widths = append(t.widths, utf8.RuneCountInString(c.Name))
	}
	for _, row := range r.Rows {
		for i, c := range row {
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(c))
		}
	}
	t.header()
	for _, row := range r.Rows {
		t.line(row)
	}
	t.border()
	if len(r.Rows) == 1 {
		fmt.Fprintln(w, "1 row in set")
	} else {
		fmt.Fprintf(w, "%d rows in set\n", len(r.Rows))
	}
}
