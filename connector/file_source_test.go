package connector

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/operator"
)

// referenceLines splits content into lines by the file source's
// definition, the simple way.
func referenceLines(content string) []string {
	if content == "" {
		return nil
	}
	lines := strings.Split(content, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // content ended with "\n"
	}
	for i := range lines {
		if i < len(lines)-1 || strings.HasSuffix(content, "\n") {
			lines[i] = strings.TrimSuffix(lines[i], "\r")
		}
	}
	return lines
}

// randomText makes a file's content with empty, short and long lines
// (some longer than the read buffer), LF and CRLF endings, stray "\r"s,
// and sometimes no final newline.
func randomText(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(40) {
		switch rng.IntN(10) {
		case 0: // empty line
		case 1:
			b.WriteString(strings.Repeat("L", 100+rng.IntN(3000)))
		case 2:
			if rng.IntN(10) == 0 {
				b.WriteString(strings.Repeat("H", readBufferSize+rng.IntN(readBufferSize)))
			}
		case 3:
			b.WriteString("a\rb")
		default:
			fmt.Fprintf(&b, "line-%d", rng.IntN(1000))
		}
		if rng.IntN(3) == 0 {
			b.WriteString("\r\n")
		} else {
			b.WriteString("\n")
		}
	}
	if rng.IntN(3) == 0 {
		b.WriteString("tail without newline")
		if rng.IntN(2) == 0 {
			b.WriteString("\r")
		}
	}
	return b.String()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readSplits reads splits with one reader to their end.
func readSplits(t *testing.T, splits []fileSplit, maxLineLen int) []string {
	t.Helper()
	return drainFileReader(t, newFileReader(splits, maxLineLen))
}

func drainFileReader(t *testing.T, r *fileReader) []string {
	t.Helper()
	defer r.Close()
	c := &sliceCollector[string]{}
	for range maxPolls {
		status, err := r.PollNext(c)
		if err != nil {
			t.Fatalf("PollNext: %v", err)
		}
		if status == operator.EndOfInput {
			return c.records
		}
	}
	t.Fatalf("no end of input after %d polls", maxPolls)
	return nil
}

// TestFileSplitsAtLineBoundaries cuts random files at random offsets and
// checks that the splits' lines, read one split at a time, make up the
// file's lines exactly once and in order: the line-boundary rule loses
// and repeats nothing wherever a cut falls (mid-line, right after "\n",
// between "\r" and "\n").
func TestFileSplitsAtLineBoundaries(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	path := filepath.Join(t.TempDir(), "input.txt")
	for iter := range 300 {
		content := randomText(rng)
		writeFile(t, path, content)
		want := referenceLines(content)

		size := int64(len(content))
		cuts := []int64{0, size}
		for range rng.IntN(8) {
			if size > 1 {
				cuts = append(cuts, 1+rng.Int64N(size-1))
			}
		}
		slices.Sort(cuts)
		cuts = slices.Compact(cuts)
		var got []string
		for i := range len(cuts) - 1 {
			split := fileSplit{path: path, start: cuts[i], end: cuts[i+1]}
			got = append(got, readSplits(t, []fileSplit{split}, 1<<20)...)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("iteration %d, cuts %v: got %d lines %.200q, want %d lines %.200q", iter, cuts, len(got), got, len(want), want)
		}

		// The same through planSplits, one reader reading them all.
		splits := planSplits([]inputFile{{path: path, size: size}}, 1+rng.Int64N(size+1))
		if got := readSplits(t, splits, 1<<20); !slices.Equal(got, want) {
			t.Fatalf("iteration %d, splits %v: got %.200q, want %.200q", iter, splits, got, want)
		}
	}
}

func TestPlanSplits(t *testing.T) {
	tests := []struct {
		name  string
		files []inputFile
		size  int64
		want  []fileSplit
	}{
		{"empty file has no split", []inputFile{{"a", 0}}, 10, nil},
		{"small file is one split", []inputFile{{"a", 7}}, 10, []fileSplit{{"a", 0, 7}}},
		{"exact multiple", []inputFile{{"a", 30}}, 10, []fileSplit{{"a", 0, 10}, {"a", 10, 20}, {"a", 20, 30}}},
		{"slop joins a tiny tail", []inputFile{{"a", 21}}, 10, []fileSplit{{"a", 0, 10}, {"a", 10, 21}}},
		{"a bigger tail is its own split", []inputFile{{"a", 22}}, 10, []fileSplit{{"a", 0, 10}, {"a", 10, 20}, {"a", 20, 22}}},
		{"files in order", []inputFile{{"a", 5}, {"b", 0}, {"c", 11}}, 10, []fileSplit{{"a", 0, 5}, {"c", 0, 11}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := planSplits(tt.files, tt.size); !slices.Equal(got, tt.want) {
				t.Errorf("planSplits = %v, want %v", got, tt.want)
			}
		})
	}
}

// makeInputFolder fills a folder with visible files of random lines, an
// empty file and hidden files, and returns the visible lines.
func makeInputFolder(t *testing.T, dir string) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	var want []string
	for i := range 6 {
		content := randomText(rng)
		writeFile(t, filepath.Join(dir, fmt.Sprintf("sub%d", i%2), fmt.Sprintf("f%d.txt", i)), content)
		want = append(want, referenceLines(content)...)
	}
	var many strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&many, "record %d\n", i)
	}
	writeFile(t, filepath.Join(dir, "many.txt"), many.String())
	want = append(want, referenceLines(many.String())...)
	writeFile(t, filepath.Join(dir, "empty.txt"), "")
	writeFile(t, filepath.Join(dir, ".hidden"), "hidden\n")
	writeFile(t, filepath.Join(dir, "_SUCCESS"), "marker\n")
	return want
}

func TestFileSourceConformance(t *testing.T) {
	dir := t.TempDir()
	want := makeInputFolder(t, dir)
	t.Run("small splits", func(t *testing.T) {
		testSourceConformance(t, func(*testing.T) operator.Source[string] {
			return &fileSource{path: dir, minSplitSize: 100, maxLineLen: 1 << 20}
		}, want)
	})
	t.Run("default splits", func(t *testing.T) {
		testSourceConformance(t, func(*testing.T) operator.Source[string] { return NewFileSource(dir) }, want)
	})
	t.Run("one file", func(t *testing.T) {
		path := filepath.Join(dir, "many.txt")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		testSourceConformance(t, func(*testing.T) operator.Source[string] {
			return &fileSource{path: path, minSplitSize: 1000, maxLineLen: 1 << 20}
		}, referenceLines(string(data)))
	})
}

// TestFileLineSource checks that every line comes with its file and the
// offset of its first byte, across splits of both files.
func TestFileLineSource(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "one\r\ntwo\n\nthree")
	writeFile(t, filepath.Join(dir, "b.txt"), "four\n")
	src := fileLineSource{&fileSource{path: dir, minSplitSize: 4, maxLineLen: 1 << 20}}
	var got []FileLine
	for s := range 3 {
		got = append(got, readAll(t, operator.Source[FileLine](src), s, 3)...)
	}
	slices.SortFunc(got, func(a, b FileLine) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(a.Offset, b.Offset))
	})
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	want := []FileLine{{a, 0, "one"}, {a, 5, "two"}, {a, 9, ""}, {a, 10, "three"}, {b, 0, "four"}}
	if !slices.Equal(got, want) {
		t.Errorf("read %v, want %v", got, want)
	}
}

func TestFileSourceIgnoresHiddenFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"a.txt":                 "a\n",
		"sub/b.txt":             "b\n",
		".hidden":               "hidden file\n",
		"_SUCCESS":              "marker file\n",
		"sub/.part-0.inprogess": "in-progress file\n",
		".dir/x.txt":            "file in hidden folder\n",
		"_tmp/y.txt":            "file in underscore folder\n",
	} {
		writeFile(t, filepath.Join(dir, name), content)
	}
	if err := os.Symlink(filepath.Join(dir, "a.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, NewFileSource(dir), 0, 1)
	slices.Sort(got)
	if want := []string{"a", "b"}; !slices.Equal(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}

	// A hidden file named explicitly is read.
	got = readAll(t, NewFileSource(filepath.Join(dir, ".hidden")), 0, 1)
	if want := []string{"hidden file"}; !slices.Equal(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}
}

func TestFileSourceMissingPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope")
	_, err := NewFileSource(path).NewReader(testContext(0, 1))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("NewReader error = %v, want one naming %s", err, path)
	}
}

// TestFileSourceLineTooLong checks that an over-long line fails with its
// file and offset, both when it fits the read buffer and when it must be
// assembled from several reads.
func TestFileSourceLineTooLong(t *testing.T) {
	for _, tt := range []struct {
		name       string
		longLine   int
		maxLineLen int
	}{
		{"within the buffer", 100, 50},
		{"across buffers", 4 * readBufferSize, readBufferSize + 10},
		{"without final newline", 100, 99},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "long.txt")
			content := "short\n" + strings.Repeat("x", tt.longLine)
			if tt.name != "without final newline" {
				content += "\nafter\n"
			}
			writeFile(t, path, content)
			r, err := (&fileSource{path: path, minSplitSize: 1 << 20, maxLineLen: tt.maxLineLen}).NewReader(testContext(0, 1))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			_, err = r.PollNext(&sliceCollector[string]{})
			if err == nil {
				t.Fatal("PollNext accepted a line longer than the limit")
			}
			for _, want := range []string{path, "offset 6"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
		})
	}
}

func TestFileSourceBatchBytesBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wide.txt")
	line := strings.Repeat("w", 10<<10)
	writeFile(t, path, strings.Repeat(line+"\n", 100))
	r, err := NewFileSource(path).NewReader(testContext(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := &sliceCollector[string]{}
	if status, err := r.PollNext(c); err != nil || status != operator.MoreAvailable {
		t.Fatalf("PollNext = %v, %v", status, err)
	}
	// The batch stops at the first line that reaches 64 KiB.
	if want := maxBatchBytes/(len(line)+1) + 1; len(c.records) != want {
		t.Errorf("one poll emitted %d lines of 10 KiB, want %d", len(c.records), want)
	}
}

// TestFileReaderResumesFromPosition checks the claim checkpointing will
// rely on: a new reader given another's (split, pos) continues exactly
// where that one stopped, wherever the stop falls.
func TestFileReaderResumesFromPosition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	var b strings.Builder
	for i := range 2500 {
		fmt.Fprintf(&b, "line %d\r\n", i)
	}
	writeFile(t, path, b.String())
	want := referenceLines(b.String())
	splits := planSplits([]inputFile{{path: path, size: int64(b.Len())}}, 7000)

	for stopAfter := range 5 {
		first := newFileReader(splits, 1<<20)
		c := &sliceCollector[string]{}
		for range stopAfter {
			if _, err := first.PollNext(c); err != nil {
				t.Fatal(err)
			}
		}
		first.Close()

		resumed := newFileReader(splits, 1<<20)
		resumed.split, resumed.pos = first.split, first.pos
		got := append(c.records, drainFileReader(t, resumed)...)
		if !slices.Equal(got, want) {
			t.Errorf("stopped after %d polls at split %d offset %d: resumed reading gave %d lines, want %d",
				stopAfter, first.split, first.pos, len(got), len(want))
		}
	}
}
