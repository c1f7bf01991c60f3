package expr

import (
	"fmt"

	"github.com/runnel/runnel/table/data"
)

// The functions and operators, one table for Resolve (arity, argument
// types, result type, implicit casts) and Compile (the closure). A call is
// Call(name, args...) with the name in upper case; the SQL binder maps
// SQL's syntax onto these names and argument orders.
//
//	name                       arguments                          result
//	-------------------------  ---------------------------------  -------------------------------
//	AND, OR                    BOOLEAN, BOOLEAN, ...              BOOLEAN (three-valued)
//	NOT                        BOOLEAN                            BOOLEAN
//	=  <>  <  <=  >  >=        two comparable values (1)          BOOLEAN
//	IS NULL, IS NOT NULL       any                                BOOLEAN NOT NULL
//	IS [NOT] TRUE|FALSE|UNKNOWN  BOOLEAN                          BOOLEAN NOT NULL
//	IS [NOT] DISTINCT FROM     two comparable values              BOOLEAN NOT NULL
//	[NOT] BETWEEN [SYMMETRIC]  x, low, high                       BOOLEAN
//	IN, NOT IN                 x, v1, ..., vn                     BOOLEAN
//	LIKE, NOT LIKE             STRING, pattern[, escape char]     BOOLEAN
//	+  -                       numbers (2)                        the common number type (3)
//	                           DATE|TIMESTAMP[_LTZ] ± INTERVAL    the datetime's type
//	                           INTERVAL ± INTERVAL (same kind)    INTERVAL
//	*                          numbers; INTERVAL and a number     number type (3); INTERVAL
//	/                          numbers; INTERVAL / number         number type (3), INT / INT is INT
//	%, MOD                     numbers                            number type (3)
//	-, NEGATE (one argument)   number or INTERVAL                 its type
//	||                         STRING, STRING                     STRING
//	CASE                       c1, r1, ..., cn, rn[, else]        common type of the r's (4)
//	SIMPLE CASE                x, v1, r1, ..., vn, rn[, else]     common type of the r's (4)
//	COALESCE                   v1, ..., vn                        common type, NOT NULL if one is
//	IF                         BOOLEAN, a, b                      common type of a, b
//	NULLIF                     a, b                               common type, nullable
//	IFNULL                     a, b                               common type
//	ABS                        number                             its type
//	CEIL, CEILING, FLOOR       number                             its type; DECIMAL(p-s+1, 0)
//	CEIL, FLOOR                datetime, unit literal (5)         the datetime's type
//	ROUND                      number[, INT literal d]            its type; DECIMAL per Flink (6)
//	POWER                      number, number                     DOUBLE
//	SQRT, EXP, LN, LOG10       number                             DOUBLE
//	UPPER, LOWER, INITCAP      STRING                             STRING
//	SUBSTRING, SUBSTR          STRING, INT start[, INT length]    STRING (1-based, Flink's rules)
//	CONCAT                     STRING, ...                        STRING, NULL if any is NULL
//	CONCAT_WS                  STRING separator, STRING, ...      STRING, NULLs skipped
//	CHAR_LENGTH, CHARACTER_LENGTH  STRING                         INT (characters)
//	TRIM, LTRIM, RTRIM         STRING[, STRING characters]        STRING (default: spaces)
//	REPLACE                    STRING, STRING search, STRING by   STRING
//	POSITION                   STRING needle, STRING haystack     INT (1-based, 0 if absent)
//	EXTRACT                    unit literal (5), datetime         BIGINT
//	YEAR QUARTER MONTH WEEK DAYOFYEAR DAYOFMONTH DAYOFWEEK
//	HOUR MINUTE SECOND         datetime                           BIGINT
//	DATE_FORMAT                TIMESTAMP[_LTZ]|STRING, STRING pattern (7)  STRING
//	TO_TIMESTAMP               STRING[, STRING pattern (7)]       TIMESTAMP(3), NULL if unparsable
//	TO_TIMESTAMP_LTZ           number[, INT literal 0 (s) | 3 (ms)]  TIMESTAMP_LTZ(3)
//	CURRENT_TIMESTAMP, NOW     -                                  TIMESTAMP_LTZ(3) NOT NULL
//	LOCALTIMESTAMP             -                                  TIMESTAMP(3) NOT NULL
//	CURRENT_DATE               -                                  DATE NOT NULL
//	UNIX_TIMESTAMP             -                                  BIGINT NOT NULL (seconds)
//
// (1) Numbers compare with numbers, datetimes with datetimes, and a STRING
// with a datetime by casting the string; a NULL literal takes the other
// side's type. (2) INT and BIGINT meet at BIGINT, any with DOUBLE at
// DOUBLE, INT and BIGINT with DECIMAL as DECIMAL(10, 0) and DECIMAL(19, 0).
// Integer arithmetic wraps as Java's; integer division or remainder by
// zero fails the query. (3) DECIMAL results follow data.DecimalPlusType
// and the like and are NULL on overflow. (4) NULL when no condition holds
// and there is no ELSE. (5) The unit is a STRING literal: MILLISECOND,
// SECOND, MINUTE, HOUR, DAY, MONTH, QUARTER, YEAR; EXTRACT also takes WEEK
// (ISO), DOW (Sunday is 1) and DOY. SQL's FLOOR(ts TO HOUR) is Call("FLOOR", ts, Lit("HOUR")) and
// EXTRACT(HOUR FROM ts) is Call("EXTRACT", Lit("HOUR"), ts). (6) ROUND of
// DECIMAL(p, s) to d digits is DECIMAL(p-s+d+1, d) for 0 ≤ d < s. (7) Java
// date patterns: yyyy yy MM M MMM MMMM dd d HH H hh h mm m ss s S... a E
// EEEE D and 'quoted text'.
//
// Calls whose meaning depends on the session time zone carry its name as
// a last, hidden argument (see zoneMarker).
var functions map[string]*fn

// form is how a call prints, and whether messages call it an operator.
type form uint8

const (
	prefixCall form = iota // NAME(a, b)
	infix                  // (a op b)
	prefixOp               // -a, NOT a
	postfix                // (a IS NULL)
	special                // its own syntax: see print.go
)

// fn is one function: its arity, how Resolve types a call (typeOf checks
// and casts e.Args and returns the result type) and how Compile builds
// its closure.
type fn struct {
	min, max int // max < 0: no limit
	form     form
	typeOf   func(r *resolver, e *Expr) (data.Type, error)
	compile  func(e *Expr) (Eval, error)
	// volatile calls read the clock: Compile does not fold them.
	volatile bool
}

func init() {
	functions = map[string]*fn{
		"AND":                   {2, -1, infix, typeLogic, compileAnd, false},
		"OR":                    {2, -1, infix, typeLogic, compileOr, false},
		"NOT":                   {1, 1, prefixOp, typeLogic, compileNot, false},
		"IS NULL":               {1, 1, postfix, typeIsNull, compileIsNull, false},
		"IS NOT NULL":           {1, 1, postfix, typeIsNull, compileIsNull, false},
		"IS TRUE":               {1, 1, postfix, typeIsTruth, compileIsTruth, false},
		"IS NOT TRUE":           {1, 1, postfix, typeIsTruth, compileIsTruth, false},
		"IS FALSE":              {1, 1, postfix, typeIsTruth, compileIsTruth, false},
		"IS NOT FALSE":          {1, 1, postfix, typeIsTruth, compileIsTruth, false},
		"IS UNKNOWN":            {1, 1, postfix, typeIsTruth, compileIsTruth, false},
		"IS NOT UNKNOWN":        {1, 1, postfix, typeIsTruth, compileIsTruth, false},
		"=":                     {2, 2, infix, typeCompare, compileCompare, false},
		"<>":                    {2, 2, infix, typeCompare, compileCompare, false},
		"<":                     {2, 2, infix, typeCompare, compileCompare, false},
		"<=":                    {2, 2, infix, typeCompare, compileCompare, false},
		">":                     {2, 2, infix, typeCompare, compileCompare, false},
		">=":                    {2, 2, infix, typeCompare, compileCompare, false},
		"IS DISTINCT FROM":      {2, 2, infix, typeCompare, compileDistinct, false},
		"IS NOT DISTINCT FROM":  {2, 2, infix, typeCompare, compileDistinct, false},
		"BETWEEN":               {3, 3, special, typeCompare, compileBetween, false},
		"NOT BETWEEN":           {3, 3, special, typeCompare, compileBetween, false},
		"BETWEEN SYMMETRIC":     {3, 3, special, typeCompare, compileBetween, false},
		"NOT BETWEEN SYMMETRIC": {3, 3, special, typeCompare, compileBetween, false},
		"IN":                    {2, -1, special, typeCompare, compileIn, false},
		"NOT IN":                {2, -1, special, typeCompare, compileIn, false},
		"LIKE":                  {2, 3, special, typeLike, compileLike, false},
		"NOT LIKE":              {2, 3, special, typeLike, compileLike, false},
		"+":                     {2, 2, infix, typeArith, compileArith, false},
		"-":                     {1, 2, infix, typeArith, compileArith, false},
		"NEGATE":                {1, 1, prefixOp, typeArith, compileArith, false},
		"*":                     {2, 2, infix, typeArith, compileArith, false},
		"/":                     {2, 2, infix, typeArith, compileArith, false},
		"%":                     {2, 2, infix, typeArith, compileArith, false},
		"MOD":                   {2, 2, prefixCall, typeArith, compileArith, false},
		"||":                    {2, 2, infix, typeConcat, compileConcat, false},
		"CASE":                  {2, -1, special, typeCase, compileCase, false},
		"SIMPLE CASE":           {3, -1, special, typeCase, compileCase, false},
		"COALESCE":              {1, -1, prefixCall, typeCoalesce, compileCoalesce, false},
		"IFNULL":                {2, 2, prefixCall, typeCoalesce, compileCoalesce, false},
		"IF":                    {3, 3, prefixCall, typeIf, compileIf, false},
		"NULLIF":                {2, 2, prefixCall, typeNullIf, compileNullIf, false},
		"ABS":                   {1, 1, prefixCall, typeSameNumber, compileAbs, false},
		"CEIL":                  {1, 2, special, typeFloorCeil, compileFloorCeil, false},
		"CEILING":               {1, 1, prefixCall, typeFloorCeil, compileFloorCeil, false},
		"FLOOR":                 {1, 2, special, typeFloorCeil, compileFloorCeil, false},
		"ROUND":                 {1, 2, prefixCall, typeRound, compileRound, false},
		"POWER":                 {2, 2, prefixCall, typeDouble, compileDouble, false},
		"SQRT":                  {1, 1, prefixCall, typeDouble, compileDouble, false},
		"EXP":                   {1, 1, prefixCall, typeDouble, compileDouble, false},
		"LN":                    {1, 1, prefixCall, typeDouble, compileDouble, false},
		"LOG10":                 {1, 1, prefixCall, typeDouble, compileDouble, false},
		"UPPER":                 {1, 1, prefixCall, typeSameString, compileStringFunc, false},
		"LOWER":                 {1, 1, prefixCall, typeSameString, compileStringFunc, false},
		"INITCAP":               {1, 1, prefixCall, typeSameString, compileStringFunc, false},
		"SUBSTRING":             {2, 3, prefixCall, typeSubstring, compileSubstring, false},
		"SUBSTR":                {2, 3, prefixCall, typeSubstring, compileSubstring, false},
		"CONCAT":                {1, -1, prefixCall, typeConcat, compileConcat, false},
		"CONCAT_WS":             {2, -1, prefixCall, typeConcatWs, compileConcatWs, false},
		"CHAR_LENGTH":           {1, 1, prefixCall, typeCharLength, compileCharLength, false},
		"CHARACTER_LENGTH":      {1, 1, prefixCall, typeCharLength, compileCharLength, false},
		"TRIM":                  {1, 2, prefixCall, typeSameString, compileTrim, false},
		"LTRIM":                 {1, 2, prefixCall, typeSameString, compileTrim, false},
		"RTRIM":                 {1, 2, prefixCall, typeSameString, compileTrim, false},
		"REPLACE":               {3, 3, prefixCall, typeReplace, compileReplace, false},
		"POSITION":              {2, 2, special, typeCharLength, compilePosition, false},
		"EXTRACT":               {2, 2, special, typeExtract, compileExtract, false},
		"YEAR":                  {1, 1, prefixCall, typeExtract, compileExtract, false},
		"QUARTER":               {1, 1, prefixCall, typeExtract, compileExtract, false},
		"MONTH":                 {1, 1, prefixCall, typeExtract, compileExtract, false},
		"WEEK":                  {1, 1, prefixCall, typeExtract, compileExtract, false},
		"DAYOFYEAR":             {1, 1, prefixCall, typeExtract, compileExtract, false},
		"DAYOFMONTH":            {1, 1, prefixCall, typeExtract, compileExtract, false},
		"DAYOFWEEK":             {1, 1, prefixCall, typeExtract, compileExtract, false},
		"HOUR":                  {1, 1, prefixCall, typeExtract, compileExtract, false},
		"MINUTE":                {1, 1, prefixCall, typeExtract, compileExtract, false},
		"SECOND":                {1, 1, prefixCall, typeExtract, compileExtract, false},
		"DATE_FORMAT":           {2, 2, prefixCall, typeDateFormat, compileDateFormat, false},
		"TO_TIMESTAMP":          {1, 2, prefixCall, typeToTimestamp, compileToTimestamp, false},
		"TO_TIMESTAMP_LTZ":      {1, 2, prefixCall, typeToTimestampLTZ, compileToTimestampLTZ, false},
		"CURRENT_TIMESTAMP":     {0, 0, prefixCall, typeNow, compileNow, true},
		"NOW":                   {0, 0, prefixCall, typeNow, compileNow, true},
		"LOCALTIMESTAMP":        {0, 0, prefixCall, typeNow, compileNow, true},
		"CURRENT_DATE":          {0, 0, prefixCall, typeNow, compileNow, true},
		"UNIX_TIMESTAMP":        {0, 0, prefixCall, typeNow, compileNow, true},
	}
}

// checkArity reports a call with a wrong number of arguments.
func (f *fn) checkArity(name string, n int) error {
	if n >= f.min && (f.max < 0 || n <= f.max) {
		return nil
	}
	plural := func(k int) string {
		if k == 1 {
			return "argument"
		}
		return "arguments"
	}
	var want string
	switch {
	case f.max < 0:
		want = fmt.Sprintf("at least %d %s", f.min, plural(f.min))
	case f.min == f.max:
		want = fmt.Sprintf("%d %s", f.min, plural(f.min))
	case f.max == f.min+1:
		want = fmt.Sprintf("%d or %d arguments", f.min, f.max)
	default:
		want = fmt.Sprintf("%d to %d arguments", f.min, f.max)
	}
	return fmt.Errorf("%s %s takes %s, got %d", f.what(), name, want, n)
}

// what is how messages call f.
func (f *fn) what() string {
	if f.form == infix || f.form == prefixOp || f.form == postfix {
		return "operator"
	}
	return "function"
}

// family is a set of argument types a function accepts.
type family uint8

const (
	famString   family = iota // STRING
	famNumber                 // INT, BIGINT, DOUBLE, DECIMAL
	famInteger                // INT, BIGINT
	famBoolean                // BOOLEAN
	famDatetime               // DATE, TIMESTAMP, TIMESTAMP_LTZ
)

var familyNames = [...]string{"STRING", "a number", "INT or BIGINT", "BOOLEAN", "a DATE or TIMESTAMP"}

// defaultType is the type a NULL argument takes in a family.
var defaultType = [...]data.Type{data.TString, data.TInt, data.TInt, data.TBoolean, data.TTimestamp(3)}

func (f family) has(t data.Type) bool {
	switch f {
	case famString:
		return t.Kind == data.String
	case famNumber:
		return t.IsNumeric()
	case famInteger:
		return t.Kind == data.Int || t.Kind == data.BigInt
	case famBoolean:
		return t.Kind == data.Boolean
	}
	return isDatetime(t)
}

// want checks that argument i of call e is of family f; a NULL argument
// takes the family's default type.
func (r *resolver) want(e *Expr, i int, f family) error {
	a := e.Args[i]
	if a.Type.Kind == data.Null {
		c, err := r.castTo(a, defaultType[f])
		e.Args[i] = c
		return err
	}
	if !f.has(a.Type) {
		return fmt.Errorf("%s %s: argument %d must be %s, got %s",
			functions[e.Name].what(), e.Name, i+1, familyNames[f], typeName(a.Type))
	}
	return nil
}

// wantAll checks arguments from on.
func (r *resolver) wantAll(e *Expr, from int, f family) error {
	for i := from; i < len(e.Args); i++ {
		if err := r.want(e, i, f); err != nil {
			return err
		}
	}
	return nil
}

// literalArg is argument i of e, which must be a non-NULL literal (a unit
// name, a ROUND's digits) because the result type or the code depends on
// it.
func literalArg(e *Expr, i int, what string) (data.Value, error) {
	a := e.Args[i]
	if a.Op != OpLit || a.Lit.IsNull() {
		return data.Value{}, fmt.Errorf("function %s: argument %d (%s) must be a literal", e.Name, i+1, what)
	}
	return a.Lit, nil
}
