package examples

import (
	"strings"
	"testing"
)

func TestParseWindow(t *testing.T) {
	for _, ok := range []string{"tumble:10s", "hop:1m:10s", "session:30s"} {
		if _, err := parseWindow(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"tumble", "tumble:x", "hop:1m", "session:1s:2s", "slide:1s", "tumble:-1s"} {
		if _, err := parseWindow(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

type collect []Event

func (c *collect) Collect(e Event) { *c = append(*c, e) }

func TestParseEvent(t *testing.T) {
	var got collect
	if err := parseEvent("1700000000000,k1,42", &got); err != nil || len(got) != 1 || got[0] != (Event{TS: 1700000000000, Key: "k1", Value: 42, Line: "1700000000000,k1,42"}) {
		t.Fatalf("%+v, %v", got, err)
	}
	if err := parseEvent("   ", &got); err != nil || len(got) != 1 {
		t.Fatalf("a blank line: %v", err)
	}
	for _, bad := range []string{"1,k", "x,k,1", "1,k,y", "1,k,1,2"} {
		if err := parseEvent(bad, &got); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: error %v does not name the line", bad, err)
		}
	}
}
