//go:build unix

package table_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/watermark"
	"github.com/runnel/runnel/operator/window"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table"
	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
)

// The planner's overhead: the same two jobs written with the Table API
// and with the DataStream API, fed by the same generator, at parallelism
// 1, their tasks driven from the benchmark's goroutine (one core with
// -cpu 1) as the stream package's benchmarks drive their chains, into a
// discarding sink (BENCHMARKS.md has the figures):
//
//	go test ./table -run '^$' -bench SQLOverhead -benchtime 9x -cpu 1
//	go test ./table -run '^$' -bench 'FilterProject|TumbleWindow' -benchtime 1000000x -cpu 1
//
// Filter-project is WHERE price > 100, SELECT auction, price * 2,
// UPPER(bidder): one chain, no exchange. The window is TUMBLE(ts, 1 s),
// COUNT(*) and SUM(price) per auction over 10,000 auctions: the rows are
// encoded across the hash exchange on both sides (the DataStream record
// with its own codec, as a hot record type should have).

// bid is the generated record; Ts is event time in milliseconds.
type bid struct {
	Auction, Price int64
	Bidder         string
	Ts             int64
}

const (
	benchAuctions = 10_000
	// bidsPerMilli makes a 1-second window 20,000 bids, 2 per auction,
	// as BenchmarkTumblingWindowCount in package stream.
	bidsPerMilli = 20
	benchEpoch   = int64(1_790_000_000_000) // a 2026 instant, in ms
)

// bidders are lowercase, so that UPPER has work to do; made once, so
// that generating a bid allocates nothing on either side.
var bidders = func() []string {
	out := make([]string, 1000)
	for i := range out {
		out[i] = fmt.Sprintf("bidder-%d", i)
	}
	return out
}()

// genBid is bid i: prices spread over 0..999 (90 % pass price > 100),
// auctions round robin, time ascending.
func genBid(i int64) bid {
	return bid{Auction: i % benchAuctions, Price: i * 7919 % 1000, Bidder: bidders[i%int64(len(bidders))], Ts: benchEpoch + i/bidsPerMilli}
}

// bidRows returns the generator of genBid's bids as the rows the Table
// API reads. Like a table source, it builds its rows with an Allocator;
// it is called once per source, as each subtask has its own generator.
func bidRows() func(int64) data.Row {
	var alloc data.Allocator
	return func(i int64) data.Row {
		b := genBid(i)
		fields := [4]data.Value{data.BigIntValue(b.Auction), data.BigIntValue(b.Price), data.StringValue(b.Bidder),
			data.TimestampValue(b.Ts * int64(time.Millisecond))}
		return alloc.MakeRow(data.Insert, fields[:])
	}
}

// bidSchema is the rows' schema; rowtime marks ts as an event-time
// attribute. The auction is NOT NULL, as the struct's int64 is, unless
// nullableAuction: grouped by, it is then keyed by encoded string rather
// than int64 (runtime.KeyTypes).
func bidSchema(rowtime, nullableAuction bool) data.Schema {
	ts := data.TTimestamp(3)
	if rowtime {
		ts.Time = data.Rowtime
	}
	auction := data.Type{Kind: data.BigInt, NotNull: !nullableAuction}
	return data.NewSchema(data.Column{Name: "auction", Type: auction}, data.Column{Name: "price", Type: data.TBigInt},
		data.Column{Name: "bidder", Type: data.TString}, data.Column{Name: "ts", Type: ts})
}

// AppendBinary and UnmarshalBinary are bid's own codec, as a hot record
// type should have, so that the DataStream job's exchange is not msgpack's.
func (b *bid) AppendBinary(buf []byte) ([]byte, error) {
	buf = binary.AppendVarint(buf, b.Auction)
	buf = binary.AppendVarint(buf, b.Price)
	buf = binary.AppendUvarint(buf, uint64(len(b.Bidder)))
	buf = append(buf, b.Bidder...)
	return binary.AppendVarint(buf, b.Ts), nil
}

var errShortBid = errors.New("bid: truncated")

func (b *bid) UnmarshalBinary(p []byte) error {
	auction, k1 := binary.Varint(p)
	price, k2 := binary.Varint(p[max(k1, 0):])
	if k1 <= 0 || k2 <= 0 {
		return errShortBid
	}
	p = p[k1+k2:]
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return errShortBid
	}
	bidder, p := string(p[k:k+int(n)]), p[k+int(n):]
	ts, k3 := binary.Varint(p)
	if k3 <= 0 || k3 != len(p) {
		return errShortBid
	}
	*b = bid{Auction: auction, Price: price, Bidder: bidder, Ts: ts}
	return nil
}

// projected is the DataStream side's filter-project output.
type projected struct {
	Auction, Price2 int64
	Bidder          string
}

// A job is a pipeline over n generated bids; its output goes to a
// discarding sink in the benchmarks and is checked in the test.
type job[T any] func(env *stream.Env, n int64) (*stream.DataStream[T], error)

// filterProjectDataStream is the filter-project job on bid structs.
func filterProjectDataStream(env *stream.Env, n int64) (*stream.DataStream[projected], error) {
	bids := stream.FromSource(env, connector.NewDataGen(n, 0, genBid), "bids")
	kept := stream.Filter(bids, func(b bid) bool { return b.Price > 100 })
	return stream.Map(kept, func(b bid) projected {
		return projected{Auction: b.Auction, Price2: b.Price * 2, Bidder: strings.ToUpper(b.Bidder)}
	}), nil
}

// filterProjectSQL is the filter-project job in the Table API.
func filterProjectSQL(env *stream.Env, n int64) (*stream.DataStream[data.Row], error) {
	rows := stream.FromSource(env, connector.NewDataGen(n, 0, bidRows()), "bids")
	return table.NewStreamEnv(env).FromDataStream(rows, bidSchema(false, false)).
		Where(expr.Col("price").Gt(expr.Lit(100))).
		Select(expr.Col("auction"), expr.Col("price").Times(expr.Lit(2)), expr.Col("bidder").Upper()).
		ToDataStream()
}

// countSum is the DataStream side's COUNT(*) and SUM(price).
type countSum struct{ Count, Sum int64 }

type countSumAgg struct{}

func (countSumAgg) CreateAccumulator() countSum { return countSum{} }
func (countSumAgg) Add(b bid, a countSum) countSum {
	return countSum{Count: a.Count + 1, Sum: a.Sum + b.Price}
}
func (countSumAgg) GetResult(a countSum) countSum { return a }
func (countSumAgg) Merge(a, b countSum) countSum {
	return countSum{Count: a.Count + b.Count, Sum: a.Sum + b.Sum}
}

// windowResult is the DataStream side's window output, the SQL side's
// columns.
type windowResult struct {
	Auction, Count, Sum, Start, End int64
}

// bidWatermarks is both sides' watermark strategy over a bid's time.
func bidWatermarks[T any](ts func(T) int64) watermark.Strategy[T] {
	return watermark.Strategy[T]{
		Generator:  func() watermark.Generator { return watermark.BoundedOutOfOrderness(0) },
		Timestamps: func(v T, _ int64) int64 { return ts(v) },
	}
}

// windowDataStream is the window job on bid structs.
func windowDataStream(env *stream.Env, n int64) (*stream.DataStream[windowResult], error) {
	tumbling, err := window.TumblingEventTime(time.Second, 0)
	if err != nil {
		return nil, err
	}
	bids := stream.FromSource(env, connector.NewDataGen(n, 0, genBid), "bids")
	timed := stream.AssignTimestampsAndWatermarks(bids, bidWatermarks(func(b bid) int64 { return b.Ts }))
	windows := stream.Window(stream.KeyBy(timed, func(b bid) int64 { return b.Auction }), tumbling)
	return stream.WindowAggregateProcess(windows, countSumAgg{},
		func(k int64, w window.TimeWindow, res iter.Seq[countSum], out operator.Collector[windowResult]) error {
			for r := range res {
				out.Collect(windowResult{Auction: k, Count: r.Count, Sum: r.Sum, Start: w.Start, End: w.End})
			}
			return nil
		}), nil
}

// windowSQL is the window job in the Table API, on rows carrying the same
// timestamps and watermarks.
func windowSQL(env *stream.Env, n int64) (*stream.DataStream[data.Row], error) {
	return windowSQLOf(env, n, false)
}

// windowSQLNullable is windowSQL with the auction column nullable.
func windowSQLNullable(env *stream.Env, n int64) (*stream.DataStream[data.Row], error) {
	return windowSQLOf(env, n, true)
}

func windowSQLOf(env *stream.Env, n int64, nullableAuction bool) (*stream.DataStream[data.Row], error) {
	rows := stream.FromSource(env, connector.NewDataGen(n, 0, bidRows()), "bids")
	timed := stream.AssignTimestampsAndWatermarks(rows, bidWatermarks(func(r data.Row) int64 { return r.Field(3).Millis() }))
	return table.NewStreamEnv(env).FromDataStream(timed, bidSchema(true, nullableAuction)).
		Window(table.Tumble(time.Second).On("ts"), "w").GroupBy("w", "auction").
		Select(expr.Col("auction"), expr.Call("COUNT"), expr.Col("price").Sum(), expr.Col("window_start"), expr.Col("window_end")).
		ToDataStream()
}

// discarding is j over n bids into a discarding sink.
func discarding[T any](j job[T], n int64) func(env *stream.Env) error {
	return func(env *stream.Env) error {
		out, err := j(env, n)
		if err != nil {
			return err
		}
		stream.SinkTo(out, connector.NewDiscardSink[T](), "discard")
		return nil
	}
}

// runLocal builds the job at parallelism 1 and runs it to its end: its
// tasks' chains in the calling goroutine, records and watermarks handed
// across an exchange by call (encoded and decoded, as between tasks), the
// source polled until its input ends, its watermark generator asked after
// every poll (1,000 bids), then MaxWatermark and the end of input, as the
// executor ends a bounded source.
func runLocal(build func(env *stream.Env) error) error {
	reg := stream.NewRegistry()
	if err := reg.Register("bench", func(env *stream.Env, _ stream.Args) error { return build(env) }); err != nil {
		return err
	}
	prog, err := reg.Build(jobgraph.Spec{Job: "bench", Parallelism: 1})
	if err != nil {
		return err
	}
	plan, err := scheduler.Chain(prog.Graph())
	if err != nil {
		return err
	}
	// Downstream first, so that every writer finds its receiver.
	chains := make([]operator.Chain, len(plan.Tasks))
	for ti := len(plan.Tasks) - 1; ti >= 0; ti-- {
		task := plan.Tasks[ti]
		outs := map[jobgraph.EdgeID]operator.RecordWriter{}
		for _, e := range plan.Edges {
			if e.Source == task.ID {
				outs[e.Edge] = &localWriter{to: chains[e.Target], edge: e.Edge}
			}
		}
		c, err := prog.NewChain(operator.ChainSpec{
			Vertices: task.Vertices,
			Context:  operator.Context{JobName: "bench", TaskName: task.Name, Parallelism: 1, MaxParallelism: task.MaxParallelism},
			Outputs:  outs,
		})
		if err != nil {
			return err
		}
		if err := c.Open(); err != nil {
			return err
		}
		chains[ti] = c
	}
	src := chains[0]
	if !src.IsSource() {
		return fmt.Errorf("task 0 (%s) is not the source", plan.Tasks[0].Name)
	}
	for {
		st, err := src.PollSource()
		if err != nil {
			return err
		}
		if st == operator.EndOfInput {
			break
		}
		if err := src.OnPeriodicWatermark(); err != nil {
			return err
		}
	}
	if err := src.PushWatermark(operator.MaxWatermark); err != nil {
		return err
	}
	for _, c := range chains {
		if err := c.EndInput(); err != nil {
			return err
		}
	}
	for _, c := range chains {
		if err := c.Close(); err != nil {
			return err
		}
	}
	return nil
}

// localWriter hands a sender's records to its one receiver's chain.
type localWriter struct {
	to   operator.Chain
	edge jobgraph.EdgeID
}

func (w *localWriter) NumChannels() int { return 1 }
func (w *localWriter) Emit(_ int, ts int64, r []byte) error {
	return w.to.PushRecord(w.edge, ts, r)
}
func (w *localWriter) Broadcast(ts int64, r []byte) error { return w.to.PushRecord(w.edge, ts, r) }
func (w *localWriter) EmitWatermark(wm int64) error       { return w.to.PushWatermark(wm) }
func (w *localWriter) EmitIdle(idle bool) error           { return w.to.PushIdle(idle) }

// cpuSeconds is the CPU time the process has used. The benchmarks divide
// rows by it rather than by wall time: at -cpu 1 that is rows per second
// of one core, and other work on the machine, which takes the core away
// for a while but not the CPU time it uses, does not count. Getrusage is
// why this file builds on unix only.
func cpuSeconds(tb testing.TB) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// benchJob runs one job over b.N rows and reports rows per CPU second;
// ns/op and allocs/op are per row.
func benchJob[T any](b *testing.B, j job[T]) {
	b.ReportAllocs()
	start := cpuSeconds(b)
	if err := runLocal(discarding(j, int64(b.N))); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/(cpuSeconds(b)-start), "rows/s")
}

func BenchmarkFilterProject(b *testing.B) {
	b.Run("datastream", func(b *testing.B) { benchJob(b, filterProjectDataStream) })
	b.Run("sql", func(b *testing.B) { benchJob(b, filterProjectSQL) })
}

func BenchmarkTumbleWindow(b *testing.B) {
	b.Run("datastream", func(b *testing.B) { benchJob(b, windowDataStream) })
	b.Run("sql", func(b *testing.B) { benchJob(b, windowSQL) })
	b.Run("sql-nullable", func(b *testing.B) { benchJob(b, windowSQLNullable) })
}

// BenchmarkSQLOverhead runs each pair's two jobs alternately, rows rows
// each per op, so that both see the same machine, and reports the median
// over the ops of each side's rows per CPU second and of ratio, the SQL
// job's rate over the DataStream job's: medians, because other work on
// the machine still slows a job down in bursts (caches, memory), which a
// sum would spread over both sides unevenly.
func BenchmarkSQLOverhead(b *testing.B) {
	pairs := []struct {
		name    string
		rows    int64
		ds, sql func(n int64) func(env *stream.Env) error
	}{
		{"filter-project", 1_000_000, bind(filterProjectDataStream), bind(filterProjectSQL)},
		{"window", 300_000, bind(windowDataStream), bind(windowSQL)},
	}
	for _, p := range pairs {
		b.Run(p.name, func(b *testing.B) {
			var ds, sql, ratio []float64
			for b.Loop() {
				start := cpuSeconds(b)
				if err := runLocal(p.ds(p.rows)); err != nil {
					b.Fatal(err)
				}
				mid := cpuSeconds(b)
				if err := runLocal(p.sql(p.rows)); err != nil {
					b.Fatal(err)
				}
				d, s := mid-start, cpuSeconds(b)-mid
				ds, sql, ratio = append(ds, float64(p.rows)/d), append(sql, float64(p.rows)/s), append(ratio, d/s)
			}
			b.ReportMetric(median(ds), "ds-rows/s")
			b.ReportMetric(median(sql), "sql-rows/s")
			b.ReportMetric(median(ratio), "ratio")
		})
	}
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// bind is discarding with the row count left open.
func bind[T any](j job[T]) func(n int64) func(env *stream.Env) error {
	return func(n int64) func(env *stream.Env) error { return discarding(j, n) }
}

// TestBenchJobsAgree checks that each pair's two jobs compute the same
// result, so that the benchmarks compare equal work.
func TestBenchJobsAgree(t *testing.T) {
	const n = 100_000 // five windows
	ds, rows := collected(t, filterProjectDataStream, n), collected(t, filterProjectSQL, n)
	if len(ds) == 0 || len(ds) != len(rows) {
		t.Fatalf("filter-project: %d structs, %d rows", len(ds), len(rows))
	}
	for i, p := range ds {
		if got := rows[i].String(); got != fmt.Sprintf("+I[%d, %d, %s]", p.Auction, p.Price2, p.Bidder) {
			t.Fatalf("filter-project row %d: %s, want %+v", i, got, p)
		}
	}
	want := map[windowResult]int{}
	for _, r := range collected(t, windowDataStream, n) {
		want[r]++
	}
	for name, j := range map[string]job[data.Row]{"window": windowSQL, "window, nullable auction": windowSQLNullable} {
		got := map[windowResult]int{}
		for _, r := range collected(t, j, n) {
			f := r.Values()
			got[windowResult{Auction: f[0].Int64(), Count: f[1].Int64(), Sum: f[2].Int64(), Start: f[3].Millis(), End: f[4].Millis()}]++
		}
		if len(want) != 5*benchAuctions || !maps.Equal(got, want) {
			t.Fatalf("%s: %d results, %d from the DataStream job, different or not %d", name, len(got), len(want), 5*benchAuctions)
		}
	}
}

// collected runs j over n bids and returns its output.
func collected[T any](t *testing.T, j job[T], n int64) []T {
	sink := &sliceSink[T]{}
	err := runLocal(func(env *stream.Env) error {
		out, err := j(env, n)
		if err != nil {
			return err
		}
		stream.SinkTo(out, sink, "collect")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sink.got
}

// sliceSink keeps what it is written; runLocal's one goroutine writes it.
type sliceSink[T any] struct{ got []T }

func (s *sliceSink[T]) NewWriter(*operator.Context) (operator.SinkWriter[T], error) { return s, nil }
func (s *sliceSink[T]) Write(v T) error                                             { s.got = append(s.got, v); return nil }
func (s *sliceSink[T]) Open(*operator.Context) error                                { return nil }
func (s *sliceSink[T]) EndInput() error                                             { return nil }
func (s *sliceSink[T]) Close() error                                                { return nil }

// TestCalcProjections runs Calcs over rows (a BIGINT, b STRING, c BIGINT,
// d STRING): an output that is a run of input columns shares the input
// row's bytes, any other makes a row of its own, and a row narrower than
// its schema fails the job.
func TestCalcProjections(t *testing.T) {
	schema := data.NewSchema(data.Column{Name: "a", Type: data.TBigInt}, data.Column{Name: "b", Type: data.TString},
		data.Column{Name: "c", Type: data.TBigInt}, data.Column{Name: "d", Type: data.TString})
	rows := []data.Row{
		data.NewRow(data.BigIntValue(1), data.StringValue("x"), data.BigIntValue(10), data.StringValue("p")),
		data.NewRow(data.BigIntValue(2), data.StringValue("y"), data.BigIntValue(20), data.StringValue("q")),
	}
	query := func(q func(*table.Table) *table.Table, in []data.Row) job[data.Row] {
		return func(env *stream.Env, _ int64) (*stream.DataStream[data.Row], error) {
			src := stream.FromSource(env, connector.NewDataGen(int64(len(in)), 0, func(i int64) data.Row { return in[i] }), "rows")
			return q(table.NewStreamEnv(env).FromDataStream(src, schema)).ToDataStream()
		}
	}
	a, b, c, d := expr.Col("a"), expr.Col("b"), expr.Col("c"), expr.Col("d")
	tests := []struct {
		name string
		q    func(*table.Table) *table.Table
		want []string
		// str is an output column of type STRING, whose bytes are the
		// input row's when shared.
		str    int
		shared bool
	}{
		{"filter", func(t *table.Table) *table.Table { return t.Where(a.Gt(expr.Lit(1))) }, []string{"+I[2, y, 20, q]"}, 1, true},
		{"run", func(t *table.Table) *table.Table { return t.Select(b, c) }, []string{"+I[x, 10]", "+I[y, 20]"}, 0, true},
		{"filtered run", func(t *table.Table) *table.Table { return t.Where(c.Gt(expr.Lit(10))).Select(c, d) }, []string{"+I[20, q]"}, 1, true},
		{"reordered", func(t *table.Table) *table.Table { return t.Select(d, a) }, []string{"+I[p, 1]", "+I[q, 2]"}, 0, false},
		{"computed", func(t *table.Table) *table.Table { return t.Select(b, c.Times(expr.Lit(2))) }, []string{"+I[x, 20]", "+I[y, 40]"}, 0, false},
	}
	for _, tt := range tests {
		got := collected(t, query(tt.q, rows), 0)
		var strs []string
		for _, r := range got {
			strs = append(strs, r.String())
		}
		if !slices.Equal(strs, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, strs, tt.want)
			continue
		}
		for _, r := range got {
			s := unsafe.StringData(r.Field(tt.str).Str())
			shared := false
			for _, in := range rows {
				for i := range in.Width() {
					shared = shared || in.Field(i).Kind() == data.String && unsafe.StringData(in.Field(i).Str()) == s
				}
			}
			if shared != tt.shared {
				t.Errorf("%s: %s shares the input's bytes: %t, want %t", tt.name, r, shared, tt.shared)
			}
		}
	}
	narrow := []data.Row{data.NewRow(data.BigIntValue(1), data.StringValue("x"))}
	err := runLocal(discarding(query(func(t *table.Table) *table.Table { return t.Select(b, c) }, narrow), 0))
	if err == nil || !strings.Contains(err.Error(), "row has 2 fields, the projection reads $2") {
		t.Errorf("a row narrower than its schema: %v", err)
	}
}
