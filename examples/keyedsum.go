package examples

import (
	"encoding/binary"
	"fmt"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/stream"
)

func init() {
	stream.RegisterJob("keyed-sum", buildKeyedSum)
}

// Reading is one generated record of keyed-sum: a key and a value. It
// brings its own binary codec, as hot types should: 16 fixed bytes instead
// of msgpack's reflection.
type Reading struct {
	Key   int64
	Value int64
}

// AppendBinary implements encoding.BinaryAppender.
func (r *Reading) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint64(b, uint64(r.Key))
	return binary.BigEndian.AppendUint64(b, uint64(r.Value)), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (r *Reading) UnmarshalBinary(b []byte) error {
	if len(b) != 16 {
		return fmt.Errorf("reading: %d bytes, want 16", len(b))
	}
	r.Key = int64(binary.BigEndian.Uint64(b))
	r.Value = int64(binary.BigEndian.Uint64(b[8:]))
	return nil
}

// buildKeyedSum is runnel's throughput probe: a generator of count records
// (args count, default 10,000,000; keys, default 1000) → Map → keyBy →
// rolling Reduce (sum per key) → a discarding sink. It is the pipeline
// BENCHMARKS.md measures across nodes.
func buildKeyedSum(env *stream.Env, args stream.Args) error {
	count, err := args.Int("count", 10_000_000)
	if err != nil {
		return err
	}
	keys, err := args.Int("keys", 1000)
	if err != nil {
		return err
	}
	if keys < 1 {
		keys = 1
	}
	gen := stream.FromSource(env, connector.NewDataGen(int64(count), 0, func(i int64) int64 { return i }), "numbers")
	readings := stream.Map(gen, func(i int64) Reading { return Reading{Key: i % int64(keys), Value: i} }).Name("Reading")
	byKey := stream.KeyBy(readings, func(r Reading) int64 { return r.Key })
	sums := stream.Reduce(byKey, func(a, b Reading) Reading { return Reading{Key: a.Key, Value: a.Value + b.Value} }).Name("Sum")
	stream.SinkTo(sums, connector.NewDiscardSink[Reading](), "discard")
	return nil
}
