package connector

import (
	"fmt"
	"math"

	"github.com/runnel/runnel/operator"
)

// The positions of the sequence and data generator sources in
// checkpoints. Both keep the work still to do as a list of pieces (number
// ranges, index progressions), encoded with MarshalState. On a restore
// every new subtask decodes all old subtasks' lists, concatenated in old
// subtask order, and takes the pieces whose index modulo the new
// parallelism is its own: each piece goes to exactly one new subtask,
// whatever the old and new parallelism. When there are fewer pieces than
// new subtasks, each piece is first cut into as many as make up the
// difference, so that scaling up spreads the remaining work instead of
// leaving the new subtasks idle. Only the pieces matter, not the
// arguments the job was restarted with: the checkpoint says what is left.

const (
	sequenceStateVersion = 1
	dataGenStateVersion  = 1
)

type sequenceState struct {
	Ranges []seqRange `msgpack:"r"`
}

type dataGenState struct {
	Progressions []progression `msgpack:"p"`
}

// SnapshotState records the ranges still to emit; PollNext updates them
// after every record, so they hold exactly the numbers not yet emitted.
func (r *sequenceReader) SnapshotState(int64) (operator.Snapshot, error) {
	b, err := MarshalState(sequenceStateVersion, sequenceState{Ranges: r.ranges})
	if err != nil {
		return operator.Snapshot{}, fmt.Errorf("sequence source: %w", err)
	}
	return operator.Snapshot{Operator: b}, nil
}

// RestoreState replaces the reader's fresh share by its share of the
// ranges the old subtasks had left.
func (r *sequenceReader) RestoreState(st operator.Restored) error {
	all, err := restoredItems(st.Operator, decodeSequenceState)
	if err != nil {
		return fmt.Errorf("sequence source: %w", err)
	}
	r.ranges = shareByIndex(splitRanges(all, r.parallelism), r.subtask, r.parallelism)
	return nil
}

func decodeSequenceState(b []byte) ([]seqRange, error) {
	var st sequenceState
	if err := UnmarshalState(b, sequenceStateVersion, &st); err != nil {
		return nil, err
	}
	for _, rg := range st.Ranges {
		if rg.First > rg.Last {
			return nil, fmt.Errorf("range %d..%d is reversed", rg.First, rg.Last)
		}
	}
	return st.Ranges, nil
}

// splitRanges cuts each range into ceil(p/len(all)) contiguous pieces
// when there are fewer ranges than subtasks; a range shorter than that
// gives fewer pieces.
func splitRanges(all []seqRange, p int) []seqRange {
	if len(all) == 0 || len(all) >= p {
		return all
	}
	k := (p + len(all) - 1) / len(all)
	var pieces []seqRange
	for _, rg := range all {
		for i := range k {
			if first, last, ok := sequenceShare(rg.First, rg.Last, i, k); ok {
				pieces = append(pieces, seqRange{First: first, Last: last})
			}
		}
	}
	return pieces
}

// SnapshotState records the next index of each progression still
// generating; PollNext advances them after every record.
func (r *dataGenReader[T]) SnapshotState(int64) (operator.Snapshot, error) {
	b, err := MarshalState(dataGenStateVersion, dataGenState{Progressions: r.progs})
	if err != nil {
		return operator.Snapshot{}, fmt.Errorf("datagen: %w", err)
	}
	return operator.Snapshot{Operator: b}, nil
}

// RestoreState replaces the reader's fresh progression by its share of
// the progressions the old subtasks had left.
func (r *dataGenReader[T]) RestoreState(st operator.Restored) error {
	all, err := restoredItems(st.Operator, decodeDataGenState)
	if err != nil {
		return fmt.Errorf("datagen: %w", err)
	}
	var live []progression
	for _, p := range splitProgressions(all, r.parallelism) {
		if !r.exhausted(p) {
			live = append(live, p)
		}
	}
	r.progs = shareByIndex(live, r.subtask, r.parallelism)
	return nil
}

func decodeDataGenState(b []byte) ([]progression, error) {
	var st dataGenState
	if err := UnmarshalState(b, dataGenStateVersion, &st); err != nil {
		return nil, err
	}
	for _, p := range st.Progressions {
		if p.Next < 0 || p.Step < 1 {
			return nil, fmt.Errorf("progression from %d by %d: want an index >= 0 and a step >= 1", p.Next, p.Step)
		}
	}
	return st.Progressions, nil
}

// splitProgressions cuts each progression into k = ceil(p/len(all))
// interleaved ones (next+i*step by step*k, i < k) when there are fewer
// progressions than subtasks: together they generate the same indices. A
// progression whose cut would overflow int64 stays whole.
func splitProgressions(all []progression, p int) []progression {
	if len(all) == 0 || len(all) >= p {
		return all
	}
	k := int64((p + len(all) - 1) / len(all))
	var pieces []progression
	for _, pr := range all {
		if pr.Step > math.MaxInt64/k || pr.Next > math.MaxInt64-(k-1)*pr.Step {
			pieces = append(pieces, pr)
			continue
		}
		for i := range k {
			pieces = append(pieces, progression{Next: pr.Next + i*pr.Step, Step: pr.Step * k})
		}
	}
	return pieces
}
