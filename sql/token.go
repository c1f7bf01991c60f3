package sql

import "unicode/utf8"

// tokenKind classifies tokens. Keywords have no kind of their own: most of
// Flink SQL's keywords are not reserved, so every word is lexed as tokIdent
// and the parser decides from context whether it is a keyword.
type tokenKind int

const (
	tokEOF tokenKind = iota
	// tokIllegal ends the token stream where lexing failed; its text is the
	// error message. The parser reports it when it reaches it, so errors
	// come out in source order.
	tokIllegal
	tokIdent
	tokQuotedIdent
	tokString
	tokInt
	tokDecimal
	tokFloat
	tokOp
)

type token struct {
	kind tokenKind
	// text is an identifier's name, a string's value (quotes removed and
	// escapes resolved), a number or operator as written, or the message
	// of a tokIllegal.
	text string
	// kw is the upper-cased text of an unquoted ASCII word; keywords are
	// matched against it. It is empty for every other token, so a quoted
	// identifier never acts as a keyword.
	kw       string
	pos      Pos
	off, end int // byte offsets of the token in the source
}

func (t token) isOp(op string) bool { return t.kind == tokOp && t.text == op }

// describe names the token for "expected X but found Y" messages, as written
// in the source.
func (t token) describe(src string) string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokString:
		return "string " + abbreviate(src[t.off:t.end])
	}
	return "'" + abbreviate(src[t.off:t.end]) + "'"
}

func abbreviate(s string) string {
	const maxLen = 40
	if utf8.RuneCountInString(s) <= maxLen {
		return s
	}
	r := []rune(s)
	return string(r[:maxLen]) + "..."
}

// reserved words cannot be used as unquoted identifiers (column, table and
// alias names). The list is the subset of Flink's reserved keywords that
// this grammar needs to tell clauses apart; other Flink keywords (YEAR,
// VALUE, COUNT, ...) stay usable as names.
var reserved = wordSet(
	"ALL", "AND", "AS", "ASC", "BETWEEN", "BY", "CASE", "CREATE", "CROSS",
	"CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "DATE", "DESC",
	"DISTINCT", "DROP", "ELSE", "END", "ESCAPE", "EXCEPT", "EXISTS", "FALSE",
	"FETCH", "FOR", "FROM", "FULL", "GROUP", "HAVING", "IN", "INNER", "INSERT",
	"INTERSECT", "INTERVAL", "INTO", "IS", "JOIN", "LATERAL", "LEFT", "LIKE",
	"LIMIT", "LOCALTIME", "LOCALTIMESTAMP", "NATURAL", "NOT", "NULL", "OFFSET",
	"ON", "OR", "ORDER", "OUTER", "OVER", "PARTITION", "RIGHT", "SELECT",
	"SIMILAR", "TABLE", "THEN", "TIME", "TIMESTAMP", "TO", "TRUE", "UNION",
	"USING", "VALUES", "WHEN", "WHERE", "WINDOW", "WITH",
)

// contextual words are not reserved, but an identifier spelled like one
// could be misread where the keyword is allowed (a window named ROWS in
// OVER (rows ...), a function called CAST), so Format quotes them.
var contextual = wordSet(
	"BOTH", "CAST", "CONSTRAINT", "CURRENT", "DESCRIPTOR", "EXTRACT", "LEADING", "POSITION",
	"PRIMARY", "RANGE", "ROWS", "TRAILING", "TRIM", "TRY_CAST", "UNBOUNDED",
	"WATERMARK",
)

// niladic functions are called without parentheses.
var niladic = wordSet(
	"CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP",
)

func wordSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
