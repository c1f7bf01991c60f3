package sql

import (
	"fmt"
	"strings"
)

// maxDepth bounds the nesting of expressions, queries and FROM items, so
// that hostile input gets an error instead of exhausting the stack.
const maxDepth = 1000

// Parse parses a script: statements separated by ';', the last ';'
// optional. An empty script has no statements. On error it returns an
// *Error and no statements.
func Parse(src string) (stmts []Statement, err error) {
	p := newParser(src)
	defer func() {
		if e := recovered(recover()); e != nil {
			stmts, err = nil, e
		}
	}()
	for {
		for p.acceptOp(";") {
		}
		if p.peek().kind == tokEOF {
			return stmts, nil
		}
		stmts = append(stmts, p.parseStatement())
		if !p.isOp(";") {
			p.expectEOF("';' or end of input")
		}
	}
}

// ParseStatement parses exactly one statement, optionally followed by ';'.
func ParseStatement(src string) (stmt Statement, err error) {
	p := newParser(src)
	defer func() {
		if e := recovered(recover()); e != nil {
			stmt, err = nil, e
		}
	}()
	stmt = p.parseStatement()
	p.acceptOp(";")
	p.expectEOF("end of input")
	return stmt, nil
}

// ParseExpr parses one scalar expression.
func ParseExpr(src string) (expr Expr, err error) {
	p := newParser(src)
	defer func() {
		if e := recovered(recover()); e != nil {
			expr, err = nil, e
		}
	}()
	expr = p.parseExpr()
	p.expectEOF("end of input")
	return expr, nil
}

type parser struct {
	src   string
	toks  []token
	pos   int // index of the next token
	depth int
	// parens is the run of '(' tokens skipParens saw last: toks[from:to].
	parens struct{ from, to int }
}

func newParser(src string) *parser {
	return &parser{src: src, toks: lex(src), parens: struct{ from, to int }{-1, -1}}
}

func (p *parser) peek() token { return p.toks[p.pos] }

// peekAt returns the token n places after the next one; past the end it
// returns the last token (EOF or the lexing error).
func (p *parser) peekAt(n int) token {
	return p.toks[min(p.pos+n, len(p.toks)-1)]
}

// next consumes the next token. It never moves past the last token.
func (p *parser) next() token {
	t := p.toks[p.pos]
	if p.pos < len(p.toks)-1 {
		p.pos++
	}
	return t
}

// errorAt makes the error to panic with at t. At a lexing error, that
// error is the one reported.
func (p *parser) errorAt(t token, format string, args ...any) bailout {
	msg := t.text
	if t.kind != tokIllegal {
		msg = fmt.Sprintf(format, args...)
	}
	return bailout{&Error{Line: t.pos.Line, Col: t.pos.Col, Msg: msg}}
}

// unexpected makes the error "expected <what> but found <next token>".
func (p *parser) unexpected(what string) bailout {
	t := p.peek()
	return p.errorAt(t, "expected %s but found %s", what, t.describe(p.src))
}

func (p *parser) expectEOF(what string) {
	if p.peek().kind != tokEOF {
		panic(p.unexpected(what))
	}
}

func (p *parser) isKw(kw string) bool { return p.peek().kw == kw }

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectKw(kw string) token {
	if !p.isKw(kw) {
		panic(p.unexpected(kw))
	}
	return p.next()
}

func (p *parser) isOp(op string) bool { return p.peek().isOp(op) }

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectOp(op string) token {
	if !p.isOp(op) {
		panic(p.unexpected("'" + op + "'"))
	}
	return p.next()
}

// closeList consumes the ')' that ends a comma-separated list.
func (p *parser) closeList() token {
	if !p.isOp(")") {
		panic(p.unexpected("',' or ')'"))
	}
	return p.next()
}

// isIdent reports whether the next token can be a name: a quoted
// identifier or an unquoted word that is not reserved.
func (p *parser) isIdent() bool {
	t := p.peek()
	return t.kind == tokQuotedIdent || t.kind == tokIdent && !reserved[t.kw]
}

// ident consumes a name; what describes it in the error otherwise.
func (p *parser) ident(what string) string {
	if !p.isIdent() {
		panic(p.unexpected(what))
	}
	return p.next().text
}

// qualifiedName consumes a possibly qualified name, a.b.c.
func (p *parser) qualifiedName(what string) []string {
	parts := []string{p.ident(what)}
	for p.acceptOp(".") {
		parts = append(parts, p.ident("an identifier"))
	}
	return parts
}

// identList consumes (a, b, ...).
func (p *parser) identList(what string) []string {
	p.expectOp("(")
	var names []string
	for {
		names = append(names, p.ident(what))
		if !p.acceptOp(",") {
			break
		}
	}
	p.closeList()
	return names
}

// stringLit consumes a string literal.
func (p *parser) stringLit(what string) string {
	if p.peek().kind != tokString {
		panic(p.unexpected(what))
	}
	return p.next().text
}

// enter guards recursion; pair each call with leave.
func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		panic(p.errorAt(p.peek(), "nesting too deep (more than %d levels)", maxDepth))
	}
}

func (p *parser) leave() { p.depth-- }

// startsQuery reports whether a query starts n tokens ahead, looking past
// opening parentheses: it tells (SELECT ...) from (expression) and from a
// parenthesised join.
func (p *parser) startsQuery(n int) bool {
	switch p.toks[p.skipParens(min(p.pos+n, len(p.toks)-1))].kw {
	case "SELECT", "WITH", "VALUES":
		return true
	}
	return false
}

// skipParens returns the index of the first token from i on that is not
// '('. It remembers its last run of parentheses, so that nested ones are
// scanned once and not once per level.
func (p *parser) skipParens(i int) int {
	if p.parens.from <= i && i <= p.parens.to {
		return p.parens.to
	}
	j := i
	for j < len(p.toks)-1 && p.toks[j].isOp("(") {
		j++
	}
	p.parens.from, p.parens.to = i, j
	return j
}

func (p *parser) parseStatement() Statement {
	start := p.peek()
	var s Statement
	switch start.kw {
	case "SELECT", "WITH", "VALUES":
		s = &QueryStmt{Query: p.parseQuery()}
	case "INSERT":
		s = p.parseInsert()
	case "CREATE":
		s = p.parseCreate()
	case "DROP":
		s = p.parseDrop()
	case "SHOW":
		s = p.parseShow()
	case "DESCRIBE", "DESC":
		p.next()
		s = &Describe{Name: p.qualifiedName("a table name")}
	case "EXPLAIN":
		s = p.parseExplain()
	case "SET":
		s = p.parseSet()
	case "RESET":
		p.next()
		r := &Reset{}
		if p.peek().kind == tokString {
			r.Key = p.nonEmptyKey()
		}
		s = r
	default:
		if !start.isOp("(") {
			panic(p.unexpected("a statement (SELECT, INSERT, CREATE, DROP, SHOW, DESCRIBE, EXPLAIN, SET or RESET)"))
		}
		s = &QueryStmt{Query: p.parseQuery()}
	}
	info := s.stmtInfo()
	info.Pos = start.pos
	info.Text = p.src[start.off:p.toks[p.pos-1].end]
	return s
}

func (p *parser) parseInsert() *Insert {
	p.expectKw("INSERT")
	if p.isKw("OVERWRITE") {
		panic(p.errorAt(p.peek(), "INSERT OVERWRITE is not supported; use INSERT INTO"))
	}
	p.expectKw("INTO")
	ins := &Insert{Table: p.qualifiedName("a table name")}
	if p.isOp("(") && !p.startsQuery(1) {
		ins.Columns = p.identList("a column name")
	}
	ins.Query = p.parseQuery()
	return ins
}

func (p *parser) parseShow() *Show {
	p.expectKw("SHOW")
	t := p.peek()
	switch t.kw {
	case "TABLES", "VIEWS", "FUNCTIONS":
		p.next()
		return &Show{Object: t.kw}
	}
	panic(p.unexpected("TABLES, VIEWS or FUNCTIONS"))
}

func (p *parser) parseExplain() *Explain {
	p.expectKw("EXPLAIN")
	if p.acceptKw("PLAN") {
		p.expectKw("FOR")
	}
	if !p.isKw("INSERT") && !p.startsQuery(0) {
		panic(p.unexpected("a query or INSERT statement to explain"))
	}
	return &Explain{Stmt: p.parseStatement()}
}

// parseSet parses SET or SET 'key' = 'value'. Flink's SQL client takes
// keys and values as string literals.
func (p *parser) parseSet() *Set {
	p.expectKw("SET")
	s := &Set{}
	if p.isOp(";") || p.peek().kind == tokEOF {
		return s
	}
	s.Key = p.nonEmptyKey()
	p.expectOp("=")
	s.Value = p.stringLit("a value (a string literal)")
	return s
}

func (p *parser) nonEmptyKey() string {
	t := p.peek()
	key := p.stringLit("a configuration key (a string literal)")
	if strings.TrimSpace(key) == "" {
		panic(p.errorAt(t, "empty configuration key"))
	}
	return key
}
