package expr

import (
	"fmt"
	"strings"

	"github.com/runnel/runnel/table/data"
)

// SQL's three-valued logic and the conditional functions.

// tri is a truth value of three-valued logic.
type tri uint8

const (
	falseT tri = iota
	trueT
	unknown
)

func triOf(b bool) tri {
	if b {
		return trueT
	}
	return falseT
}

// truth is a BOOLEAN value's truth: NULL is UNKNOWN.
func truth(v data.Value) tri {
	if v.IsNull() {
		return unknown
	}
	return triOf(v.Bool())
}

func (t tri) value() data.Value {
	switch t {
	case trueT:
		return vTrue
	case falseT:
		return vFalse
	}
	return vNullBool
}

// and3: FALSE wins, then UNKNOWN.
func and3(a, b tri) tri {
	if a == falseT || b == falseT {
		return falseT
	}
	if a == unknown || b == unknown {
		return unknown
	}
	return trueT
}

// or3: TRUE wins, then UNKNOWN.
func or3(a, b tri) tri {
	if a == trueT || b == trueT {
		return trueT
	}
	if a == unknown || b == unknown {
		return unknown
	}
	return falseT
}

func not3(a tri) tri {
	if a == unknown {
		return unknown
	}
	return 1 - a
}

func typeLogic(r *resolver, e *Expr) (data.Type, error) {
	if err := r.wantAll(e, 0, famBoolean); err != nil {
		return data.Type{}, err
	}
	return withNull(data.TBoolean, allNotNull(e.Args)), nil
}

func compileAnd(e *Expr) (Eval, error) { return compileAndOr(e, true) }
func compileOr(e *Expr) (Eval, error)  { return compileAndOr(e, false) }

// compileAndOr evaluates left to right and stops at the deciding value
// (FALSE for AND, TRUE for OR); UNKNOWN then decides over the other.
func compileAndOr(e *Expr, and bool) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	decided, rest := vFalse, vTrue
	if !and {
		decided, rest = vTrue, vFalse
	}
	if len(args) == 2 {
		a, b := args[0], args[1]
		return func(r data.Row) (data.Value, error) {
			x, err := a(r)
			if err != nil {
				return vNullBool, err
			}
			if !x.IsNull() && x.Bool() != and {
				return decided, nil
			}
			y, err := b(r)
			if err != nil {
				return vNullBool, err
			}
			if !y.IsNull() && y.Bool() != and {
				return decided, nil
			}
			if x.IsNull() || y.IsNull() {
				return vNullBool, nil
			}
			return rest, nil
		}, nil
	}
	return func(r data.Row) (data.Value, error) {
		sawNull := false
		for _, a := range args {
			x, err := a(r)
			if err != nil {
				return vNullBool, err
			}
			if x.IsNull() {
				sawNull = true
			} else if x.Bool() != and {
				return decided, nil
			}
		}
		if sawNull {
			return vNullBool, nil
		}
		return rest, nil
	}, nil
}

func compileNot(e *Expr) (Eval, error) {
	a, err := compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	return strict1(data.Boolean, a, func(x data.Value) (data.Value, error) { return boolValue(!x.Bool()), nil }), nil
}

func typeIsNull(r *resolver, e *Expr) (data.Type, error) { return data.TBoolean.AsNotNull(), nil }

func compileIsNull(e *Expr) (Eval, error) {
	a, err := compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	want := e.Name == "IS NULL"
	return func(r data.Row) (data.Value, error) {
		v, err := a(r)
		return boolValue(v.IsNull() == want), err
	}, nil
}

func typeIsTruth(r *resolver, e *Expr) (data.Type, error) {
	if err := r.want(e, 0, famBoolean); err != nil {
		return data.Type{}, err
	}
	return data.TBoolean.AsNotNull(), nil
}

// compileIsTruth: IS [NOT] TRUE|FALSE|UNKNOWN test the truth value and are
// never UNKNOWN themselves.
func compileIsTruth(e *Expr) (Eval, error) {
	a, err := compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	not := strings.HasPrefix(e.Name, "IS NOT ")
	want := unknown
	switch {
	case strings.HasSuffix(e.Name, "TRUE"):
		want = trueT
	case strings.HasSuffix(e.Name, "FALSE"):
		want = falseT
	}
	return func(r data.Row) (data.Value, error) {
		v, err := a(r)
		return boolValue((truth(v) == want) != not), err
	}, nil
}

// caseShape is where a CASE call's parts are: CASE is c1, r1, ..., cn,
// rn[, else]; SIMPLE CASE is x, v1, r1, ..., vn, rn[, else].
func caseShape(e *Expr) (first, pairs int, hasElse bool) {
	if e.Name == "SIMPLE CASE" {
		first = 1
	}
	n := len(withoutZone(e.Args)) - first
	return first, n / 2, n%2 == 1
}

// typeCase checks the conditions (or brings x and the values to their
// comparison type) and casts the results to their common type.
func typeCase(r *resolver, e *Expr) (data.Type, error) {
	first, pairs, hasElse := caseShape(e)
	var results []int
	if first == 1 {
		// x and the values meet at their comparison type.
		vals := []int{0}
		for i := range pairs {
			vals = append(vals, 1+2*i)
		}
		t := e.Args[0].Type
		for _, j := range vals[1:] {
			var err error
			if t, err = compareType(t, e.Args[j].Type); err != nil {
				return data.Type{}, err
			}
		}
		for _, j := range vals {
			if e.Args[j].Type.Kind != t.Kind {
				c, err := r.castTo(e.Args[j], t)
				if err != nil {
					return data.Type{}, err
				}
				e.Args[j] = c
			}
		}
	}
	for i := range pairs {
		if first == 0 {
			if err := r.want(e, 2*i, famBoolean); err != nil {
				return data.Type{}, err
			}
		}
		results = append(results, first+2*i+1)
	}
	if hasElse {
		results = append(results, len(e.Args)-1)
	}
	t, err := r.castCommon(e, results)
	if err != nil {
		return data.Type{}, err
	}
	return withNull(t, t.NotNull && hasElse), nil
}

// castCommon casts the arguments at idx to their common type, which it
// returns NOT NULL if all are.
func (r *resolver) castCommon(e *Expr, idx []int) (data.Type, error) {
	ts := make([]data.Type, len(idx))
	for k, i := range idx {
		ts[k] = e.Args[i].Type
	}
	t, ok := CommonType(ts)
	if !ok {
		names := make([]string, len(ts))
		for k, u := range ts {
			names[k] = typeName(u)
		}
		return data.Type{}, fmt.Errorf("%s: %s have no common type", e.Name, strings.Join(names, ", "))
	}
	for _, i := range idx {
		c, err := r.castTo(e.Args[i], t)
		if err != nil {
			return data.Type{}, err
		}
		e.Args[i] = c
	}
	return t, nil
}

func compileCase(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	first, pairs, hasElse := caseShape(e)
	otherwise := constEval(data.NullOf(e.Type.Kind), nil)
	if hasElse {
		otherwise = args[len(args)-1]
	}
	whens, thens := make([]Eval, pairs), make([]Eval, pairs)
	for i := range pairs {
		whens[i], thens[i] = args[first+2*i], args[first+2*i+1]
	}
	if first == 0 {
		return func(r data.Row) (data.Value, error) {
			for i, w := range whens {
				c, err := w(r)
				if err != nil {
					return c, err
				}
				if !c.IsNull() && c.Bool() {
					return thens[i](r)
				}
			}
			return otherwise(r)
		}, nil
	}
	x, c := args[0], classOf(e.Args[0].Type.Kind)
	return func(r data.Row) (data.Value, error) {
		v, err := x(r)
		if err != nil {
			return v, err
		}
		for i, w := range whens {
			if v.IsNull() {
				break
			}
			u, err := w(r)
			if err != nil {
				return u, err
			}
			if !u.IsNull() && holds(opEq, c, v, u) {
				return thens[i](r)
			}
		}
		return otherwise(r)
	}, nil
}

// typeCoalesce: COALESCE and IFNULL are NOT NULL when any argument is.
func typeCoalesce(r *resolver, e *Expr) (data.Type, error) {
	idx := make([]int, len(e.Args))
	notNull := false
	for i, a := range e.Args {
		idx[i] = i
		notNull = notNull || a.Type.NotNull
	}
	t, err := r.castCommon(e, idx)
	return withNull(t, notNull), err
}

func compileCoalesce(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	null := data.NullOf(e.Type.Kind)
	return func(r data.Row) (data.Value, error) {
		for _, a := range args {
			v, err := a(r)
			if err != nil || !v.IsNull() {
				return v, err
			}
		}
		return null, nil
	}, nil
}

func typeIf(r *resolver, e *Expr) (data.Type, error) {
	if err := r.want(e, 0, famBoolean); err != nil {
		return data.Type{}, err
	}
	return r.castCommon(e, []int{1, 2})
}

func compileIf(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	c, a, b := args[0], args[1], args[2]
	return func(r data.Row) (data.Value, error) {
		v, err := c(r)
		if err != nil {
			return v, err
		}
		if !v.IsNull() && v.Bool() {
			return a(r)
		}
		return b(r)
	}, nil
}

func typeNullIf(r *resolver, e *Expr) (data.Type, error) {
	t, err := r.castCommon(e, []int{0, 1})
	return t.Nullable(), err
}

// compileNullIf: NULLIF(a, b) is NULL when a = b, else a.
func compileNullIf(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	a, b := args[0], args[1]
	c := classOf(e.Args[0].Type.Kind)
	null := data.NullOf(e.Type.Kind)
	return func(r data.Row) (data.Value, error) {
		x, err := a(r)
		if err != nil || x.IsNull() {
			return x, err
		}
		y, err := b(r)
		if err != nil {
			return y, err
		}
		if !y.IsNull() && holds(opEq, c, x, y) {
			return null, nil
		}
		return x, nil
	}, nil
}
