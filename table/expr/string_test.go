package expr

import "testing"

func TestStringFunctions(t *testing.T) {
	runCases(t, []evalCase{
		{col("s").Upper(), "HELLO WORLD"},
		{col("s").Lower(), "hello world"},
		{call("INITCAP", str("hELLO wORLD-foo bar1x")), "Hello World-Foo Bar1x"},
		{call("UPPER", str("héllo")), "HÉLLO"},
		{call("SUBSTRING", col("s"), lit(1), lit(5)), "Hello"},
		{call("SUBSTRING", col("s"), lit(7)), "World"},
		{call("SUBSTRING", col("s"), lit(0), lit(3)), "Hel"}, // 0 counts as 1
		{call("SUBSTRING", col("s"), lit(-5)), "World"},      // from the end
		{call("SUBSTRING", col("s"), lit(-5), lit(2)), "Wo"},
		{call("SUBSTRING", col("s"), lit(-50)), ""},
		{call("SUBSTRING", col("s"), lit(50)), ""},
		{call("SUBSTRING", col("s"), lit(3), lit(0)), ""},
		{call("SUBSTRING", col("s"), lit(3), lit(-1)), "NULL"},
		{call("SUBSTR", str("héllo wörld"), lit(2), lit(4)), "éllo"}, // characters, not bytes
		{call("SUBSTRING", col("ns"), lit(1)), "NULL"},
		{call("SUBSTRING", col("s"), col("ni")), "NULL"},
		{col("s").Concat(str("!"), str("?")), "Hello World!?"},
		{call("||", str("a"), str("b")), "ab"},
		{col("s").Concat(col("ns")), "NULL"},
		{call("CONCAT_WS", str("-"), str("a"), col("ns"), str("b")), "a-b"},
		{call("CONCAT_WS", col("ns"), str("a")), "NULL"},
		{call("CONCAT_WS", str(","), str("a"), str("")), "a,"}, // empty strings are kept
		{call("CHAR_LENGTH", col("s")), "11"},
		{call("CHARACTER_LENGTH", str("héllo")), "5"},
		{call("TRIM", str("  ab  ")), "ab"},
		{call("LTRIM", str("  ab  ")), "ab  "},
		{call("RTRIM", str("  ab  ")), "  ab"},
		{call("TRIM", str("xxabxx"), str("x")), "ab"},
		{call("TRIM", str("\tab ")), "\tab"}, // spaces only
		{call("REPLACE", col("s"), str("o"), str("0")), "Hell0 W0rld"},
		{call("REPLACE", col("s"), str(""), str("x")), "Hello World"},
		{call("POSITION", str("World"), col("s")), "7"},
		{call("POSITION", str("x"), col("s")), "0"},
		{call("POSITION", str("ö"), str("héllö")), "5"},
		{call("POSITION", str(""), col("s")), "1"},
		{call("UPPER", null), "NULL"},
	})
}

func TestLike(t *testing.T) {
	for _, c := range []struct {
		s, pattern string
		want       string
	}{
		{"Hello World", "Hello World", "TRUE"},
		{"Hello World", "Hello%", "TRUE"},
		{"Hello World", "%World", "TRUE"},
		{"Hello World", "%lo W%", "TRUE"},
		{"Hello World", "H_llo%", "TRUE"},
		{"Hello World", "%o_X%", "FALSE"},
		{"Hello World", "%o%o%", "TRUE"},
		{"Hello World", "%o%x%", "FALSE"},
		{"Hello World", "hello%", "FALSE"}, // case-sensitive
		{"Hello World", "Hello", "FALSE"},  // the whole string
		{"Hello World", "___________", "TRUE"},
		{"Hello World", "__________", "FALSE"},
		{"héllo", "h_llo", "TRUE"}, // _ is a character
		{"", "%", "TRUE"},
		{"", "_", "FALSE"},
		{"a%b", "a%b", "TRUE"},
		{"aaa", "%%a", "TRUE"},
		{"abcabd", "%ab_", "TRUE"},
		{"mississippi", "%iss%ppi", "TRUE"},
	} {
		runCases(t, []evalCase{
			{str(c.s).Like(str(c.pattern)), c.want},
			// Not folded: the pattern compiled at run time.
			{call("LIKE", str(c.s), call("CONCAT", str(c.pattern), call("SUBSTRING", col("s"), lit(1), lit(0)))), c.want},
		})
	}
	runCases(t, []evalCase{
		{call("LIKE", str("10%"), str("10!%"), str("!")), "TRUE"},
		{call("LIKE", str("100"), str("10!%"), str("!")), "FALSE"},
		{call("LIKE", str("a_b"), str("a!_b"), str("!")), "TRUE"},
		{call("LIKE", str("a!b"), str("a!!b"), str("!")), "TRUE"},
		{call("NOT LIKE", col("s"), str("H%")), "FALSE"},
		{col("ns").Like(str("%")), "NULL"},
		{col("s").Like(null), "NULL"},
	})
	if got := resolveErr(call("LIKE", col("s"), str("a!b"), str("!"))); got != `LIKE pattern "a!b": invalid escape sequence !b` {
		t.Errorf("got %q", got)
	}
	if got := resolveErr(call("LIKE", col("s"), str("a"), str("!!"))); got != `LIKE: the escape "!!" must be one character` {
		t.Errorf("got %q", got)
	}
}
