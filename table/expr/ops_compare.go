package expr

import (
	"cmp"
	"strings"

	"github.com/runnel/runnel/table/data"
)

// Comparisons: = <> < <= > >=, IS [NOT] DISTINCT FROM, BETWEEN, IN. Resolve
// brings the operands to one kind, so a comparison's closure is chosen
// once by that kind; a column compared with a literal reads the field
// directly.

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

var cmpOps = map[string]cmpOp{"=": opEq, "<>": opNe, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe}

// test reports whether a comparison whose three-way result is c holds.
func (op cmpOp) test(c int) bool {
	switch op {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	}
	return c >= 0
}

// testOrdered is test for two int64s or two DOUBLEs, without the
// three-way step; DOUBLEs compare as Java's primitives: NaN is unequal to
// everything, itself included.
func testOrdered[T int64 | float64](op cmpOp, x, y T) bool {
	switch op {
	case opEq:
		return x == y
	case opNe:
		return x != y
	case opLt:
		return x < y
	case opLe:
		return x <= y
	case opGt:
		return x > y
	}
	return x >= y
}

// flip is the operator with its operands swapped: 1 < x is x > 1.
func (op cmpOp) flip() cmpOp {
	switch op {
	case opLt:
		return opGt
	case opLe:
		return opGe
	case opGt:
		return opLt
	case opGe:
		return opLe
	}
	return op
}

// cmpClass is how values of a kind compare.
type cmpClass uint8

const (
	clsInt     cmpClass = iota // the int64: integers, BOOLEAN, datetimes, intervals
	clsDouble                  // the float64
	clsString                  // bytewise, as Flink's BinaryStringData: STRING, BYTES
	clsDecimal                 // data.Compare, across scales
	clsNull                    // NULL literals only: never compared
)

func classOf(k data.Kind) cmpClass {
	switch k {
	case data.Double:
		return clsDouble
	case data.String, data.Bytes:
		return clsString
	case data.Decimal:
		return clsDecimal
	case data.Null:
		return clsNull
	}
	return clsInt
}

// compareValues orders two non-NULL values of class c.
func compareValues(c cmpClass, x, y data.Value) int {
	switch c {
	case clsInt:
		return cmp.Compare(x.Int64(), y.Int64())
	case clsDouble:
		return cmp.Compare(x.Float64(), y.Float64())
	case clsString:
		return strings.Compare(x.Str(), y.Str())
	}
	return data.Compare(x, y)
}

// holds reports whether x op y for non-NULL values of class c.
func holds(op cmpOp, c cmpClass, x, y data.Value) bool {
	if c == clsDouble {
		return testOrdered(op, x.Float64(), y.Float64())
	}
	return op.test(compareValues(c, x, y))
}

// cmpTri is x op y in three-valued logic.
func cmpTri(op cmpOp, c cmpClass, x, y data.Value) tri {
	if x.IsNull() || y.IsNull() {
		return unknown
	}
	return triOf(holds(op, c, x, y))
}

// typeCompare types the comparisons, BETWEEN and IN: all operands are
// brought to their comparison type.
func typeCompare(r *resolver, e *Expr) (data.Type, error) {
	t := e.Args[0].Type
	for _, a := range e.Args[1:] {
		var err error
		if t, err = compareType(t, a.Type); err != nil {
			return data.Type{}, err
		}
	}
	if err := r.castArgs(e, 0, t, true); err != nil {
		return data.Type{}, err
	}
	distinct := strings.HasSuffix(e.Name, "DISTINCT FROM")
	return withNull(data.TBoolean, distinct || allNotNull(e.Args)), nil
}

// intAt is integer-like column i of r, read in place: its int64, and
// whether it is set (not NULL, not missing; err tells a missing one).
func intAt(r data.Row, i int) (n int64, ok bool, err error) {
	if uint(i) >= uint(r.Width()) {
		return 0, false, shortRow(i, r)
	}
	n, null := r.Int64At(i)
	return n, !null, nil
}

// columnLiteral splits a comparison of a column with a non-NULL literal,
// in either order, into the column, the literal and the operator as if
// the column were on the left.
func columnLiteral(e *Expr) (col int, lit data.Value, op cmpOp, ok bool) {
	a, b := e.Args[0], e.Args[1]
	op = cmpOps[e.Name]
	if a.Op == OpLit && b.Op == OpCol {
		a, b, op = b, a, op.flip()
	}
	if a.Op != OpCol || b.Op != OpLit || b.Lit.IsNull() {
		return 0, data.Value{}, 0, false
	}
	return a.Index, b.Lit, op, true
}

// columnLiteralPred is the condition closure of a column compared with a
// literal, or nil: the filter a streaming query runs most.
func columnLiteralPred(e *Expr) pred {
	i, lit, op, ok := columnLiteral(e)
	if !ok {
		return nil
	}
	switch classOf(e.Args[0].Type.Kind) {
	case clsInt:
		return intColumnPred(op, i, lit.Int64())
	case clsString:
		s := lit.Str()
		return func(r data.Row) (bool, error) {
			if uint(i) >= uint(r.Width()) {
				return false, shortRow(i, r)
			}
			f := r.Field(i)
			return !f.IsNull() && op.test(strings.Compare(f.Str(), s)), nil
		}
	}
	return nil
}

// intColumnPred has one closure per operator, so that the comparison
// itself is inlined.
func intColumnPred(op cmpOp, i int, k int64) pred {
	switch op {
	case opEq:
		return func(r data.Row) (bool, error) {
			n, ok, err := intAt(r, i)
			return ok && n == k, err
		}
	case opNe:
		return func(r data.Row) (bool, error) {
			n, ok, err := intAt(r, i)
			return ok && n != k, err
		}
	case opLt:
		return func(r data.Row) (bool, error) {
			n, ok, err := intAt(r, i)
			return ok && n < k, err
		}
	case opLe:
		return func(r data.Row) (bool, error) {
			n, ok, err := intAt(r, i)
			return ok && n <= k, err
		}
	case opGt:
		return func(r data.Row) (bool, error) {
			n, ok, err := intAt(r, i)
			return ok && n > k, err
		}
	}
	return func(r data.Row) (bool, error) {
		n, ok, err := intAt(r, i)
		return ok && n >= k, err
	}
}

func compileCompare(e *Expr) (Eval, error) {
	c := classOf(e.Args[0].Type.Kind)
	if c == clsNull || classOf(e.Args[1].Type.Kind) == clsNull {
		return constEval(vNullBool, nil), nil
	}
	if i, lit, op, ok := columnLiteral(e); ok && c == clsInt {
		k := lit.Int64()
		return func(r data.Row) (data.Value, error) {
			n, ok, err := intAt(r, i)
			if !ok {
				return vNullBool, err
			}
			return boolValue(op.test(cmp.Compare(n, k))), nil
		}, nil
	}
	op := cmpOps[e.Name]
	if c == clsInt {
		a, err := compileInt(e.Args[0])
		if err != nil {
			return nil, err
		}
		b, err := compileInt(e.Args[1])
		if err != nil {
			return nil, err
		}
		return func(r data.Row) (data.Value, error) {
			x, null, err := a(r)
			if null {
				return vNullBool, err
			}
			y, null, err := b(r)
			if null {
				return vNullBool, err
			}
			return boolValue(testOrdered(op, x, y)), nil
		}, nil
	}
	a, err := compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	b, err := compile(e.Args[1])
	if err != nil {
		return nil, err
	}
	switch c {
	case clsDouble:
		return func(r data.Row) (data.Value, error) {
			x, y, null, err := operands(a, b, r)
			if null {
				return vNullBool, err
			}
			return boolValue(testOrdered(op, x.Float64(), y.Float64())), nil
		}, nil
	case clsString:
		return func(r data.Row) (data.Value, error) {
			x, y, null, err := operands(a, b, r)
			if null {
				return vNullBool, err
			}
			return boolValue(op.test(strings.Compare(x.Str(), y.Str()))), nil
		}, nil
	}
	return func(r data.Row) (data.Value, error) {
		x, y, null, err := operands(a, b, r)
		if null {
			return vNullBool, err
		}
		return boolValue(op.test(data.Compare(x, y))), nil
	}, nil
}

// operands evaluates a then b; null reports that either is NULL or failed
// (b is not evaluated when a is NULL).
func operands(a, b Eval, r data.Row) (x, y data.Value, null bool, err error) {
	if x, err = a(r); err != nil || x.IsNull() {
		return x, y, true, err
	}
	if y, err = b(r); err != nil || y.IsNull() {
		return x, y, true, err
	}
	return x, y, false, nil
}

func compileDistinct(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	a, b := args[0], args[1]
	c := classOf(e.Args[0].Type.Kind)
	not := e.Name == "IS NOT DISTINCT FROM"
	return func(r data.Row) (data.Value, error) {
		x, err := a(r)
		if err != nil {
			return vNullBool, err
		}
		y, err := b(r)
		if err != nil {
			return vNullBool, err
		}
		distinct := x.IsNull() != y.IsNull()
		if !x.IsNull() && !y.IsNull() {
			distinct = compareValues(c, x, y) != 0
		}
		return boolValue(distinct != not), nil
	}, nil
}

// compileBetween: x BETWEEN lo AND hi is x >= lo AND x <= hi, with x
// evaluated once; SYMMETRIC also accepts the bounds swapped, as SQL's
// (x BETWEEN lo AND hi) OR (x BETWEEN hi AND lo).
func compileBetween(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	c := classOf(e.Args[0].Type.Kind)
	not := strings.HasPrefix(e.Name, "NOT ")
	sym := strings.HasSuffix(e.Name, "SYMMETRIC")
	return func(r data.Row) (data.Value, error) {
		var v [3]data.Value
		for i, a := range args {
			var err error
			if v[i], err = a(r); err != nil {
				return vNullBool, err
			}
		}
		in := and3(cmpTri(opGe, c, v[0], v[1]), cmpTri(opLe, c, v[0], v[2]))
		if sym {
			in = or3(in, and3(cmpTri(opGe, c, v[0], v[2]), cmpTri(opLe, c, v[0], v[1])))
		}
		if not {
			in = not3(in)
		}
		return in.value(), nil
	}, nil
}

// compileIn: x IN (list) is TRUE when x equals an element, else NULL when
// x or an element is NULL, else FALSE; a list of literals becomes a set.
func compileIn(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	x, list := args[0], args[1:]
	c := classOf(e.Args[0].Type.Kind)
	not := e.Name == "NOT IN"
	result := func(found, sawNull bool) data.Value {
		switch {
		case found:
			return boolValue(!not)
		case sawNull:
			return vNullBool
		}
		return boolValue(not)
	}
	if set := literalSet(e.Args[1:], c); set != nil {
		return func(r data.Row) (data.Value, error) {
			v, err := x(r)
			if err != nil || v.IsNull() {
				return vNullBool, err
			}
			return result(set.has(v), set.null), nil
		}, nil
	}
	return func(r data.Row) (data.Value, error) {
		v, err := x(r)
		if err != nil || v.IsNull() {
			return vNullBool, err
		}
		sawNull := false
		for _, a := range list {
			w, err := a(r)
			if err != nil {
				return vNullBool, err
			}
			if w.IsNull() {
				sawNull = true
			} else if holds(opEq, c, v, w) {
				return result(true, false), nil
			}
		}
		return result(false, sawNull), nil
	}, nil
}

// inSet is an IN list of integer-like or string literals.
type inSet struct {
	ints map[int64]struct{}
	strs map[string]struct{}
	null bool // the list holds a NULL
}

func (s *inSet) has(v data.Value) bool {
	if s.ints != nil {
		_, ok := s.ints[v.Int64()]
		return ok
	}
	_, ok := s.strs[v.Str()]
	return ok
}

// literalSet is the set of list, or nil when an element is not a literal
// or the class is not hashed as it compares.
func literalSet(list []*Expr, c cmpClass) *inSet {
	if c != clsInt && c != clsString {
		return nil
	}
	s := &inSet{}
	if c == clsInt {
		s.ints = make(map[int64]struct{}, len(list))
	} else {
		s.strs = make(map[string]struct{}, len(list))
	}
	for _, a := range list {
		switch {
		case a.Op != OpLit:
			return nil
		case a.Lit.IsNull():
			s.null = true
		case c == clsInt:
			s.ints[a.Lit.Int64()] = struct{}{}
		default:
			s.strs[a.Lit.Str()] = struct{}{}
		}
	}
	return s
}
