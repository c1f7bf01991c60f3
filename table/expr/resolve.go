package expr

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/runnel/runnel/table/data"
)

// Options are the session settings an expression's meaning depends on.
type Options struct {
	// Location is the session time zone, Flink's table.local-time-zone; nil
	// is UTC. TIMESTAMP_LTZ values are shown, parsed and truncated to days
	// in it, and LOCALTIMESTAMP and CURRENT_DATE read the clock in it.
	// Resolve records its name in the expressions that depend on it, so a
	// plan compiled on another node means the same: the name must be an
	// IANA zone ("Asia/Shanghai") or an offset ("UTC+8", "GMT+08:00").
	Location *time.Location
}

// Resolve returns a resolved copy of e over rows of schema in: columns
// found by name (their Index and Type set, Name kept for EXPLAIN),
// literals typed, every call checked and typed with Flink's rules, and
// Flink's implicit conversions made explicit as OpCast nodes, so that
// Compile needs no type reasoning. e is not modified.
//
// Aggregate calls are refused: the planner takes them out before, and
// unwraps AS aliases with Alias. A result type has no time attribute mark
// unless the expression is a bare column, or a CAST of a time attribute
// column to its own type: only those stay usable for windows downstream.
func Resolve(e *Expr, in data.Schema, opts Options) (*Expr, error) {
	r := &resolver{in: in, loc: opts.Location}
	if r.loc == nil {
		r.loc = time.UTC
	}
	return r.resolve(e)
}

// IsAggregate reports whether name (upper case) is an aggregate function,
// which the planner must take out of an expression before Resolve.
func IsAggregate(name string) bool {
	switch name {
	case "COUNT", "SUM", "MIN", "MAX", "AVG":
		return true
	}
	return false
}

// Alias unwraps e.As(name): the aliased expression and the name, or e
// itself and false when e is not an alias.
func Alias(e *Expr) (inner *Expr, name string, ok bool) {
	if e != nil && e.Op == OpCall && e.Name == "AS" && len(e.Args) == 2 && e.Args[1].Op == OpLit {
		return e.Args[0], e.Args[1].Lit.Str(), true
	}
	return e, "", false
}

type resolver struct {
	in  data.Schema
	loc *time.Location
}

func (r *resolver) resolve(e *Expr) (*Expr, error) {
	if e == nil {
		return nil, errors.New("missing expression")
	}
	switch e.Op {
	case OpCol:
		return r.resolveCol(e)
	case OpLit:
		return resolveLit(e)
	case OpCast:
		return r.resolveCast(e)
	case OpCall:
		return r.resolveCall(e)
	}
	return nil, fmt.Errorf("unknown expression kind %d", e.Op)
}

// maxListed is how many of the input's columns a not-found message lists.
const maxListed = 30

// UnknownColumnError is a reference to a column the input does not have;
// a caller that knows where the name was written (the SQL binder) can
// point at it.
type UnknownColumnError struct {
	Name  string
	Input []string
}

func (e *UnknownColumnError) Error() string {
	if len(e.Input) == 0 {
		return fmt.Sprintf("column %q not found; the input has no columns", e.Name)
	}
	names := e.Input
	if len(names) > maxListed {
		names = append(names[:maxListed:maxListed], "...")
	}
	return fmt.Sprintf("column %q not found; the input has %s", e.Name, strings.Join(names, ", "))
}

// resolveCol finds a column by name, or by Index for a nameless one.
func (r *resolver) resolveCol(e *Expr) (*Expr, error) {
	i := e.Index
	if e.Name != "" {
		i = r.in.Index(e.Name)
		if i < 0 {
			return nil, &UnknownColumnError{Name: e.Name, Input: r.in.Names()}
		}
	} else if i < 0 || i >= r.in.Len() {
		return nil, fmt.Errorf("column $%d not found; the input has %d columns", i, r.in.Len())
	}
	return &Expr{Op: OpCol, Name: e.Name, Index: i, Type: r.in.Columns[i].Type, Resolved: true}, nil
}

// resolveLit types a literal: by its Type when set, else by its value.
func resolveLit(e *Expr) (*Expr, error) {
	out := &Expr{Op: OpLit, Name: e.Name, Lit: e.Lit, Type: e.Type.Plain(), Resolved: true}
	if out.Type.Kind == data.Null {
		out.Type = litType(e.Lit)
	}
	if e.Lit.IsNull() || e.Lit.Kind() == data.Null {
		out.Lit, out.Type.NotNull = data.NullOf(out.Type.Kind), false
		return out, nil
	}
	if e.Lit.Kind() != out.Type.Kind {
		return nil, fmt.Errorf("literal of kind %s typed %s", e.Lit.Kind(), typeName(out.Type))
	}
	if err := out.Type.Check(); err != nil {
		return nil, err
	}
	out.Type.NotNull = true
	return out, nil
}

// litType is the type of a literal given as a bare Value.
func litType(v data.Value) data.Type {
	switch v.Kind() {
	case data.String:
		return data.TVarchar(max(utf8.RuneCountInString(v.Str()), 1))
	case data.Decimal:
		u := v.Unscaled()
		digits := len(u.Abs(u).String())
		return data.TDecimal(max(digits, v.Scale(), 1), v.Scale())
	case data.Timestamp, data.TimestampLTZ:
		p := 9
		if v.Int64()%1e6 == 0 {
			p = 3
		} else if v.Int64()%1e3 == 0 {
			p = 6
		}
		return data.Type{Kind: v.Kind(), Prec: p}
	case data.Bytes:
		return data.TBytes
	case data.IntervalDayTime:
		return data.TIntervalDayTime
	}
	return data.Type{Kind: v.Kind()}
}

func (r *resolver) resolveCast(e *Expr) (*Expr, error) {
	if len(e.Args) == 0 {
		return nil, errors.New("CAST without an operand")
	}
	x, err := r.resolve(e.Args[0])
	if err != nil {
		return nil, err
	}
	to := e.Type.Plain()
	if to.Kind == data.Null {
		return nil, errors.New("CAST to NULL")
	}
	if err := to.Check(); err != nil {
		return nil, err
	}
	if castFunc(x.Type, to, time.UTC) == nil {
		return nil, fmt.Errorf("cannot cast %s to %s", typeName(x.Type), typeName(to))
	}
	try := e.Name == "TRY_CAST"
	// A CAST keeps nullability, but TRY_CAST and a cast to DECIMAL, which
	// yields NULL on overflow, may be NULL anyway.
	to.NotNull = x.Type.NotNull && !try && (to.Kind != data.Decimal || x.Type.Kind == data.Null)
	if x.Op == OpCol && x.Type.Time != data.NoTimeAttr && to.Equal(x.Type) {
		to.Time = x.Type.Time
	}
	out := &Expr{Op: OpCast, Name: e.Name, Type: to, Args: []*Expr{x}, Resolved: true}
	if try {
		out.Name = "TRY_CAST"
	}
	return r.addZone(out, castNeedsZone(x.Type, to))
}

func (r *resolver) resolveCall(e *Expr) (*Expr, error) {
	switch {
	case IsAggregate(e.Name):
		return nil, fmt.Errorf("aggregate function %s is not allowed here", e.Name)
	case e.Name == "AS":
		return nil, errors.New("an alias (AS) is not allowed here")
	}
	def, ok := functions[e.Name]
	if !ok {
		return nil, fmt.Errorf("unknown function %s", e.Name)
	}
	args := withoutZone(e.Args)
	if err := def.checkArity(e.Name, len(args)); err != nil {
		return nil, err
	}
	out := &Expr{Op: OpCall, Name: e.Name, Args: make([]*Expr, len(args)), Resolved: true}
	for i, a := range args {
		var err error
		if out.Args[i], err = r.resolve(a); err != nil {
			return nil, err
		}
	}
	t, err := def.typeOf(r, out)
	if err != nil {
		return nil, err
	}
	out.Type = t.Plain()
	return out, nil
}

// castTo converts x to t, keeping x's nullability: a NULL literal is
// retyped, another literal converted now (an error is the query's: a
// string that is no timestamp), anything else wrapped in a CAST.
func (r *resolver) castTo(x *Expr, t data.Type) (*Expr, error) {
	t = withNull(t.Plain(), x.Type.NotNull)
	if !needsCast(x.Type, t) {
		return x, nil
	}
	if x.Op == OpLit {
		if x.Lit.IsNull() {
			return &Expr{Op: OpLit, Lit: data.NullOf(t.Kind), Type: t.Nullable(), Resolved: true}, nil
		}
		f := castFunc(x.Type, t, r.loc)
		if f == nil {
			return nil, fmt.Errorf("cannot cast %s to %s", typeName(x.Type), typeName(t))
		}
		v, err := f(x.Lit)
		if err != nil {
			return nil, err
		}
		return &Expr{Op: OpLit, Lit: v, Type: withNull(t, !v.IsNull()), Resolved: true}, nil
	}
	if castFunc(x.Type, t, time.UTC) == nil {
		return nil, fmt.Errorf("cannot cast %s to %s", typeName(x.Type), typeName(t))
	}
	if t.Kind == data.Decimal {
		t.NotNull = false // may overflow to NULL
	}
	return r.addZone(&Expr{Op: OpCast, Type: t, Args: []*Expr{x}, Resolved: true}, castNeedsZone(x.Type, t))
}

// castArgs casts e.Args[from:] to t where their representation differs;
// for comparisons, keep leaves same-kind operands as they are, since the
// comparison handles DECIMAL scales and TIMESTAMP precisions itself.
func (r *resolver) castArgs(e *Expr, from int, t data.Type, keep bool) error {
	for i := from; i < len(e.Args); i++ {
		a := e.Args[i]
		if keep && a.Type.Kind == t.Kind {
			continue
		}
		c, err := r.castTo(a, t)
		if err != nil {
			return err
		}
		e.Args[i] = c
	}
	return nil
}

// zoneMarker names the literal argument Resolve appends to an expression
// whose value depends on the session time zone: the zone's name, so that
// a compiled plan needs no session.
const zoneMarker = "$zone"

// addZone appends the session zone to e when need.
func (r *resolver) addZone(e *Expr, need bool) (*Expr, error) {
	if !need {
		return e, nil
	}
	name := r.loc.String()
	if _, err := LoadZone(name); err != nil {
		return nil, err
	}
	z := &Expr{Op: OpLit, Name: zoneMarker, Lit: data.StringValue(name), Type: data.TString.AsNotNull(), Resolved: true}
	e.Args = append(e.Args, z)
	return e, nil
}

// withoutZone is args without a zone argument a previous Resolve added.
func withoutZone(args []*Expr) []*Expr {
	if n := len(args); n > 0 && isZone(args[n-1]) {
		return args[:n-1]
	}
	return args
}

func isZone(e *Expr) bool { return e != nil && e.Op == OpLit && e.Name == zoneMarker }
