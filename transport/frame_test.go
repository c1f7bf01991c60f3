package transport

import (
	"bytes"
	"io"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func FuzzFrameDecode(f *testing.F) {
	const max = 1 << 10
	enc := func(typ frameType, id uint32, parts ...[]byte) []byte {
		var b bytes.Buffer
		writeFrame(&b, typ, id, parts...)
		return b.Bytes()
	}
	helloBody, _ := msgpack.Marshal(hello{Advertise: "10.0.0.1:6123"})
	f.Add(enc(frameHello, 0, helloBody))
	f.Add(enc(frameRequest, 1, requestHeader("echo"), []byte{0x2a}))
	f.Add(append(enc(frameResponse, 1, []byte{0x2a}), enc(frameError, 2, []byte("boom"))...))
	f.Add([]byte{byte(frameRequest), 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{byte(frameRequest), 0, 0, 0, 1, 0, 0, 0, 2, 0xFF, 0xFF})
	f.Add([]byte{0xEE, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{})
	f.Add(append(enc(frameData, 7, []byte("buffer")), enc(frameCredit, 7, []byte{0, 0, 0, 2})...))
	f.Add(append(enc(frameOpen, 7, []byte{0x80}), enc(frameEnd, 7)...))
	f.Add(append(enc(frameRelease, 7, []byte("gone")), enc(frameCancel, 7, []byte("bye"))...))

	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			start := len(data) - r.Len()
			fr, err := readFrame(r, max)
			if err != nil {
				return
			}
			if cap(fr.payload) > max {
				t.Fatalf("allocated %d bytes, limit %d", cap(fr.payload), max)
			}
			// What was read must be exactly what writeFrame produces.
			end := len(data) - r.Len()
			if got := enc(fr.typ, fr.id, fr.payload); !bytes.Equal(got, data[start:end]) {
				t.Fatalf("re-encoded %x, read %x", got, data[start:end])
			}
			switch fr.typ {
			case frameRequest:
				parseRequest(fr.payload)
			case frameHello:
				var h hello
				msgpack.Unmarshal(fr.payload, &h)
			}
		}
	})
}

func TestReadFrameTruncated(t *testing.T) {
	full := []byte{byte(frameResponse), 0, 0, 0, 1, 0, 0, 0, 3, 'a', 'b', 'c'}
	if _, err := readFrame(bytes.NewReader(full[:0]), 16); err != io.EOF {
		t.Fatalf("empty input: %v, want io.EOF", err)
	}
	for _, n := range []int{4, 9, 11} {
		if _, err := readFrame(bytes.NewReader(full[:n]), 16); err != io.ErrUnexpectedEOF {
			t.Fatalf("%d bytes: %v, want io.ErrUnexpectedEOF", n, err)
		}
	}
}
