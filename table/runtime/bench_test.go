package runtime

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/scheduler"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// BenchmarkWindowAggregate runs b.N rows (k BIGINT, v BIGINT, t
// TIMESTAMP(3)) over 10,000 keys through a job with a tumbling window of
// COUNT(*) and SUM(v) per key: the rowtime check and timestamp step, the
// hash exchange (the rows encoded and decoded) and the window operator,
// in the benchmark's goroutine. Windows are 1 second of 2 rows per key,
// with a watermark every 1000 rows, as BenchmarkTumblingWindowCount in
// package stream; it reports rows per second, with the key a nullable
// BIGINT (encoded string keys) and a BIGINT NOT NULL (int64 keys):
//
//	go test ./table/runtime -run '^$' -bench WindowAggregate -benchtime 5000000x
func BenchmarkWindowAggregate(b *testing.B) {
	b.Run("string", func(b *testing.B) { benchWindowAggregate(b, data.TBigInt) })
	b.Run("int64", func(b *testing.B) { benchWindowAggregate(b, data.Type{Kind: data.BigInt, NotNull: true}) })
}

func benchWindowAggregate(b *testing.B, key data.Type) {
	const keys = 10_000
	j := startJob(b, 1, func(in *streamRows) *streamRows {
		spec := WindowSpec{Kind: Tumble, TimeCol: 2, Size: time.Second}
		return WindowAggregate(in, spec, []int{0}, []AggCall{countStar, col(call("SUM", data.TBigInt), 1)}, WindowAggOptions{KeyTypes: KeyTypes{key}})
	}, nil)
	j.discard = true
	codec := operator.CodecFor[data.Row]()
	fields := make([]data.Value, 3)
	var buf []byte
	perWindow := 2 * keys
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		ts := int64(i / perWindow * 1000)
		fields[0], fields[1], fields[2] = i64(int64(i%keys)), i64(1), data.TimestampValue((ts+int64(i%1000))*1e6)
		buf, _ = codec.Append(buf[:0], data.NewRow(fields...))
		if err := j.pushEncoded(buf); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			j.watermark(ts - 1)
		}
	}
	j.watermark(operator.MaxWatermark)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
}

// BenchmarkRegularJoin runs b.N iterations of an inner join of two
// inputs (k BIGINT NOT NULL, v BIGINT) on k over 1,000,000 keys (int64
// keys) in the benchmark's goroutine, both inputs' rows encoded and
// decoded across the hash exchange: iteration i pushes the right row
// (k, i) for k = i mod 1,000,000, after the left row (k, k) on the first
// pass over the keys, so that every right row matches its key's one left
// row. It reports input rows per second and the join's state per key,
// measured two ways: the growth of the heap in use after a GC
// (runtime.MemStats.HeapInuse), and the bytes of a snapshot of the
// join's keyed state, as a checkpoint writes it. At 2,000,000 iterations
// a key holds one left row and two right rows:
//
//	go test ./table/runtime -run '^$' -bench RegularJoin -benchtime 2000000x -cpu 1
func BenchmarkRegularJoin(b *testing.B) {
	const keys = 1_000_000
	types := []data.Type{data.TBigInt.AsNotNull(), data.TBigInt}
	spec := JoinSpec{Type: InnerJoin, LeftKeys: []int{0}, RightKeys: []int{0}, LeftTypes: types, RightTypes: types}
	j := startJob(b, 1, joinOn(spec), nil)
	j.discard = true
	codec := operator.CodecFor[data.Row]()
	fields := make([]data.Value, 3)
	var buf []byte
	var alloc data.Allocator
	push := func(side int32, k, v int64) {
		fields[0], fields[1], fields[2] = i32(side), i64(k), i64(v)
		buf, _ = codec.Append(buf[:0], alloc.MakeRow(data.Insert, fields))
		if err := j.pushEncoded(buf); err != nil {
			b.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	in := 0
	for i := range b.N {
		k := int64(i % keys)
		if i < keys {
			push(leftSide, k, k)
			in++
		}
		push(rightSide, k, int64(i))
		in++
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(in)/elapsed.Seconds(), "rows/s")
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := float64(min(b.N, keys))
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/kept, "heap-B/key")
	var snapshot int
	for task := range j.plan.Tasks {
		for _, c := range j.job.Chains(scheduler.TaskID(task)) {
			snaps, err := c.SnapshotState(1)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range snaps {
				for _, g := range s.KeyGroups {
					snapshot += len(g)
				}
			}
		}
	}
	b.ReportMetric(float64(snapshot)/kept, "snapshot-B/key")
}

// BenchmarkRank runs b.N rows (p BIGINT NOT NULL, v BIGINT, id BIGINT)
// through an insert-only Top-10 by v DESC per p over 1,000 partitions
// (int64 keys), v random, in the benchmark's goroutine, the rows encoded
// and decoded across the hash exchange. A partition's k-th row enters
// its top 10 with probability 10/k, so at 1,000,000 rows (1,000 per
// partition) about 6% of the rows change the result; with the rank
// number each of those updates the ranks below it. It reports input rows
// per second:
//
//	go test ./table/runtime -run '^$' -bench Rank -benchtime 1000000x -cpu 1
func BenchmarkRank(b *testing.B) {
	b.Run("rownumber", func(b *testing.B) { benchRank(b, true) })
	b.Run("norownumber", func(b *testing.B) { benchRank(b, false) })
}

func benchRank(b *testing.B, outputRank bool) {
	const partitions = 1_000
	spec := RankSpec{
		PartitionBy: []int{0}, KeyTypes: KeyTypes{data.TBigInt.AsNotNull()},
		OrderBy: []SortKey{{Col: 1, Descending: true}}, N: 10, OutputRank: outputRank, InsertOnly: true,
	}
	j := startJob(b, 1, func(in *streamRows) *streamRows { return Rank(in, spec) }, nil)
	j.discard = true
	rng := rand.New(rand.NewPCG(1, 2))
	benchRows(b, func(i int, fields []data.Value) {
		fields[0], fields[1], fields[2] = i64(int64(i%partitions)), i64(rng.Int64()), i64(int64(i))
	}, j)
}

// BenchmarkDeduplicate runs b.N rows (k BIGINT NOT NULL, v BIGINT, t
// TIMESTAMP(3)) through a deduplication keeping the last row per k over
// 100,000 keys (int64 keys), t rising, in the benchmark's goroutine, the
// rows encoded and decoded across the hash exchange: every row after a
// key's first replaces its kept row (-U and +U). It reports input rows
// per second:
//
//	go test ./table/runtime -run '^$' -bench Deduplicate -benchtime 1000000x -cpu 1
func BenchmarkDeduplicate(b *testing.B) {
	const keys = 100_000
	spec := DedupSpec{Keys: []int{0}, KeyTypes: KeyTypes{data.TBigInt.AsNotNull()}, KeepLast: true, TimeCol: 2}
	j := startJob(b, 1, func(in *streamRows) *streamRows { return Deduplicate(in, spec) }, nil)
	j.discard = true
	benchRows(b, func(i int, fields []data.Value) {
		fields[0], fields[1], fields[2] = i64(int64(i%keys)), i64(int64(i)), data.TimestampValue(int64(i)*1e6)
	}, j)
}

// benchRows pushes b.N rows of three fields that fill makes for row i
// into j, and reports rows per second.
func benchRows(b *testing.B, fill func(i int, fields []data.Value), j *testJob) {
	codec := operator.CodecFor[data.Row]()
	fields := make([]data.Value, 3)
	var buf []byte
	var alloc data.Allocator
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		fill(i, fields)
		buf, _ = codec.Append(buf[:0], alloc.MakeRow(data.Insert, fields))
		if err := j.pushEncoded(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkIntervalJoin runs b.N input rows through an inner interval
// join of two inputs (k BIGINT NOT NULL, v BIGINT, t TIMESTAMP(3)) on k
// over 10,000 keys (int64 keys), with right t - left t in [-1 s, +1 s],
// in the benchmark's goroutine, both inputs' rows encoded and decoded
// across the hash exchange. Rows alternate between the sides and come in
// time order, 20 a millisecond, so that each key has a row of each side
// a second, with a watermark a millisecond behind the latest time every
// 1000 rows: a row is kept about a second, and each joins the one or two
// rows of the other side within a second of it. It reports input rows
// per second, joined rows per input row, and the join's state per key
// at the end (before the final watermark), measured as the growth of the
// heap in use after a GC and as the bytes of a snapshot of the keyed
// state and timers, as a checkpoint writes it:
//
//	go test ./table/runtime -run '^$' -bench IntervalJoin -benchtime 1000000x -cpu 1
func BenchmarkIntervalJoin(b *testing.B) {
	const keys = 10_000
	types := []data.Type{data.TBigInt.AsNotNull(), data.TBigInt, data.TTimestamp(3)}
	spec := IntervalJoinSpec{
		Type: InnerJoin, LeftKeys: []int{0}, RightKeys: []int{0}, LeftTypes: types, RightTypes: types,
		LeftTime: 2, RightTime: 2, Lower: -1000, Upper: 1000,
	}
	joined := 0
	j := startJob(b, 1, func(in *streamRows) *streamRows {
		out := intervalOn(spec)(in)
		return stream.Map(out, func(r data.Row) data.Row { joined++; return r })
	}, nil)
	j.discard = true
	codec := operator.CodecFor[data.Row]()
	fields := make([]data.Value, 4)
	var buf []byte
	var alloc data.Allocator
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		t := int64(i / 20)
		fields[0], fields[1], fields[2], fields[3] = i32(int32(i%2)), i64(int64(i/2%keys)), i64(int64(i)), ts(t)
		buf, _ = codec.Append(buf[:0], alloc.MakeRow(data.Insert, fields))
		if err := j.pushEncoded(buf); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			j.watermark(t - 1)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(joined)/float64(b.N), "joined/row")
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := float64(min(b.N/2, keys))
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/kept, "heap-B/key")
	b.ReportMetric(float64(keyedStateBytes(b, j))/kept, "snapshot-B/key")
}

// BenchmarkWindowJoin runs b.N input rows through an inner window join of
// two inputs (k BIGINT NOT NULL, v BIGINT, window_start TIMESTAMP(3),
// window_end TIMESTAMP(3)), as a tumbling windowing table function of
// 1 s emits them, on k and the window over 10,000 keys (int64 keys), in
// the benchmark's goroutine, both inputs' rows encoded and decoded
// across the hash exchange. Rows alternate between the sides and come in
// time order, 20 a millisecond, so that each key has a row of each side
// in every window, with a watermark a millisecond behind the latest time
// every 1000 rows: every window holds 20,000 rows until the watermark
// passes its end, when each key's two rows join. It reports input rows
// per second, joined rows per input row, and the join's state per key at
// the end (the last window open, before the final watermark), measured
// as the growth of the heap in use after a GC and as the bytes of a
// snapshot of the keyed state and timers, as a checkpoint writes it:
//
//	go test ./table/runtime -run '^$' -bench WindowJoin -benchtime 1000000x -cpu 1
func BenchmarkWindowJoin(b *testing.B) {
	const keys = 10_000
	tsType := data.TTimestamp(3)
	types := []data.Type{data.TBigInt.AsNotNull(), data.TBigInt, tsType, tsType}
	spec := WindowJoinSpec{
		Type: InnerJoin, LeftKeys: []int{0}, RightKeys: []int{0}, LeftTypes: types, RightTypes: types,
		LeftStart: 2, LeftEnd: 3, RightStart: 2, RightEnd: 3,
	}
	joined := 0
	j := startJob(b, 1, func(in *streamRows) *streamRows {
		out := windowJoinOn(spec)(in)
		return stream.Map(out, func(r data.Row) data.Row { joined++; return r })
	}, nil)
	j.discard = true
	codec := operator.CodecFor[data.Row]()
	fields := make([]data.Value, 5)
	var buf []byte
	var alloc data.Allocator
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		t := int64(i / 20)
		w := t - t%1000
		fields[0], fields[1], fields[2], fields[3], fields[4] = i32(int32(i%2)), i64(int64(i/2%keys)), i64(int64(i)), ts(w), ts(w+1000)
		buf, _ = codec.Append(buf[:0], alloc.MakeRow(data.Insert, fields))
		if err := j.pushEncoded(buf); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			j.watermark(t - 1)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(joined)/float64(b.N), "joined/row")
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := float64(min(b.N/2, keys))
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/kept, "heap-B/key")
	b.ReportMetric(float64(keyedStateBytes(b, j))/kept, "snapshot-B/key")
}

// BenchmarkOverAggregate runs b.N rows (p BIGINT NOT NULL, v BIGINT, t
// TIMESTAMP(3)) through ROWS BETWEEN 10 PRECEDING AND CURRENT ROW of
// SUM(v) and COUNT(*) per p over 1,000 partitions (int64 keys), in the
// benchmark's goroutine, the rows encoded and decoded across the hash
// exchange. Row i is at i ms, so rows come in time order, and a
// watermark at the latest time follows every 1,000 rows: each row waits
// in state for it (a timer per row, each partition's row of the 1,000
// its own), then is emitted with its frame's aggregates, and the
// frame's oldest row is retracted. It reports input rows per second:
//
//	go test ./table/runtime -run '^$' -bench OverAggregate -benchtime 1000000x -cpu 1
func BenchmarkOverAggregate(b *testing.B) {
	const partitions = 1_000
	spec := OverSpec{
		PartitionBy: []int{0}, KeyTypes: KeyTypes{data.TBigInt.AsNotNull()}, TimeCol: 2,
		Aggs: []AggCall{col(call("SUM", data.TBigInt), 1), countStar}, Rows: true, Preceding: 10,
	}
	emitted := 0
	j := startJob(b, 1, func(in *streamRows) *streamRows {
		return stream.Map(OverAggregate(in, spec), func(r data.Row) data.Row { emitted++; return r })
	}, nil)
	j.discard = true
	codec := operator.CodecFor[data.Row]()
	fields := make([]data.Value, 3)
	var buf []byte
	var alloc data.Allocator
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		fields[0], fields[1], fields[2] = i64(int64(i%partitions)), i64(int64(i)), ts(int64(i))
		buf, _ = codec.Append(buf[:0], alloc.MakeRow(data.Insert, fields))
		if err := j.pushEncoded(buf); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			j.watermark(int64(i))
		}
	}
	j.watermark(operator.MaxWatermark)
	elapsed := time.Since(start)
	b.StopTimer()
	if emitted != b.N {
		b.Fatalf("%d rows emitted, want %d", emitted, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rows/s")
}

// BenchmarkWindowRank runs b.N rows (p BIGINT NOT NULL, v BIGINT, id
// BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3)), as a
// tumbling windowing table function of 1 s emits them, through a window
// Top-10 by v DESC per p over 1,000 partitions (int64 keys), v random, in
// the benchmark's goroutine, the rows encoded and decoded across the
// hash exchange. Rows come in time order, 100 a millisecond, so that a
// window holds 100 rows per partition, with a watermark a millisecond
// behind the latest time every 1,000 rows: a partition's k-th row of a
// window enters its top 10 with probability 10/k, so about a third of
// the rows are kept (for a while), and each window emits 10,000 rows
// when the watermark passes its end. It reports input rows per second:
//
//	go test ./table/runtime -run '^$' -bench WindowRank -benchtime 1000000x -cpu 1
func BenchmarkWindowRank(b *testing.B) {
	const partitions, perWindow = 1_000, 100_000
	spec := WindowRankSpec{
		PartitionBy: []int{0}, KeyTypes: KeyTypes{data.TBigInt.AsNotNull()}, WindowStart: 3, WindowEnd: 4,
		OrderBy: []SortKey{{Col: 1, Descending: true}}, N: 10,
	}
	emitted := 0
	j := startJob(b, 1, func(in *streamRows) *streamRows {
		return stream.Map(WindowRank(in, spec), func(r data.Row) data.Row { emitted++; return r })
	}, nil)
	j.discard = true
	rng := rand.New(rand.NewPCG(1, 2))
	codec := operator.CodecFor[data.Row]()
	fields := make([]data.Value, 5)
	var buf []byte
	var alloc data.Allocator
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		t := int64(i / 100)
		w := t - t%1000
		fields[0], fields[1], fields[2], fields[3], fields[4] = i64(int64(i%partitions)), i64(rng.Int64()), i64(int64(i)), ts(w), ts(w+1000)
		buf, _ = codec.Append(buf[:0], alloc.MakeRow(data.Insert, fields))
		if err := j.pushEncoded(buf); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			j.watermark(t - 1)
		}
	}
	j.watermark(operator.MaxWatermark)
	elapsed := time.Since(start)
	b.StopTimer()
	// Each full window emits 10 rows per partition; the last, partial
	// one as many as each partition has, up to 10.
	want := b.N / perWindow * 10 * partitions
	for p := range partitions {
		want += min(10, b.N%perWindow/partitions+btoi(p < b.N%partitions))
	}
	if emitted != want {
		b.Fatalf("%d rows emitted, want %d", emitted, want)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rows/s")
}

// BenchmarkTemporalJoin runs b.N input rows through an inner event-time
// temporal join of orders with a versioned table of rates, both (k
// BIGINT NOT NULL, v BIGINT, t TIMESTAMP(3)), on k over 10,000 keys
// (int64 keys), in the benchmark's goroutine, both inputs' rows encoded
// and decoded across the hash exchange. Rows come in time order, 100 a
// millisecond: every tenth a new version (+U) of the next key in turn, so
// that each key has a new version every second, the others orders of
// keys spread over all, with a watermark a millisecond behind the latest
// time every 1000 rows: an order waits about 10 ms for the watermark,
// then joins its key's latest version, and each key keeps one or two
// versions. It reports input rows per second, joined rows per input row,
// and the join's state per key at the end (before the final watermark),
// measured as the growth of the heap in use after a GC and as the bytes
// of a snapshot of the keyed state and timers, as a checkpoint writes it:
//
//	go test ./table/runtime -run '^$' -bench TemporalJoin -benchtime 1000000x -cpu 1
func BenchmarkTemporalJoin(b *testing.B) {
	const keys = 10_000
	types := []data.Type{data.TBigInt.AsNotNull(), data.TBigInt, data.TTimestamp(3)}
	spec := TemporalJoinSpec{
		Type: InnerJoin, LeftKeys: []int{0}, RightKeys: []int{0}, LeftTypes: types, RightTypes: types,
		LeftTime: 2, RightTime: 2,
	}
	joined := 0
	j := startJob(b, 1, func(in *streamRows) *streamRows {
		return stream.Map(temporalOn(spec)(in), func(r data.Row) data.Row { joined++; return r })
	}, nil)
	j.discard = true
	codec := operator.CodecFor[data.Row]()
	fields := make([]data.Value, 4)
	var buf []byte
	var alloc data.Allocator
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		t := int64(i / 100)
		kind, side, k := data.Insert, int32(leftSide), int64(i*7919%keys)
		if i%10 == 0 {
			kind, side, k = data.UpdateAfter, rightSide, int64(i/10%keys)
		}
		fields[0], fields[1], fields[2], fields[3] = i32(side), i64(k), i64(int64(i)), ts(t)
		buf, _ = codec.Append(buf[:0], alloc.MakeRow(kind, fields))
		if err := j.pushEncoded(buf); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			j.watermark(t - 1)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(joined)/float64(b.N), "joined/row")
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := float64(min(b.N/10, keys))
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/kept, "heap-B/key")
	b.ReportMetric(float64(keyedStateBytes(b, j))/kept, "snapshot-B/key")
}
