package connector

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/runnel/runnel/operator"
)

// NewFileSink writes each record as format(record) followed by "\n" into
// one part file per subtask under dir, which is created if missing.
//
// It follows the life of a part file in Flink's FileSink. While written,
// the file is ".part-<subtask>-<attempt>.inprogress": hidden, so that
// readers of dir (the file source among them) ignore it. At the end of
// the input it is flushed, synced to disk and renamed to
// "part-<subtask>-<attempt>": the rename is atomic, so a reader sees a
// complete part or none. A writer closed before the end of its input (a
// failure, a cancellation) removes its in-progress file.
//
// A part is committed once its subtask's input ends, whatever the other
// subtasks do: a job that fails after some parts were committed leaves
// them, and a restarted attempt writes its own parts beside them. Exactly
// once awaits checkpoints, which will commit pending parts when a
// checkpoint completes. A part name that already exists in dir (from an
// earlier run of the same job) is replaced.
func NewFileSink[T any](dir string, format func(T) string) operator.Sink[T] {
	return &fileSink[T]{dir: dir, format: format}
}

// NewLineFileSink is NewFileSink for string records written as they are,
// the counterpart of NewFileSource.
func NewLineFileSink(dir string) operator.Sink[string] {
	return NewFileSink(dir, func(s string) string { return s })
}

// partBufferSize batches writes to the part file.
const partBufferSize = 64 << 10

type fileSink[T any] struct {
	dir    string
	format func(T) string
}

func (s *fileSink[T]) NewWriter(*operator.Context) (operator.SinkWriter[T], error) {
	if s.format == nil {
		return nil, errors.New("file sink: nil format function")
	}
	return &fileWriter[T]{dir: s.dir, format: s.format}, nil
}

// fileWriter takes a part file through Flink's states: in progress
// (written), pending (complete and durable, still hidden), committed
// (renamed, visible). At most one of part and pending is set. Today a
// part goes from pending to committed within EndInput; checkpointing will
// keep pending parts until the checkpoint that holds them completes.
type fileWriter[T any] struct {
	dir    string
	format func(T) string

	part    *inProgressPart
	pending *pendingPart
}

func (w *fileWriter[T]) Open(ctx *operator.Context) error {
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	name := fmt.Sprintf("part-%d-%d", ctx.Subtask, ctx.Attempt)
	part, err := openPart(filepath.Join(w.dir, "."+name+".inprogress"), filepath.Join(w.dir, name))
	if err != nil {
		return err
	}
	w.part = part
	return nil
}

func (w *fileWriter[T]) Write(record T) error {
	return w.part.write(w.format(record))
}

func (w *fileWriter[T]) EndInput() error {
	pending, err := w.part.closeForCommit()
	if err != nil {
		return err
	}
	w.part, w.pending = nil, pending
	if err := pending.commit(); err != nil {
		return err
	}
	w.pending = nil
	return nil
}

// Close removes what was not committed: the input did not end, or its
// end failed to commit.
func (w *fileWriter[T]) Close() error {
	switch {
	case w.part != nil:
		err := w.part.discard()
		w.part = nil
		return err
	case w.pending != nil:
		err := w.pending.discard()
		w.pending = nil
		return err
	}
	return nil
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

// closeForCommit makes the part complete and durable: flush, fsync, close.
// On error the part stays in progress, for discard.
func (p *inProgressPart) closeForCommit() (*pendingPart, error) {
	if err := p.out.Flush(); err != nil {
		return nil, fmt.Errorf("file sink: write %s: %w", p.path, err)
	}
	if err := p.file.Sync(); err != nil {
		return nil, fmt.Errorf("file sink: sync %s: %w", p.path, err)
	}
	err := p.file.Close()
	p.file = nil
	if err != nil {
		return nil, fmt.Errorf("file sink: close %s: %w", p.path, err)
	}
	return &pendingPart{path: p.path, finalPath: p.finalPath}, nil
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
// waiting to be committed.
type pendingPart struct {
	path, finalPath string
}

// commit makes the part visible by renaming it, then syncs the folder so
// that the rename survives a crash of the machine.
func (p *pendingPart) commit() error {
	if err := os.Rename(p.path, p.finalPath); err != nil {
		return fmt.Errorf("file sink: commit part: %w", err)
	}
	dir, err := os.Open(filepath.Dir(p.finalPath))
	if err != nil {
		return fmt.Errorf("file sink: sync folder after commit: %w", err)
	}
	err = dir.Sync()
	if cerr := dir.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("file sink: sync folder %s after commit: %w", dir.Name(), err)
	}
	return nil
}

// discard removes a part that will not be committed.
func (p *pendingPart) discard() error {
	if err := os.Remove(p.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("file sink: remove pending part: %w", err)
	}
	return nil
}
