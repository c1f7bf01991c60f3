package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

type frameType uint8

const (
	frameHello    frameType = 1 // dialer -> acceptor, first frame only
	frameRequest  frameType = 2 // id = request id chosen by the caller
	frameResponse frameType = 3 // id = request id being answered
	frameError    frameType = 4 // id = request id; payload is the message
	// Data and credit frames for flow-controlled channels take the next
	// numbers; until they exist readFrame rejects them as malformed.
	lastFrameType = frameError
)

const frameHeaderLen = 1 + 4 + 4

// errMalformed marks a peer protocol violation, as opposed to an I/O error,
// so the reason can be logged loudly before dropping the connection.
var errMalformed = errors.New("malformed frame")

type frame struct {
	typ     frameType
	id      uint32
	payload []byte
}

// readFrame reads one frame. The length prefix is checked against max before
// allocating, so a hostile or corrupt prefix cannot make us allocate more.
func readFrame(r io.Reader, max int) (frame, error) {
	var hdr [frameHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return frame{}, err
	}
	f := frame{typ: frameType(hdr[0]), id: binary.BigEndian.Uint32(hdr[1:5])}
	if f.typ < frameHello || f.typ > lastFrameType {
		return frame{}, fmt.Errorf("%w: unknown type %d", errMalformed, hdr[0])
	}
	n := binary.BigEndian.Uint32(hdr[5:9])
	if uint64(n) > uint64(max) {
		return frame{}, fmt.Errorf("%w: length %d exceeds limit %d", errMalformed, n, max)
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return frame{}, err
	}
	return f, nil
}

// writeFrame writes a frame whose payload is the concatenation of parts, so
// callers can prepend headers without copying large bodies. Callers keep
// payloads within MaxFrameSize, which also keeps them within the 32-bit prefix.
func writeFrame(w io.Writer, typ frameType, id uint32, parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	var hdr [frameHeaderLen]byte
	hdr[0] = byte(typ)
	binary.BigEndian.PutUint32(hdr[1:5], id)
	binary.BigEndian.PutUint32(hdr[5:9], uint32(n))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// requestHeader returns the method prefix of a request payload: a 2-byte
// big-endian length, then the name.
func requestHeader(method string) []byte {
	b := make([]byte, 2, 2+len(method))
	binary.BigEndian.PutUint16(b, uint16(len(method)))
	return append(b, method...)
}

func parseRequest(payload []byte) (method string, body []byte, err error) {
	if len(payload) < 2 {
		return "", nil, fmt.Errorf("%w: request shorter than its method length", errMalformed)
	}
	n := int(binary.BigEndian.Uint16(payload))
	if len(payload) < 2+n {
		return "", nil, fmt.Errorf("%w: method length %d exceeds request", errMalformed, n)
	}
	return string(payload[2 : 2+n]), payload[2+n:], nil
}
