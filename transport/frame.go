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

	// Data channel frames. id is always the stream id the consumer chose
	// when it opened the channel; the frame type says which way it travels,
	// so the two nodes' stream ids never collide.
	frameData    frameType = 5  // producer -> consumer: one buffer
	frameCredit  frameType = 6  // consumer -> producer: 4-byte BE count of buffers freed
	frameOpen    frameType = 7  // consumer -> producer: msgpack openRequest
	frameEnd     frameType = 8  // producer -> consumer: end of partition, after the last data frame
	frameRelease frameType = 9  // producer -> consumer: channel aborted; payload is the reason
	frameCancel  frameType = 10 // consumer -> producer: consumer gone; payload is the reason

	lastFrameType = frameCancel
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
	typ, id, n, err := parseHeader(hdr[:], max)
	if err != nil {
		return frame{}, err
	}
	f := frame{typ: typ, id: id, payload: make([]byte, n)}
	if err := readPayload(r, f.payload); err != nil {
		return frame{}, err
	}
	return f, nil
}

// parseHeader validates a frame header; n is checked against max so the
// caller can allocate it safely.
func parseHeader(hdr []byte, max int) (typ frameType, id uint32, n int, err error) {
	typ, id = frameType(hdr[0]), binary.BigEndian.Uint32(hdr[1:5])
	if typ < frameHello || typ > lastFrameType {
		return 0, 0, 0, fmt.Errorf("%w: unknown type %d", errMalformed, hdr[0])
	}
	l := binary.BigEndian.Uint32(hdr[5:9])
	if uint64(l) > uint64(max) {
		return 0, 0, 0, fmt.Errorf("%w: length %d exceeds limit %d", errMalformed, l, max)
	}
	return typ, id, int(l), nil
}

// readPayload fills p; EOF inside a frame is unexpected.
func readPayload(r io.Reader, p []byte) error {
	if _, err := io.ReadFull(r, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// putHeader encodes a frame header into hdr.
func putHeader(hdr []byte, typ frameType, id uint32, n int) {
	hdr[0] = byte(typ)
	binary.BigEndian.PutUint32(hdr[1:5], id)
	binary.BigEndian.PutUint32(hdr[5:9], uint32(n))
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
	putHeader(hdr[:], typ, id, n)
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
