package expr

import (
	"fmt"
	"strings"

	"github.com/runnel/runnel/table/data"
)

// String prints e as SQL for EXPLAIN and messages: columns by name ($3
// when nameless), literals in SQL syntax, operators infix and
// parenthesised, (price > 100), UPPER(bidder), CAST(x AS BIGINT).
func (e *Expr) String() string {
	var b strings.Builder
	e.write(&b)
	return b.String()
}

func (e *Expr) write(b *strings.Builder) {
	if e == nil {
		b.WriteString("?")
		return
	}
	switch e.Op {
	case OpCol:
		if e.Name != "" {
			b.WriteString(e.Name)
		} else {
			fmt.Fprintf(b, "$%d", e.Index)
		}
	case OpLit:
		writeLit(b, e.Lit, e.Type)
	case OpCast:
		name := "CAST"
		if e.Name == "TRY_CAST" {
			name = e.Name
		}
		b.WriteString(name + "(")
		if len(e.Args) > 0 {
			e.Args[0].write(b)
		}
		b.WriteString(" AS " + e.Type.Plain().Nullable().String() + ")")
	case OpCall:
		e.writeCall(b)
	default:
		fmt.Fprintf(b, "?%d", e.Op)
	}
}

func (e *Expr) writeCall(b *strings.Builder) {
	args := withoutZone(e.Args)
	f := functions[e.Name]
	form := prefixCall
	if f != nil && f.checkArity(e.Name, len(args)) == nil {
		form = f.form // a call of the wrong arity prints plainly
	}
	if e.Name == "-" && len(args) == 1 {
		form = prefixOp
	}
	list := func(from int, sep string) {
		for i := from; i < len(args); i++ {
			if i > from {
				b.WriteString(sep)
			}
			args[i].write(b)
		}
	}
	switch {
	case e.Name == "AS" && len(args) == 2:
		args[0].write(b)
		b.WriteString(" AS " + args[1].Lit.Str())
	case form == infix:
		b.WriteByte('(')
		list(0, " "+e.Name+" ")
		b.WriteByte(')')
	case form == prefixOp && (e.Name == "-" || e.Name == "NEGATE"):
		b.WriteByte('-')
		list(0, "")
	case form == prefixOp:
		b.WriteString(e.Name + " ")
		list(0, "")
	case form == postfix:
		b.WriteByte('(')
		list(0, "")
		b.WriteString(" " + e.Name + ")")
	case form == special:
		e.writeSpecial(b, args, list)
	default:
		b.WriteString(e.Name + "(")
		if e.Distinct {
			b.WriteString("DISTINCT ")
		}
		if len(args) == 0 && e.Name == "COUNT" {
			b.WriteByte('*')
		}
		list(0, ", ")
		b.WriteByte(')')
	}
}

// writeSpecial prints the calls with SQL syntax of their own.
func (e *Expr) writeSpecial(b *strings.Builder, args []*Expr, list func(int, string)) {
	arg := func(i int) {
		if i < len(args) {
			args[i].write(b)
		}
	}
	switch e.Name {
	case "BETWEEN", "NOT BETWEEN", "BETWEEN SYMMETRIC", "NOT BETWEEN SYMMETRIC":
		b.WriteByte('(')
		arg(0)
		b.WriteString(" " + e.Name + " ")
		arg(1)
		b.WriteString(" AND ")
		arg(2)
		b.WriteByte(')')
	case "IN", "NOT IN":
		b.WriteByte('(')
		arg(0)
		b.WriteString(" " + e.Name + " (")
		list(1, ", ")
		b.WriteString("))")
	case "LIKE", "NOT LIKE":
		b.WriteByte('(')
		arg(0)
		b.WriteString(" " + e.Name + " ")
		arg(1)
		if len(args) > 2 {
			b.WriteString(" ESCAPE ")
			arg(2)
		}
		b.WriteByte(')')
	case "CASE", "SIMPLE CASE":
		first, pairs, hasElse := caseShape(e)
		b.WriteString("CASE")
		if first == 1 {
			b.WriteByte(' ')
			arg(0)
		}
		for i := range pairs {
			b.WriteString(" WHEN ")
			arg(first + 2*i)
			b.WriteString(" THEN ")
			arg(first + 2*i + 1)
		}
		if hasElse {
			b.WriteString(" ELSE ")
			arg(len(args) - 1)
		}
		b.WriteString(" END")
	case "FLOOR", "CEIL":
		b.WriteString(e.Name + "(")
		arg(0)
		if len(args) == 2 {
			b.WriteString(" TO " + unitName(args[1]))
		}
		b.WriteByte(')')
	case "EXTRACT":
		b.WriteString("EXTRACT(" + unitName(args[0]) + " FROM ")
		arg(1)
		b.WriteByte(')')
	case "POSITION":
		b.WriteString("POSITION(")
		arg(0)
		b.WriteString(" IN ")
		arg(1)
		b.WriteByte(')')
	}
}

// unitName is a time unit argument as SQL writes it: bare.
func unitName(e *Expr) string {
	if e.Op == OpLit && e.Lit.Kind() == data.String {
		return strings.ToUpper(e.Lit.Str())
	}
	return e.String()
}

// writeLit prints a literal in SQL syntax.
func writeLit(b *strings.Builder, v data.Value, t data.Type) {
	if v.IsNull() {
		b.WriteString("NULL")
		return
	}
	if t.Kind != v.Kind() {
		t = data.Type{Kind: v.Kind(), Prec: 9, Scale: v.Scale()}
	}
	quoted := func(prefix, s string) {
		b.WriteString(prefix + "'" + strings.ReplaceAll(s, "'", "''") + "'")
	}
	switch v.Kind() {
	case data.String:
		quoted("", v.Str())
	case data.Bytes:
		fmt.Fprintf(b, "X'%X'", v.Str())
	case data.Date:
		quoted("DATE ", data.FormatText(v, t))
	case data.Timestamp:
		quoted("TIMESTAMP ", data.FormatText(v, t))
	case data.TimestampLTZ:
		// SQL has no TIMESTAMP_LTZ literal; this is the call that makes one.
		fmt.Fprintf(b, "TO_TIMESTAMP_LTZ(%d, 3)", v.Millis())
	case data.IntervalDayTime:
		quoted("INTERVAL ", data.FormatText(v, t))
		b.WriteString(" DAY TO SECOND")
	case data.IntervalYearMonth:
		quoted("INTERVAL ", data.FormatText(v, t))
		b.WriteString(" YEAR TO MONTH")
	default:
		b.WriteString(data.FormatText(v, t))
	}
}
