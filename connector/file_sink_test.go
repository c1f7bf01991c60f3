package connector

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/runnel/runnel/operator"
)

// readBack reads what a file sink published in dir through the file
// source, which skips the hidden in-progress files.
func readBack(t *testing.T, dir string) []string {
	t.Helper()
	return readAll(t, NewFileSource(dir), 0, 1)
}

func TestFileSinkConformance(t *testing.T) {
	var lines []string
	for i := range 500 {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	lines = append(lines, "", "", "duplicate", "duplicate")
	t.Run("lines", func(t *testing.T) {
		testSinkConformance(t, func(t *testing.T) sinkUnderTest[string] {
			dir := filepath.Join(t.TempDir(), "missing", "out")
			return sinkUnderTest[string]{
				sink:    NewLineFileSink(dir),
				visible: func(t *testing.T) []string { return readBack(t, dir) },
			}
		}, lines)
	})
	t.Run("formatted", func(t *testing.T) {
		testSinkConformance(t, func(t *testing.T) sinkUnderTest[int] {
			dir := t.TempDir()
			return sinkUnderTest[int]{
				sink: NewFileSink(dir, strconv.Itoa),
				visible: func(t *testing.T) []int {
					var got []int
					for _, line := range readBack(t, dir) {
						n, err := strconv.Atoi(line)
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, n)
					}
					return got
				},
			}
		}, []int{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5})
	})
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func openFileWriter(t *testing.T, dir string, ctx *operator.Context) operator.SinkWriter[string] {
	t.Helper()
	w, err := NewLineFileSink(dir).NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Open(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a", "b"} {
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func TestFileSinkCommitsByRename(t *testing.T) {
	dir := t.TempDir()
	ctx := testContext(2, 4)
	ctx.Attempt = 3
	w := openFileWriter(t, dir, ctx)
	if got, want := listDir(t, dir), []string{".part-2-3.inprogress"}; !slices.Equal(got, want) {
		t.Errorf("while writing, dir holds %q, want %q", got, want)
	}
	if err := w.EndInput(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := listDir(t, dir), []string{"part-2-3"}; !slices.Equal(got, want) {
		t.Errorf("after commit, dir holds %q, want %q", got, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "part-2-3"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), "a\nb\n"; got != want {
		t.Errorf("part holds %q, want %q", got, want)
	}
}

func TestFileSinkAbortRemovesInProgressPart(t *testing.T) {
	dir := t.TempDir()
	w := openFileWriter(t, dir, testContext(0, 1))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, dir); len(got) != 0 {
		t.Errorf("after close without end of input, dir holds %q, want nothing", got)
	}
}

func TestFileSinkRejectsNilFormat(t *testing.T) {
	if _, err := NewFileSink[int](t.TempDir(), nil).NewWriter(testContext(0, 1)); err == nil {
		t.Error("NewWriter accepted a nil format function")
	}
}
