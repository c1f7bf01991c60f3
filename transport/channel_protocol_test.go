package transport

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// rawPeer is a hand-driven peer connection to a node.
type rawPeer struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawPeer {
	preamble, err := dialPreamble("raw:1")
	if err != nil {
		t.Fatal(err)
	}
	nc := dialKind(t, addr, preamble...)
	return &rawPeer{t, nc, bufio.NewReader(nc)}
}

func (p *rawPeer) send(typ frameType, id uint32, payload []byte) {
	var b bytes.Buffer
	writeFrame(&b, typ, id, payload)
	if _, err := p.nc.Write(b.Bytes()); err != nil {
		p.t.Fatal(err)
	}
}

func (p *rawPeer) read() frame {
	p.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := readFrame(p.r, 1<<20)
	if err != nil {
		p.t.Fatal(err)
	}
	return f
}

func openPayload(id ChannelID, credits int) []byte {
	b, _ := msgpack.Marshal(openRequest{Job: id.Job, Attempt: id.Attempt, Edge: id.Edge, Sender: id.Sender, Receiver: id.Receiver, Credits: credits})
	return b
}

func u32(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

// TestRawProducerProtocol drives a producer by hand, checking the wire
// format and that frames for unknown streams are ignored.
func TestRawProducerProtocol(t *testing.T) {
	a := newDataNode(t, NetworkConfig{})
	s := create(t, a, cid(70))
	p := dialRaw(t, a.addr)
	p.send(frameData, 99, []byte("stray"))
	p.send(frameCredit, 98, u32(1))
	p.send(frameEnd, 97, nil)
	p.send(frameOpen, 7, openPayload(cid(70), 1))
	done := writeAll(s, payload(1, 100), payload(2, 100))
	if f := p.read(); f.typ != frameData || f.id != 7 || !bytes.Equal(f.payload, payload(1, 100)) {
		t.Fatalf("got frame %d on stream %d, want data on 7", f.typ, f.id)
	}
	p.send(frameCredit, 7, u32(1))
	if f := p.read(); f.typ != frameData || !bytes.Equal(f.payload, payload(2, 100)) {
		t.Fatalf("second buffer: frame %d", f.typ)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.Finish()
	if f := p.read(); f.typ != frameEnd || f.id != 7 {
		t.Fatalf("got frame %d, want end", f.typ)
	}
}

func TestGarbageChannelFrames(t *testing.T) {
	a := newDataNode(t, NetworkConfig{})
	b := newDataNode(t, NetworkConfig{})
	create(t, a, cid(80))
	huge := []byte{byte(frameData), 0, 0, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF}
	cases := []struct {
		name string
		send func(p *rawPeer)
		log  string
	}{
		{"oversized data", func(p *rawPeer) { p.nc.Write(huge) }, "exceeds limit"},
		{"short credit", func(p *rawPeer) { p.send(frameCredit, 1, []byte{1}) }, "credit of 1 bytes"},
		{"zero credit", func(p *rawPeer) { p.send(frameCredit, 1, u32(0)) }, "zero credit"},
		{"undecodable open", func(p *rawPeer) { p.send(frameOpen, 1, []byte{0xc1, 0xff}) }, "channel request"},
		{"open without credit", func(p *rawPeer) { p.send(frameOpen, 1, openPayload(cid(81), 0)) }, "with 0 credits"},
		{"open twice", func(p *rawPeer) {
			p.send(frameOpen, 1, openPayload(cid(82), 1))
			p.send(frameOpen, 1, openPayload(cid(83), 1))
		}, "opened twice"},
		{"end with payload", func(p *rawPeer) { p.send(frameEnd, 1, []byte("x")) }, "end of partition with"},
		{"credit before data", func(p *rawPeer) {
			p.send(frameOpen, 1, openPayload(cid(84), 1))
			p.send(frameCredit, 1, u32(1))
		}, "before any data"},
		{"over-credit", func(p *rawPeer) {
			p.send(frameOpen, 1, openPayload(cid(80), 1))
			time.Sleep(20 * time.Millisecond)
			p.send(frameCredit, 1, u32(5))
		}, "credited 5 beyond"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := dialRaw(t, a.addr)
			tc.send(p)
			expectClosed(t, p.nc)
			waitLog(t, a.logs, tc.log)
		})
	}
	// "credit before data" left cid(84) waiting and "over-credit" bound
	// cid(80): both were failed with their connections.
	a.net.mu.Lock()
	nw := len(a.net.waiting)
	a.net.mu.Unlock()
	if nw != 0 {
		t.Fatalf("%d requests still waiting after their connections died", nw)
	}

	// Random channel frames: whatever the node makes of them, it must not
	// fall over.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 40 {
		p := dialRaw(t, a.addr)
		var b bytes.Buffer
		for range 1 + rng.IntN(6) {
			typ := frameData + frameType(rng.IntN(int(lastFrameType-frameData)+1))
			junk := make([]byte, rng.IntN(24))
			for j := range junk {
				junk[j] = byte(rng.Uint32())
			}
			if typ == frameOpen && rng.IntN(2) == 0 {
				junk = openPayload(cid(rng.IntN(3)+80), rng.IntN(3))
			}
			writeFrame(&b, typ, uint32(rng.IntN(3)), junk)
		}
		p.nc.Write(b.Bytes())
		p.nc.Close()
	}

	// The node still serves channels.
	s := create(t, a, cid(85))
	ic := open(t, pair{"tcp", 0, a, b, a.addr}, cid(85), 1)
	if err := <-writeAll(s, payload(1, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := next(t, ic); err != nil {
		t.Fatalf("node unusable after garbage: %v", err)
	}
}

// fakeProducer accepts one peer connection and hands it to f once the
// channel request has arrived.
func fakeProducer(t *testing.T, f func(p *rawPeer, stream uint32)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		p := &rawPeer{t, nc, bufio.NewReader(nc)}
		var kind [1]byte
		if _, err := io.ReadFull(p.r, kind[:]); err != nil {
			t.Error(err)
			return
		}
		for {
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			fr, err := readFrame(p.r, 1<<20)
			if err != nil {
				t.Error(err)
				return
			}
			if fr.typ == frameOpen {
				f(p, fr.id)
				io.Copy(io.Discard, nc) // until the node closes it
				return
			}
		}
	})
	return ln.Addr().String()
}

func TestGarbageFromProducer(t *testing.T) {
	for _, tc := range []struct {
		name string
		send func(p *rawPeer, stream uint32)
		log  string
	}{
		{"beyond credit", func(p *rawPeer, stream uint32) {
			p.send(frameData, stream, []byte("1"))
			p.send(frameData, stream, []byte("2"))
		}, "data beyond credit"},
		{"oversized", func(p *rawPeer, stream uint32) {
			p.nc.Write([]byte{byte(frameData), 0, 0, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF})
		}, "exceeds limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newDataNode(t, NetworkConfig{})
			addr := fakeProducer(t, tc.send)
			ic := open(t, pair{"fake", 0, nil, b, addr}, cid(90), 1)
			for {
				_, err := next(t, ic)
				if err != nil {
					if err == io.EOF || !strings.Contains(err.Error(), "connection lost") {
						t.Fatalf("got %v, want connection lost", err)
					}
					break
				}
			}
			waitLog(t, b.logs, tc.log)
		})
	}
}
