package sql

import "strconv"

func (p *parser) parseCreate() Statement {
	p.expectKw("CREATE")
	temporary := p.acceptKw("TEMPORARY")
	switch {
	case p.isKw("TABLE"):
		return p.parseCreateTable(temporary)
	case p.isKw("VIEW"):
		return p.parseCreateView(temporary)
	}
	panic(p.unexpected("TABLE or VIEW"))
}

// ifExists consumes IF [NOT] EXISTS when present.
func (p *parser) ifExists(not bool) bool {
	if !p.acceptKw("IF") {
		return false
	}
	if not {
		p.expectKw("NOT")
	}
	p.expectKw("EXISTS")
	return true
}

func (p *parser) parseCreateTable(temporary bool) *CreateTable {
	p.expectKw("TABLE")
	ct := &CreateTable{Temporary: temporary, IfNotExists: p.ifExists(true)}
	ct.Name = p.qualifiedName("a table name")
	p.expectOp("(")
	for {
		p.parseTableElement(ct)
		if !p.acceptOp(",") {
			break
		}
	}
	p.closeList()
	if p.acceptKw("COMMENT") {
		ct.Comment = p.stringLit("a comment (a string literal)")
	}
	if p.acceptKw("WITH") {
		ct.Options = p.parseOptions()
	}
	return ct
}

// parseTableElement parses a column, WATERMARK or PRIMARY KEY. WATERMARK,
// PRIMARY and CONSTRAINT are not reserved, so a column may bear those
// names; the token after them decides.
func (p *parser) parseTableElement(ct *CreateTable) {
	t := p.peek()
	switch {
	case t.kw == "WATERMARK" && p.peekAt(1).kw == "FOR":
		if ct.Watermark != nil {
			panic(p.errorAt(t, "more than one WATERMARK definition"))
		}
		p.next()
		p.next()
		wm := &Watermark{Pos: t.pos, Column: p.ident("a column name")}
		p.expectKw("AS")
		wm.Expr = p.parseExpr()
		ct.Watermark = wm
	case t.kw == "CONSTRAINT" && p.peekAt(2).kw == "PRIMARY":
		p.next()
		name := p.ident("a constraint name")
		p.setPrimaryKey(ct, name, t, nil)
	case t.kw == "PRIMARY" && p.peekAt(1).kw == "KEY":
		p.setPrimaryKey(ct, "", t, nil)
	default:
		ct.Columns = append(ct.Columns, p.parseColumn(ct))
	}
}

// setPrimaryKey parses PRIMARY KEY [(columns)] NOT ENFORCED; the column
// list is absent for a key declared with its column.
func (p *parser) setPrimaryKey(ct *CreateTable, name string, at token, column []string) {
	if ct.PrimaryKey != nil {
		panic(p.errorAt(at, "more than one PRIMARY KEY"))
	}
	p.expectKw("PRIMARY")
	p.expectKw("KEY")
	pk := &PrimaryKey{Pos: at.pos, Name: name, Columns: column}
	if column == nil {
		pk.Columns = p.identList("a column name")
	}
	if !p.isKw("NOT") || p.peekAt(1).kw != "ENFORCED" {
		panic(p.unexpected("NOT ENFORCED (Flink does not enforce primary keys)"))
	}
	p.next()
	p.next()
	ct.PrimaryKey = pk
}

func (p *parser) parseColumn(ct *CreateTable) *ColumnDef {
	if !p.isIdent() {
		panic(p.unexpected("a column definition"))
	}
	t := p.next()
	col := &ColumnDef{Pos: t.pos, Name: t.text}
	if p.acceptKw("AS") {
		col.Expr = p.parseExpr()
	} else {
		col.Type = p.parseType()
		if p.isKw("METADATA") {
			panic(p.errorAt(p.peek(), "metadata columns are not supported"))
		}
		if p.isKw("PRIMARY") {
			p.setPrimaryKey(ct, "", p.peek(), []string{col.Name})
		}
	}
	if p.acceptKw("COMMENT") {
		col.Comment = p.stringLit("a comment (a string literal)")
	}
	return col
}

// parseOptions parses ('key' = 'value', ...).
func (p *parser) parseOptions() []*Option {
	p.expectOp("(")
	var opts []*Option
	for {
		t := p.peek()
		key := p.stringLit("an option key (a string literal)")
		p.expectOp("=")
		opts = append(opts, &Option{Pos: t.pos, Key: key, Value: p.stringLit("an option value (a string literal)")})
		if !p.acceptOp(",") {
			break
		}
	}
	p.closeList()
	return opts
}

func (p *parser) parseCreateView(temporary bool) *CreateView {
	p.expectKw("VIEW")
	cv := &CreateView{Temporary: temporary, IfNotExists: p.ifExists(true)}
	cv.Name = p.qualifiedName("a view name")
	if p.isOp("(") {
		cv.Columns = p.identList("a column name")
	}
	if p.acceptKw("COMMENT") {
		cv.Comment = p.stringLit("a comment (a string literal)")
	}
	p.expectKw("AS")
	cv.Query = p.parseQuery()
	return cv
}

func (p *parser) parseDrop() Statement {
	p.expectKw("DROP")
	temporary := p.acceptKw("TEMPORARY")
	switch {
	case p.acceptKw("TABLE"):
		d := &DropTable{Temporary: temporary, IfExists: p.ifExists(false)}
		d.Name = p.qualifiedName("a table name")
		return d
	case p.acceptKw("VIEW"):
		d := &DropView{Temporary: temporary, IfExists: p.ifExists(false)}
		d.Name = p.qualifiedName("a view name")
		return d
	}
	panic(p.unexpected("TABLE or VIEW"))
}

// typeParams says how many parameters each parameterised type takes.
var typeParams = map[string]int{
	"DECIMAL": 2, "CHAR": 1, "VARCHAR": 1, "BINARY": 1, "VARBINARY": 1,
	"TIME": 1, "TIMESTAMP": 1, "TIMESTAMP_LTZ": 1,
}

// parseType parses a data type with its nullability.
func (p *parser) parseType() *TypeName {
	t := p.peek()
	if t.kind != tokIdent {
		panic(p.unexpected("a data type"))
	}
	p.next()
	tn := &TypeName{Pos: t.pos, Name: t.kw}
	switch t.kw {
	case "BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "STRING", "BYTES", "DATE",
		"DECIMAL", "CHAR", "VARCHAR", "BINARY", "VARBINARY", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ":
	case "INTEGER":
		tn.Name = "INT"
	case "DEC", "NUMERIC":
		tn.Name = "DECIMAL"
	case "DOUBLE":
		p.acceptKw("PRECISION")
	case "INTERVAL":
		unit, to := p.intervalQualifier()
		tn.Name = "INTERVAL " + unit
		if to != "" {
			tn.Name += " TO " + to
		}
	default:
		panic(p.errorAt(t, "expected a data type but found %s", t.describe(p.src)))
	}
	if p.isOp("(") {
		tn.Params = p.typeParams(tn.Name)
	}
	if tn.Name == "TIME" || tn.Name == "TIMESTAMP" {
		p.timeZone(tn)
	}
	if p.isKw("NOT") && p.peekAt(1).kw == "NULL" {
		p.next()
		p.next()
		tn.NotNull = true
	} else {
		p.acceptKw("NULL")
	}
	return tn
}

// timeZone parses the time zone clause of TIME and TIMESTAMP.
func (p *parser) timeZone(tn *TypeName) {
	switch {
	case p.acceptKw("WITHOUT"):
		p.expectKw("TIME")
		p.expectKw("ZONE")
	case tn.Name == "TIMESTAMP" && p.isKw("WITH"):
		p.next()
		if !p.acceptKw("LOCAL") {
			panic(p.errorAt(p.peek(), "TIMESTAMP WITH TIME ZONE is not supported; use TIMESTAMP WITH LOCAL TIME ZONE or TIMESTAMP_LTZ"))
		}
		p.expectKw("TIME")
		p.expectKw("ZONE")
		tn.Name = "TIMESTAMP_LTZ"
	}
}

// typeParams parses (n) or (p, s) after a type name.
func (p *parser) typeParams(name string) []int {
	open := p.peek()
	limit := typeParams[name]
	if limit == 0 {
		panic(p.errorAt(open, "%s takes no parameters", name))
	}
	p.expectOp("(")
	var params []int
	for {
		t := p.peek()
		if t.kind != tokInt {
			panic(p.unexpected("an integer type parameter"))
		}
		n, err := strconv.Atoi(p.next().text)
		if err != nil || n > 1<<31-1 {
			panic(p.errorAt(t, "type parameter %s is out of range", t.text))
		}
		params = append(params, n)
		if len(params) > limit {
			panic(p.errorAt(t, "too many parameters for %s", name))
		}
		if !p.acceptOp(",") {
			break
		}
	}
	p.closeList()
	return params
}
