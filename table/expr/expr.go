package expr

import (
	"fmt"
	"time"

	"github.com/runnel/runnel/table/data"
)

// Op is what an expression node is.
type Op uint8

const (
	// OpCol refers to a column: by Name until resolved, then by Index.
	OpCol Op = iota
	// OpLit is a literal Value of type Type.
	OpLit
	// OpCall applies the function Name (upper case: "+", "=", "AND",
	// "IS NULL", "CASE", "UPPER", "COUNT", ...) to Args.
	OpCall
	// OpCast converts Args[0] to Type; Name is "TRY_CAST" for the variant
	// that yields NULL instead of failing.
	OpCast
)

// Expr is a scalar (or, directly under an aggregation, aggregate)
// expression. One plain struct rather than a node per construct, because a
// resolved expression travels inside a job's plan to every node and must
// encode without a type registry. The Table API and the SQL binder build
// unresolved trees (columns by name, no types); Resolve types them against
// an input schema; Compile turns a resolved tree into a closure.
type Expr struct {
	Op    Op         `msgpack:"o"`
	Name  string     `msgpack:"n,omitempty"`
	Index int        `msgpack:"i,omitempty"`
	Type  data.Type  `msgpack:"t"`
	Lit   data.Value `msgpack:"l"`
	Args  []*Expr    `msgpack:"a,omitempty"`
	// Distinct marks an aggregate call over distinct values (COUNT(DISTINCT x)).
	Distinct bool `msgpack:"d,omitempty"`
	// Resolved is set by Resolve: Index and Type are valid.
	Resolved bool `msgpack:"r,omitempty"`
}

// Lit is a literal of a Go value: bool, int and int32 (INT), int64
// (BIGINT), float64 (DOUBLE), string (STRING), []byte (BYTES), time.Time
// (TIMESTAMP(3) of its wall clock), time.Duration (INTERVAL, milliseconds),
// a Value (typed by its kind) or nil (NULL). Other types panic: a program
// error, as a bad argument to strings.Repeat.
func Lit(v any) *Expr {
	e := &Expr{Op: OpLit}
	switch x := v.(type) {
	case nil:
		e.Lit, e.Type = data.NullOf(data.Null), data.TNull
	case bool:
		e.Lit, e.Type = boolValue(x), data.TBoolean.AsNotNull()
	case int:
		e.Lit, e.Type = data.IntValue(int32(x)), data.TInt.AsNotNull()
		if int(int32(x)) != x {
			e.Lit, e.Type = data.BigIntValue(int64(x)), data.TBigInt.AsNotNull()
		}
	case int32:
		e.Lit, e.Type = data.IntValue(x), data.TInt.AsNotNull()
	case int64:
		e.Lit, e.Type = data.BigIntValue(x), data.TBigInt.AsNotNull()
	case float64:
		e.Lit, e.Type = data.DoubleValue(x), data.TDouble.AsNotNull()
	case string:
		e.Lit, e.Type = data.StringValue(x), data.TVarchar(max(len(x), 1)).AsNotNull()
	case []byte:
		e.Lit, e.Type = data.BytesValue(x), data.TBytes.AsNotNull()
	case time.Time:
		e.Lit, e.Type = data.TimestampOf(x), data.TTimestamp(3).AsNotNull()
	case time.Duration:
		e.Lit, e.Type = data.IntervalDayTimeValue(x.Milliseconds()), data.TIntervalDayTime.AsNotNull()
	default:
		panic(fmt.Sprintf("table.Lit: unsupported Go type %T", v))
	}
	return e
}

// Col refers to the input column named name.
func Col(name string) *Expr { return &Expr{Op: OpCol, Name: name} }

// Call applies the function name (case-insensitive) to args.
func Call(name string, args ...*Expr) *Expr { return &Expr{Op: OpCall, Name: upper(name), Args: args} }

// Cast converts e to t.
func Cast(e *Expr, t data.Type) *Expr { return &Expr{Op: OpCast, Type: t, Args: []*Expr{e}} }

// As names the output column of a projected expression.
func (e *Expr) As(name string) *Expr {
	return Call("AS", e, &Expr{Op: OpLit, Lit: data.StringValue(name), Type: data.TString})
}

// The Table API's operators. Each builds a call; Resolve checks it.
func (e *Expr) Gt(o *Expr) *Expr           { return Call(">", e, o) }
func (e *Expr) Ge(o *Expr) *Expr           { return Call(">=", e, o) }
func (e *Expr) Lt(o *Expr) *Expr           { return Call("<", e, o) }
func (e *Expr) Le(o *Expr) *Expr           { return Call("<=", e, o) }
func (e *Expr) Eq(o *Expr) *Expr           { return Call("=", e, o) }
func (e *Expr) Ne(o *Expr) *Expr           { return Call("<>", e, o) }
func (e *Expr) And(o *Expr) *Expr          { return Call("AND", e, o) }
func (e *Expr) Or(o *Expr) *Expr           { return Call("OR", e, o) }
func (e *Expr) Not() *Expr                 { return Call("NOT", e) }
func (e *Expr) Plus(o *Expr) *Expr         { return Call("+", e, o) }
func (e *Expr) Minus(o *Expr) *Expr        { return Call("-", e, o) }
func (e *Expr) Times(o *Expr) *Expr        { return Call("*", e, o) }
func (e *Expr) Div(o *Expr) *Expr          { return Call("/", e, o) }
func (e *Expr) IsNull() *Expr              { return Call("IS NULL", e) }
func (e *Expr) IsNotNull() *Expr           { return Call("IS NOT NULL", e) }
func (e *Expr) Count() *Expr               { return Call("COUNT", e) }
func (e *Expr) Sum() *Expr                 { return Call("SUM", e) }
func (e *Expr) Min() *Expr                 { return Call("MIN", e) }
func (e *Expr) Max() *Expr                 { return Call("MAX", e) }
func (e *Expr) Avg() *Expr                 { return Call("AVG", e) }
func (e *Expr) Upper() *Expr               { return Call("UPPER", e) }
func (e *Expr) Lower() *Expr               { return Call("LOWER", e) }
func (e *Expr) Cast(t data.Type) *Expr     { return Cast(e, t) }
func (e *Expr) Between(lo, hi *Expr) *Expr { return Call("BETWEEN", e, lo, hi) }
func (e *Expr) Like(pattern *Expr) *Expr   { return Call("LIKE", e, pattern) }
func (e *Expr) Concat(o ...*Expr) *Expr    { return Call("CONCAT", append([]*Expr{e}, o...)...) }
func (e *Expr) Mod(o *Expr) *Expr          { return Call("MOD", e, o) }
func (e *Expr) CountDistinct() *Expr       { c := Call("COUNT", e); c.Distinct = true; return c }

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
