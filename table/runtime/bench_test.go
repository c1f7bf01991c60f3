package runtime

import (
	"testing"
	"time"

	"github.com/runnel/runnel/operator"
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
