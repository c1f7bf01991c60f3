package examples

import (
	"fmt"
	"math"
	"strconv"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
)

func init() {
	stream.RegisterJob("seqcount", buildSeqCount)
}

// SeqRecord is one record of seqcount: a key ("k0", "k1", ...) and its
// sequence number, from 1.
type SeqRecord struct {
	Key string
	Seq int64
}

// buildSeqCount is runnel's exactly-once probe: a keyed sequence source
// (seqcount_source.go) → keyBy key → a KeyedProcess counting each key's
// records in ValueState → the file sink, one "key,seq,count" line per
// record. With checkpoints, across failures and rescaling, the output is
// exactly once when every (key, seq) appears once and count == seq on
// every line; CheckSeqCount checks it.
//
// Args: keys (default 100), count (records per key, default 1000), rate
// (records per second over all source subtasks, 0 = as fast as possible;
// the default), output (a folder), checkpoint-interval (a duration: the
// job checkpoints that often; default 0, the job's settings decide).
// Without checkpoints the sink commits at the end of the input, so the
// output is exactly once only if nothing fails.
func buildSeqCount(env *stream.Env, args stream.Args) error {
	keys, err := args.Int("keys", 100)
	if err != nil {
		return err
	}
	if keys < 1 {
		return fmt.Errorf("argument \"keys\": %d, want 1 or more", keys)
	}
	count, err := args.Int("count", 1000)
	if err != nil {
		return err
	}
	if count < 0 {
		return fmt.Errorf("argument \"count\": %d, want 0 or more", count)
	}
	rate, err := parseRate(args.Get("rate", "0"))
	if err != nil {
		return err
	}
	output, err := args.Required("output")
	if err != nil {
		return err
	}
	interval, err := args.Duration("checkpoint-interval", 0)
	if err != nil {
		return err
	}
	if interval < 0 {
		return fmt.Errorf("argument \"checkpoint-interval\": %s, want 0 (the settings' default) or more", interval)
	}
	if interval > 0 {
		env.EnableCheckpointing(interval)
	}

	seqs := stream.FromSource(env, NewSeqSource(keys, int64(count), rate), "sequences")
	byKey := stream.KeyBy(seqs, func(r SeqRecord) string { return r.Key })
	lines := stream.KeyedProcess(byKey, &seqCounter{}).Name("Count")
	stream.SinkTo(lines, connector.NewLineFileSink(output), "output")
	return nil
}

func parseRate(v string) (float64, error) {
	rate, err := strconv.ParseFloat(v, 64)
	if err != nil || !(rate >= 0) || math.IsInf(rate, 1) {
		return 0, fmt.Errorf("argument \"rate\": %q is not a number of records per second >= 0", v)
	}
	return rate, nil
}

// seqCounter counts each key's records in keyed state and writes
// "key,seq,count": the count is restored with the checkpoint the source
// position is, so it equals seq exactly when no record was lost or
// counted twice.
type seqCounter struct {
	count *state.ValueState[string, state.VoidNamespace, int64]
}

func (c *seqCounter) Open(ctx *stream.KeyedRuntimeContext[string]) error {
	var err error
	c.count, err = state.GetValueState[state.VoidNamespace](ctx.State, state.ValueStateDescriptor[int64]{Name: "count"})
	return err
}

func (c *seqCounter) ProcessElement(r SeqRecord, _ *stream.KeyedContext[string], out operator.Collector[string]) error {
	n, _ := c.count.Value()
	n++
	c.count.Update(n)
	out.Collect(r.Key + "," + strconv.FormatInt(r.Seq, 10) + "," + strconv.FormatInt(n, 10))
	return nil
}
