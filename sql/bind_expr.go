package sql

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
)

// expr binds a scalar expression to the unresolved expression tree the
// Table API builds; the planner resolves and type-checks it against its
// input.
func (b *binder) expr(e Expr) (*expr.Expr, error) {
	switch e := e.(type) {
	case *Ident:
		name := e.Parts[len(e.Parts)-1]
		if b.scope != nil {
			var err error
			if name, err = b.scope.column(e); err != nil {
				return nil, err
			}
		}
		if b.idents != nil {
			b.idents[name] = e.Pos
		}
		return expr.Col(name), nil
	case *Literal:
		return literal(e)
	case *IntervalLit:
		ms, months, err := intervalValue(e)
		if err != nil {
			return nil, err
		}
		if e.Unit == "YEAR" || e.Unit == "MONTH" {
			return &expr.Expr{Op: expr.OpLit, Lit: data.IntervalYearMonthValue(int32(months)), Type: data.TIntervalYearMonth.AsNotNull()}, nil
		}
		return &expr.Expr{Op: expr.OpLit, Lit: data.IntervalDayTimeValue(ms), Type: data.TIntervalDayTime.AsNotNull()}, nil
	case *TypedLit:
		return typedLiteral(e)
	case *Binary:
		return b.call(e, binaryName(e.Op), e.L, e.R)
	case *Unary:
		switch e.Op {
		case "NOT":
			return b.call(e, "NOT", e.X)
		case "-":
			return b.call(e, "NEGATE", e.X)
		}
		return b.expr(e.X)
	case *IsExpr:
		name := "IS "
		if e.Not {
			name += "NOT "
		}
		return b.call(e, name+e.Value, e.X)
	case *Between:
		name := "BETWEEN"
		if e.Symmetric {
			name = "BETWEEN SYMMETRIC"
		}
		c, err := b.call(e, name, e.X, e.Lo, e.Hi)
		return not(c, e.Not), err
	case *InList:
		c, err := b.call(e, "IN", append([]Expr{e.X}, e.List...)...)
		return not(c, e.Not), err
	case *Like:
		if e.Similar {
			return nil, errAt(e, "SIMILAR TO is not supported")
		}
		args := []Expr{e.X, e.Pattern}
		if e.Escape != nil {
			args = append(args, e.Escape)
		}
		c, err := b.call(e, "LIKE", args...)
		return not(c, e.Not), err
	case *Case:
		return b.caseExpr(e)
	case *Cast:
		x, err := b.expr(e.X)
		if err != nil {
			return nil, err
		}
		t, err := typeOf(e.Type)
		if err != nil {
			return nil, err
		}
		c := expr.Cast(x, t)
		if e.Try {
			c.Name = "TRY_CAST"
		}
		return c, nil
	case *Call:
		if e.Over != nil {
			return nil, errAt(e, "an OVER aggregate or ROW_NUMBER() OVER must be a select item of its own")
		}
		if e.Filter != nil {
			return nil, errAt(e, "FILTER (WHERE ...) on aggregates is not supported yet")
		}
		if e.Star {
			return expr.Call(e.Name), nil
		}
		c, err := b.call(e, e.Name, e.Args...)
		if c != nil {
			c.Distinct = e.Distinct
		}
		return c, err
	case *Extract:
		x, err := b.expr(e.X)
		if err != nil {
			return nil, err
		}
		return expr.Call("EXTRACT", expr.Lit(e.Unit), x), nil
	case *FloorCeil:
		x, err := b.expr(e.X)
		if err != nil {
			return nil, err
		}
		name := "FLOOR"
		if e.Ceil {
			name = "CEIL"
		}
		return expr.Call(name, x, expr.Lit(e.Unit)), nil
	case *Trim:
		x, err := b.expr(e.X)
		if err != nil {
			return nil, err
		}
		chars := expr.Lit(" ")
		if e.Chars != nil {
			if chars, err = b.expr(e.Chars); err != nil {
				return nil, err
			}
		}
		name := map[string]string{"BOTH": "TRIM", "LEADING": "LTRIM", "TRAILING": "RTRIM"}[e.Side]
		if name == "" {
			name = "TRIM"
		}
		return expr.Call(name, x, chars), nil
	case *Star:
		return nil, errAt(e, "* is only allowed in a select list or COUNT(*)")
	}
	return nil, errAt(e, "unsupported expression")
}

func (b *binder) call(at Node, name string, args ...Expr) (*expr.Expr, error) {
	out := make([]*expr.Expr, len(args))
	for i, a := range args {
		x, err := b.expr(a)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return expr.Call(name, out...), nil
}

func not(e *expr.Expr, yes bool) *expr.Expr {
	if e == nil || !yes {
		return e
	}
	return expr.Call("NOT", e)
}

// binaryName maps an operator to the function that implements it.
func binaryName(op string) string {
	switch op {
	case "||":
		return "CONCAT"
	case "%":
		return "MOD"
	}
	return op
}

func (b *binder) caseExpr(e *Case) (*expr.Expr, error) {
	var args []*expr.Expr
	var operand *expr.Expr
	if e.Operand != nil {
		x, err := b.expr(e.Operand)
		if err != nil {
			return nil, err
		}
		operand = x
	}
	for _, w := range e.Whens {
		c, err := b.expr(w.Cond)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			c = expr.Call("=", operand, c)
		}
		r, err := b.expr(w.Result)
		if err != nil {
			return nil, err
		}
		args = append(args, c, r)
	}
	if e.Else != nil {
		x, err := b.expr(e.Else)
		if err != nil {
			return nil, err
		}
		args = append(args, x)
	}
	return expr.Call("CASE", args...), nil
}

func literal(l *Literal) (*expr.Expr, error) {
	switch l.Kind {
	case LitInt:
		n, err := strconv.ParseInt(l.Text, 10, 64)
		if err != nil {
			return decimalLiteral(l)
		}
		if n == int64(int32(n)) {
			return expr.Lit(int32(n)), nil
		}
		return expr.Lit(n), nil
	case LitDecimal:
		return decimalLiteral(l)
	case LitFloat:
		f, err := strconv.ParseFloat(l.Text, 64)
		if err != nil {
			return nil, errAt(l, "bad number %s", l.Text)
		}
		return expr.Lit(f), nil
	case LitString:
		return expr.Lit(l.Text), nil
	case LitBool:
		return expr.Lit(l.Text == "TRUE"), nil
	}
	return expr.Lit(nil), nil
}

// decimalLiteral is 1.50 as DECIMAL(3, 2), as Flink types exact numbers.
func decimalLiteral(l *Literal) (*expr.Expr, error) {
	digits := strings.Replace(l.Text, ".", "", 1)
	scale := 0
	if i := strings.IndexByte(l.Text, '.'); i >= 0 {
		scale = len(l.Text) - i - 1
	}
	u, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return nil, errAt(l, "bad number %s", l.Text)
	}
	prec := max(len(strings.TrimLeft(digits, "0")), scale, 1)
	if prec > data.MaxDecimalPrecision {
		return nil, errAt(l, "number %s has more than %d digits", l.Text, data.MaxDecimalPrecision)
	}
	return &expr.Expr{Op: expr.OpLit, Lit: data.BigDecimalValue(u, scale), Type: data.TDecimal(prec, scale).AsNotNull()}, nil
}

func typedLiteral(l *TypedLit) (*expr.Expr, error) {
	var t data.Type
	switch l.Type {
	case "DATE":
		t = data.TDate
	case "TIMESTAMP", "TIMESTAMP_LTZ":
		p := 0
		if i := strings.LastIndexByte(l.Text, '.'); i >= 0 && strings.Contains(l.Text, ":") {
			p = len(strings.TrimSpace(l.Text)) - i - 1
		}
		t = data.TTimestamp(p)
		if l.Type == "TIMESTAMP_LTZ" {
			t = data.TTimestampLTZ(p)
		}
	default:
		return nil, errAt(l, "%s literals are not supported", l.Type)
	}
	v, err := data.ParseText(l.Text, t)
	if err != nil {
		return nil, errAt(l, "%v", err)
	}
	return &expr.Expr{Op: expr.OpLit, Lit: v, Type: t.AsNotNull()}, nil
}

// typeOf is the logical type a type name denotes.
func typeOf(n *TypeName) (data.Type, error) {
	param := func(i, def int) int {
		if i < len(n.Params) {
			return n.Params[i]
		}
		return def
	}
	var t data.Type
	switch n.Name {
	case "BOOLEAN":
		t = data.TBoolean
	case "INT":
		t = data.TInt
	case "BIGINT":
		t = data.TBigInt
	case "DOUBLE":
		t = data.TDouble
	case "DECIMAL":
		t = data.TDecimal(param(0, 10), param(1, 0))
	case "STRING":
		t = data.TString
	case "VARCHAR", "CHAR":
		t = data.TVarchar(param(0, 1))
	case "BYTES", "VARBINARY", "BINARY":
		t = data.TBytes
	case "DATE":
		t = data.TDate
	case "TIMESTAMP":
		t = data.TTimestamp(param(0, 6))
	case "TIMESTAMP_LTZ":
		t = data.TTimestampLTZ(param(0, 6))
	default:
		return data.Type{}, errAt(n, "type %s is not supported (supported: BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL, STRING, VARCHAR, BYTES, DATE, TIMESTAMP, TIMESTAMP_LTZ)", n.Name)
	}
	if err := t.Check(); err != nil {
		return data.Type{}, errAt(n, "%v", err)
	}
	t.NotNull = n.NotNull
	return t, nil
}
