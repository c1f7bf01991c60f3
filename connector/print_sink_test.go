package connector

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/runnel/runnel/operator"
)

// printedValues returns the values of printed lines, without prefixes.
func printedValues(out string) []string {
	if out == "" {
		return nil
	}
	var values []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if _, v, ok := strings.Cut(line, "> "); ok {
			line = v
		}
		values = append(values, line)
	}
	return values
}

func TestPrintSinkConformance(t *testing.T) {
	var records []string
	for i := range 300 {
		records = append(records, fmt.Sprintf("record-%d", i))
	}
	testSinkConformance(t, func(*testing.T) sinkUnderTest[string] {
		var out bytes.Buffer
		return sinkUnderTest[string]{
			sink:    NewPrintSink[string](&out),
			visible: func(*testing.T) []string { return printedValues(out.String()) },
		}
	}, records)
}

func printOne[T any](t *testing.T, sink operator.Sink[T], ctx *operator.Context, record T) {
	t.Helper()
	w, err := sink.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(record); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPrintSinkPrefix(t *testing.T) {
	type point struct{ X, Y int }
	var out bytes.Buffer
	printOne(t, NewPrintSink[point](&out), testContext(1, 3), point{1, 2})
	printOne(t, NewPrintSink[int](&out), testContext(0, 1), 42)
	if got, want := out.String(), "2> {1 2}\n42\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
}

func TestPrintSinkIdentifier(t *testing.T) {
	var out bytes.Buffer
	printOne(t, NewPrintSinkWithIdentifier[int](&out, "orders"), testContext(1, 3), 7)
	printOne(t, NewPrintSinkWithIdentifier[int](&out, "orders"), testContext(0, 1), 42)
	if got, want := out.String(), "orders:2> 7\norders> 42\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
}

// writerFunc is an io.Writer that cannot be a map key.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// TestPrintSinkLinesDoNotInterleave runs writers of two print sinks on
// one writer that is not safe for concurrent use: with -race, the shared
// lock is checked too; every line must come out whole.
func TestPrintSinkLinesDoNotInterleave(t *testing.T) {
	var buf bytes.Buffer
	unkeyable := writerFunc(buf.Write)
	for _, tt := range []struct {
		name string
		out  func() (sinks []operator.Sink[string])
	}{
		{"same writer, two sinks", func() []operator.Sink[string] {
			return []operator.Sink[string]{NewPrintSink[string](&buf), NewPrintSink[string](&buf)}
		}},
		{"unkeyable writer, one sink", func() []operator.Sink[string] {
			return []operator.Sink[string]{NewPrintSink[string](unkeyable)}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			buf.Reset()
			sinks := tt.out()
			long := strings.Repeat("x", 5000)
			const parallelism, perWriter = 3, 200
			var wg sync.WaitGroup
			for _, sink := range sinks {
				for s := range parallelism {
					wg.Go(func() {
						ctx := testContext(s, parallelism)
						w, err := sink.NewWriter(ctx)
						if err != nil {
							t.Error(err)
							return
						}
						if err := w.Open(ctx); err != nil {
							t.Error(err)
							return
						}
						for range perWriter {
							if err := w.Write(long); err != nil {
								t.Error(err)
							}
						}
						w.Close()
					})
				}
			}
			wg.Wait()
			whole := regexp.MustCompile(`^[1-3]> x+$`)
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if want := len(sinks) * parallelism * perWriter; len(lines) != want {
				t.Errorf("printed %d lines, want %d", len(lines), want)
			}
			for i, line := range lines {
				if len(line) != len("1> ")+len(long) || !whole.MatchString(line) {
					t.Fatalf("line %d is torn: %.80q", i, line)
				}
			}
		})
	}
	printLocks.Lock()
	defer printLocks.Unlock()
	if len(printLocks.m) != 0 {
		t.Errorf("%d print locks left after every writer closed", len(printLocks.m))
	}
}
