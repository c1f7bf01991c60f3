package connector

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/runnel/runnel/operator"
)

// NewFileSink writes each record as format(record) followed by "\n" into
// part files under dir, which is created if missing.
//
// It follows the life of a part file in Flink's FileSink: in progress
// (written under a name starting with ".", hidden, so that readers of dir,
// the file source among them, ignore it), pending (flushed, synced to disk
// and closed, still hidden) and committed (renamed to its visible name;
// the rename is atomic, so a reader sees a complete part or none). When
// a part is committed depends on whether the job checkpoints
// (operator.Context.Checkpointing).
//
// Without checkpoints each subtask writes one part,
// ".part-<subtask>-<attempt>.inprogress", committed as
// "part-<subtask>-<attempt>" when its input ends, whatever the other
// subtasks do: a job that fails after some parts were committed leaves
// them, and a restarted attempt writes its own parts beside them. A part
// name that already exists in dir (from an earlier run of the same job)
// is replaced.
//
// With checkpoints the sink is exactly once, by two-phase commit: each
// checkpoint closes the part being written, which becomes pending for
// that checkpoint, and the checkpoint's completion commits it. A
// restored job commits the parts its checkpoint had pending and removes
// the parts written after it. At the end of the input the sink only
// flushes; its last part is committed by the final checkpoint. Names
// carry a token unique to each writer instance, so subtasks never clash,
// across restarts and rescaling; file_sink_commit.go gives the names and
// the rules.
//
// A writer closed before its input ended (a failure, a cancellation)
// removes the part it was writing; pending parts stay for a restore to
// commit or remove.
func NewFileSink[T any](dir string, format func(T) string) operator.Sink[T] {
	return &fileSink[T]{dir: dir, format: format}
}

// NewLineFileSink is NewFileSink for string records written as they are,
// the counterpart of NewFileSource.
func NewLineFileSink(dir string) operator.Sink[string] {
	return NewFileSink(dir, func(s string) string { return s })
}

// NewAppendingLineFileSink is NewLineFileSink whose parts, without
// checkpoints, also carry the job's id: several jobs writing one directory
// (the INSERTs into one table) add their parts beside each other's, as
// Flink's FileSink names parts uniquely, instead of replacing them.
func NewAppendingLineFileSink(dir string) operator.Sink[string] {
	return &fileSink[string]{dir: dir, format: func(s string) string { return s }, perJob: true}
}

// partBufferSize batches writes to the part file.
const partBufferSize = 64 << 10

type fileSink[T any] struct {
	dir    string
	format func(T) string
	perJob bool // part names carry the job id (NewAppendingLineFileSink)
}

func (s *fileSink[T]) NewWriter(ctx *operator.Context) (operator.SinkWriter[T], error) {
	if s.format == nil {
		return nil, errors.New("file sink: nil format function")
	}
	var token [8]byte
	rand.Read(token[:]) // never fails: it crashes the process instead
	prefix := "part-"
	if s.perJob {
		prefix = fmt.Sprintf("part-%s-", ctx.JobID)
	}
	return &fileWriter[T]{
		dir:         s.dir,
		format:      s.format,
		prefix:      prefix,
		subtask:     ctx.Subtask,
		parallelism: ctx.Parallelism,
		attempt:     ctx.Attempt,
		exactlyOnce: ctx.Checkpointing,
		token:       hex.EncodeToString(token[:]),
	}, nil
}

// fileWriter takes part files through Flink's states: in progress
// (part), pending (complete and durable, still hidden) and committed
// (renamed, visible). Without checkpoints a part goes from pending to
// committed within EndInput; with them, parts wait in pending until the
// checkpoint that holds them completes.
type fileWriter[T any] struct {
	dir                  string
	format               func(T) string
	prefix               string // of a part's name without checkpoints
	subtask, parallelism int
	attempt              uint64
	exactlyOnce          bool // the job checkpoints: commit by checkpoint

	part    *inProgressPart
	pending []pendingPart // oldest checkpoint first

	// Naming of the parts of a checkpointing writer (file_sink_commit.go).
	token string // unique to this writer instance
	parts int    // parts opened so far, numbering the next
	after int64  // the last checkpoint snapshotted or restored
}

func (w *fileWriter[T]) Open(*operator.Context) error {
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	if w.exactlyOnce {
		return nil // a part opens with its first record, so no checkpoint makes an empty one
	}
	name := fmt.Sprintf("%s%d-%d", w.prefix, w.subtask, w.attempt)
	part, err := openPart(filepath.Join(w.dir, "."+name+".inprogress"), filepath.Join(w.dir, name))
	if err != nil {
		return err
	}
	w.part = part
	return nil
}

func (w *fileWriter[T]) Write(record T) error {
	if w.part == nil {
		if err := w.openNextPart(); err != nil {
			return err
		}
	}
	return w.part.write(w.format(record))
}

// EndInput commits everything without checkpoints. With them it only
// flushes: the part is in no checkpoint yet, so committing it now could
// publish records a restore would write again.
func (w *fileWriter[T]) EndInput() error {
	if w.exactlyOnce {
		if w.part == nil {
			return nil
		}
		return w.part.flush()
	}
	if err := w.rollPart(0); err != nil {
		return err
	}
	return w.commitUpTo(0)
}

// Close removes the part being written, which no checkpoint holds; and,
// without checkpoints, a pending part whose commit failed. With
// checkpoints pending parts stay: a checkpoint holds them, and a restore
// from it commits them.
func (w *fileWriter[T]) Close() error {
	var errs []error
	if w.part != nil {
		errs = append(errs, w.part.discard())
		w.part = nil
	}
	if !w.exactlyOnce {
		for _, p := range w.pending {
			errs = append(errs, p.discard())
		}
		w.pending = nil
	}
	return errors.Join(errs...)
}

// rollPart makes the part being written pending for checkpoint id; none
// is no-op.
func (w *fileWriter[T]) rollPart(id int64) error {
	if w.part == nil {
		return nil
	}
	pending, err := w.part.closeForCommit(id)
	if err != nil {
		return err
	}
	w.part = nil
	w.pending = append(w.pending, pending)
	return nil
}

// commitUpTo commits the pending parts of checkpoints up to id, in
// order, and syncs the folder once. A part that fails to commit stays
// pending, and so do the ones after it.
func (w *fileWriter[T]) commitUpTo(id int64) error {
	n := 0
	for n < len(w.pending) && w.pending[n].checkpoint <= id {
		if err := w.pending[n].commit(); err != nil {
			w.pending = w.pending[n:]
			return err
		}
		n++
	}
	if n == 0 {
		return nil
	}
	w.pending = w.pending[n:]
	return syncDir(w.dir)
}

// inProgressPart is a part file being written, under its hidden name.
type inProgressPart struct {
	file      *os.File
	out       *bufio.Writer
	path      string // hidden name, while in progress and pending
	finalPath string // visible name, once committed
}

func openPart(path, finalPath string) (*inProgressPart, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("file sink: %w", err)
	}
	return &inProgressPart{file: f, out: bufio.NewWriterSize(f, partBufferSize), path: path, finalPath: finalPath}, nil
}

func (p *inProgressPart) write(line string) error {
	p.out.WriteString(line)
	// bufio.Writer keeps its first error and returns it from every later
	// call, so checking the last write covers both.
	if err := p.out.WriteByte('\n'); err != nil {
		return fmt.Errorf("file sink: write %s: %w", p.path, err)
	}
	return nil
}

func (p *inProgressPart) flush() error {
	if err := p.out.Flush(); err != nil {
		return fmt.Errorf("file sink: write %s: %w", p.path, err)
	}
	return nil
}

// closeForCommit makes the part complete and durable, pending for
// checkpoint id: flush, fsync, close. On error the part stays in
// progress, for discard.
func (p *inProgressPart) closeForCommit(id int64) (pendingPart, error) {
	if err := p.flush(); err != nil {
		return pendingPart{}, err
	}
	if err := p.file.Sync(); err != nil {
		return pendingPart{}, fmt.Errorf("file sink: sync %s: %w", p.path, err)
	}
	err := p.file.Close()
	p.file = nil
	if err != nil {
		return pendingPart{}, fmt.Errorf("file sink: close %s: %w", p.path, err)
	}
	return pendingPart{checkpoint: id, path: p.path, finalPath: p.finalPath}, nil
}

// discard closes the part, if still open, and removes it.
func (p *inProgressPart) discard() error {
	var closeErr error
	if p.file != nil {
		closeErr = p.file.Close()
	}
	if err := os.Remove(p.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("file sink: remove in-progress part: %w", err)
	}
	if closeErr != nil {
		return fmt.Errorf("file sink: close %s: %w", p.path, closeErr)
	}
	return nil
}

// pendingPart is a complete, durable part still under its hidden name,
// waiting for checkpoint to complete (0 without checkpoints).
type pendingPart struct {
	checkpoint      int64
	path, finalPath string
}

// commit makes the part visible by renaming it. It is idempotent, since
// a restore commits again what a completed checkpoint may already have
// committed: a part gone from its hidden name but present under its
// final one was committed before. The caller syncs the folder, so that
// the rename survives a crash of the machine.
func (p pendingPart) commit() error {
	err := os.Rename(p.path, p.finalPath)
	if err == nil {
		return nil
	}
	if errors.Is(err, os.ErrNotExist) {
		if _, statErr := os.Stat(p.finalPath); statErr == nil {
			return nil
		}
		return fmt.Errorf("file sink: commit part of checkpoint %d: neither %s nor %s is in %s: the part is lost",
			p.checkpoint, filepath.Base(p.path), filepath.Base(p.finalPath), filepath.Dir(p.path))
	}
	return fmt.Errorf("file sink: commit part: %w", err)
}

// discard removes a part that will not be committed.
func (p pendingPart) discard() error {
	if err := os.Remove(p.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("file sink: remove pending part: %w", err)
	}
	return nil
}

// syncDir syncs a folder, so that renames and removals in it survive a
// crash of the machine.
func syncDir(path string) error {
	dir, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("file sink: sync folder: %w", err)
	}
	err = dir.Sync()
	if cerr := dir.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("file sink: sync folder %s: %w", path, err)
	}
	return nil
}
