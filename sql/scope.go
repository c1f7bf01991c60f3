package sql

import (
	"cmp"
	"slices"

	"github.com/runnel/runnel/table"
)

// scope is what the column names of a SELECT resolve against: the
// relations of its FROM clause (one table, or the tables of a join), each
// with the name it may be qualified with and its columns.
type scope struct {
	rels []relation
}

// relation is one table of a FROM clause.
type relation struct {
	// qual is the name its columns may be qualified with; "" for an
	// unaliased subquery, whose columns cannot be.
	qual string
	// names are its columns, in order, and cols maps each to the name of
	// that column in the FROM clause's table, where a join renamed the
	// columns its sides share (id, then id0).
	names []string
	cols  map[string]string
}

// newRelation is the relation of table t under qual.
func newRelation(qual string, t *table.Table) relation {
	r := relation{qual: qual, names: t.Schema().Names(), cols: map[string]string{}}
	for _, n := range r.names {
		r.cols[n] = n
	}
	return r
}

// fromRelation is the relation of a FROM item that is not a join. An
// alias hides the table's own name, as in Flink.
func fromRelation(r TableRef, t *table.Table) relation {
	switch r := r.(type) {
	case *TableName:
		return newRelation(cmp.Or(r.Alias, r.Name[len(r.Name)-1]), t)
	case *WindowTVF:
		return newRelation(cmp.Or(r.Alias, r.Table.Name[len(r.Table.Name)-1]), t)
	case *Subquery:
		return newRelation(r.Alias, t)
	}
	return newRelation("", t)
}

// column is the FROM table's name of the column id refers to. An unknown
// column keeps its name, for the Table API to report; a qualifier naming
// no relation, and a name that more than one relation has, are errors.
func (s *scope) column(id *Ident) (string, error) {
	name := id.Parts[len(id.Parts)-1]
	if len(id.Parts) > 1 {
		q := id.Parts[len(id.Parts)-2]
		i := slices.IndexFunc(s.rels, func(r relation) bool { return r.qual == q })
		if i < 0 {
			return "", errAt(id, "table '%s' not found in FROM", q)
		}
		if c, ok := s.rels[i].cols[name]; ok {
			return c, nil
		}
		return name, nil
	}
	found := ""
	for _, r := range s.rels {
		if c, ok := r.cols[name]; ok {
			if found != "" {
				return "", errAt(id, "column '%s' is ambiguous", name)
			}
			found = c
		}
	}
	return cmp.Or(found, name), nil
}

// star is the columns of `q.*`: the relation's own names and the FROM
// table's names of them.
func (s *scope) star(st *Star) (own, cols []string, err error) {
	q := st.Table[len(st.Table)-1]
	i := slices.IndexFunc(s.rels, func(r relation) bool { return r.qual == q })
	if i < 0 {
		return nil, nil, errAt(st, "table '%s' not found in FROM", q)
	}
	for _, n := range s.rels[i].names {
		cols = append(cols, s.rels[i].cols[n])
	}
	return s.rels[i].names, cols, nil
}
