package connector

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/runnel/runnel/operator"
)

// NewFileSource reads the text lines of a file, or of every regular file
// under a folder (recursively), as Flink's FileSource with a text-line
// format. A line ends at "\n"; the "\n" and a "\r" right before it are not
// part of the line; a last line without "\n" is a line too.
//
// Under a folder, names starting with "." or "_" are skipped, files and
// folders alike: by Hadoop's and Flink's convention they are hidden (in
// progress, markers such as _SUCCESS). Symbolic links are not followed.
// A path named explicitly is read whatever its name.
//
// The files are cut into splits (a small file whole, a big one in byte
// ranges) and split k is read by subtask k % parallelism. Every node lists
// the same files in the same order and so computes the same splits: the
// input must not change while the job runs. A split owns the lines that
// start inside its byte range, Hadoop's rule: it skips a line that began
// before its start and finishes its last line past its end.
//
// Lines in no particular global order; one split's lines in file order.
// A missing path fails NewReader; a line longer than 64 MiB fails the
// job with the file and offset rather than exhausting memory.
//
// A reader keeps its position in checkpoints: its splits still to read,
// each with the offset of its next line. A restored job resumes at the
// line after the last one emitted before the barrier, at any parallelism
// (file_source_state.go says how the splits are shared out).
func NewFileSource(path string) operator.Source[string] {
	return &fileSource{path: path, minSplitSize: 1 << 20, maxLineLen: 64 << 20}
}

const (
	// splitsPerSubtask cuts big inputs into a few splits per subtask, so
	// that files of uneven size still spread evenly under the static k %
	// parallelism assignment. A split costs one seek and a partial line.
	splitsPerSubtask = 4
	// maxBatchBytes bounds the bytes of one PollNext's lines, besides
	// maxBatchRecords, so that long lines make short batches.
	maxBatchBytes = 64 << 10
	// readBufferSize is the read buffer of a split; longer lines are
	// assembled in fileReader.line.
	readBufferSize = 64 << 10
)

type fileSource struct {
	path string
	// minSplitSize keeps splits of small inputs from costing more in
	// seeks than they gain in parallelism.
	minSplitSize int64
	maxLineLen   int
}

// inputFile is one file to read, with its size at planning time.
type inputFile struct {
	path string
	size int64
}

// fileSplit is the byte range [start, end) of a file; it owns the lines
// that start in it.
type fileSplit struct {
	path       string
	start, end int64
}

// FileLine is a line of NewFileLineSource with the place it starts at,
// so that a reader parsing lines can say where a bad one is.
type FileLine struct {
	Path   string
	Offset int64 // of the line's first byte in Path
	Text   string
}

// NewFileLineSource is NewFileSource emitting each line with its file and
// offset.
func NewFileLineSource(path string) operator.Source[FileLine] {
	return fileLineSource{NewFileSource(path).(*fileSource)}
}

type fileLineSource struct{ *fileSource }

func (s fileLineSource) NewReader(ctx *operator.Context) (operator.SourceReader[FileLine], error) {
	r, err := s.newReader(ctx)
	if err != nil {
		return nil, err
	}
	return fileLineReader{r}, nil
}

// fileLineReader is a fileReader emitting FileLines; the embedded reader
// keeps the position and the checkpoint state.
type fileLineReader struct{ *fileReader }

func (r fileLineReader) PollNext(out operator.Collector[FileLine]) (operator.InputStatus, error) {
	return r.poll(func(path string, offset int64, line []byte) {
		out.Collect(FileLine{Path: path, Offset: offset, Text: string(line)})
	})
}

func (s *fileSource) NewReader(ctx *operator.Context) (operator.SourceReader[string], error) {
	return s.newReader(ctx)
}

func (s *fileSource) newReader(ctx *operator.Context) (*fileReader, error) {
	files, err := listInputFiles(s.path)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, f := range files {
		total += f.size
	}
	size := max(s.minSplitSize, total/int64(ctx.Parallelism*splitsPerSubtask))
	all := planSplits(files, size)
	r := newFileReader(shareByIndex(all, ctx.Subtask, ctx.Parallelism), s.maxLineLen)
	r.subtask, r.parallelism = ctx.Subtask, ctx.Parallelism
	return r, nil
}

// listInputFiles returns the file at path, or the visible regular files
// under it sorted by path, so that every node plans the same splits.
func listInputFiles(path string) ([]inputFile, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("file source: %w", err)
	}
	if !info.IsDir() {
		return []inputFile{{path: path, size: info.Size()}}, nil
	}
	var files []inputFile
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == path {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, inputFile{path: p, size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("file source: list %s: %w", path, err)
	}
	slices.SortFunc(files, func(a, b inputFile) int { return strings.Compare(a.path, b.path) })
	return files, nil
}

// planSplits cuts each file into ranges of size bytes. A remainder of up
// to a tenth of size joins the last range instead of making a tiny split
// (Hadoop's SPLIT_SLOP). Empty files have no split.
func planSplits(files []inputFile, size int64) []fileSplit {
	var splits []fileSplit
	for _, f := range files {
		for start := int64(0); start < f.size; {
			end := start + size
			if f.size-start <= size+size/10 {
				end = f.size
			}
			splits = append(splits, fileSplit{path: f.path, start: start, end: end})
			start = end
		}
	}
	return splits
}

// fileReader reads its splits one after the other. Its position is
// (split, pos): a checkpoint snapshots the pair (file_source_state.go),
// and a restored reader reopens a split at its pos, because openSplit
// only skips a partial first line when pos is still the split's start.
type fileReader struct {
	splits     []fileSplit
	maxLineLen int
	// subtask and parallelism pick the reader's share of restored splits.
	subtask, parallelism int
	// resume holds, by index in splits, the offset a restored split
	// resumes at; nil for a fresh reader, whose splits start at start.
	resume []int64

	split int   // index in splits of the split being read
	pos   int64 // file offset of the next line to emit

	file *os.File // splits[split]'s file, open while it is read
	in   *bufio.Reader
	line []byte // assembles lines longer than in's buffer
}

func newFileReader(splits []fileSplit, maxLineLen int) *fileReader {
	r := &fileReader{splits: splits, maxLineLen: maxLineLen, parallelism: 1}
	r.seekSplit(0)
	return r
}

// seekSplit makes split k the one to read, at its resume offset.
func (r *fileReader) seekSplit(k int) {
	r.split = k
	if k < len(r.splits) {
		r.pos = r.resumeOffset(k)
	}
}

// resumeOffset is where split k starts reading: its start or, restored,
// the offset of its next line.
func (r *fileReader) resumeOffset(k int) int64 {
	if k < len(r.resume) {
		return r.resume[k]
	}
	return r.splits[k].start
}

func (r *fileReader) Open(*operator.Context) error { return nil }

func (r *fileReader) EndInput() error { return nil }

func (r *fileReader) Close() error {
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}

func (r *fileReader) PollNext(out operator.Collector[string]) (operator.InputStatus, error) {
	return r.poll(func(_ string, _ int64, line []byte) { out.Collect(string(line)) })
}

// poll emits a batch of lines, each with its file and offset; line is
// valid during the call only.
func (r *fileReader) poll(emit func(path string, offset int64, line []byte)) (operator.InputStatus, error) {
	for lines, size := 0, 0; lines < maxBatchRecords && size < maxBatchBytes; {
		if r.split == len(r.splits) {
			return operator.EndOfInput, nil
		}
		sp := r.splits[r.split]
		if r.file == nil {
			if err := r.openSplit(sp); err != nil {
				return 0, err
			}
		}
		if r.pos >= sp.end {
			if err := r.Close(); err != nil {
				return 0, fmt.Errorf("file source: close %s: %w", sp.path, err)
			}
			r.seekSplit(r.split + 1)
			continue
		}
		line, n, err := r.readLine(sp.path)
		if err != nil {
			return 0, err
		}
		emit(sp.path, r.pos, line)
		r.pos += int64(n)
		lines++
		size += n
	}
	return operator.MoreAvailable, nil
}

// openSplit opens sp's file at r.pos. When pos is the split's start and
// not the file's, the line running over the start belongs to the previous
// split: the reader skips through the first "\n" at or after start-1, so
// that a split starting right after a "\n" loses nothing. A restored pos
// equal to start is safe: either the skip had not run, or it had consumed
// just the "\n" at start-1, which it consumes again.
func (r *fileReader) openSplit(sp fileSplit) error {
	f, err := os.Open(sp.path)
	if err != nil {
		return fmt.Errorf("file source: %w", err)
	}
	skip := r.pos == sp.start && sp.start > 0
	at := r.pos
	if skip {
		at--
	}
	if _, err := f.Seek(at, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("file source: seek %s to offset %d: %w", sp.path, at, err)
	}
	r.file = f
	if r.in == nil {
		r.in = bufio.NewReaderSize(f, readBufferSize)
	} else {
		r.in.Reset(f)
	}
	if !skip {
		return nil
	}
	r.pos = at
	for {
		chunk, err := r.in.ReadSlice('\n')
		r.pos += int64(len(chunk))
		switch {
		case err == nil, errors.Is(err, io.EOF):
			return nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return fmt.Errorf("file source: read %s at offset %d: %w", sp.path, r.pos, err)
		}
	}
}

// readLine reads the line at r.pos and returns it without its terminator,
// valid until the next call, and the bytes it took in the file.
func (r *fileReader) readLine(path string) ([]byte, int, error) {
	r.line = r.line[:0]
	for {
		chunk, err := r.in.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			r.line = append(r.line, chunk...)
			if len(r.line) > r.maxLineLen {
				return nil, 0, r.tooLong(path)
			}
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, fmt.Errorf("file source: read %s at offset %d: %w", path, r.pos, err)
		}
		line := chunk
		if len(r.line) > 0 {
			r.line = append(r.line, chunk...)
			line = r.line
		}
		n := len(line)
		if n == 0 {
			// Planning saw bytes here: the file shrank.
			return nil, 0, fmt.Errorf("file source: %s: unexpected end of file at offset %d", path, r.pos)
		}
		if line[n-1] == '\n' {
			line = line[:n-1]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
		}
		if len(line) > r.maxLineLen {
			return nil, 0, r.tooLong(path)
		}
		return line, n, nil
	}
}

func (r *fileReader) tooLong(path string) error {
	return fmt.Errorf("file source: %s: line at offset %d is longer than %d bytes", path, r.pos, r.maxLineLen)
}
