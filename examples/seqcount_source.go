package examples

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/operator"
)

// NewSeqSource emits, for every key k0 … k<keys-1>, the sequence numbers
// 1 … count in order: seqcount's source, and an example of a source that
// keeps its position in checkpoints. Key k<i> belongs to source subtask
// i % parallelism, which interleaves its keys one record each. rate
// limits the records per second over all subtasks (0: unlimited).
//
// The position is per key: the next sequence number of each key not yet
// done. On a restore every new subtask reads all old subtasks' positions
// and takes the keys it owns now, so a key goes on where it stopped at
// any parallelism; a key with no position was done.
func NewSeqSource(keys int, count int64, rate float64) operator.Source[SeqRecord] {
	return &seqSource{keys: keys, count: count, rate: rate}
}

type seqSource struct {
	keys  int
	count int64
	rate  float64
}

// seqBatch bounds one poll, so that the task gets back control (barriers,
// cancellation) often.
const seqBatch = 1000

func (s *seqSource) NewReader(ctx *operator.Context) (operator.SourceReader[SeqRecord], error) {
	if s.keys < 1 || s.count < 0 {
		return nil, fmt.Errorf("seqcount source: %d keys of %d records, want 1 or more keys and 0 or more records", s.keys, s.count)
	}
	limit, err := connector.NewRateLimiter(s.rate / float64(max(ctx.Parallelism, 1)))
	if err != nil {
		return nil, fmt.Errorf("seqcount source: %w", err)
	}
	r := &seqReader{source: s, subtask: ctx.Subtask, parallelism: max(ctx.Parallelism, 1), limit: limit}
	if s.count > 0 {
		for k := ctx.Subtask; k >= 0 && k < s.keys; k += r.parallelism {
			r.keys = append(r.keys, keyPosition{Key: k, Next: 1})
		}
	}
	return r, nil
}

// seqReader emits one record of each of its keys in turn.
type seqReader struct {
	source               *seqSource
	subtask, parallelism int
	keys                 []keyPosition // keys not done, by key index
	turn                 int           // index in keys of the next to emit
	limit                *connector.RateLimiter
}

// keyPosition is a key (by index) and the next sequence number to emit.
type keyPosition struct {
	Key  int   `msgpack:"k"`
	Next int64 `msgpack:"n"`
}

func keyName(k int) string { return "k" + strconv.Itoa(k) }

func (r *seqReader) Open(*operator.Context) error {
	r.limit.Start()
	return nil
}

func (r *seqReader) EndInput() error { return nil }
func (r *seqReader) Close() error    { return nil }

func (r *seqReader) PollNext(out operator.Collector[SeqRecord]) (operator.InputStatus, error) {
	if len(r.keys) == 0 {
		return operator.EndOfInput, nil
	}
	n := r.limit.Grant(seqBatch)
	if n == 0 {
		return operator.NothingAvailable, nil
	}
	// Keys that run out stay in place until the round ends, then go in
	// one pass: deleting each at once costs a copy of the rest, quadratic
	// over a million keys.
	emitted := 0
	for emitted < n && len(r.keys) > 0 {
		p := &r.keys[r.turn]
		if p.Next <= r.source.count {
			out.Collect(SeqRecord{Key: keyName(p.Key), Seq: p.Next})
			p.Next++
			emitted++
		}
		if r.turn++; r.turn >= len(r.keys) {
			r.turn = 0
			r.keys = slices.DeleteFunc(r.keys, func(p keyPosition) bool { return p.Next > r.source.count })
		}
	}
	r.limit.Spend(emitted)
	switch {
	case len(r.keys) == 0:
		return operator.EndOfInput, nil
	case !r.limit.Ready():
		return operator.NothingAvailable, nil
	}
	return operator.MoreAvailable, nil
}

const seqSourceStateVersion = 1

type seqSourceState struct {
	Keys []keyPosition `msgpack:"keys"`
}

// SnapshotState records each key's next sequence number; PollNext
// advances it after every record.
func (r *seqReader) SnapshotState(int64) (operator.Snapshot, error) {
	left := slices.DeleteFunc(slices.Clone(r.keys), func(p keyPosition) bool { return p.Next > r.source.count })
	b, err := connector.MarshalState(seqSourceStateVersion, seqSourceState{Keys: left})
	if err != nil {
		return operator.Snapshot{}, fmt.Errorf("seqcount source: %w", err)
	}
	return operator.Snapshot{Operator: b}, nil
}

// RestoreState takes, from every old subtask's positions, those of the
// keys this subtask owns at its parallelism. A position outside the
// job's keys and counts, or a key in two old subtasks, is corrupt state
// (or a job restarted with other arguments) and fails the restore.
func (r *seqReader) RestoreState(st operator.Restored) error {
	owner := map[int]int{}
	r.keys = r.keys[:0]
	for j, b := range st.Operator {
		if len(b) == 0 {
			continue // the old subtask had finished
		}
		var old seqSourceState
		if err := connector.UnmarshalState(b, seqSourceStateVersion, &old); err != nil {
			return fmt.Errorf("seqcount source: state of old subtask %d: %w", j, err)
		}
		for _, p := range old.Keys {
			if p.Key < 0 || p.Key >= r.source.keys || p.Next < 1 || p.Next > r.source.count {
				return fmt.Errorf("seqcount source: state of old subtask %d: key %d at %d is outside %d keys of %d records",
					j, p.Key, p.Next, r.source.keys, r.source.count)
			}
			if o, dup := owner[p.Key]; dup {
				return fmt.Errorf("seqcount source: key %s is in the state of old subtasks %d and %d", keyName(p.Key), o, j)
			}
			owner[p.Key] = j
			if p.Key%r.parallelism == r.subtask {
				r.keys = append(r.keys, p)
			}
		}
	}
	slices.SortFunc(r.keys, func(a, b keyPosition) int { return a.Key - b.Key })
	r.turn = 0
	return nil
}
