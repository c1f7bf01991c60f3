package expr

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/runnel/runnel/table/data"
)

// LIKE: % matches any characters, _ one character, and the whole string
// must match. There is no escape character unless an ESCAPE is given
// (the third argument); it must then precede %, _ or itself. A literal
// pattern is compiled once, and the common shapes ('abc', 'abc%', '%abc',
// '%abc%') become plain string tests.

func typeLike(r *resolver, e *Expr) (data.Type, error) {
	if err := r.wantAll(e, 0, famString); err != nil {
		return data.Type{}, err
	}
	if len(e.Args) == 3 {
		esc, err := literalArg(e, 2, "the escape character")
		if err != nil {
			return data.Type{}, err
		}
		if utf8.RuneCountInString(esc.Str()) != 1 {
			return data.Type{}, fmt.Errorf("%s: the escape %q must be one character", e.Name, esc.Str())
		}
	}
	if p := e.Args[1]; p.Op == OpLit && !p.Lit.IsNull() {
		if _, err := parseLike(p.Lit.Str(), likeEscape(e)); err != nil {
			return data.Type{}, err
		}
	}
	return withNull(data.TBoolean, allNotNull(e.Args)), nil
}

// likeEscape is the ESCAPE character of a LIKE call, or -1.
func likeEscape(e *Expr) rune {
	if len(e.Args) < 3 || e.Args[2].Op != OpLit {
		return -1
	}
	c, _ := utf8.DecodeRuneInString(e.Args[2].Lit.Str())
	return c
}

func compileLike(e *Expr) (Eval, error) {
	s, err := compile(e.Args[0])
	if err != nil {
		return nil, err
	}
	not := e.Name == "NOT LIKE"
	esc := likeEscape(e)
	if p := e.Args[1]; p.Op == OpLit {
		if p.Lit.IsNull() {
			return constEval(vNullBool, nil), nil
		}
		m, err := parseLike(p.Lit.Str(), esc)
		if err != nil {
			return nil, err
		}
		return strict1(data.Boolean, s, func(x data.Value) (data.Value, error) {
			return boolValue(m.match(x.Str()) != not), nil
		}), nil
	}
	pat, err := compile(e.Args[1])
	if err != nil {
		return nil, err
	}
	return strict2(data.Boolean, s, pat, func(x, y data.Value) (data.Value, error) {
		m, err := parseLike(y.Str(), esc)
		if err != nil {
			return vNullBool, exprError(e, err)
		}
		return boolValue(m.match(x.Str()) != not), nil
	}), nil
}

// likeShape is what a pattern reduces to.
type likeShape uint8

const (
	likeExact    likeShape = iota // no wildcard
	likePrefix                    // lit%
	likeSuffix                    // %lit
	likeContains                  // %lit%
	likeGeneral
)

// likeTok is one element of a pattern: a literal character, or (with
// any) % when one is false, _ when one is true.
type likeTok struct {
	c        rune
	wildcard bool
	one      bool
}

type likeMatcher struct {
	shape likeShape
	lit   string
	toks  []likeTok
}

// parseLike compiles pattern with the escape character esc (-1: none).
func parseLike(pattern string, esc rune) (*likeMatcher, error) {
	var toks []likeTok
	for i := 0; i < len(pattern); {
		c, w := utf8.DecodeRuneInString(pattern[i:])
		i += w
		switch {
		case c == esc:
			if i >= len(pattern) {
				return nil, fmt.Errorf("LIKE pattern %q ends with the escape character", pattern)
			}
			n, w := utf8.DecodeRuneInString(pattern[i:])
			if n != '%' && n != '_' && n != esc {
				return nil, fmt.Errorf("LIKE pattern %q: invalid escape sequence %c%c", pattern, c, n)
			}
			i += w
			toks = append(toks, likeTok{c: n})
		case c == '%':
			if len(toks) == 0 || !toks[len(toks)-1].wildcard || toks[len(toks)-1].one {
				toks = append(toks, likeTok{wildcard: true})
			}
		case c == '_':
			toks = append(toks, likeTok{wildcard: true, one: true})
		default:
			toks = append(toks, likeTok{c: c})
		}
	}
	return shapeOf(toks), nil
}

// shapeOf finds the plain string test a pattern is, if it is one.
func shapeOf(toks []likeTok) *likeMatcher {
	isAny := func(t likeTok) bool { return t.wildcard && !t.one }
	m := &likeMatcher{shape: likeGeneral, toks: toks}
	inner := toks
	lead := len(inner) > 0 && isAny(inner[0])
	if lead {
		inner = inner[1:]
	}
	trail := len(inner) > 0 && isAny(inner[len(inner)-1])
	if trail {
		inner = inner[:len(inner)-1]
	}
	var b strings.Builder
	for _, t := range inner {
		if t.wildcard {
			return m
		}
		b.WriteRune(t.c)
	}
	m.lit = b.String()
	switch {
	case lead && trail:
		m.shape = likeContains
	case lead:
		m.shape = likeSuffix
	case trail:
		m.shape = likePrefix
	default:
		m.shape = likeExact
	}
	return m
}

func (m *likeMatcher) match(s string) bool {
	switch m.shape {
	case likeExact:
		return s == m.lit
	case likePrefix:
		return strings.HasPrefix(s, m.lit)
	case likeSuffix:
		return strings.HasSuffix(s, m.lit)
	case likeContains:
		return strings.Contains(s, m.lit)
	}
	return matchToks(m.toks, s)
}

// matchToks is the classic wildcard match: on a mismatch, go back to the
// last % and let it swallow one more character. Linear in practice,
// O(len(s) × len(toks)) at worst, never exponential.
func matchToks(toks []likeTok, s string) bool {
	si, ti := 0, 0
	star, starSi := -1, 0
	for si < len(s) {
		if ti < len(toks) {
			t := toks[ti]
			c, w := utf8.DecodeRuneInString(s[si:])
			switch {
			case t.wildcard && !t.one:
				star, starSi = ti, si
				ti++
				continue
			case t.wildcard || c == t.c:
				si += w
				ti++
				continue
			}
		}
		if star < 0 {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starSi:])
		starSi += w
		si, ti = starSi, star+1
	}
	for ti < len(toks) && toks[ti].wildcard && !toks[ti].one {
		ti++
	}
	return ti == len(toks)
}
