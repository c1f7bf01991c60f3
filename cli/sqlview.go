package cli

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/runnel/runnel/node"
	"github.com/runnel/runnel/sql"
)

// resultView shows a query's rows as they arrive.
type resultView interface {
	add(row node.ResultRow)
	end(total int)
}

// logView prints each change as a tableau line (the tableau and changelog
// result modes).
type logView struct {
	t       *tableau
	started bool
}

func newLogView(w io.Writer, cols []sql.Column) *logView {
	v := &logView{t: newTableau(w, cols, true)}
	v.t.header()
	return v
}

func (v *logView) add(row node.ResultRow) { v.t.row(row) }

func (v *logView) end(total int) {
	v.t.border()
	fmt.Fprintf(v.t.w, "Received a total of %d rows\n", total)
}

// tableView keeps the query's current result, applying each change, and
// redraws it at most every 200 ms: an updating result shown as a table
// that changes (the table result mode).
type tableView struct {
	w     io.Writer
	cols  []sql.Column
	rows  [][]*string
	drawn time.Time
	// retracted is where the last -U took its row from, so that the +U
	// after it takes the same place and the table does not reorder.
	retracted int
}

func newTableView(w io.Writer, cols []sql.Column) *tableView {
	return &tableView{w: w, cols: cols, retracted: -1}
}

func (v *tableView) add(row node.ResultRow) {
	switch row.Kind {
	case "+U":
		if v.retracted >= 0 {
			v.rows = slices.Insert(v.rows, v.retracted, row.Fields)
			v.retracted = -1
			break
		}
		v.rows = append(v.rows, row.Fields)
	case "+I":
		v.rows = append(v.rows, row.Fields)
	default:
		v.retracted = -1
		if i := slices.IndexFunc(v.rows, func(r []*string) bool { return sameFields(r, row.Fields) }); i >= 0 {
			v.rows = slices.Delete(v.rows, i, i+1)
			if row.Kind == "-U" {
				v.retracted = i
			}
		}
	}
	if time.Since(v.drawn) >= 200*time.Millisecond {
		v.draw()
	}
}

func sameFields(a, b []*string) bool {
	return slices.EqualFunc(a, b, func(x, y *string) bool {
		return (x == nil) == (y == nil) && (x == nil || *x == *y)
	})
}

func (v *tableView) draw() {
	v.drawn = time.Now()
	io.WriteString(v.w, "\033[H\033[2J")
	t := newTableau(v.w, v.cols, false)
	t.header()
	for _, r := range v.rows {
		t.row(node.ResultRow{Fields: r})
	}
	t.border()
	fmt.Fprintf(v.w, "%d rows (Ctrl-C to stop)\n", len(v.rows))
}

func (v *tableView) end(total int) {
	v.draw()
	fmt.Fprintf(v.w, "Received a total of %d changes\n", total)
}
