package expr

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/runnel/runnel/table/data"
)

// String functions. Positions and lengths count characters, not bytes, as
// Flink's (which counts UTF-16 units of Java strings: the same outside the
// supplementary planes).

// typeSameString: the result has the first argument's type (UPPER, TRIM).
func typeSameString(r *resolver, e *Expr) (data.Type, error) {
	if err := r.wantAll(e, 0, famString); err != nil {
		return data.Type{}, err
	}
	return withNull(e.Args[0].Type, allNotNull(e.Args)), nil
}

func compileStringFunc(e *Expr) (Eval, error) {
	f := map[string]func(string) string{"UPPER": strings.ToUpper, "LOWER": strings.ToLower, "INITCAP": initCap}[e.Name]
	null := data.NullOf(data.String)
	// A column argument, the common case, is read in place: one closure
	// per row where strict1 over colEval calls three.
	if arg := e.Args[0]; arg.Op == OpCol {
		i := arg.Index
		return func(r data.Row) (data.Value, error) {
			if uint(i) >= uint(r.Width()) {
				return data.Value{}, shortRow(i, r)
			}
			if x := r.Field(i); !x.IsNull() {
				return data.StringValue(f(x.Str())), nil
			}
			return null, nil
		}, nil
	}
	a, err := compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	return func(r data.Row) (data.Value, error) {
		x, err := a(r)
		if err != nil || x.IsNull() {
			return null, err
		}
		return data.StringValue(f(x.Str())), nil
	}, nil
}

// initCap upper-cases the first character of each word (a run of letters
// and digits) and lower-cases the others, as Flink's INITCAP.
func initCap(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inWord := false
	for _, c := range s {
		alnum := unicode.IsLetter(c) || unicode.IsDigit(c)
		switch {
		case alnum && !inWord:
			b.WriteRune(unicode.ToUpper(c))
		case alnum:
			b.WriteRune(unicode.ToLower(c))
		default:
			b.WriteRune(c)
		}
		inWord = alnum
	}
	return b.String()
}

func typeSubstring(r *resolver, e *Expr) (data.Type, error) {
	if err := r.want(e, 0, famString); err != nil {
		return data.Type{}, err
	}
	if err := r.wantAll(e, 1, famInteger); err != nil {
		return data.Type{}, err
	}
	// A negative length gives NULL.
	return withNull(e.Args[0].Type, allNotNull(e.Args) && len(e.Args) == 2), nil
}

func compileSubstring(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	if len(args) == 2 {
		args = append(args, constEval(data.BigIntValue(1<<62), nil))
	}
	null := data.NullOf(data.String)
	return func(r data.Row) (data.Value, error) {
		var v [3]data.Value
		for i, a := range args {
			var err error
			if v[i], err = a(r); err != nil || v[i].IsNull() {
				return null, err
			}
		}
		s, ok := substring(v[0].Str(), v[1].Int64(), v[2].Int64())
		if !ok {
			return null, nil
		}
		return data.StringValue(s), nil
	}, nil
}

// substring is Flink's SUBSTRING(s FROM pos FOR n): pos 1 is the first
// character, 0 counts as 1, a negative pos counts from the end; a
// negative n is NULL (false).
func substring(s string, pos, n int64) (string, bool) {
	if n < 0 {
		return "", false
	}
	chars := int64(utf8.RuneCountInString(s))
	var start int64
	switch {
	case pos > 0:
		start = pos - 1
		if start >= chars {
			return "", true
		}
	case pos < 0:
		start = chars + pos
		if start < 0 {
			return "", true
		}
	}
	end := chars
	if chars-start >= n {
		end = start + n
	}
	return s[charOffset(s, start):charOffset(s, end)], true
}

// charOffset is the byte offset of character i of s.
func charOffset(s string, i int64) int {
	if int64(len(s)) == int64(utf8.RuneCountInString(s)) {
		return int(min(i, int64(len(s)))) // ASCII
	}
	off := 0
	for ; i > 0 && off < len(s); i-- {
		_, w := utf8.DecodeRuneInString(s[off:])
		off += w
	}
	return off
}

// typeConcat: CONCAT and || of STRINGs; VARCHAR lengths add up.
func typeConcat(r *resolver, e *Expr) (data.Type, error) {
	if err := r.wantAll(e, 0, famString); err != nil {
		return data.Type{}, err
	}
	n := 0
	for _, a := range e.Args {
		n = min(n+a.Type.Prec, data.MaxStringLength)
	}
	return withNull(data.TVarchar(n), allNotNull(e.Args)), nil
}

// compileConcat: NULL if any argument is NULL.
func compileConcat(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	null := data.NullOf(data.String)
	if len(args) == 2 {
		return strict2(data.String, args[0], args[1], func(x, y data.Value) (data.Value, error) {
			return data.StringValue(x.Str() + y.Str()), nil
		}), nil
	}
	return func(r data.Row) (data.Value, error) {
		var b strings.Builder
		for _, a := range args {
			v, err := a(r)
			if err != nil || v.IsNull() {
				return null, err
			}
			b.WriteString(v.Str())
		}
		return data.StringValue(b.String()), nil
	}, nil
}

// typeConcatWs: NULL only when the separator is.
func typeConcatWs(r *resolver, e *Expr) (data.Type, error) {
	if err := r.wantAll(e, 0, famString); err != nil {
		return data.Type{}, err
	}
	return withNull(data.TString, e.Args[0].Type.NotNull), nil
}

// compileConcatWs joins the non-NULL arguments with the separator.
func compileConcatWs(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	null := data.NullOf(data.String)
	return func(r data.Row) (data.Value, error) {
		sep, err := args[0](r)
		if err != nil || sep.IsNull() {
			return null, err
		}
		var b strings.Builder
		first := true
		for _, a := range args[1:] {
			v, err := a(r)
			if err != nil {
				return null, err
			}
			if v.IsNull() {
				continue
			}
			if !first {
				b.WriteString(sep.Str())
			}
			b.WriteString(v.Str())
			first = false
		}
		return data.StringValue(b.String()), nil
	}, nil
}

// typeCharLength: CHAR_LENGTH and POSITION, INT of STRINGs.
func typeCharLength(r *resolver, e *Expr) (data.Type, error) {
	if err := r.wantAll(e, 0, famString); err != nil {
		return data.Type{}, err
	}
	return withNull(data.TInt, allNotNull(e.Args)), nil
}

func compileCharLength(e *Expr) (Eval, error) {
	a, err := compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	return strict1(data.Int, a, func(x data.Value) (data.Value, error) {
		return data.IntValue(int32(utf8.RuneCountInString(x.Str()))), nil
	}), nil
}

// compilePosition: POSITION(needle IN haystack), 1-based, 0 when absent.
func compilePosition(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	return strict2(data.Int, args[0], args[1], func(x, y data.Value) (data.Value, error) {
		i := strings.Index(y.Str(), x.Str())
		if i < 0 {
			return data.IntValue(0), nil
		}
		return data.IntValue(int32(utf8.RuneCountInString(y.Str()[:i]) + 1)), nil
	}), nil
}

// compileTrim: TRIM, LTRIM and RTRIM remove spaces, or the characters of
// the second argument (SQL's TRIM(BOTH 'xy' FROM s) is TRIM(s, 'xy')).
func compileTrim(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	if len(args) == 1 {
		args = append(args, constEval(data.StringValue(" "), nil))
	}
	trim := map[string]func(string, string) string{"TRIM": strings.Trim, "LTRIM": strings.TrimLeft, "RTRIM": strings.TrimRight}[e.Name]
	return strict2(data.String, args[0], args[1], func(x, y data.Value) (data.Value, error) {
		return data.StringValue(trim(x.Str(), y.Str())), nil
	}), nil
}

func typeReplace(r *resolver, e *Expr) (data.Type, error) {
	if err := r.wantAll(e, 0, famString); err != nil {
		return data.Type{}, err
	}
	return withNull(data.TString, allNotNull(e.Args)), nil
}

// compileReplace: REPLACE(s, search, by) replaces every search; an empty
// search leaves s as it is.
func compileReplace(e *Expr) (Eval, error) {
	args, err := compileAll(e)
	if err != nil {
		return nil, err
	}
	return strictN(data.String, args, func(v []data.Value) (data.Value, error) {
		if v[1].Str() == "" {
			return v[0], nil
		}
		return data.StringValue(strings.ReplaceAll(v[0].Str(), v[1].Str(), v[2].Str())), nil
	}), nil
}
