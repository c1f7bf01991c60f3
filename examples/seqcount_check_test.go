package examples

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seqLines is the exactly-once output of keys keys of count records.
func seqLines(keys, count int) []string {
	var lines []string
	for k := range keys {
		for seq := 1; seq <= count; seq++ {
			lines = append(lines, fmt.Sprintf("k%d,%d,%d", k, seq, seq))
		}
	}
	return lines
}

// writeOutput writes lines into two committed parts under a fresh folder,
// beside hidden files the check must ignore.
func writeOutput(t *testing.T, lines []string) string {
	t.Helper()
	dir := t.TempDir()
	half := len(lines) / 2
	files := map[string][]string{
		"part-0-a-0":                     lines[:half],
		"part-1-b-0":                     lines[half:],
		".part-0-a-1.after-3.inprogress": {"garbage"},
		"_SUCCESS":                       {"k0,1,1"},
	}
	for name, content := range files {
		data := strings.Join(content, "\n")
		if len(content) > 0 {
			data += "\n"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheckSeqCountAcceptsExactlyOnce(t *testing.T) {
	if err := CheckSeqCount(writeOutput(t, seqLines(3, 100)), 3, 100); err != nil {
		t.Error(err)
	}
	if err := CheckSeqCount(writeOutput(t, nil), 3, 0); err != nil {
		t.Errorf("no records of no count: %v", err)
	}
}

func TestCheckSeqCountFindsProblems(t *testing.T) {
	good := seqLines(3, 10)
	for _, tt := range []struct {
		name  string
		edit  func([]string) []string
		wants []string
	}{
		{"duplicate", func(l []string) []string { return append(l, "k1,4,4") }, []string{"key k1 seq 4 again: a duplicate", `part-1-b-0:`}},
		{"gap", func(l []string) []string { return append(l[:14:14], l[17:]...) }, []string{"key k1: 3 of 10 seqs missing: 5-7"}},
		{"gaps", func(l []string) []string { return append(append(l[:1:1], l[2:4]...), l[5:]...) }, []string{"key k0: 2 of 10 seqs missing: 2, 5"}},
		{"bad count", func(l []string) []string { l[25] = "k2,6,5"; return l }, []string{`"k2,6,5": count 5, want 6`}},
		{"missing key", func(l []string) []string { return l[:20] }, []string{"key k2: 10 of 10 seqs missing: 1-10"}},
		{"too few fields", func(l []string) []string { return append(l, "k1,2") }, []string{`"k1,2": want key,seq,count`}},
		{"unknown key", func(l []string) []string { return append(l, "k3,1,1") }, []string{`key "k3" is not one of k0 to k2`}},
		{"not a key", func(l []string) []string { return append(l, "x1,1,1") }, []string{`key "x1"`}},
		{"padded key", func(l []string) []string { return append(l, "k01,1,1") }, []string{`key "k01"`}},
		{"seq out of range", func(l []string) []string { return append(l, "k1,11,11") }, []string{`seq "11" is not in 1 to 10`}},
		{"signed seq", func(l []string) []string { return append(l, "k1,+2,2") }, []string{`seq "+2"`}},
		{"count not a number", func(l []string) []string { return append(l, "k1,2,two") }, []string{`count "two" is not a number`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lines := tt.edit(append([]string(nil), good...))
			err := CheckSeqCount(writeOutput(t, lines), 3, 10)
			if err == nil {
				t.Fatal("CheckSeqCount accepted it")
			}
			for _, want := range tt.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestCheckSeqCountBoundsItsReport(t *testing.T) {
	lines := seqLines(1, 100)
	for i := range lines {
		lines[i] += "0" // every count wrong
	}
	err := CheckSeqCount(writeOutput(t, lines), 1, 100)
	if err == nil || !strings.Contains(err.Error(), "100 problems") || !strings.Contains(err.Error(), "... and 80 more") {
		t.Errorf("CheckSeqCount = %v, want 100 problems, 20 spelled out", err)
	}
}

func TestCheckSeqCountRejectsBadArguments(t *testing.T) {
	dir := t.TempDir()
	if err := CheckSeqCount(dir, 0, 10); err == nil {
		t.Error("0 keys accepted")
	}
	if err := CheckSeqCount(dir, 1, -1); err == nil {
		t.Error("a negative count accepted")
	}
	if err := CheckSeqCount(filepath.Join(dir, "missing"), 1, 1); err == nil {
		t.Error("a missing folder accepted")
	}
}
