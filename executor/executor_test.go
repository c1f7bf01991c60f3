package executor

import (
	"context"

	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/watermark"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/transport"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeCluster is a one-node desired state the test sets.
type fakeCluster struct {
	addr     string
	changed  chan struct{}
	registry *stream.Registry

	mu      sync.Mutex
	asg     []Assignment
	reports map[[2]int]jobgraph.TaskReport
	acks    []jobgraph.CheckpointAck
}

func (c *fakeCluster) AcknowledgeCheckpoint(_ context.Context, ack jobgraph.CheckpointAck) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.acks = append(c.acks, ack)
	return nil
}

func (c *fakeCluster) set(a ...Assignment) {
	c.mu.Lock()
	c.asg = a
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func (c *fakeCluster) Assignments() []Assignment {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.asg)
}

func (c *fakeCluster) Changed() <-chan struct{}               { return c.changed }
func (c *fakeCluster) NodeRPCAddr(name string) (string, bool) { return c.addr, name == "n1" }

func (c *fakeCluster) Report(_ context.Context, rs []jobgraph.TaskReport) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rs {
		c.reports[[2]int{r.Task, r.Index}] = r
	}
	return nil
}

func (c *fakeCluster) states() map[[2]int]jobgraph.TaskReport {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[[2]int]jobgraph.TaskReport{}
	for k, v := range c.reports {
		out[k] = v
	}
	return out
}

// collected gathers what the test sink receives, across subtasks.
var collected struct {
	sync.Mutex
	values []int64
}

type collectSink struct{}

func (collectSink) NewWriter(*operator.Context) (operator.SinkWriter[int64], error) {
	return collectWriter{}, nil
}

type collectWriter struct{}

func (collectWriter) Open(*operator.Context) error { return nil }
func (collectWriter) EndInput() error              { return nil }
func (collectWriter) Close() error                 { return nil }
func (collectWriter) Write(v int64) error {
	collected.Lock()
	collected.values = append(collected.values, v)
	collected.Unlock()
	return nil
}

// seqSource emits from..to split over subtasks; to < 0 never ends.
type seqSource struct{ to int64 }

func (s seqSource) NewReader(ctx *operator.Context) (operator.SourceReader[int64], error) {
	return &seqReader{next: int64(ctx.Subtask), step: int64(ctx.Parallelism), to: s.to}, nil
}

type seqReader struct{ next, step, to int64 }

func (r *seqReader) Open(*operator.Context) error { return nil }
func (r *seqReader) EndInput() error              { return nil }
func (r *seqReader) Close() error                 { return nil }
func (r *seqReader) PollNext(out operator.Collector[int64]) (operator.InputStatus, error) {
	for range 100 {
		if r.to >= 0 && r.next > r.to {
			return operator.EndOfInput, nil
		}
		out.Collect(r.next)
		r.next += r.step
	}
	return operator.MoreAvailable, nil
}

func testRegistry(t testing.TB) *stream.Registry {
	r := stream.NewRegistry()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	// sum: 0..9999 over two source subtasks, doubled, to one sink.
	must(r.Register("double", func(env *stream.Env, _ stream.Args) error {
		src := stream.FromSource(env, seqSource{to: 9999}, "seq")
		doubled := stream.Map(src, func(v int64) int64 { return 2 * v })
		stream.SinkTo(doubled.Rebalance(), collectSink{}, "collect").SetParallelism(1)
		return nil
	}))
	must(r.Register("panic", func(env *stream.Env, _ stream.Args) error {
		src := stream.FromSource(env, seqSource{to: 9999}, "seq")
		bad := stream.Map(src, func(v int64) int64 {
			if v == 77 {
				panic("seventy-seven")
			}
			return v
		})
		stream.SinkTo(bad.Rebalance(), collectSink{}, "collect").SetParallelism(1)
		return nil
	}))
	must(r.Register("endless", func(env *stream.Env, _ stream.Args) error {
		src := stream.FromSource(env, seqSource{to: -1}, "seq")
		stream.SinkTo(src.Rebalance(), collectSink{}, "collect").SetParallelism(1)
		return nil
	}))
	// half-idle: source subtask 0 counts up as event time, subtask 1
	// stays quiet; a watermark after every record, idleness after 50 ms.
	must(r.Register("half-idle", func(env *stream.Env, _ stream.Args) error {
		env.SetAutoWatermarkInterval(0)
		src := stream.FromSource(env, halfIdleSource{}, "half-idle")
		timed := stream.AssignTimestampsAndWatermarks(src, watermark.Strategy[int64]{
			Generator:  func() watermark.Generator { return watermark.BoundedOutOfOrderness(0) },
			Timestamps: func(v, _ int64) int64 { return v },
			Idleness:   50 * time.Millisecond,
		})
		stream.SinkTo(timed.Rebalance(), discardSink{}, "discard").SetParallelism(1)
		return nil
	}))
	return r
}

// halfIdleSource emits 1, 2, 3, ... one per poll from subtask 0 and
// nothing from the others, never ending.
type halfIdleSource struct{}

func (halfIdleSource) NewReader(ctx *operator.Context) (operator.SourceReader[int64], error) {
	return &halfIdleReader{active: ctx.Subtask == 0}, nil
}

type halfIdleReader struct {
	active bool
	next   int64
}

func (r *halfIdleReader) Open(*operator.Context) error { return nil }
func (r *halfIdleReader) EndInput() error              { return nil }
func (r *halfIdleReader) Close() error                 { return nil }
func (r *halfIdleReader) PollNext(out operator.Collector[int64]) (operator.InputStatus, error) {
	if r.active {
		r.next++
		out.Collect(r.next)
	}
	return operator.NothingAvailable, nil
}

type discardSink struct{}

func (discardSink) NewWriter(*operator.Context) (operator.SinkWriter[int64], error) {
	return discardWriter{}, nil
}

type discardWriter struct{}

func (discardWriter) Open(*operator.Context) error { return nil }
func (discardWriter) EndInput() error              { return nil }
func (discardWriter) Close() error                 { return nil }
func (discardWriter) Write(int64) error            { return nil }

// startExecutor runs an executor on a real one-port transport on loopback.
func startExecutor(t testing.TB) (*Executor, *fakeCluster) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := transport.NewMux(ln, logger)
	peerLn := mux.Listen(transport.KindPeer)
	go mux.Serve()
	addr := ln.Addr().String()
	peers := transport.NewPeers(peerLn, transport.Config{Advertise: addr, Logger: logger})
	network := transport.NewNetwork(peers, transport.NetworkConfig{Advertise: addr, Logger: logger})
	c := &fakeCluster{addr: addr, changed: make(chan struct{}, 1), reports: map[[2]int]jobgraph.TaskReport{}, registry: testRegistry(t)}
	e := New(Config{NodeName: "n1", BufferTimeout: 10 * time.Millisecond, Credits: 8, ReportInterval: 20 * time.Millisecond},
		c, c.registry, network, logger)
	e.Start()
	t.Cleanup(func() {
		e.Stop(context.Background())
		network.Close()
		peers.Close()
		mux.Close()
	})
	return e, c
}

// assignment places every subtask of a job with source parallelism 2 and
// one sink subtask on n1.
func assignment(job string, active bool) Assignment {
	return Assignment{
		JobID: job + "-id", Spec: jobgraph.Spec{Job: job, Parallelism: 2}, Attempt: 1, Active: active,
		Subtasks: []jobgraph.Placement{
			{Task: 0, Index: 0, Node: "n1", Slot: 0}, {Task: 0, Index: 1, Node: "n1", Slot: 1},
			{Task: 1, Index: 0, Node: "n1", Slot: 0},
		},
	}
}

func waitStates(t testing.TB, c *fakeCluster, want jobgraph.ExecutionState) map[[2]int]jobgraph.TaskReport {
	t.Helper()
	return waitN(t, c, 3, want)
}

// waitN waits until n subtasks report the state want.
func waitN(t testing.TB, c *fakeCluster, n int, want jobgraph.ExecutionState) map[[2]int]jobgraph.TaskReport {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		rs := c.states()
		done := len(rs) == n
		for _, r := range rs {
			done = done && r.State == want
		}
		if done {
			return rs
		}
		if time.Now().After(deadline) {
			t.Fatalf("subtasks did not all reach %s: %+v", want, rs)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestExecutorRunsJobToTheEnd(t *testing.T) {
	collected.Lock()
	collected.values = nil
	collected.Unlock()
	_, c := startExecutor(t)
	c.set(assignment("double", true))
	rs := waitStates(t, c, jobgraph.Finished)

	collected.Lock()
	got := slices.Clone(collected.values)
	collected.Unlock()
	slices.Sort(got)
	if len(got) != 10000 || got[0] != 0 || got[9999] != 19998 {
		t.Fatalf("sink got %d values, first %v", len(got), got[:min(3, len(got))])
	}
	if r := rs[[2]int{1, 0}]; r.RecordsIn != 10000 || r.BytesIn == 0 {
		t.Fatalf("sink report %+v", r)
	}
	// The sources' final watermark crossed the channels and the valve.
	if r := rs[[2]int{1, 0}]; r.Watermark != operator.MaxWatermark {
		t.Fatalf("sink watermark %d, want the maximum", r.Watermark)
	}
	if r := rs[[2]int{0, 0}]; r.RecordsOut != 5000 || r.BytesOut == 0 {
		t.Fatalf("source report %+v", r)
	}
}

func TestExecutorFailsSubtaskOnPanic(t *testing.T) {
	_, c := startExecutor(t)
	c.set(assignment("panic", true))
	deadline := time.Now().Add(10 * time.Second)
	for {
		var failed []string
		for _, r := range c.states() {
			if r.State == jobgraph.Failed {
				failed = append(failed, r.Error)
			}
		}
		if len(failed) > 0 {
			if !strings.Contains(failed[0], "seventy-seven") || !strings.Contains(failed[0], "Source: seq -> Map") {
				t.Fatalf("failure %q lacks the panic or the task", failed[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no subtask failed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.set(assignment("panic", false))
}

func TestExecutorCancelsInactiveJob(t *testing.T) {
	_, c := startExecutor(t)
	c.set(assignment("endless", true))
	waitStates(t, c, jobgraph.Running)
	c.set(assignment("endless", false))
	waitStates(t, c, jobgraph.Canceled)
}

// TestIdleSubtaskWithWatermarkIntervalZero: with a watermark after every
// record (interval 0) the quiet source subtask must still be found idle,
// so that the sink's watermark follows the active one alone.
func TestIdleSubtaskWithWatermarkIntervalZero(t *testing.T) {
	_, c := startExecutor(t)
	c.set(assignment("half-idle", true))
	deadline := time.Now().Add(time.Minute)
	for {
		r, ok := c.states()[[2]int{1, 0}]
		if ok && r.Watermark > 0 && r.Watermark != operator.MaxWatermark {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sink's watermark never advanced past the idle subtask: %+v", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.set(assignment("half-idle", false))
	waitStates(t, c, jobgraph.Canceled)
}

func TestElementsRoundTripAndRejectCorruptBuffers(t *testing.T) {
	var buf []byte
	buf = appendElement(buf, kindRecord, 0, []byte("plain"))
	buf = appendElement(buf, kindTimestamped, -5, []byte("stamped"))
	buf = appendElement(buf, kindWatermark, 42, nil)
	buf = appendElement(buf, kindStatus, 0, []byte{1})
	var got []element
	for len(buf) > 0 {
		e, rest, err := nextElement(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
		buf = rest
	}
	if len(got) != 4 || string(got[0].record) != "plain" || got[0].ts != operator.NoTimestamp ||
		string(got[1].record) != "stamped" || got[1].ts != -5 || got[2].kind != kindWatermark || got[2].ts != 42 || !got[3].idle {
		t.Fatalf("elements %+v", got)
	}
	for _, bad := range [][]byte{
		{0x05 << 2, 'a'}, // record longer than the buffer
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, // header overflows
		{3<<2 | kindWatermark, 0, 0, 0},                                    // short watermark
		{2<<2 | kindStatus, 1, 1},                                          // long status
	} {
		if _, _, err := nextElement(bad); err == nil {
			t.Fatalf("buffer %x accepted", bad)
		}
	}
}

func TestExecutorRefusesADifferentGraph(t *testing.T) {
	_, c := startExecutor(t)
	a := assignment("double", true)
	a.Graph = "not-this-graph"
	c.set(a)
	rs := waitStates(t, c, jobgraph.Failed)
	if err := rs[[2]int{0, 0}].Error; !strings.Contains(err, "different graph") {
		t.Fatalf("error %q does not say the graph differs", err)
	}
	c.set(assignment("double", false))
}
