package expr

import (
	"errors"
	"fmt"

	"github.com/runnel/runnel/table/data"
)

// Eval computes a compiled expression's value for one row. It is safe for
// concurrent use: the closures hold no per-row state.
type Eval func(r data.Row) (data.Value, error)

// Compile turns a resolved expression into nested closures, once per
// operator: each node's closure is chosen for its operand types at compile
// time (a BIGINT > literal closure, an INT + INT closure), so evaluating a
// row runs no interpreter loop, no reflection, and allocates nothing for
// numbers, booleans and times. Sub-expressions of literals only (and no
// clock) are evaluated once here.
//
// Errors at run time (a CAST of a bad string, an integer division by
// zero) name the expression that failed; TRY_CAST yields NULL instead.
func Compile(e *Expr) (Eval, error) { return compile(e) }

// CompilePredicate compiles a BOOLEAN expression as WHERE and join
// conditions use it: NULL (UNKNOWN) is false. AND and OR of predicates and
// comparisons of a column with a literal get closures of their own.
func CompilePredicate(e *Expr) (func(data.Row) (bool, error), error) {
	if e == nil || !e.Resolved {
		return nil, errors.New("cannot compile an unresolved expression")
	}
	if e.Type.Kind != data.Boolean && e.Type.Kind != data.Null {
		return nil, fmt.Errorf("a condition must be BOOLEAN, got %s: %s", typeName(e.Type), e)
	}
	return compilePred(e)
}

// pred is a compiled condition.
type pred func(r data.Row) (bool, error)

func compilePred(e *Expr) (pred, error) {
	if e.Op == OpCall && !isConst(e) {
		switch e.Name {
		case "AND", "OR":
			// In a condition, NULL is false, so AND and OR reduce to Go's:
			// (NULL AND FALSE) and (NULL AND TRUE) are both not true.
			ps := make([]pred, len(e.Args))
			for i, a := range e.Args {
				var err error
				if ps[i], err = compilePred(a); err != nil {
					return nil, err
				}
			}
			return joinPreds(ps, e.Name == "AND"), nil
		case "=", "<>", "<", "<=", ">", ">=":
			if p := columnLiteralPred(e); p != nil {
				return p, nil
			}
			if classOf(e.Args[0].Type.Kind) == clsInt && classOf(e.Args[1].Type.Kind) == clsInt {
				return intCompare(e)
			}
		}
	}
	ev, err := compile(e)
	if err != nil {
		return nil, err
	}
	return func(r data.Row) (bool, error) {
		v, err := ev(r)
		return err == nil && !v.IsNull() && v.Bool(), err
	}, nil
}

func joinPreds(ps []pred, and bool) pred {
	if len(ps) == 2 {
		a, b := ps[0], ps[1]
		if and {
			return func(r data.Row) (bool, error) {
				if ok, err := a(r); !ok || err != nil {
					return false, err
				}
				return b(r)
			}
		}
		return func(r data.Row) (bool, error) {
			if ok, err := a(r); ok || err != nil {
				return ok, err
			}
			return b(r)
		}
	}
	return func(r data.Row) (bool, error) {
		for _, p := range ps {
			ok, err := p(r)
			if err != nil {
				return false, err
			}
			if ok != and {
				return ok, nil
			}
		}
		return and, nil
	}
}

func compile(e *Expr) (Eval, error) {
	if e == nil || !e.Resolved {
		return nil, errors.New("cannot compile an unresolved expression")
	}
	var ev Eval
	var err error
	switch e.Op {
	case OpCol:
		return colEval(e.Index), nil
	case OpLit:
		return constEval(e.Lit, nil), nil
	case OpCast:
		ev, err = compileCast(e)
	case OpCall:
		f := functions[e.Name]
		if f == nil {
			return nil, fmt.Errorf("unknown function %s", e.Name)
		}
		if err := f.checkArity(e.Name, len(withoutZone(e.Args))); err != nil {
			return nil, err
		}
		ev, err = f.compile(e)
	default:
		return nil, fmt.Errorf("unknown expression kind %d", e.Op)
	}
	if err != nil {
		return nil, err
	}
	if isConst(e) {
		// Folded lazily: an error stays the row's, so that a CASE branch
		// never taken does not fail the query.
		v, err := ev(data.Row{})
		return constEval(v, err), nil
	}
	return ev, nil
}

// isConst reports whether e's value is the same for every row: literals
// and calls of literals that do not read the clock.
func isConst(e *Expr) bool {
	switch e.Op {
	case OpLit:
		return true
	case OpCol:
		return false
	case OpCall:
		if f := functions[e.Name]; f == nil || f.volatile {
			return false
		}
	}
	for _, a := range e.Args {
		if !isConst(a) {
			return false
		}
	}
	return true
}

func constEval(v data.Value, err error) Eval {
	return func(data.Row) (data.Value, error) { return v, err }
}

func colEval(i int) Eval {
	return func(r data.Row) (data.Value, error) {
		if uint(i) >= uint(r.Width()) {
			return data.Value{}, shortRow(i, r)
		}
		return r.Field(i), nil
	}
}

// shortRow is the error of a row without the column an expression reads:
// a plan bug, reported rather than panicking in a task.
func shortRow(i int, r data.Row) error {
	return fmt.Errorf("row has %d fields, the expression reads $%d", r.Width(), i)
}

// exprError names the expression a run-time error happened in.
func exprError(e *Expr, err error) error { return fmt.Errorf("%s: %w", e, err) }

// compileAll compiles e's arguments, without a zone argument.
func compileAll(e *Expr) ([]Eval, error) {
	args := withoutZone(e.Args)
	out := make([]Eval, len(args))
	for i, a := range args {
		var err error
		if out[i], err = compile(a); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func compileCast(e *Expr) (Eval, error) {
	if len(e.Args) == 0 {
		return nil, errors.New("CAST without an operand")
	}
	x := e.Args[0]
	a, err := compile(x)
	if err != nil {
		return nil, err
	}
	loc, err := zoneOf(e)
	if err != nil {
		return nil, err
	}
	to := e.Type.Kind
	null := data.NullOf(to)
	if x.Type.Kind == data.Int && to == data.BigInt {
		// The common implicit widening: the same int64 of another kind.
		return func(r data.Row) (data.Value, error) {
			v, err := a(r)
			if err != nil || v.IsNull() {
				return null, err
			}
			return data.BigIntValue(v.Int64()), nil
		}, nil
	}
	f := castFunc(x.Type, e.Type, loc)
	if f == nil {
		return nil, fmt.Errorf("cannot cast %s to %s", typeName(x.Type), typeName(e.Type))
	}
	try := e.Name == "TRY_CAST"
	return func(r data.Row) (data.Value, error) {
		v, err := a(r)
		if err != nil || v.IsNull() {
			return null, err
		}
		w, err := f(v)
		if err != nil {
			if try {
				return null, nil
			}
			return null, exprError(e, err)
		}
		return w, nil
	}, nil
}

// The BOOLEAN results, shared.
var (
	vTrue     = data.BoolValue(true)
	vFalse    = data.BoolValue(false)
	vNullBool = data.NullOf(data.Boolean)
)

// boolValue is data.BoolValue as a copy of a shared value, which is
// cheaper than building one in a closure's result (measured: half the
// time of a comparison's closure).
func boolValue(b bool) data.Value {
	if b {
		return vTrue
	}
	return vFalse
}

// strict1 is a closure yielding NULL of kind k when a is NULL, else f of
// a's value: most functions are strict.
func strict1(k data.Kind, a Eval, f func(x data.Value) (data.Value, error)) Eval {
	null := data.NullOf(k)
	return func(r data.Row) (data.Value, error) {
		x, err := a(r)
		if err != nil || x.IsNull() {
			return null, err
		}
		return f(x)
	}
}

// strict2 is strict1 for two arguments.
func strict2(k data.Kind, a, b Eval, f func(x, y data.Value) (data.Value, error)) Eval {
	null := data.NullOf(k)
	return func(r data.Row) (data.Value, error) {
		x, err := a(r)
		if err != nil || x.IsNull() {
			return null, err
		}
		y, err := b(r)
		if err != nil || y.IsNull() {
			return null, err
		}
		return f(x, y)
	}
}

// strictN is strict1 for any number of arguments.
func strictN(k data.Kind, args []Eval, f func(xs []data.Value) (data.Value, error)) Eval {
	null := data.NullOf(k)
	return func(r data.Row) (data.Value, error) {
		xs := make([]data.Value, len(args))
		for i, a := range args {
			x, err := a(r)
			if err != nil || x.IsNull() {
				return null, err
			}
			xs[i] = x
		}
		return f(xs)
	}
}
