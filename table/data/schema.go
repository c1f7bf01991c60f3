package data

import (
	"fmt"
	"strings"
)

// Column is one named, typed column.
type Column struct {
	Name string `msgpack:"n"`
	Type Type   `msgpack:"t"`
}

// Schema is the ordered columns of a table or of a plan node's output.
type Schema struct {
	Columns []Column `msgpack:"c"`
}

// NewSchema is a schema of the given columns.
func NewSchema(cols ...Column) Schema { return Schema{Columns: cols} }

// Len is the number of columns.
func (s Schema) Len() int { return len(s.Columns) }

// Index is the position of the column named name, or -1. Names are
// case-sensitive, as Flink's.
func (s Schema) Index(name string) int {
	for i, c := range s.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Names are the column names in order.
func (s Schema) Names() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

// Types are the column types in order.
func (s Schema) Types() []Type {
	out := make([]Type, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Type
	}
	return out
}

// RowtimeIndex is the position of the event-time attribute, or -1.
func (s Schema) RowtimeIndex() int {
	for i, c := range s.Columns {
		if c.Type.Time == Rowtime {
			return i
		}
	}
	return -1
}

// CheckNames reports an empty or repeated column name.
func (s Schema) CheckNames() error {
	seen := make(map[string]bool, len(s.Columns))
	for _, c := range s.Columns {
		if c.Name == "" {
			return fmt.Errorf("column without a name")
		}
		if seen[c.Name] {
			return fmt.Errorf("column %s is defined twice", c.Name)
		}
		seen[c.Name] = true
	}
	return nil
}

// String prints the schema as a row type: (a BIGINT, b STRING).
func (s Schema) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, c := range s.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", c.Name, c.Type)
	}
	b.WriteByte(')')
	return b.String()
}
