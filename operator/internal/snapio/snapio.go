// Package snapio holds the byte-level helpers that the keyed state
// backend and the timer service share for their per-key-group snapshots.
package snapio

import (
	"encoding/binary"
	"io"

	"github.com/runnel/runnel/operator"
)

// ByteReader reads a snapshot: bytes one by one for the varints, blocks
// for the rest.
type ByteReader interface {
	io.Reader
	io.ByteReader
}

// NewByteReader returns r itself if it can read single bytes, else a
// reader that does so without reading ahead (unlike bufio.Reader), so
// that a restore leaves r just after its own snapshot and several
// snapshots can share one stream.
func NewByteReader(r io.Reader) ByteReader {
	if br, ok := r.(ByteReader); ok {
		return br
	}
	return &unbuffered{r: r}
}

type unbuffered struct {
	r   io.Reader
	one [1]byte
}

func (u *unbuffered) Read(p []byte) (int, error) { return u.r.Read(p) }

func (u *unbuffered) ReadByte() (byte, error) {
	_, err := io.ReadFull(u.r, u.one[:])
	return u.one[0], err
}

// NoEOF turns a clean EOF inside a snapshot into io.ErrUnexpectedEOF.
func NoEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// AppendItem appends v as a uvarint length and its codec bytes, encoded
// first into scratch since the length comes first.
func AppendItem[T any](buf []byte, scratch *[]byte, c operator.Codec[T], v T) ([]byte, error) {
	var err error
	if *scratch, err = c.Append((*scratch)[:0], v); err != nil {
		return buf, err
	}
	buf = binary.AppendUvarint(buf, uint64(len(*scratch)))
	return append(buf, *scratch...), nil
}
