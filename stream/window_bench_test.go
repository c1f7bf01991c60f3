package stream

import (
	"encoding/binary"
	"errors"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/window"
)

// keyCount is a key and a count, with its own 16-byte codec.
type keyCount struct{ Key, N int64 }

func (c *keyCount) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint64(b, uint64(c.Key))
	return binary.BigEndian.AppendUint64(b, uint64(c.N)), nil
}

func (c *keyCount) UnmarshalBinary(b []byte) error {
	if len(b) != 16 {
		return errors.New("keyCount: want 16 bytes")
	}
	c.Key, c.N = int64(binary.BigEndian.Uint64(b)), int64(binary.BigEndian.Uint64(b[8:]))
	return nil
}

// windowCountChain is a keyed tumbling event-time window that counts
// clicks per key (WindowReduce), as its own chain fed with encoded
// records.
func windowCountChain(b *testing.B, size time.Duration) operator.Chain {
	tumbling, err := window.TumblingEventTime(size, 0)
	if err != nil {
		b.Fatal(err)
	}
	p := mustBuild(b, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[keyCount]{log: &eventLog{}}, "clicks")
		counts := WindowReduce(Window(KeyBy(src, func(c keyCount) int64 { return c.Key }), tumbling),
			func(a, b keyCount) keyCount { return keyCount{Key: a.Key, N: a.N + b.N} })
		SinkTo(counts.Rebalance(), &collectSink[keyCount]{log: &eventLog{}}, "out")
		return nil
	})
	c, err := p.NewChain(operator.ChainSpec{
		Vertices: ids(1),
		Context:  operator.Context{JobName: "bench", TaskName: "window"},
		Outputs:  map[jobgraph.EdgeID]operator.RecordWriter{1: &discardWriter{channels: 1}},
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Open(); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkTumblingWindowCount pushes b.N clicks over keys distinct keys
// into 1-second tumbling windows of 2 × keys records each, with a
// watermark every 1000 records, and reports records per second:
//
//	go test ./stream -run '^$' -bench TumblingWindowCount -benchtime 5000000x
func BenchmarkTumblingWindowCount(b *testing.B) {
	for _, keys := range []int{10_000, 1_000_000} {
		b.Run("keys="+strconv.Itoa(keys), func(b *testing.B) {
			c := windowCountChain(b, time.Second)
			codec := operator.CodecFor[keyCount]()
			perWindow := 2 * keys
			var buf []byte
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				ts := int64(i / perWindow * 1000)
				buf, _ = codec.Append(buf[:0], keyCount{Key: int64(i % keys), N: 1})
				if err := c.PushRecord(0, ts+int64(i%1000), buf); err != nil {
					b.Fatal(err)
				}
				if i%1000 == 999 {
					if err := c.PushWatermark(ts - 1); err != nil {
						b.Fatal(err)
					}
				}
			}
			if err := c.PushWatermark(operator.MaxWatermark); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
		})
	}
}

// BenchmarkWindowStateBytesPerKey fills one window with a count for each
// of 200,000 keys and reports the heap it takes per key (window contents,
// trigger timer and cleanup timer included):
//
//	go test ./stream -run '^$' -bench WindowStateBytesPerKey -benchtime 1x
func BenchmarkWindowStateBytesPerKey(b *testing.B) {
	const keys = 200_000
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c := windowCountChain(b, time.Hour)
		codec := operator.CodecFor[keyCount]()
		var buf []byte
		for k := range keys {
			buf, _ = codec.Append(buf[:0], keyCount{Key: int64(k), N: 1})
			if err := c.PushRecord(0, 1000, buf); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/keys, "B/key")
		runtime.KeepAlive(c)
	}
}
