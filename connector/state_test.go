package connector

import (
	"slices"
	"strings"
	"testing"
)

func TestStateEncoding(t *testing.T) {
	type pos struct {
		Path string `msgpack:"p"`
		Pos  int64  `msgpack:"o"`
	}
	b, err := MarshalState(3, pos{Path: "a", Pos: 42})
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 3 {
		t.Errorf("first byte %d, want the version 3", b[0])
	}
	var got pos
	if err := UnmarshalState(b, 3, &got); err != nil || got != (pos{Path: "a", Pos: 42}) {
		t.Errorf("UnmarshalState = %+v, %v", got, err)
	}
	for name, tt := range map[string]struct {
		b    []byte
		want string
	}{
		"no bytes":      {nil, "no bytes"},
		"other version": {append([]byte{4}, b[1:]...), "version 4, want 3"},
		"truncated":     {b[:len(b)-1], "decode state"},
		"trailing":      {append(slices.Clone(b), 0), "1 trailing bytes"},
	} {
		if err := UnmarshalState(tt.b, 3, &got); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: UnmarshalState = %v, want an error saying %q", name, err, tt.want)
		}
	}
}

// TestShareByIndex: every item goes to exactly one subtask, also with a
// parallelism the caller got wrong.
func TestShareByIndex(t *testing.T) {
	all := []int{0, 1, 2, 3, 4, 5, 6}
	var got []int
	for s := range 3 {
		got = append(got, shareByIndex(all, s, 3)...)
	}
	slices.Sort(got)
	if !slices.Equal(got, all) {
		t.Errorf("shares of 3 subtasks make %v", got)
	}
	if got := shareByIndex(all, 0, 0); !slices.Equal(got, all) {
		t.Errorf("parallelism 0 takes %v, want all as parallelism 1", got)
	}
	if got := shareByIndex(all, -1, 2); got != nil {
		t.Errorf("subtask -1 takes %v", got)
	}
}
