package integration

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
)

type aggEvent struct {
	ts    int64
	key   string
	value int64
}

func (e aggEvent) line() string { return fmt.Sprintf("%d,%s,%d", e.ts, e.key, e.value) }

// disorderedEvents makes events whose timestamps run forward with jitter
// inside bound, plus some far behind (late even with the lateness).
func disorderedEvents(n int, bound, lateness int64) []aggEvent {
	rng := rand.New(rand.NewPCG(7, 11))
	var out []aggEvent
	var maxTs int64
	for i := range n {
		base := int64(1000 + i*3)
		ts := base + rng.Int64N(bound)
		if i > 50 && rng.IntN(25) == 0 {
			ts = maxTs - bound - lateness - 1 - rng.Int64N(200)
		}
		maxTs = max(maxTs, ts)
		out = append(out, aggEvent{ts: ts, key: fmt.Sprintf("k%d", rng.IntN(7)), value: rng.Int64N(100)})
	}
	return out
}

// referenceWindowAgg computes, independently of the runtime, what Flink's
// WindowOperator emits for tumbling event-time windows of size with a
// watermark of max timestamp - bound - 1 after every record: a window
// fires once when the watermark passes its end - 1, again for every
// element that joins it later within the lateness, and is gone at end - 1
// + lateness; an element all of whose windows are gone and whose
// timestamp + lateness is not past the watermark... is late.
func referenceWindowAgg(events []aggEvent, size, bound, lateness int64) (fired, late []string) {
	type win struct {
		key   string
		start int64
	}
	type acc struct {
		count, sum int64
		timer      bool // fires when the watermark passes end - 1
	}
	windows := map[win]*acc{}
	wm := int64(math.MinInt64)
	emit := func(w win, a *acc) {
		fired = append(fired, fmt.Sprintf("%s,%d,%d,%d,%d", w.key, w.start, w.start+size, a.count, a.sum))
	}
	advance := func(to int64) {
		for w, a := range windows {
			end := w.start + size
			if a.timer && end-1 <= to {
				emit(w, a)
				a.timer = false
			}
			if end-1+lateness <= to {
				delete(windows, w)
			}
		}
		wm = to
	}
	var maxTs int64 = math.MinInt64
	for _, e := range events {
		w := win{e.key, e.ts - e.ts%size}
		end := w.start + size
		if end-1+lateness <= wm {
			if e.ts+lateness <= wm {
				late = append(late, e.line())
			}
		} else {
			a, ok := windows[w]
			if !ok {
				a = &acc{timer: end-1 > wm}
				windows[w] = a
			}
			a.count++
			a.sum += e.value
			if end-1 <= wm {
				emit(w, a)
			}
		}
		maxTs = max(maxTs, e.ts)
		if next := maxTs - bound - 1; next > wm {
			advance(next)
		}
	}
	advance(math.MaxInt64)
	return fired, late
}

func readLines(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l != "" {
				out = append(out, l)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestWindowAggAcrossNodes runs window-agg on 3 nodes with disordered
// input and some late records, and checks every window firing and every
// late record against the independent reference.
func TestWindowAggAcrossNodes(t *testing.T) {
	const size, bound, lateness = 100, 40, 30
	events := disorderedEvents(3000, bound, lateness)
	in := t.TempDir()
	var b strings.Builder
	for _, e := range events {
		b.WriteString(e.line() + "\n")
	}
	if err := os.WriteFile(filepath.Join(in, "events.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	wantFired, wantLate := referenceWindowAgg(events, size, bound, lateness)
	slices.Sort(wantFired)
	slices.Sort(wantLate)
	if len(wantLate) == 0 {
		t.Fatal("the input has no late records; the test would not test them")
	}
	t.Logf("%d events, %d window firings, %d late records expected", len(events), len(wantFired), len(wantLate))

	c := NewCluster(t, 3, nil)
	out, lateOut := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "late")
	addr := followersOf(c)[0].HTTPAddr()
	id := SubmitJob(t, addr, "window-agg", 3, map[string]string{
		"input": in, "output": out, "late-output": lateOut,
		"window": fmt.Sprintf("tumble:%dms", size), "out-of-orderness": fmt.Sprintf("%dms", bound),
		"lateness": fmt.Sprintf("%dms", lateness), "watermark-interval": "0s",
	})
	WaitForJobStatus(t, addr, id, coordinator.JobFinished, 60*time.Second)

	if got := readLines(t, out); !slices.Equal(got, wantFired) {
		t.Errorf("%d firings, want %d", len(got), len(wantFired))
		for i := range min(len(got), len(wantFired)) {
			if got[i] != wantFired[i] {
				t.Fatalf("first difference: got %q, want %q", got[i], wantFired[i])
			}
		}
	}
	if got := readLines(t, lateOut); !slices.Equal(got, wantLate) {
		t.Errorf("%d late records, want %d", len(got), len(wantLate))
	}
}
