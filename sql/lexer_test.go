package sql

import (
	"fmt"
	"strings"
	"testing"
)

// show renders tokens as kind:text@line:col, keywords with their kw.
func show(toks []token) string {
	kinds := map[tokenKind]string{
		tokEOF: "eof", tokIllegal: "illegal", tokIdent: "ident", tokQuotedIdent: "qident",
		tokString: "str", tokInt: "int", tokDecimal: "dec", tokFloat: "float", tokOp: "op",
	}
	var parts []string
	for _, t := range toks {
		s := fmt.Sprintf("%s:%s@%d:%d", kinds[t.kind], t.text, t.pos.Line, t.pos.Col)
		if t.kw != "" && t.kw != t.text {
			s += "(" + t.kw + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestLex(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"select a", "ident:select@1:1(SELECT) ident:a@1:8(A) eof:@1:9"},
		{"`my col` `a``b` `select`", "qident:my col@1:1 qident:a`b@1:10 qident:select@1:17 eof:@1:25"},
		{"'it''s' '' 'a\nb'", "str:it's@1:1 str:@1:9 str:a\nb@1:12 eof:@2:3"},
		{"1 1.5 .5 1. 1e3 1.5E-2 2e+1", "int:1@1:1 dec:1.5@1:3 dec:.5@1:7 dec:1.@1:10 float:1e3@1:13 float:1.5E-2@1:17 float:2e+1@1:24 eof:@1:28"},
		{"+ - * / % = <> != < <= > >= || ( ) , . ; =>",
			"op:+@1:1 op:-@1:3 op:*@1:5 op:/@1:7 op:%@1:9 op:=@1:11 op:<>@1:13 op:!=@1:16 op:<@1:19 op:<=@1:21 " +
				"op:>@1:24 op:>=@1:26 op:||@1:29 op:(@1:32 op:)@1:34 op:,@1:36 op:.@1:38 op:;@1:40 op:=>@1:42 eof:@1:44"},
		{"a<=b", "ident:a@1:1(A) op:<=@1:2 ident:b@1:4(B) eof:@1:5"},
		{"a -- comment\n/* block\n comment */ b", "ident:a@1:1(A) ident:b@3:13(B) eof:@3:14"},
		{"1--2", "int:1@1:1 eof:@1:5"},
		{"t.a", "ident:t@1:1(T) op:.@1:2 ident:a@1:3(A) eof:@1:4"},
		// Columns count characters, not bytes.
		{"'é' é\tx", "str:é@1:1 ident:é@1:5 ident:x@1:7(X) eof:@1:8"},
		// Only ASCII words can be keywords.
		{"ſelect", "ident:ſelect@1:1 eof:@1:7"},
		{"a\r\nb", "ident:a@1:1(A) ident:b@2:1(B) eof:@2:2"},
		{"", "eof:@1:1"},
		{"'open", "illegal:unterminated string literal@1:1"},
		{"a `open", "ident:a@1:1(A) illegal:unterminated quoted identifier@1:3"},
		{"``", "illegal:empty quoted identifier@1:1"},
		{"a /* open", "ident:a@1:1(A) illegal:unterminated comment@1:3"},
		{"1x", "illegal:malformed number '1x'@1:1"},
		{"1e", "illegal:malformed number '1e'@1:1"},
		{"1e+", "illegal:malformed number '1e'@1:1"},
		{"a ! b", "ident:a@1:1(A) illegal:unexpected character '!'@1:3"},
		{"\x00", "illegal:unexpected character '\\x00'@1:1"},
		{"\xff", "illegal:unexpected character '�'@1:1"},
	} {
		if got := show(lex(c.in)); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"a": "a", "Abc_1$": "Abc_1$", "é": "é", "from": "`from`", "From": "`From`",
		"rows": "`rows`", "my col": "`my col`", "a`b": "`a``b`", "1a": "`1a`", "$a": "`$a`",
		"year": "year",
	} {
		if got := QuoteIdent(in); got != want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", in, got, want)
		}
	}
	if got := QuoteString("it's"); got != "'it''s'" {
		t.Errorf("QuoteString = %s", got)
	}
}
