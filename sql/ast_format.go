package sql

import (
	"fmt"
	"strconv"
	"strings"
)

// Format prints a statement, query, FROM item, expression, type or window
// specification as canonical SQL: keywords in upper case, names quoted
// only where needed, parentheses only where precedence needs them, AS
// before every alias and synonyms in their normal form. Parsing the
// result gives an equal tree, positions and statement text aside. It
// panics on other nodes.
func Format(n Node) string {
	var f formatter
	switch n := n.(type) {
	case *TypeName:
		f.put(n.String())
	case *WindowSpec:
		f.windowSpec(n)
	default:
		f.put(n)
	}
	return f.String()
}

// String returns the type in Flink's notation, e.g. DECIMAL(10, 2) NOT NULL.
func (t *TypeName) String() string {
	var b strings.Builder
	b.WriteString(t.Name)
	for i, n := range t.Params {
		if i == 0 {
			b.WriteByte('(')
		} else {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(n))
	}
	if len(t.Params) > 0 {
		b.WriteByte(')')
	}
	if t.NotNull {
		b.WriteString(" NOT NULL")
	}
	return b.String()
}

type formatter struct{ strings.Builder }

// put writes each part in turn: strings as they are, nodes formatted
// (expressions as if standing alone) and expression lists separated by
// commas.
func (f *formatter) put(parts ...any) {
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			f.WriteString(p)
		case Statement:
			f.stmt(p)
		case Query:
			f.query(p)
		case TableRef:
			f.tableRef(p)
		case Expr:
			f.expr(p, 0)
		case []Expr:
			for i, e := range p {
				f.comma(i)
				f.expr(e, 0)
			}
		default:
			panic(fmt.Sprintf("sql.Format: cannot format %T", p))
		}
	}
}

// comma writes ", " before every item of a list but the first (i == 0).
func (f *formatter) comma(i int) {
	if i > 0 {
		f.put(", ")
	}
}

// flag writes s if on.
func (f *formatter) flag(on bool, s string) {
	if on {
		f.put(s)
	}
}

// clause writes keyword and x if x is set.
func (f *formatter) clause(keyword string, x Expr) {
	if x != nil {
		f.put(keyword, x)
	}
}

func (f *formatter) name(parts []string) {
	for i, p := range parts {
		if i > 0 {
			f.put(".")
		}
		f.put(QuoteIdent(p))
	}
}

// nameList writes " (a, b)" for a non-empty list.
func (f *formatter) nameList(names []string) {
	for i, n := range names {
		if i == 0 {
			f.put(" (")
		}
		f.comma(i)
		f.put(QuoteIdent(n))
	}
	f.flag(len(names) > 0, ")")
}

func (f *formatter) stmt(s Statement) {
	switch s := s.(type) {
	case *QueryStmt:
		f.put(s.Query)
	case *Insert:
		f.put("INSERT INTO ")
		f.name(s.Table)
		f.nameList(s.Columns)
		f.put(" ", s.Query)
	case *CreateTable:
		f.createTable(s)
	case *CreateView:
		f.put("CREATE ")
		f.flag(s.Temporary, "TEMPORARY ")
		f.put("VIEW ")
		f.flag(s.IfNotExists, "IF NOT EXISTS ")
		f.name(s.Name)
		f.nameList(s.Columns)
		f.comment(s.Comment)
		f.put(" AS ", s.Query)
	case *DropTable:
		f.drop("TABLE", s.Temporary, s.IfExists, s.Name)
	case *DropView:
		f.drop("VIEW", s.Temporary, s.IfExists, s.Name)
	case *Show:
		f.put("SHOW ", s.Object)
	case *Describe:
		f.put("DESCRIBE ")
		f.name(s.Name)
	case *Set:
		f.put("SET")
		if s.Key != "" {
			f.put(" ", QuoteString(s.Key), " = ", QuoteString(s.Value))
		}
	case *Reset:
		f.put("RESET")
		if s.Key != "" {
			f.put(" ", QuoteString(s.Key))
		}
	case *Explain:
		f.put("EXPLAIN ", s.Stmt)
	default:
		panic(fmt.Sprintf("sql.Format: cannot format %T", s))
	}
}

func (f *formatter) comment(c string) {
	if c != "" {
		f.put(" COMMENT ", QuoteString(c))
	}
}

func (f *formatter) drop(what string, temporary, ifExists bool, name []string) {
	f.put("DROP ")
	f.flag(temporary, "TEMPORARY ")
	f.put(what, " ")
	f.flag(ifExists, "IF EXISTS ")
	f.name(name)
}

func (f *formatter) createTable(s *CreateTable) {
	f.put("CREATE ")
	f.flag(s.Temporary, "TEMPORARY ")
	f.put("TABLE ")
	f.flag(s.IfNotExists, "IF NOT EXISTS ")
	f.name(s.Name)
	f.put(" (")
	n := 0 // elements written
	for _, c := range s.Columns {
		f.comma(n)
		if c.Expr != nil {
			f.put(QuoteIdent(c.Name), " AS ", c.Expr)
		} else {
			f.put(QuoteIdent(c.Name), " ", c.Type.String())
		}
		f.comment(c.Comment)
		n++
	}
	if w := s.Watermark; w != nil {
		f.comma(n)
		f.put("WATERMARK FOR ", QuoteIdent(w.Column), " AS ", w.Expr)
		n++
	}
	if pk := s.PrimaryKey; pk != nil {
		f.comma(n)
		if pk.Name != "" {
			f.put("CONSTRAINT ", QuoteIdent(pk.Name), " ")
		}
		f.put("PRIMARY KEY")
		f.nameList(pk.Columns)
		f.put(" NOT ENFORCED")
	}
	f.put(")")
	f.comment(s.Comment)
	for i, o := range s.Options {
		if i == 0 {
			f.put(" WITH (")
		}
		f.comma(i)
		f.put(QuoteString(o.Key), " = ", QuoteString(o.Value))
	}
	f.flag(len(s.Options) > 0, ")")
}

func (f *formatter) query(q Query) {
	switch q := q.(type) {
	case *Select:
		f.selectQuery(q)
	case *SetOp:
		prec := setOpPrec(q.Op)
		f.setOperand(q.L, prec, false)
		f.put(" ", q.Op)
		f.flag(q.All, " ALL")
		f.put(" ")
		f.setOperand(q.R, prec, true)
		f.orderLimit(q.OrderLimit)
	case *Values:
		f.put("VALUES ")
		for i, row := range q.Rows {
			f.comma(i)
			f.put("(", row, ")")
		}
	case *With:
		f.put("WITH ")
		for i, c := range q.CTEs {
			f.comma(i)
			f.put(QuoteIdent(c.Name))
			f.nameList(c.Columns)
			f.put(" AS (", c.Query, ")")
		}
		f.put(" ", q.Body)
	default:
		panic(fmt.Sprintf("sql.Format: cannot format %T", q))
	}
}

func hasOrderLimit(ol OrderLimit) bool {
	return ol.OrderBy != nil || ol.Limit != nil || ol.Offset != nil
}

// setOperand writes an operand of a set operation, in parentheses where
// it would otherwise not parse back as that operand.
func (f *formatter) setOperand(q Query, parent int, right bool) {
	paren := false
	switch q := q.(type) {
	case *Select:
		paren = hasOrderLimit(q.OrderLimit)
	case *With:
		paren = true
	case *SetOp:
		prec := setOpPrec(q.Op)
		paren = hasOrderLimit(q.OrderLimit) || prec < parent || right && prec == parent
	}
	f.flag(paren, "(")
	f.put(q)
	f.flag(paren, ")")
}

func (f *formatter) selectQuery(s *Select) {
	f.put("SELECT ")
	f.flag(s.Distinct, "DISTINCT ")
	for i, item := range s.Items {
		f.comma(i)
		f.put(item.Expr)
		if item.Alias != "" {
			f.put(" AS ", QuoteIdent(item.Alias))
		}
	}
	if s.From != nil {
		f.put(" FROM ", s.From)
	}
	f.clause(" WHERE ", s.Where)
	if s.GroupBy != nil {
		f.put(" GROUP BY ", s.GroupBy)
	}
	f.clause(" HAVING ", s.Having)
	for i, w := range s.Windows {
		if i == 0 {
			f.put(" WINDOW ")
		}
		f.comma(i)
		f.put(QuoteIdent(w.Name), " AS ")
		f.windowSpec(w.Spec)
	}
	f.orderLimit(s.OrderLimit)
}

func (f *formatter) orderLimit(ol OrderLimit) {
	if ol.OrderBy != nil {
		f.put(" ORDER BY ")
		f.orderItems(ol.OrderBy)
	}
	if ol.Limit != nil {
		f.put(" LIMIT ", ol.Limit.Text)
	}
	if ol.Offset != nil {
		f.put(" OFFSET ", ol.Offset.Text)
	}
}

func (f *formatter) orderItems(items []*OrderItem) {
	for i, o := range items {
		f.comma(i)
		f.put(o.Expr)
		f.flag(o.Desc, " DESC")
		if o.Nulls != "" {
			f.put(" NULLS ", o.Nulls)
		}
	}
}

func (f *formatter) alias(alias string, columns []string) {
	if alias != "" {
		f.put(" AS ", QuoteIdent(alias))
		f.nameList(columns)
	}
}

func (f *formatter) tableRef(t TableRef) {
	switch t := t.(type) {
	case *TableName:
		f.name(t.Name)
		f.alias(t.Alias, t.Columns)
	case *Subquery:
		f.put("(", t.Query, ")")
		f.alias(t.Alias, t.Columns)
	case *Join:
		f.put(t.L)
		f.flag(t.Kind != CommaJoin, " ")
		f.put(t.Kind.String(), " ")
		// Joins associate to the left; a join on the right needs parentheses.
		_, nested := t.R.(*Join)
		f.flag(nested, "(")
		f.put(t.R)
		f.flag(nested, ")")
		f.clause(" ON ", t.On)
		if t.Using != nil {
			f.put(" USING")
			f.nameList(t.Using)
		}
	case *TemporalTable:
		f.name(t.Name)
		f.put(" FOR SYSTEM_TIME AS OF ", t.AsOf)
		f.alias(t.Alias, nil)
	case *WindowTVF:
		f.put("TABLE(", t.Func, "(TABLE ")
		f.name(t.Table.Name)
		if len(t.PartitionBy) > 0 {
			f.put(" PARTITION BY ")
		}
		many := len(t.PartitionBy) > 1
		f.flag(many, "(")
		for i, k := range t.PartitionBy {
			f.comma(i)
			f.name(k.Parts)
		}
		f.flag(many, ")")
		f.put(", DESCRIPTOR(")
		f.name(t.TimeCol.Parts)
		f.put(")")
		for _, a := range t.Args {
			f.put(", ", a)
		}
		f.put("))")
		f.alias(t.Alias, t.Columns)
	default:
		panic(fmt.Sprintf("sql.Format: cannot format %T", t))
	}
}

// precOf returns the precedence of e's outermost operator; a
// sub-expression is parenthesised when its precedence is below what its
// position requires.
func precOf(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		return binaryPrec[e.Op]
	case *Unary:
		if e.Op == "NOT" {
			return precNot
		}
		return precUnary
	case *IsExpr, *Between, *InList, *Like:
		return precCmp
	}
	return precPrimary
}

// expr writes e, in parentheses if its precedence is below minPrec.
func (f *formatter) expr(e Expr, minPrec int) {
	if precOf(e) < minPrec {
		f.put("(", e, ")")
		return
	}
	switch e := e.(type) {
	case *Ident:
		f.name(e.Parts)
	case *Literal:
		if e.Kind == LitString {
			f.put(QuoteString(e.Text))
		} else {
			f.put(e.Text)
		}
	case *IntervalLit:
		f.put("INTERVAL ", QuoteString(e.Text), " ", e.Unit)
		if e.ToUnit != "" {
			f.put(" TO ", e.ToUnit)
		}
	case *TypedLit:
		f.put(e.Type, " ", QuoteString(e.Text))
	case *Binary:
		prec := binaryPrec[e.Op]
		f.expr(e.L, prec)
		f.put(" ", e.Op, " ")
		f.expr(e.R, prec+1)
	case *Unary:
		if e.Op == "NOT" {
			f.put("NOT ")
			f.expr(e.X, precNot)
			break
		}
		f.put(e.Op)
		// "--" would start a comment.
		if u, ok := e.X.(*Unary); ok && u.Op == "-" {
			f.put(" ")
		}
		f.expr(e.X, precUnary)
	case *IsExpr:
		f.expr(e.X, precCmp)
		f.put(" IS ")
		f.flag(e.Not, "NOT ")
		f.put(e.Value)
	case *Between:
		f.expr(e.X, precCmp)
		f.flag(e.Not, " NOT")
		f.put(" BETWEEN ")
		f.flag(e.Symmetric, "SYMMETRIC ")
		f.expr(e.Lo, precConcat)
		f.put(" AND ")
		f.expr(e.Hi, precConcat)
	case *InList:
		f.expr(e.X, precCmp)
		f.flag(e.Not, " NOT")
		f.put(" IN (", e.List, ")")
	case *Like:
		f.expr(e.X, precCmp)
		f.flag(e.Not, " NOT")
		if e.Similar {
			f.put(" SIMILAR TO ")
		} else {
			f.put(" LIKE ")
		}
		f.expr(e.Pattern, precConcat)
		if e.Escape != nil {
			f.put(" ESCAPE ")
			f.expr(e.Escape, precConcat)
		}
	case *Case:
		f.put("CASE")
		f.clause(" ", e.Operand)
		for _, w := range e.Whens {
			f.put(" WHEN ", w.Cond, " THEN ", w.Result)
		}
		f.clause(" ELSE ", e.Else)
		f.put(" END")
	case *Cast:
		f.flag(e.Try, "TRY_")
		f.put("CAST(", e.X, " AS ", e.Type.String(), ")")
	case *Call:
		f.call(e)
	case *Extract:
		f.put("EXTRACT(", e.Unit, " FROM ", e.X, ")")
	case *FloorCeil:
		if e.Ceil {
			f.put("CEIL(")
		} else {
			f.put("FLOOR(")
		}
		// An interval literal would take the TO for its own.
		_, interval := e.X.(*IntervalLit)
		f.flag(interval, "(")
		f.put(e.X)
		f.flag(interval, ")")
		f.put(" TO ", e.Unit, ")")
	case *Trim:
		f.put("TRIM(", e.Side, " ")
		if e.Chars != nil {
			f.put(e.Chars, " ")
		}
		f.put("FROM ", e.X, ")")
	case *Star:
		if e.Table != nil {
			f.name(e.Table)
			f.put(".")
		}
		f.put("*")
	default:
		panic(fmt.Sprintf("sql.Format: cannot format %T", e))
	}
}

func (f *formatter) call(c *Call) {
	plain := !c.Star && !c.Distinct && c.Filter == nil && c.Over == nil
	switch {
	case plain && c.Args == nil && niladic[c.Name]:
		f.put(c.Name)
		return
	case plain && c.Name == "POSITION" && len(c.Args) == 2:
		f.put("POSITION(")
		f.expr(c.Args[0], precConcat)
		f.put(" IN ", c.Args[1], ")")
		return
	}
	f.put(QuoteIdent(c.Name), "(")
	f.flag(c.Star, "*")
	f.flag(c.Distinct, "DISTINCT ")
	f.put(c.Args, ")")
	if c.Filter != nil {
		f.put(" FILTER (WHERE ", c.Filter, ")")
	}
	if w := c.Over; w != nil {
		f.put(" OVER ")
		if w.Ref != "" && w.PartitionBy == nil && w.OrderBy == nil && w.Frame == nil {
			f.put(QuoteIdent(w.Ref))
		} else {
			f.windowSpec(w)
		}
	}
}

func (f *formatter) windowSpec(w *WindowSpec) {
	f.put("(")
	sep := ""
	if w.Ref != "" {
		f.put(QuoteIdent(w.Ref))
		sep = " "
	}
	if w.PartitionBy != nil {
		f.put(sep, "PARTITION BY ", w.PartitionBy)
		sep = " "
	}
	if w.OrderBy != nil {
		f.put(sep, "ORDER BY ")
		f.orderItems(w.OrderBy)
		sep = " "
	}
	if fr := w.Frame; fr != nil {
		f.put(sep)
		if fr.Rows {
			f.put("ROWS")
		} else {
			f.put("RANGE")
		}
		f.put(" BETWEEN ")
		f.frameBound(fr.Start)
		f.put(" AND ")
		f.frameBound(fr.End)
	}
	f.put(")")
}

func (f *formatter) frameBound(b FrameBound) {
	switch b.Kind {
	case UnboundedPreceding:
		f.put("UNBOUNDED PRECEDING")
	case UnboundedFollowing:
		f.put("UNBOUNDED FOLLOWING")
	case CurrentRow:
		f.put("CURRENT ROW")
	case Preceding:
		f.expr(b.Offset, precAdd)
		f.put(" PRECEDING")
	case Following:
		f.expr(b.Offset, precAdd)
		f.put(" FOLLOWING")
	}
}
