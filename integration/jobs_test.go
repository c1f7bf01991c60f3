package integration

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/node"
	"github.com/runnel/runnel/operator/watermark"
	"github.com/runnel/runnel/stream"
)

// Test jobs, registered in the default registry the in-process nodes use.
func init() {
	// it-panic fails in its Map once the sequence reaches 500.
	stream.RegisterJob("it-panic", func(env *stream.Env, args stream.Args) error {
		seq := stream.FromSource(env, connector.NewSequenceSource(0, 100000), "seq")
		bad := stream.Map(seq, func(v int64) int64 {
			if v == 500 {
				panic(fmt.Sprintf("boom at %d", v))
			}
			return v
		}).Rebalance()
		stream.SinkTo(bad, connector.NewDiscardSink[int64](), "discard")
		return nil
	})
	// it-eventtime stamps generated records with event time (1 ms apart)
	// and runs until canceled, so watermarks flow across nodes.
	stream.RegisterJob("it-eventtime", func(env *stream.Env, args stream.Args) error {
		env.SetAutoWatermarkInterval(50 * time.Millisecond)
		gen := stream.FromSource(env, connector.NewDataGen(-1, 2000, func(i int64) int64 { return i }), "gen")
		stamped := stream.AssignTimestampsAndWatermarks(gen, watermark.Strategy[int64]{
			Generator:  func() watermark.Generator { return watermark.BoundedOutOfOrderness(100 * time.Millisecond) },
			Timestamps: func(v int64, _ int64) int64 { return 1_000_000 + v },
		})
		sums := stream.Reduce(stream.KeyBy(stamped, func(v int64) int64 { return v % 7 }), func(a, b int64) int64 { return a + b })
		stream.SinkTo(sums, connector.NewDiscardSink[int64](), "discard")
		return nil
	})
	// it-forever runs until canceled.
	stream.RegisterJob("it-forever", func(env *stream.Env, args stream.Args) error {
		gen := stream.FromSource(env, connector.NewDataGen(-1, 2000, func(i int64) int64 { return i }), "gen")
		keyed := stream.KeyBy(gen, func(v int64) int64 { return v % 10 })
		sums := stream.Reduce(keyed, func(a, b int64) int64 { return a + b })
		stream.SinkTo(sums, connector.NewDiscardSink[int64](), "discard")
		return nil
	})
}

func followersOf(c *Cluster) []*node.Node {
	leader := c.WaitForLeader()
	var out []*node.Node
	for _, n := range c.Nodes {
		if n != leader {
			out = append(out, n)
		}
	}
	return out
}

// writeWordInput writes files of random text (with Unicode words,
// punctuation, underscores and digits) and returns the reference count.
func writeWordInput(t *testing.T, dir string, files, lines int) map[string]int {
	t.Helper()
	vocab := []string{"Apple", "apple", "ÄPFEL", "straße", "日本", "x_y", "go1", "42", "naïve", "Crème", "é", "zebra"}
	seps := []string{" ", ", ", "; ", "--", "\t", "!", " _ "}
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[string]int{}
	for f := range files {
		var b strings.Builder
		for range lines {
			for w := range 1 + rng.IntN(12) {
				if w > 0 {
					b.WriteString(seps[rng.IntN(len(seps))])
				}
				b.WriteString(vocab[rng.IntN(len(vocab))])
			}
			b.WriteString("\n")
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("in-%d.txt", f)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		// An independent reference: walk runes, cut at non letters/digits.
		var word []rune
		flush := func() {
			if len(word) > 0 {
				want[strings.ToLower(string(word))]++
				word = word[:0]
			}
		}
		for _, r := range b.String() {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				word = append(word, r)
			} else {
				flush()
			}
		}
		flush()
	}
	// Hidden files are not input.
	os.WriteFile(filepath.Join(dir, ".hidden"), []byte("hidden words\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "_SUCCESS"), []byte("hidden words\n"), 0o644)
	return want
}

// readWordOutput reads "word<TAB>count" lines of the visible files in dir.
func readWordOutput(t *testing.T, dir string) map[string]int {
	t.Helper()
	got := map[string]int{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			word, n, ok := strings.Cut(sc.Text(), "\t")
			count, err := strconv.Atoi(n)
			if !ok || err != nil {
				t.Fatalf("bad output line %q in %s", sc.Text(), e.Name())
			}
			if _, dup := got[word]; dup {
				t.Fatalf("word %q written twice", word)
			}
			got[word] = count
		}
		f.Close()
	}
	return got
}

func TestWordCountAcrossNodes(t *testing.T) {
	c := NewCluster(t, 3, nil)
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	want := writeWordInput(t, in, 5, 2000)

	follower := followersOf(c)[0]
	id := SubmitJob(t, follower.HTTPAddr(), "wordcount", 4, map[string]string{"input": in, "output": out})
	d := WaitForJobStatus(t, follower.HTTPAddr(), id, coordinator.JobFinished, 60*time.Second)

	got := readWordOutput(t, out)
	if len(got) != len(want) {
		t.Errorf("%d distinct words, want %d", len(got), len(want))
	}
	for w, n := range want {
		if got[w] != n {
			t.Errorf("count of %q = %d, want %d", w, got[w], n)
		}
	}

	nodes := map[string]bool{}
	for _, v := range d.Vertices {
		for _, s := range v.Subtasks {
			if s.Status != "FINISHED" {
				t.Errorf("%s subtask %d: %s", v.Name, s.Index, s.Status)
			}
			nodes[s.Node] = true
		}
	}
	if len(nodes) < 2 {
		t.Errorf("subtasks ran on %d node(s); want them spread", len(nodes))
	}
	if len(d.Vertices) < 2 || d.Vertices[0].Subtasks[0].RecordsIn == 0 {
		t.Errorf("job details lack tasks or counts: %+v", d.Vertices)
	}
}

func TestFailingFunctionFailsJobNotNode(t *testing.T) {
	c := NewCluster(t, 3, nil)
	addr := followersOf(c)[0].HTTPAddr()
	id := SubmitJob(t, addr, "it-panic", 2, nil)
	d := WaitForJobStatus(t, addr, id, coordinator.JobFailed, 60*time.Second)
	if !strings.Contains(d.Error, "boom at 500") {
		t.Fatalf("job error %q does not carry the panic's message", d.Error)
	}
	for _, n := range c.Nodes {
		resp, err := http.Get("http://" + n.HTTPAddr() + "/v1/health")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s unhealthy after a job failed", n.Name())
		}
	}
}

func TestCancelJob(t *testing.T) {
	c := NewCluster(t, 3, nil)
	addr := followersOf(c)[1].HTTPAddr()
	id := SubmitJob(t, addr, "it-forever", 3, nil)
	WaitForJobStatus(t, addr, id, coordinator.JobRunning, 30*time.Second)
	WaitForResult(t, 20*time.Second, func() (bool, error) {
		d, err := GetJob(addr, id)
		if err != nil {
			return false, err
		}
		in, _ := totalRecords(d)
		return in > 0, fmt.Errorf("no records yet")
	})
	resp, err := http.Post("http://"+addr+"/v1/jobs/"+id+"/cancel", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cancel: %s", resp.Status)
	}
	d := WaitForJobStatus(t, addr, id, coordinator.JobCanceled, 30*time.Second)
	for _, v := range d.Vertices {
		for _, s := range v.Subtasks {
			if s.Status != "CANCELED" {
				t.Errorf("%s subtask %d ended %s", v.Name, s.Index, s.Status)
			}
		}
	}
	resp, err = http.Post("http://"+addr+"/v1/jobs/"+id+"/cancel", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("second cancel: %s, want 409", resp.Status)
	}
}

func TestJobWaitsForSlotsThenFails(t *testing.T) {
	c := NewCluster(t, 3, func(i int, cfg *node.Config) { cfg.SlotRequestTimeout = 3 * time.Second })
	addr := c.Nodes[0].HTTPAddr()
	id := SubmitJob(t, addr, "it-forever", 7, nil)
	WaitForResult(t, 10*time.Second, func() (bool, error) {
		d, err := GetJob(addr, id)
		if err != nil {
			return false, err
		}
		return strings.Contains(d.PendingReason, "needs 7 slots"), fmt.Errorf("pending reason %q", d.PendingReason)
	})
	d := WaitForJobStatus(t, addr, id, coordinator.JobFailed, 20*time.Second)
	if !strings.Contains(d.Error, "slots") {
		t.Fatalf("error %q does not say slots", d.Error)
	}
}

func TestSubmitErrors(t *testing.T) {
	c := NewCluster(t, 1, nil)
	addr := c.Nodes[0].HTTPAddr()
	cases := []struct {
		name, body string
		status     int
	}{
		{"empty body", "", http.StatusBadRequest},
		{"not JSON", "{", http.StatusBadRequest},
		{"unknown field", `{"job": "wordcount", "nope": 1}`, http.StatusBadRequest},
		{"unknown job", `{"job": "nosuch"}`, http.StatusBadRequest},
		{"missing argument", `{"job": "wordcount", "args": {"input": "x"}}`, http.StatusBadRequest},
		{"bad parallelism", `{"job": "wordcount", "parallelism": -1}`, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post("http://"+addr+"/v1/jobs", "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
	if _, err := GetJob(addr, "nosuch"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown job: %v", err)
	}
}

func totalRecords(d coordinator.JobDetails) (in, out uint64) {
	for _, v := range d.Vertices {
		for _, s := range v.Subtasks {
			in += s.RecordsIn
			out += s.RecordsOut
		}
	}
	return in, out
}

// TestWatermarksCrossNodes runs an event-time job on 3 nodes and checks
// that the keyed task downstream of the hash exchange reports a watermark
// that advances, as the valve passes the minimum of its channels.
func TestWatermarksCrossNodes(t *testing.T) {
	c := NewCluster(t, 3, nil)
	addr := c.Nodes[0].HTTPAddr()
	id := SubmitJob(t, addr, "it-eventtime", 3, nil)
	WaitForJobStatus(t, addr, id, coordinator.JobRunning, 30*time.Second)
	minWatermark := func() (int64, error) {
		d, err := GetJob(addr, id)
		if err != nil {
			return 0, err
		}
		last := d.Vertices[len(d.Vertices)-1]
		low := int64(math.MaxInt64)
		for _, s := range last.Subtasks {
			if s.Watermark == nil {
				return 0, fmt.Errorf("%s subtask %d has no watermark yet", last.Name, s.Index)
			}
			low = min(low, *s.Watermark)
		}
		return low, nil
	}
	var first int64
	WaitForResult(t, 20*time.Second, func() (bool, error) {
		var err error
		first, err = minWatermark()
		return err == nil && first >= 1_000_000-101, err
	})
	WaitForResult(t, 20*time.Second, func() (bool, error) {
		wm, err := minWatermark()
		return err == nil && wm > first, fmt.Errorf("watermark %d has not advanced past %d: %v", wm, first, err)
	})
}
