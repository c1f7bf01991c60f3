package connector

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/runnel/runnel/operator"
)

// The file sink's two-phase commit, when the job checkpoints.
//
// Names. Each writer instance draws a random token. Its n-th part (from
// 0) is written as
//
//	.part-<subtask>-<token>-<n>.after-<checkpoint>.inprogress
//
// and committed as part-<subtask>-<token>-<n>. <checkpoint> is the last
// checkpoint the writer had snapshotted or restored from when it opened
// the part (0 for none), so every record in the part came after that
// checkpoint's barrier. The token keeps two writers of one subtask index
// (a restart, a rescaled job) from ever writing the same name.
//
// Snapshot at checkpoint c: the part being written is flushed, synced,
// closed and becomes pending for c; the snapshot lists every part still
// pending (of c and of earlier checkpoints whose completion has not come
// or was skipped). Complete(c) commits the pending parts of every
// checkpoint up to c, by rename. Abort(c) does nothing: the parts stay
// pending until a later completion covers them or a restore decides.
//
// Restore from checkpoint R: new subtask i commits the parts that old
// subtask j listed as pending, for every j with j % parallelism == i
// (committing twice is harmless: the part is found under its final name).
// Then it removes the hidden parts of every subtask index j with
// j % parallelism == i whose <checkpoint> is R or later: their records
// came after R's barrier and will be written again. Index j covers the
// writers of every earlier attempt at any parallelism, and no writer of
// the restored attempt but subtask i itself has an index with that
// remainder, so a subtask never removes another's live part. Restoring
// from a checkpoint older than one already committed (an older retained
// checkpoint) cannot take back what was committed, as in Flink.

const fileSinkStateVersion = 1

// partNameRE matches the hidden name of a checkpointing writer's part:
// subtask, token, part number, checkpoint it came after.
var partNameRE = regexp.MustCompile(`^\.part-(\d+)-([0-9a-f]+)-(\d+)\.after-(\d+)\.inprogress$`)

type fileSinkState struct {
	Pending []pendingName `msgpack:"p"`
}

// pendingName is a pending part in a snapshot: names within the sink's
// folder, so that the state does not depend on where the folder is.
type pendingName struct {
	Checkpoint int64  `msgpack:"cp"`
	Name       string `msgpack:"name"`
	Final      string `msgpack:"final"`
}

// openNextPart opens the part that takes the records after the last
// checkpoint.
func (w *fileWriter[T]) openNextPart() error {
	if !w.exactlyOnce {
		return errors.New("file sink: write without a part: the input has ended or the writer is not open")
	}
	final := fmt.Sprintf("part-%d-%s-%d", w.subtask, w.token, w.parts)
	hidden := fmt.Sprintf(".%s.after-%d.inprogress", final, w.after)
	part, err := openPart(filepath.Join(w.dir, hidden), filepath.Join(w.dir, final))
	if err != nil {
		return err
	}
	w.parts++
	w.part = part
	return nil
}

// SnapshotState makes the part being written pending for the checkpoint
// and returns every pending part. The flush and sync are the price of
// the prepare phase: the checkpoint must hold the part durably.
func (w *fileWriter[T]) SnapshotState(checkpointID int64) (operator.Snapshot, error) {
	if !w.exactlyOnce {
		return operator.Snapshot{}, fmt.Errorf("file sink: snapshot for checkpoint %d, but the job does not checkpoint", checkpointID)
	}
	if checkpointID <= w.after {
		return operator.Snapshot{}, fmt.Errorf("file sink: snapshot for checkpoint %d, not after checkpoint %d", checkpointID, w.after)
	}
	if err := w.rollPart(checkpointID); err != nil {
		return operator.Snapshot{}, err
	}
	w.after = checkpointID
	st := fileSinkState{Pending: make([]pendingName, len(w.pending))}
	for k, p := range w.pending {
		st.Pending[k] = pendingName{Checkpoint: p.checkpoint, Name: filepath.Base(p.path), Final: filepath.Base(p.finalPath)}
	}
	b, err := MarshalState(fileSinkStateVersion, st)
	if err != nil {
		return operator.Snapshot{}, fmt.Errorf("file sink: %w", err)
	}
	return operator.Snapshot{Operator: b}, nil
}

// NotifyCheckpointComplete commits the parts pending for checkpoints up
// to checkpointID: a completion stands for every earlier checkpoint too,
// since notifications may be skipped.
func (w *fileWriter[T]) NotifyCheckpointComplete(checkpointID int64) error {
	return w.commitUpTo(checkpointID)
}

// NotifyCheckpointAborted keeps the checkpoint's parts pending: a later
// checkpoint lists them again, and its completion commits them.
func (w *fileWriter[T]) NotifyCheckpointAborted(int64) error { return nil }

// RestoreState commits what the restored checkpoint had pending in the
// old subtasks this subtask stands for, and removes their parts written
// after it. It runs before Open, so this writer has written nothing yet.
func (w *fileWriter[T]) RestoreState(st operator.Restored) error {
	if w.part != nil || len(w.pending) > 0 {
		return errors.New("file sink: restore after writing began")
	}
	p := max(w.parallelism, 1)
	var commits []pendingPart
	for j, b := range st.Operator {
		if j%p != w.subtask || len(b) == 0 {
			continue
		}
		parts, err := w.decodeState(b, st.CheckpointID)
		if err != nil {
			return fmt.Errorf("file sink: state of old subtask %d: %w", j, err)
		}
		commits = append(commits, parts...)
	}
	for _, part := range commits {
		if err := part.commit(); err != nil {
			return err
		}
	}
	removed, err := w.removePartsAfter(st.CheckpointID)
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	if len(commits)+removed > 0 {
		if err := syncDir(w.dir); err != nil {
			return err
		}
	}
	w.after = st.CheckpointID
	return nil
}

// decodeState reads an old subtask's pending parts, refusing names that
// would leave the folder or are not hidden and final names.
func (w *fileWriter[T]) decodeState(b []byte, restored int64) ([]pendingPart, error) {
	var st fileSinkState
	if err := UnmarshalState(b, fileSinkStateVersion, &st); err != nil {
		return nil, err
	}
	parts := make([]pendingPart, len(st.Pending))
	for k, p := range st.Pending {
		switch {
		case !isPlainName(p.Name) || !strings.HasPrefix(p.Name, "."):
			return nil, fmt.Errorf("pending part %q: not a hidden file name", p.Name)
		case !isPlainName(p.Final) || strings.HasPrefix(p.Final, ".") || strings.HasPrefix(p.Final, "_"):
			return nil, fmt.Errorf("pending part %q: final name %q is not a visible file name", p.Name, p.Final)
		case p.Checkpoint > restored:
			return nil, fmt.Errorf("pending part %q is of checkpoint %d, after the checkpoint that holds it", p.Name, p.Checkpoint)
		}
		parts[k] = pendingPart{checkpoint: p.Checkpoint, path: filepath.Join(w.dir, p.Name), finalPath: filepath.Join(w.dir, p.Final)}
	}
	return parts, nil
}

// isPlainName reports whether name is a file name within a folder.
func isPlainName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, `/\`)
}

// removePartsAfter removes the hidden parts of the subtask indices this
// subtask stands for that were opened after checkpoint id or later, and
// returns how many. A missing folder has none.
func (w *fileWriter[T]) removePartsAfter(id int64) (int, error) {
	entries, err := os.ReadDir(w.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("list %s: %w", w.dir, err)
	}
	p := max(w.parallelism, 1)
	removed := 0
	for _, e := range entries {
		m := partNameRE.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		subtask, err1 := strconv.Atoi(m[1])
		after, err2 := strconv.ParseInt(m[4], 10, 64)
		if err1 != nil || err2 != nil || subtask%p != w.subtask || after < id {
			continue // numbers too big for this sink's names are not its parts
		}
		if err := os.Remove(filepath.Join(w.dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("remove part written after checkpoint %d: %w", id, err)
		}
		removed++
	}
	return removed, nil
}
