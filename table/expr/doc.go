// Package expr holds scalar expressions: the tree the Table API and the
// SQL binder build, its resolution against an input schema (names to
// positions, types, implicit casts, SQL's typing rules), and its
// compilation into closures over rows, once per operator.
package expr
