// Package sql parses Flink SQL into a syntax tree, and turns statements
// into work for the Table API.
//
// The parser is a hand-written lexer and a recursive-descent parser with
// precedence climbing for expressions, for the dialect Flink documents
// (Calcite's grammar): CREATE TABLE with computed columns, watermarks,
// primary keys and WITH options; CREATE/DROP VIEW; DROP TABLE; SHOW;
// DESCRIBE; SET and RESET; INSERT INTO; EXPLAIN; and queries with joins,
// temporal joins, window table-valued functions (TUMBLE, HOP, CUMULATE,
// SESSION), set operations, common table expressions, VALUES and OVER
// windows. Parse reads a script, ParseStatement one statement and
// ParseExpr one expression; Format prints a tree back as canonical SQL.
//
// The parser does no name resolution or type checking: names keep their
// case (Flink is case-sensitive), function names are upper-cased, and
// literal text (intervals, dates) is left for the binder to interpret.
// Keywords are case-insensitive. Only the keywords this grammar needs to
// tell clauses apart are reserved (see reserved in token.go); others, such
// as YEAR or VALUE, remain usable as names. Query hints (/*+ ... */) are
// comments.
//
// Every error is an *Error with the line and column where the problem
// was found; messages say what was expected and what was found. Input is
// never trusted: malformed text gives an error, never a panic, and
// nesting deeper than 1000 levels is refused.
//
// Not supported, with an error that says so: subqueries in expressions
// (scalar, IN, EXISTS), LATERAL table functions, NATURAL JOIN, INSERT
// OVERWRITE, metadata columns and TIMESTAMP WITH TIME ZONE.
package sql
