package sql

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lexer splits source text into tokens, skipping white space and comments.
// It tracks the line and column of every token; columns count characters.
type lexer struct {
	src       string
	off       int
	line, col int
}

// lex returns all tokens of src. The last token is tokEOF, or tokIllegal
// where the text could not be lexed.
func lex(src string) []token {
	l := &lexer{src: src, line: 1, col: 1}
	var toks []token
	for {
		t := l.next()
		toks = append(toks, t)
		if t.kind == tokEOF || t.kind == tokIllegal {
			return toks
		}
	}
}

// peekByte returns the byte n bytes ahead, or 0 past the end.
func (l *lexer) peekByte(n int) byte {
	if l.off+n < len(l.src) {
		return l.src[l.off+n]
	}
	return 0
}

func (l *lexer) peekRune() rune {
	r, _ := utf8.DecodeRuneInString(l.src[l.off:])
	return r
}

// advance moves past one character.
func (l *lexer) advance() rune {
	r, size := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += size
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

func (l *lexer) pos() Pos { return Pos{Line: l.line, Col: l.col} }

func illegal(pos Pos, off int, msg string) token {
	return token{kind: tokIllegal, text: msg, pos: pos, off: off, end: off}
}

func (l *lexer) next() token {
	if t, ok := l.skipSpace(); !ok {
		return t
	}
	start, pos := l.off, l.pos()
	if l.off >= len(l.src) {
		return token{kind: tokEOF, pos: pos, off: start, end: start}
	}
	tok := func(kind tokenKind, text string) token {
		return token{kind: kind, text: text, pos: pos, off: start, end: l.off}
	}
	c := l.src[l.off]
	switch {
	case isIdentStart(l.peekRune()):
		for l.off < len(l.src) && isIdentPart(l.peekRune()) {
			l.advance()
		}
		t := tok(tokIdent, l.src[start:l.off])
		t.kw = keywordOf(t.text)
		return t
	case c == '`':
		text, ok := l.quoted('`')
		switch {
		case !ok:
			return illegal(pos, start, "unterminated quoted identifier")
		case text == "":
			return illegal(pos, start, "empty quoted identifier")
		}
		return tok(tokQuotedIdent, text)
	case c == '\'':
		text, ok := l.quoted('\'')
		if !ok {
			return illegal(pos, start, "unterminated string literal")
		}
		return tok(tokString, text)
	case isDigit(c) || c == '.' && isDigit(l.peekByte(1)):
		return l.number(start, pos)
	}
	if l.off+2 <= len(l.src) {
		switch op := l.src[l.off : l.off+2]; op {
		case "<>", "<=", ">=", "!=", "||", "=>":
			l.advance()
			l.advance()
			return tok(tokOp, op)
		}
	}
	if strings.IndexByte("+-*/%=<>(),.;", c) >= 0 {
		l.advance()
		return tok(tokOp, string(c))
	}
	return illegal(pos, start, fmt.Sprintf("unexpected character %q", l.peekRune()))
}

// skipSpace skips white space and comments. It returns false and a
// tokIllegal for an unterminated block comment.
func (l *lexer) skipSpace() (token, bool) {
	for l.off < len(l.src) {
		switch c := l.src[l.off]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			l.advance()
		case c == '-' && l.peekByte(1) == '-':
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance()
			}
		case c == '/' && l.peekByte(1) == '*':
			start, pos := l.off, l.pos()
			l.advance()
			l.advance()
			for !(l.peekByte(0) == '*' && l.peekByte(1) == '/') {
				if l.off >= len(l.src) {
					return illegal(pos, start, "unterminated comment"), false
				}
				l.advance()
			}
			l.advance()
			l.advance()
		default:
			return token{}, true
		}
	}
	return token{}, true
}

// quoted reads a string literal or quoted identifier delimited by q, in
// which a doubled q stands for one. It returns false if the closing q is
// missing.
func (l *lexer) quoted(q byte) (string, bool) {
	l.advance()
	var b strings.Builder
	for l.off < len(l.src) {
		if l.src[l.off] == q {
			if l.peekByte(1) != q {
				l.advance()
				return b.String(), true
			}
			l.advance()
		}
		start := l.off
		l.advance()
		b.WriteString(l.src[start:l.off])
	}
	return "", false
}

// number reads an integer (42), decimal (1.5, .5, 1.) or approximate
// (1e3, 1.5E-2) literal. A number running into letters (1abc, 1e) is an
// error rather than a number followed by an alias.
func (l *lexer) number(start int, pos Pos) token {
	kind := tokInt
	l.digits()
	if l.peekByte(0) == '.' {
		kind = tokDecimal
		l.advance()
		l.digits()
	}
	if c := l.peekByte(0); c == 'e' || c == 'E' {
		n := 1
		if s := l.peekByte(1); s == '+' || s == '-' {
			n = 2
		}
		if isDigit(l.peekByte(n)) {
			kind = tokFloat
			for range n {
				l.advance()
			}
			l.digits()
		}
	}
	if l.off < len(l.src) && isIdentPart(l.peekRune()) {
		for l.off < len(l.src) && isIdentPart(l.peekRune()) {
			l.advance()
		}
		return illegal(pos, start, fmt.Sprintf("malformed number '%s'", abbreviate(l.src[start:l.off])))
	}
	return token{kind: kind, text: l.src[start:l.off], pos: pos, off: start, end: l.off}
}

func (l *lexer) digits() {
	for isDigit(l.peekByte(0)) {
		l.advance()
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isIdentPart(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// keywordOf returns the upper-cased word if it is all ASCII (every keyword
// is), and "" otherwise, so that no Unicode case mapping can turn a name
// into a keyword.
func keywordOf(word string) string {
	for i := 0; i < len(word); i++ {
		if word[i] >= utf8.RuneSelf {
			return ""
		}
	}
	return strings.ToUpper(word)
}

// QuoteIdent returns name as an identifier: unchanged if it lexes back as
// itself, in backticks otherwise (keywords, spaces, ...).
func QuoteIdent(name string) string {
	plain := name != ""
	for i, r := range name {
		if i == 0 && !isIdentStart(r) || !isIdentPart(r) {
			plain = false
			break
		}
	}
	if kw := keywordOf(name); plain && !reserved[kw] && !contextual[kw] {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// QuoteString returns s as a string literal.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
