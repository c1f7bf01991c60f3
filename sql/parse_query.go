package sql

import "strings"

// parseQuery parses a query: an optional WITH clause, set operations and
// a trailing ORDER BY / LIMIT / OFFSET / FETCH, which applies to the whole
// set operation.
func (p *parser) parseQuery() Query {
	p.enter()
	defer p.leave()
	if p.isKw("WITH") {
		return p.parseWith()
	}
	q := p.parseSetExpr(1)
	if t := p.peek(); t.kw == "ORDER" || t.kw == "LIMIT" || t.kw == "OFFSET" || t.kw == "FETCH" {
		ol := p.parseOrderLimit()
		p.attachOrderLimit(q, t, ol)
	}
	return q
}

func (p *parser) parseWith() *With {
	t := p.expectKw("WITH")
	w := &With{Pos: t.pos}
	for {
		c := &CTE{Pos: p.peek().pos, Name: p.ident("a common table expression name")}
		if p.isOp("(") {
			c.Columns = p.identList("a column name")
		}
		p.expectKw("AS")
		p.expectOp("(")
		c.Query = p.parseQuery()
		p.expectOp(")")
		w.CTEs = append(w.CTEs, c)
		if !p.acceptOp(",") {
			break
		}
	}
	w.Body = p.parseQuery()
	return w
}

// setOpPrec is the precedence of a set operator: INTERSECT binds tighter
// than UNION and EXCEPT.
func setOpPrec(op string) int {
	switch op {
	case "UNION", "EXCEPT":
		return 1
	case "INTERSECT":
		return 2
	}
	return 0
}

// parseSetExpr parses set operations by precedence climbing; operators
// of the same precedence associate to the left.
func (p *parser) parseSetExpr(minPrec int) Query {
	left := p.parseSetOperand()
	for {
		t := p.peek()
		prec := setOpPrec(t.kw)
		if prec == 0 || prec < minPrec {
			return left
		}
		p.next()
		all := p.acceptKw("ALL")
		if !all {
			p.acceptKw("DISTINCT")
		}
		right := p.parseSetExpr(prec + 1)
		left = &SetOp{Pos: t.pos, Op: t.kw, All: all, L: left, R: right}
	}
}

func (p *parser) parseSetOperand() Query {
	switch {
	case p.isKw("SELECT"):
		return p.parseSelect()
	case p.isKw("VALUES"):
		return p.parseValues()
	case p.isOp("("):
		p.next()
		q := p.parseQuery()
		p.expectOp(")")
		return q
	}
	panic(p.unexpected("a query (SELECT, VALUES or WITH)"))
}

func (p *parser) parseOrderLimit() OrderLimit {
	var ol OrderLimit
	if p.acceptKw("ORDER") {
		p.expectKw("BY")
		ol.OrderBy = p.parseOrderItems()
	}
	if p.acceptKw("LIMIT") {
		ol.Limit = p.intLiteral()
		if p.acceptKw("OFFSET") {
			ol.Offset = p.intLiteral()
		}
		return ol
	}
	if p.acceptKw("OFFSET") {
		ol.Offset = p.intLiteral()
		if !p.acceptKw("ROWS") {
			p.acceptKw("ROW")
		}
	}
	if p.acceptKw("FETCH") {
		if !p.acceptKw("FIRST") {
			p.expectKw("NEXT")
		}
		ol.Limit = p.intLiteral()
		if !p.acceptKw("ROWS") {
			p.expectKw("ROW")
		}
		p.expectKw("ONLY")
	}
	return ol
}

// attachOrderLimit gives ol to q. A query that already has its own (from
// inside parentheses) is refused: merging the two would change which
// rows the inner LIMIT keeps.
func (p *parser) attachOrderLimit(q Query, at token, ol OrderLimit) {
	var target *OrderLimit
	switch q := q.(type) {
	case *Select:
		target = &q.OrderLimit
	case *SetOp:
		target = &q.OrderLimit
	case *With:
		p.attachOrderLimit(q.Body, at, ol)
		return
	case *Values:
		panic(p.errorAt(at, "ORDER BY, LIMIT and OFFSET are not supported on VALUES"))
	}
	if target.OrderBy != nil || target.Limit != nil || target.Offset != nil {
		panic(p.errorAt(at, "the query already has ORDER BY, LIMIT or OFFSET; use a subquery"))
	}
	*target = ol
}

func (p *parser) intLiteral() *Literal {
	t := p.peek()
	if t.kind != tokInt {
		panic(p.unexpected("an integer"))
	}
	p.next()
	return &Literal{Pos: t.pos, Kind: LitInt, Text: t.text}
}

func (p *parser) parseOrderItems() []*OrderItem {
	var items []*OrderItem
	for {
		o := &OrderItem{Pos: p.peek().pos, Expr: p.parseExpr()}
		if p.acceptKw("DESC") {
			o.Desc = true
		} else {
			p.acceptKw("ASC")
		}
		if p.isKw("NULLS") {
			p.next()
			switch t := p.peek(); t.kw {
			case "FIRST", "LAST":
				p.next()
				o.Nulls = t.kw
			default:
				panic(p.unexpected("FIRST or LAST"))
			}
		}
		items = append(items, o)
		if !p.acceptOp(",") {
			return items
		}
	}
}

func (p *parser) parseSelect() *Select {
	t := p.expectKw("SELECT")
	s := &Select{Pos: t.pos}
	if p.acceptKw("DISTINCT") {
		s.Distinct = true
	} else {
		p.acceptKw("ALL")
	}
	for {
		s.Items = append(s.Items, p.parseSelectItem())
		if !p.acceptOp(",") {
			break
		}
	}
	if p.acceptKw("FROM") {
		s.From = p.parseFrom()
	}
	if p.acceptKw("WHERE") {
		s.Where = p.parseExpr()
	}
	if p.acceptKw("GROUP") {
		p.expectKw("BY")
		s.GroupBy = p.parseExprList()
	}
	if p.acceptKw("HAVING") {
		s.Having = p.parseExpr()
	}
	if p.acceptKw("WINDOW") {
		for {
			nameTok := p.peek()
			w := &NamedWindow{Pos: nameTok.pos, Name: p.ident("a window name")}
			p.expectKw("AS")
			w.Spec = p.parseWindowSpec()
			s.Windows = append(s.Windows, w)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	return s
}

func (p *parser) parseSelectItem() *SelectItem {
	start := p.peek()
	item := &SelectItem{Pos: start.pos}
	if star := p.parseStar(); star != nil {
		item.Expr = star
		return item
	}
	item.Expr = p.parseExpr()
	if p.acceptKw("AS") {
		item.Alias = p.ident("an alias")
	} else if p.isIdent() {
		item.Alias = p.next().text
	}
	return item
}

// parseStar parses * or t.* if that is what comes next, and returns nil
// otherwise.
func (p *parser) parseStar() *Star {
	start := p.peek()
	n := 0
	for {
		t := p.peekAt(n)
		if t.isOp("*") {
			break
		}
		if (t.kind != tokQuotedIdent && (t.kind != tokIdent || reserved[t.kw])) || !p.peekAt(n+1).isOp(".") {
			return nil
		}
		n += 2
	}
	star := &Star{Pos: start.pos}
	for i := 0; i < n; i += 2 {
		star.Table = append(star.Table, p.next().text)
		p.next()
	}
	p.next()
	return star
}

func (p *parser) parseValues() *Values {
	t := p.expectKw("VALUES")
	v := &Values{Pos: t.pos}
	for {
		p.expectOp("(")
		v.Rows = append(v.Rows, p.parseExprList())
		p.closeList()
		if !p.acceptOp(",") {
			return v
		}
	}
}

var outerJoins = map[string]JoinKind{"LEFT": LeftJoin, "RIGHT": RightJoin, "FULL": FullJoin}

// parseFrom parses a FROM clause: table references joined left to right,
// commas included.
func (p *parser) parseFrom() TableRef {
	left := p.parseTablePrimary()
	for {
		t := p.peek()
		j := &Join{Pos: t.pos, L: left}
		switch {
		case t.isOp(","):
			p.next()
			j.Kind = CommaJoin
		case t.kw == "CROSS":
			p.next()
			p.expectKw("JOIN")
			j.Kind = CrossJoin
		case t.kw == "JOIN" || t.kw == "INNER":
			if p.acceptKw("INNER") {
				p.expectKw("JOIN")
			} else {
				p.next()
			}
			j.Kind = InnerJoin
		case t.kw == "LEFT" || t.kw == "RIGHT" || t.kw == "FULL":
			p.next()
			p.acceptKw("OUTER")
			p.expectKw("JOIN")
			j.Kind = outerJoins[t.kw]
		case t.kw == "NATURAL":
			panic(p.errorAt(t, "NATURAL JOIN is not supported"))
		default:
			return left
		}
		j.R = p.parseTablePrimary()
		if j.Kind != CommaJoin && j.Kind != CrossJoin {
			switch {
			case p.acceptKw("ON"):
				j.On = p.parseExpr()
			case p.acceptKw("USING"):
				j.Using = p.identList("a column name")
			default:
				panic(p.unexpected("ON or USING"))
			}
		}
		left = j
	}
}

// parseTablePrimary parses one FROM item without the joins that follow.
func (p *parser) parseTablePrimary() TableRef {
	p.enter()
	defer p.leave()
	t := p.peek()
	switch {
	case t.kw == "TABLE":
		return p.parseWindowTVF()
	case t.kw == "LATERAL":
		panic(p.errorAt(t, "LATERAL table functions are not supported"))
	case t.isOp("(") && p.startsQuery(1):
		p.next()
		sq := &Subquery{Pos: t.pos, Query: p.parseQuery()}
		p.expectOp(")")
		sq.Alias, sq.Columns = p.parseAlias(true)
		return sq
	case t.isOp("("):
		p.next()
		ref := p.parseFrom()
		p.expectOp(")")
		return ref
	}
	name := p.qualifiedName("a table reference")
	if p.acceptKw("FOR") {
		p.expectKw("SYSTEM_TIME")
		p.expectKw("AS")
		p.expectKw("OF")
		tt := &TemporalTable{Pos: t.pos, Name: name, AsOf: p.parseExpr()}
		tt.Alias, _ = p.parseAlias(false)
		return tt
	}
	tn := &TableName{Pos: t.pos, Name: name}
	tn.Alias, tn.Columns = p.parseAlias(true)
	return tn
}

// parseAlias parses [AS] alias [(columns)]; the column list only when
// withColumns.
func (p *parser) parseAlias(withColumns bool) (string, []string) {
	var alias string
	switch {
	case p.acceptKw("AS"):
		alias = p.ident("an alias")
	case p.isIdent():
		alias = p.next().text
	default:
		return "", nil
	}
	if withColumns && p.isOp("(") {
		return alias, p.identList("a column alias")
	}
	return alias, nil
}

// windowParams lists the arguments after DATA and TIMECOL of each window
// function, in positional order, and how many of them are required (the
// optional one is OFFSET).
var windowParams = map[string]struct {
	names    []string
	required int
}{
	"TUMBLE":   {[]string{"SIZE", "OFFSET"}, 1},
	"HOP":      {[]string{"SLIDE", "SIZE", "OFFSET"}, 2},
	"CUMULATE": {[]string{"STEP", "SIZE", "OFFSET"}, 2},
	"SESSION":  {[]string{"GAP"}, 1},
}

// tvfArg is one argument of a window function as written.
type tvfArg struct {
	at    token  // where the argument starts
	name  string // upper-cased name for `name => value`, else ""
	table *TableName
	parts []*Ident // PARTITION BY of the table argument
	desc  *Ident   // DESCRIPTOR(col)
	expr  Expr
}

// parseWindowTVF parses TABLE(fn(args)) [AS alias [(columns)]] for the
// window functions TUMBLE, HOP, CUMULATE and SESSION.
func (p *parser) parseWindowTVF() *WindowTVF {
	start := p.expectKw("TABLE")
	p.expectOp("(")
	fnTok := p.peek()
	params, ok := windowParams[fnTok.kw]
	if !ok {
		panic(p.unexpected("a window function (TUMBLE, HOP, CUMULATE or SESSION)"))
	}
	p.next()
	tvf := &WindowTVF{Pos: start.pos, Func: fnTok.kw}
	p.expectOp("(")
	var args []tvfArg
	for {
		args = append(args, p.parseTVFArg())
		if !p.acceptOp(",") {
			break
		}
	}
	closing := p.closeList()
	p.expectOp(")")
	named := args[0].name != ""
	for _, a := range args {
		if (a.name != "") != named {
			panic(p.errorAt(a.at, "cannot mix named and positional arguments"))
		}
	}
	if named {
		args = p.orderNamedArgs(tvf.Func, params.names, args, closing)
	}
	if len(args) < 2 || args[0].table == nil || args[1].desc == nil {
		panic(p.errorAt(fnTok, "%s expects TABLE t, DESCRIPTOR(column) and then its window arguments", tvf.Func))
	}
	tvf.Table, tvf.PartitionBy, tvf.TimeCol = args[0].table, args[0].parts, args[1].desc
	if tvf.PartitionBy != nil && tvf.Func != "SESSION" {
		panic(p.errorAt(args[0].at, "PARTITION BY is only allowed in SESSION windows"))
	}
	rest := args[2:]
	if len(rest) < params.required || len(rest) > len(params.names) {
		panic(p.errorAt(fnTok, "%s takes %s", tvf.Func, describeParams(params.names, params.required)))
	}
	for _, a := range rest {
		if a.expr == nil {
			panic(p.errorAt(a.at, "expected an expression as argument of %s", tvf.Func))
		}
		tvf.Args = append(tvf.Args, a.expr)
	}
	tvf.Alias, tvf.Columns = p.parseAlias(true)
	return tvf
}

func describeParams(names []string, required int) string {
	s := "TABLE, DESCRIPTOR and " + strings.Join(names[:required], ", ")
	if required < len(names) {
		s += " [, " + strings.Join(names[required:], ", ") + "]"
	}
	return s
}

func (p *parser) parseTVFArg() tvfArg {
	a := tvfArg{at: p.peek()}
	// Any word may name a parameter, reserved ones (OFFSET) included.
	if t := p.peek(); (t.kind == tokIdent || t.kind == tokQuotedIdent) && p.peekAt(1).isOp("=>") {
		a.name = strings.ToUpper(p.next().text)
		p.next()
	}
	t := p.peek()
	switch {
	case t.kw == "TABLE":
		p.next()
		a.table = &TableName{Pos: p.peek().pos, Name: p.qualifiedName("a table name")}
		if p.acceptKw("PARTITION") {
			p.expectKw("BY")
			if p.isOp("(") {
				p.next()
				for {
					a.parts = append(a.parts, p.columnIdent())
					if !p.acceptOp(",") {
						break
					}
				}
				p.closeList()
			} else {
				a.parts = []*Ident{p.columnIdent()}
			}
		}
	case t.kw == "DESCRIPTOR" && p.peekAt(1).isOp("("):
		p.next()
		p.next()
		a.desc = p.columnIdent()
		p.expectOp(")")
	default:
		a.expr = p.parseExpr()
	}
	return a
}

func (p *parser) columnIdent() *Ident {
	t := p.peek()
	return &Ident{Pos: t.pos, Parts: []string{p.ident("a column name")}}
}

// orderNamedArgs puts named arguments in positional order: DATA, TIMECOL,
// then the function's own parameters.
func (p *parser) orderNamedArgs(fn string, names []string, args []tvfArg, closing token) []tvfArg {
	all := append([]string{"DATA", "TIMECOL"}, names...)
	slots := make([]*tvfArg, len(all))
	for i := range args {
		a := &args[i]
		idx := -1
		for j, n := range all {
			if n == a.name {
				idx = j
			}
		}
		switch {
		case idx < 0:
			panic(p.errorAt(a.at, "%s has no parameter %s (it takes %s)", fn, a.name, strings.Join(all, ", ")))
		case slots[idx] != nil:
			panic(p.errorAt(a.at, "parameter %s given twice", a.name))
		}
		slots[idx] = a
	}
	var ordered []tvfArg
	for i, s := range slots {
		if s == nil {
			if i < len(all)-1 || all[i] != "OFFSET" {
				panic(p.errorAt(closing, "%s is missing argument %s", fn, all[i]))
			}
			continue
		}
		ordered = append(ordered, *s)
	}
	return ordered
}
