package connector

import (
	"errors"
	"fmt"

	"github.com/runnel/runnel/operator"
)

// The file source's position in checkpoints: the splits a reader has
// still to read, each with the file offset of its next line. A split not
// yet begun has its start as offset, so that the restored reader skips
// the partial first line exactly as a fresh one would; a finished split
// is left out. The splits themselves, not their indices, are kept,
// because how a source cuts its input depends on the parallelism.
//
// On a restore every new subtask decodes all old subtasks' lists,
// concatenated in old subtask order, and reads the splits whose index
// modulo the new parallelism is its own, the rule a fresh source uses
// for its planned splits. Each split, and so each line not yet emitted,
// goes to exactly one new subtask, and every split's offset travels with
// it. A split begun is not cut further; a file changed since the
// checkpoint is read as it is now, like any input changed under a job.

const fileSourceStateVersion = 1

type fileSourceState struct {
	Splits []splitPosition `msgpack:"s"`
}

// splitPosition is a split still to read and the offset of its next line.
type splitPosition struct {
	Path  string `msgpack:"path"`
	Start int64  `msgpack:"start"`
	End   int64  `msgpack:"end"`
	Pos   int64  `msgpack:"pos"`
}

// SnapshotState records the split being read at the offset after the last
// line emitted, and the splits after it at their resume offsets.
func (r *fileReader) SnapshotState(int64) (operator.Snapshot, error) {
	var st fileSourceState
	for k := r.split; k < len(r.splits); k++ {
		sp := r.splits[k]
		pos := r.pos
		if k > r.split {
			pos = r.resumeOffset(k)
		}
		if pos >= sp.end {
			continue // every line of the split was emitted
		}
		st.Splits = append(st.Splits, splitPosition{Path: sp.path, Start: sp.start, End: sp.end, Pos: pos})
	}
	b, err := MarshalState(fileSourceStateVersion, st)
	if err != nil {
		return operator.Snapshot{}, fmt.Errorf("file source: %w", err)
	}
	return operator.Snapshot{Operator: b}, nil
}

// RestoreState replaces the splits NewReader planned by the reader's
// share of the splits the old subtasks had left. It runs before Open, so
// no file is open yet.
func (r *fileReader) RestoreState(st operator.Restored) error {
	if r.file != nil {
		return errors.New("file source: restore after reading began")
	}
	all, err := restoredItems(st.Operator, decodeFileSourceState)
	if err != nil {
		return fmt.Errorf("file source: %w", err)
	}
	mine := shareByIndex(all, r.subtask, r.parallelism)
	r.splits = make([]fileSplit, len(mine))
	r.resume = make([]int64, len(mine))
	for k, sp := range mine {
		r.splits[k] = fileSplit{path: sp.Path, start: sp.Start, end: sp.End}
		r.resume[k] = sp.Pos
	}
	r.seekSplit(0)
	return nil
}

func decodeFileSourceState(b []byte) ([]splitPosition, error) {
	var st fileSourceState
	if err := UnmarshalState(b, fileSourceStateVersion, &st); err != nil {
		return nil, err
	}
	for _, sp := range st.Splits {
		if sp.Path == "" || sp.Start < 0 || sp.End <= sp.Start || sp.Pos < sp.Start {
			return nil, fmt.Errorf("split %q [%d, %d) at offset %d: not a split position", sp.Path, sp.Start, sp.End, sp.Pos)
		}
	}
	return st.Splits, nil
}
