package runtime

import (
	"runtime"
	"testing"
	"time"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/scheduler"
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
