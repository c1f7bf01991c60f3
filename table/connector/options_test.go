package connector

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"500":       500 * time.Millisecond,
		"10 s":      10 * time.Second,
		"10s":       10 * time.Second,
		"5 min":     5 * time.Minute,
		"5m":        5 * time.Minute,
		"2 hours":   2 * time.Hour,
		"1 d":       24 * time.Hour,
		"3 Seconds": 3 * time.Second,
		"7ms":       7 * time.Millisecond,
		"0":         0,
	} {
		got, err := parseDuration(in)
		if err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "s", "1.5 s", "-1 s", "10 parsecs", "99999999999 d"} {
		if d, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", in, d)
		}
	}
}

func TestOptionChar(t *testing.T) {
	for in, want := range map[string]byte{",": ',', `\t`: '\t', "\t": '\t', "|": '|', `\\`: '\\', `\`: '\\', `'`: '\''} {
		o := newOptions("x", Table{Options: map[string]string{"c": in}})
		if got := o.char("c", 0); got != want || o.err != nil {
			t.Errorf("char(%q) = %q, %v; want %q", in, got, o.err, want)
		}
	}
}
