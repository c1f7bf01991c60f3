package sql

import "strings"

// Operator precedence, lowest first. Comparisons and the IS, BETWEEN, IN,
// LIKE and SIMILAR TO predicates share one level and associate to the left.
const (
	precOr = 1 + iota
	precAnd
	precNot
	precCmp
	precConcat
	precAdd
	precMul
	precUnary
	precPrimary
)

var binaryPrec = map[string]int{
	"OR": precOr, "AND": precAnd,
	"=": precCmp, "<>": precCmp, "!=": precCmp, "<": precCmp, "<=": precCmp, ">": precCmp, ">=": precCmp,
	"IS DISTINCT FROM": precCmp, "IS NOT DISTINCT FROM": precCmp,
	"||": precConcat, "+": precAdd, "-": precAdd, "*": precMul, "/": precMul, "%": precMul,
}

var numberKinds = map[tokenKind]LitKind{tokInt: LitInt, tokDecimal: LitDecimal, tokFloat: LitFloat}

func (p *parser) parseExpr() Expr { return p.parseExprPrec(precOr) }

func (p *parser) parseExprList() []Expr {
	var list []Expr
	for {
		list = append(list, p.parseExpr())
		if !p.acceptOp(",") {
			return list
		}
	}
}

// infixPrec returns the precedence of the infix or postfix operator that
// comes next, or 0 if none does.
func (p *parser) infixPrec() int {
	t := p.peek()
	switch t.kind {
	case tokOp:
		return binaryPrec[t.text]
	case tokIdent:
		switch t.kw {
		case "OR", "AND":
			return binaryPrec[t.kw]
		case "IS", "BETWEEN", "IN", "LIKE", "SIMILAR":
			return precCmp
		case "NOT":
			switch p.peekAt(1).kw {
			case "BETWEEN", "IN", "LIKE", "SIMILAR":
				return precCmp
			}
		}
	}
	return 0
}

// parseExprPrec parses an expression whose operators all bind at least as
// tightly as minPrec (precedence climbing).
func (p *parser) parseExprPrec(minPrec int) Expr {
	p.enter()
	defer p.leave()
	var left Expr
	if minPrec <= precNot && p.isKw("NOT") {
		t := p.next()
		left = &Unary{Pos: t.pos, Op: "NOT", X: p.parseExprPrec(precNot)}
	} else {
		left = p.parseUnary()
	}
	for {
		prec := p.infixPrec()
		if prec == 0 || prec < minPrec {
			return left
		}
		left = p.parseInfix(left, prec)
	}
}

func (p *parser) parseInfix(left Expr, prec int) Expr {
	t := p.next()
	if t.kind == tokOp || t.kw == "AND" || t.kw == "OR" {
		op := t.text
		switch {
		case op == "!=":
			op = "<>"
		case t.kind == tokIdent:
			op = t.kw
		}
		return &Binary{Pos: t.pos, Op: op, L: left, R: p.parseExprPrec(prec + 1)}
	}
	if t.kw == "IS" {
		return p.parseIs(left, t)
	}
	not := t.kw == "NOT"
	if not {
		t = p.next()
	}
	switch t.kw {
	case "BETWEEN":
		b := &Between{Pos: t.pos, X: left, Not: not}
		if p.acceptKw("SYMMETRIC") {
			b.Symmetric = true
		} else {
			p.acceptKw("ASYMMETRIC")
		}
		b.Lo = p.parseExprPrec(precConcat)
		p.expectKw("AND")
		b.Hi = p.parseExprPrec(precConcat)
		return b
	case "IN":
		p.expectOp("(")
		if p.startsQuery(0) {
			panic(p.errorAt(p.peek(), "IN with a subquery is not supported"))
		}
		in := &InList{Pos: t.pos, X: left, Not: not, List: p.parseExprList()}
		p.closeList()
		return in
	default: // LIKE, SIMILAR TO
		l := &Like{Pos: t.pos, X: left, Not: not, Similar: t.kw == "SIMILAR"}
		if l.Similar {
			p.expectKw("TO")
		}
		l.Pattern = p.parseExprPrec(precConcat)
		if p.acceptKw("ESCAPE") {
			l.Escape = p.parseExprPrec(precConcat)
		}
		return l
	}
}

// parseIs parses what follows IS: [NOT] NULL, TRUE, FALSE, UNKNOWN or
// DISTINCT FROM.
func (p *parser) parseIs(left Expr, is token) Expr {
	not := p.acceptKw("NOT")
	t := p.peek()
	switch t.kw {
	case "NULL", "TRUE", "FALSE", "UNKNOWN":
		p.next()
		return &IsExpr{Pos: is.pos, X: left, Not: not, Value: t.kw}
	case "DISTINCT":
		p.next()
		p.expectKw("FROM")
		op := "IS DISTINCT FROM"
		if not {
			op = "IS NOT DISTINCT FROM"
		}
		return &Binary{Pos: is.pos, Op: op, L: left, R: p.parseExprPrec(precCmp + 1)}
	}
	panic(p.unexpected("NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM"))
}

func (p *parser) parseUnary() Expr {
	t := p.peek()
	if t.isOp("-") || t.isOp("+") {
		p.enter()
		defer p.leave()
		p.next()
		return &Unary{Pos: t.pos, Op: t.text, X: p.parseUnary()}
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() Expr {
	t := p.peek()
	switch t.kind {
	case tokInt, tokDecimal, tokFloat:
		p.next()
		return &Literal{Pos: t.pos, Kind: numberKinds[t.kind], Text: t.text}
	case tokString:
		p.next()
		return &Literal{Pos: t.pos, Kind: LitString, Text: t.text}
	case tokQuotedIdent:
		return p.parseNameOrCall()
	case tokOp:
		if !t.isOp("(") {
			break
		}
		if p.startsQuery(1) {
			panic(p.errorAt(t, "scalar subqueries are not supported"))
		}
		p.next()
		e := p.parseExpr()
		p.expectOp(")")
		return e
	case tokIdent:
		if e := p.parseKeywordExpr(t); e != nil {
			return e
		}
		if !reserved[t.kw] {
			return p.parseNameOrCall()
		}
	}
	panic(p.unexpected("an expression"))
}

// parseKeywordExpr parses the expressions that start with a keyword:
// literals, CASE, and the functions with syntax of their own. It returns
// nil if t starts none of them.
func (p *parser) parseKeywordExpr(t token) Expr {
	paren := p.peekAt(1).isOp("(")
	switch t.kw {
	case "TRUE", "FALSE":
		p.next()
		return &Literal{Pos: t.pos, Kind: LitBool, Text: t.kw}
	case "NULL":
		p.next()
		return &Literal{Pos: t.pos, Kind: LitNull, Text: t.kw}
	case "INTERVAL":
		p.next()
		lit := &IntervalLit{Pos: t.pos, Text: p.stringLit("a string literal after INTERVAL")}
		lit.Unit, lit.ToUnit = p.intervalQualifier()
		return lit
	case "DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ":
		if t.kw == "TIMESTAMP_LTZ" && p.peekAt(1).kind != tokString {
			return nil
		}
		p.next()
		return &TypedLit{Pos: t.pos, Type: t.kw, Text: p.stringLit("a string literal after " + t.kw)}
	case "CASE":
		return p.parseCase()
	case "CAST", "TRY_CAST":
		if !paren {
			return nil
		}
		p.next()
		p.next()
		c := &Cast{Pos: t.pos, Try: t.kw == "TRY_CAST", X: p.parseExpr()}
		p.expectKw("AS")
		c.Type = p.parseType()
		p.expectOp(")")
		return c
	case "EXTRACT":
		if !paren {
			return nil
		}
		p.next()
		p.next()
		e := &Extract{Pos: t.pos, Unit: p.timeUnit(extractUnits, "a time unit")}
		p.expectKw("FROM")
		e.X = p.parseExpr()
		p.expectOp(")")
		return e
	case "TRIM":
		if !paren {
			return nil
		}
		return p.parseTrim()
	case "POSITION":
		if !paren {
			return nil
		}
		p.next()
		p.next()
		sub := p.parseExprPrec(precConcat)
		p.expectKw("IN")
		c := &Call{Pos: t.pos, Name: "POSITION", Args: []Expr{sub, p.parseExpr()}}
		p.expectOp(")")
		return c
	case "EXISTS":
		panic(p.errorAt(t, "EXISTS subqueries are not supported"))
	}
	if niladic[t.kw] {
		p.next()
		return &Call{Pos: t.pos, Name: t.kw}
	}
	return nil
}

// parseNameOrCall parses a column reference or a function call.
func (p *parser) parseNameOrCall() Expr {
	first := p.next()
	parts := []string{first.text}
	for p.acceptOp(".") {
		parts = append(parts, p.ident("an identifier"))
	}
	if !p.isOp("(") {
		return &Ident{Pos: first.pos, Parts: parts}
	}
	if len(parts) > 1 {
		panic(p.errorAt(first, "qualified function names are not supported"))
	}
	return p.parseCall(first)
}

// parseCall parses the arguments of a function and what may follow them
// (FILTER, OVER). Unquoted FLOOR, CEIL and SUBSTRING also take their
// standard forms: FLOOR(x TO unit) and SUBSTRING(s FROM i [FOR n]).
func (p *parser) parseCall(nameTok token) Expr {
	c := &Call{Pos: nameTok.pos, Name: strings.ToUpper(nameTok.text)}
	p.expectOp("(")
	switch {
	case p.acceptOp(")"):
	case p.isOp("*") && p.peekAt(1).isOp(")"):
		p.next()
		p.next()
		c.Star = true
	default:
		if p.acceptKw("DISTINCT") {
			c.Distinct = true
		} else {
			p.acceptKw("ALL")
		}
		first := p.parseExpr()
		special := nameTok.kind == tokIdent && !c.Distinct
		switch {
		case special && (nameTok.kw == "FLOOR" || nameTok.kw == "CEIL" || nameTok.kw == "CEILING") && p.acceptKw("TO"):
			fc := &FloorCeil{Pos: nameTok.pos, Ceil: nameTok.kw != "FLOOR", X: first}
			fc.Unit = p.timeUnit(floorUnits, "a time unit")
			p.expectOp(")")
			return fc
		case special && nameTok.kw == "SUBSTRING" && p.acceptKw("FROM"):
			c.Args = []Expr{first, p.parseExpr()}
			if p.acceptKw("FOR") {
				c.Args = append(c.Args, p.parseExpr())
			}
			p.expectOp(")")
			return c
		}
		c.Args = []Expr{first}
		for p.acceptOp(",") {
			c.Args = append(c.Args, p.parseExpr())
		}
		p.closeList()
	}
	if p.isKw("FILTER") && p.peekAt(1).isOp("(") {
		p.next()
		p.next()
		p.expectKw("WHERE")
		c.Filter = p.parseExpr()
		p.expectOp(")")
	}
	if p.acceptKw("OVER") {
		if p.isOp("(") {
			c.Over = p.parseWindowSpec()
		} else {
			t := p.peek()
			c.Over = &WindowSpec{Pos: t.pos, Ref: p.ident("a window name or '('")}
		}
	}
	return c
}

func (p *parser) parseCase() *Case {
	t := p.expectKw("CASE")
	c := &Case{Pos: t.pos}
	if p.isKw("END") {
		panic(p.unexpected("WHEN"))
	}
	if !p.isKw("WHEN") {
		c.Operand = p.parseExpr()
	}
	for {
		w := p.expectKw("WHEN")
		when := &When{Pos: w.pos, Cond: p.parseExpr()}
		p.expectKw("THEN")
		when.Result = p.parseExpr()
		c.Whens = append(c.Whens, when)
		if !p.isKw("WHEN") {
			break
		}
	}
	if p.acceptKw("ELSE") {
		c.Else = p.parseExpr()
	}
	p.expectKw("END")
	return c
}

// parseTrim parses TRIM([BOTH|LEADING|TRAILING] [chars] FROM s) and
// TRIM(s). The side defaults to BOTH.
func (p *parser) parseTrim() *Trim {
	t := p.next()
	p.next()
	tr := &Trim{Pos: t.pos, Side: "BOTH"}
	side := false
	switch p.peek().kw {
	case "BOTH", "LEADING", "TRAILING":
		tr.Side = p.next().kw
		side = true
	}
	if p.acceptKw("FROM") {
		tr.X = p.parseExpr()
	} else {
		e := p.parseExpr()
		if p.acceptKw("FROM") {
			tr.Chars = e
			tr.X = p.parseExpr()
		} else if side {
			panic(p.unexpected("FROM"))
		} else {
			tr.X = e
		}
	}
	p.expectOp(")")
	return tr
}

// Time units: intervalUnits for interval literals and types, extractUnits
// for EXTRACT, floorUnits for FLOOR/CEIL ... TO.
var (
	intervalUnits = wordSet("YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND")
	extractUnits  = wordSet("MILLENNIUM", "CENTURY", "DECADE", "YEAR", "QUARTER", "MONTH", "WEEK",
		"DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND", "NANOSECOND",
		"DOW", "DOY", "ISODOW", "ISOYEAR", "EPOCH")
	floorUnits = wordSet("MILLENNIUM", "CENTURY", "DECADE", "YEAR", "QUARTER", "MONTH", "WEEK",
		"DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND")
)

// timeUnit consumes a unit from units. A plural (MINUTES) is accepted and
// returned singular.
func (p *parser) timeUnit(units map[string]bool, what string) string {
	u := strings.TrimSuffix(p.peek().kw, "S")
	if !units[u] {
		panic(p.unexpected(what))
	}
	p.next()
	return u
}

// validIntervalRanges lists the unit pairs allowed in `unit TO unit`.
var validIntervalRanges = wordSet(
	"YEAR MONTH", "DAY HOUR", "DAY MINUTE", "DAY SECOND", "HOUR MINUTE", "HOUR SECOND", "MINUTE SECOND",
)

// intervalQualifier parses `unit [TO unit]` after an interval.
func (p *parser) intervalQualifier() (unit, to string) {
	unit = p.timeUnit(intervalUnits, "an interval unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND)")
	if !p.isKw("TO") {
		return unit, ""
	}
	p.next()
	t := p.peek()
	to = p.timeUnit(intervalUnits, "an interval unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND)")
	if !validIntervalRanges[unit+" "+to] {
		panic(p.errorAt(t, "invalid interval qualifier %s TO %s", unit, to))
	}
	return unit, to
}

// parseWindowSpec parses ([ref] [PARTITION BY ...] [ORDER BY ...] [frame]).
func (p *parser) parseWindowSpec() *WindowSpec {
	t := p.expectOp("(")
	ws := &WindowSpec{Pos: t.pos}
	if p.isIdent() && !p.isKw("ROWS") && !p.isKw("RANGE") {
		ws.Ref = p.next().text
	}
	if p.acceptKw("PARTITION") {
		p.expectKw("BY")
		ws.PartitionBy = p.parseExprList()
	}
	if p.acceptKw("ORDER") {
		p.expectKw("BY")
		ws.OrderBy = p.parseOrderItems()
	}
	if f := p.peek(); f.kw == "ROWS" || f.kw == "RANGE" {
		p.next()
		fr := &Frame{Pos: f.pos, Rows: f.kw == "ROWS", End: FrameBound{Kind: CurrentRow}}
		if p.acceptKw("BETWEEN") {
			fr.Start = p.parseFrameBound()
			p.expectKw("AND")
			fr.End = p.parseFrameBound()
		} else {
			fr.Start = p.parseFrameBound()
		}
		ws.Frame = fr
	}
	p.expectOp(")")
	return ws
}

func (p *parser) parseFrameBound() FrameBound {
	t, next := p.peek(), p.peekAt(1)
	switch {
	case t.kw == "CURRENT" && next.kw == "ROW":
		p.next()
		p.next()
		return FrameBound{Kind: CurrentRow}
	case t.kw == "UNBOUNDED" && (next.kw == "PRECEDING" || next.kw == "FOLLOWING"):
		p.next()
		p.next()
		if next.kw == "PRECEDING" {
			return FrameBound{Kind: UnboundedPreceding}
		}
		return FrameBound{Kind: UnboundedFollowing}
	}
	b := FrameBound{Offset: p.parseExprPrec(precAdd)}
	switch {
	case p.acceptKw("PRECEDING"):
		b.Kind = Preceding
	case p.acceptKw("FOLLOWING"):
		b.Kind = Following
	default:
		panic(p.unexpected("PRECEDING or FOLLOWING"))
	}
	return b
}
