package transport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// dataNode is a node with a Network.
type dataNode struct {
	*node
	net *Network
}

func newDataNode(t testing.TB, cfg NetworkConfig) *dataNode {
	t.Helper()
	n := newNode(t, "", Config{})
	nw := NewNetwork(n.peers, cfg)
	// Registered after newNode's cleanup, so it runs before the Peers close.
	t.Cleanup(func() { nw.Close() })
	return &dataNode{node: n, net: nw}
}

func cid(sender int) ChannelID {
	return ChannelID{Job: "job", Attempt: 1, Edge: 3, Sender: sender, Receiver: 0}
}

// pair is a producer node and a consumer node, the same node for the
// in-memory path.
type pair struct {
	name     string
	edge     int // distinguishes the pairs' channel ids
	prod     *dataNode
	cons     *dataNode
	prodAddr string // what the consumer dials
}

func pairs(t *testing.T, cfg NetworkConfig) []pair {
	a, b := newDataNode(t, cfg), newDataNode(t, cfg)
	return []pair{
		{"tcp", 1, a, b, a.addr},
		{"local", 2, a, a, a.addr},
	}
}

func (p pair) cid(sender int) ChannelID {
	id := cid(sender)
	id.Edge = p.edge
	return id
}

// each runs f on a TCP pair and on an in-memory pair, with distinct
// channel ids.
func each(t *testing.T, cfg NetworkConfig, f func(t *testing.T, p pair)) {
	for _, p := range pairs(t, cfg) {
		t.Run(p.name, func(t *testing.T) { f(t, p) })
	}
}

func payload(i, size int) []byte {
	b := GetBuffer()
	if size > cap(b) {
		b = make([]byte, 0, size)
	}
	for j := range size {
		b = append(b, byte(i*7+j))
	}
	return b
}

func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not happen within %v", what, d)
	}
}

func next(t *testing.T, ic *InputChannel) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	buf, err := ic.Next(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("Next timed out")
	}
	return buf, err
}

func open(t *testing.T, p pair, id ChannelID, credits int) *InputChannel {
	t.Helper()
	ic, err := p.cons.net.OpenInputChannel(context.Background(), p.prodAddr, id, credits)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ic.Close)
	return ic
}

func create(t *testing.T, n *dataNode, id ChannelID) *Subpartition {
	t.Helper()
	s, err := n.net.CreateSubpartition(id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Release)
	return s
}

// writeAll writes buffers in the background; the result arrives on the
// returned channel.
func writeAll(s *Subpartition, bufs ...[]byte) <-chan error {
	done := make(chan error, 1)
	go func() {
		for _, b := range bufs {
			if err := s.Write(b); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return done
}

func TestChannelRoundTrip(t *testing.T) {
	sizes := []int{BufferSize, 1, 0, 100, BufferSize - 1, 3*BufferSize + 5, 512, 511, 4096}
	each(t, NetworkConfig{}, func(t *testing.T, p pair) {
		const n = 300
		s := create(t, p.prod, p.cid(1))
		ic := open(t, p, p.cid(1), 4)
		done := make(chan error, 1)
		go func() {
			for i := range n {
				if err := s.Write(payload(i, sizes[i%len(sizes)])); err != nil {
					done <- err
					return
				}
			}
			done <- s.Finish()
		}()
		for i := range n {
			buf, err := next(t, ic)
			if err != nil {
				t.Fatalf("buffer %d: %v", i, err)
			}
			if want := payload(i, sizes[i%len(sizes)]); !bytes.Equal(buf, want) {
				t.Fatalf("buffer %d: got %d bytes, want %d (or different content)", i, len(buf), len(want))
			}
			ic.Recycle(buf)
		}
		if _, err := next(t, ic); err != io.EOF {
			t.Fatalf("after the last buffer: %v, want io.EOF", err)
		}
		if _, err := next(t, ic); err != io.EOF {
			t.Fatalf("Next after io.EOF: %v, want io.EOF", err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// Finished channels leave nothing registered on either side.
		for _, nw := range []*Network{p.prod.net, p.cons.net} {
			nw.mu.Lock()
			ns, nw2, ni := len(nw.subs), len(nw.waiting), len(nw.inputs)
			nw.mu.Unlock()
			if ns+nw2+ni != 0 {
				t.Fatalf("left %d subpartitions, %d requests, %d inputs registered", ns, nw2, ni)
			}
		}
	})
}

func TestRequestBeforeRegister(t *testing.T) {
	each(t, NetworkConfig{}, func(t *testing.T, p pair) {
		ic := open(t, p, p.cid(2), 2)
		time.Sleep(50 * time.Millisecond) // let the request arrive and wait
		s := create(t, p.prod, p.cid(2))
		done := writeAll(s, payload(1, 10), payload(2, 10))
		for i := 1; i <= 2; i++ {
			buf, err := next(t, ic)
			if err != nil || !bytes.Equal(buf, payload(i, 10)) {
				t.Fatalf("buffer %d: %v %v", i, buf, err)
			}
			ic.Recycle(buf)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestFinishBeforeRequest(t *testing.T) {
	each(t, NetworkConfig{}, func(t *testing.T, p pair) {
		s := create(t, p.prod, p.cid(3))
		if err := s.Finish(); err != nil {
			t.Fatal(err)
		}
		ic := open(t, p, p.cid(3), 2)
		if _, err := next(t, ic); err != io.EOF {
			t.Fatalf("got %v, want io.EOF", err)
		}
		if err := s.Write(GetBuffer()); err == nil {
			t.Fatal("Write after Finish succeeded")
		}
	})
}

func TestRequestTimeout(t *testing.T) {
	each(t, NetworkConfig{RequestTimeout: 100 * time.Millisecond}, func(t *testing.T, p pair) {
		ic := open(t, p, p.cid(4), 2)
		_, err := next(t, ic)
		if err == nil || err == io.EOF || !strings.Contains(err.Error(), "not registered") {
			t.Fatalf("got %v, want a not-registered error", err)
		}
		// The id is free again for a later attempt to register.
		create(t, p.prod, p.cid(4))
	})
}

func TestDuplicates(t *testing.T) {
	each(t, NetworkConfig{}, func(t *testing.T, p pair) {
		create(t, p.prod, p.cid(5))
		if _, err := p.prod.net.CreateSubpartition(p.cid(5)); err == nil {
			t.Fatal("registered the same subpartition twice")
		}
		open(t, p, p.cid(5), 1)
		ic := open(t, p, p.cid(5), 1)
		if _, err := next(t, ic); err == nil || !strings.Contains(err.Error(), "already requested") {
			t.Fatalf("second consumer: %v, want already requested", err)
		}
	})
}

func TestCredits(t *testing.T) {
	each(t, NetworkConfig{}, func(t *testing.T, p pair) {
		s := create(t, p.prod, p.cid(6))
		ic := open(t, p, p.cid(6), 2)
		done := writeAll(s, payload(1, 100), payload(2, 100))
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		third := writeAll(s, payload(3, 100))
		select {
		case err := <-third:
			t.Fatalf("third Write returned (%v) without credit", err)
		case <-time.After(150 * time.Millisecond):
		}
		bp := s.BackpressuredTime()
		if bp < 100*time.Millisecond {
			t.Fatalf("BackpressuredTime %v during a 150 ms wait", bp)
		}
		b1, err := next(t, ic)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := next(t, ic); err != nil {
			t.Fatal(err)
		}
		ic.Recycle(b1)
		within(t, 5*time.Second, "third Write after a recycle", func() {
			if err := <-third; err != nil {
				t.Error(err)
			}
		})
		if after := s.BackpressuredTime(); after < bp {
			t.Fatalf("BackpressuredTime went from %v to %v", bp, after)
		}
	})
}

func TestSlowReceiverDoesNotStallOthers(t *testing.T) {
	a, b := newDataNode(t, NetworkConfig{}), newDataNode(t, NetworkConfig{})
	p := pair{"tcp", 0, a, b, a.addr}

	slow := create(t, a, cid(10))
	open(t, p, cid(10), 2) // never read
	slowDone := writeAll(slow, payload(1, BufferSize), payload(2, BufferSize), payload(3, BufferSize))

	fast := create(t, a, cid(11))
	ic := open(t, p, cid(11), 4)
	const n = 500
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = payload(i, BufferSize)
	}
	fastDone := writeAll(fast, bufs...)
	within(t, 10*time.Second, "500 buffers on the other channel", func() {
		for i := range n {
			buf, err := next(t, ic)
			if err != nil {
				t.Error(err)
				return
			}
			if buf[0] != byte(i*7) {
				t.Errorf("buffer %d out of order", i)
				return
			}
			ic.Recycle(buf)
		}
	})
	if err := <-fastDone; err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-slowDone:
		t.Fatalf("slow channel's third Write returned (%v) without credit", err)
	default:
	}
	if n := liveConns(a.peers); n != 1 {
		t.Fatalf("%d connections, want both channels on one", n)
	}
	slow.Release()
	if err := <-slowDone; err == nil {
		t.Fatal("Write blocked on credit returned nil after Release")
	}
}

func TestRPCDuringData(t *testing.T) {
	a, b := newDataNode(t, NetworkConfig{}), newDataNode(t, NetworkConfig{})
	a.peers.Handle("echo", echo)
	s := create(t, a, cid(15))
	ic := open(t, pair{"tcp", 0, a, b, a.addr}, cid(15), 8)
	const n = 300
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = payload(i, BufferSize)
	}
	done := writeAll(s, bufs...)
	calls := make(chan error, 1)
	go func() {
		for i := range 50 {
			var resp echoMsg
			err := b.peers.Call(context.Background(), a.addr, "echo", echoMsg{N: i}, &resp)
			if err == nil && resp.N != i {
				err = fmt.Errorf("call %d answered %d", i, resp.N)
			}
			if err != nil {
				calls <- err
				return
			}
		}
		calls <- nil
	}()
	for i := range n {
		buf, err := next(t, ic)
		if err != nil || buf[0] != byte(i*7) {
			t.Fatalf("buffer %d: %v", i, err)
		}
		ic.Recycle(buf)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-calls; err != nil {
		t.Fatal(err)
	}
	if n := liveConns(a.peers); n != 1 {
		t.Fatalf("%d connections, want RPC and data on one", n)
	}
}

func TestProducerRelease(t *testing.T) {
	each(t, NetworkConfig{}, func(t *testing.T, p pair) {
		s := create(t, p.prod, p.cid(12))
		ic := open(t, p, p.cid(12), 2)
		if err := <-writeAll(s, payload(1, 10)); err != nil {
			t.Fatal(err)
		}
		buf, err := next(t, ic)
		if err != nil {
			t.Fatal(err)
		}
		ic.Recycle(buf)
		go func() {
			time.Sleep(50 * time.Millisecond) // let Next block
			s.Release()
		}()
		_, err = next(t, ic)
		if err == nil || err == io.EOF || !strings.Contains(err.Error(), "released") {
			t.Fatalf("Next after Release: %v, want a released error", err)
		}
		if err := s.Write(GetBuffer()); err == nil {
			t.Fatal("Write after Release succeeded")
		}
	})
}

func TestReleaseUnblocksWrite(t *testing.T) {
	each(t, NetworkConfig{}, func(t *testing.T, p pair) {
		s := create(t, p.prod, p.cid(13))
		done := writeAll(s, payload(1, 10)) // no consumer: no credit
		time.Sleep(50 * time.Millisecond)
		s.Release()
		within(t, 5*time.Second, "blocked Write to return", func() {
			if err := <-done; err == nil {
				t.Error("blocked Write returned nil after Release")
			}
		})
	})
}

func TestConsumerClose(t *testing.T) {
	each(t, NetworkConfig{}, func(t *testing.T, p pair) {
		s := create(t, p.prod, p.cid(14))
		ic := open(t, p, p.cid(14), 1)
		if err := <-writeAll(s, payload(1, 10)); err != nil {
			t.Fatal(err)
		}
		blocked := writeAll(s, payload(2, 10))
		time.Sleep(50 * time.Millisecond)
		ic.Close()
		within(t, 5*time.Second, "Write to fail after the consumer closed", func() {
			err := <-blocked
			if err == nil || !strings.Contains(err.Error(), "consumer closed") {
				t.Errorf("got %v, want consumer closed", err)
			}
		})
		if _, err := next(t, ic); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Next after Close: %v, want net.ErrClosed", err)
		}
	})
}

func TestConnectionKilled(t *testing.T) {
	a, b := newDataNode(t, NetworkConfig{}), newDataNode(t, NetworkConfig{})
	// Channels both ways on the one connection: a produces for b and b
	// for a, each with a blocked writer and a blocked reader.
	type side struct {
		write <-chan error
		read  chan error
	}
	var sides []side
	for i, p := range []pair{{"ab", 0, a, b, a.addr}, {"ba", 0, b, a, b.addr}} {
		s := create(t, p.prod, cid(20+i))
		ic := open(t, p, cid(20+i), 1)
		if err := <-writeAll(s, payload(1, 10)); err != nil {
			t.Fatal(err)
		}
		if _, err := next(t, ic); err != nil {
			t.Fatal(err)
		}
		// Not recycled: the next Write blocks for credit.
		s2 := create(t, p.prod, cid(30+i))
		ic2 := open(t, p, cid(30+i), 1)
		read := make(chan error, 1)
		go func() { _, err := ic2.Next(context.Background()); read <- err }()
		_ = s2
		sides = append(sides, side{writeAll(s, payload(2, 10)), read})
	}
	time.Sleep(50 * time.Millisecond)
	if n := liveConns(a.peers); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	a.peers.mu.Lock()
	for c := range a.peers.all {
		c.nc.Close() // as if the network dropped it
	}
	a.peers.mu.Unlock()
	for i, sd := range sides {
		within(t, 5*time.Second, fmt.Sprintf("side %d to fail", i), func() {
			if err := <-sd.write; err == nil || !strings.Contains(err.Error(), "connection lost") {
				t.Errorf("Write: %v, want connection lost", err)
			}
			if err := <-sd.read; err == nil || err == io.EOF || !strings.Contains(err.Error(), "connection lost") {
				t.Errorf("Next: %v, want connection lost", err)
			}
		})
	}
	// A new channel redials.
	p := pair{"ab", 0, a, b, a.addr}
	s := create(t, a, cid(40))
	ic := open(t, p, cid(40), 1)
	if err := <-writeAll(s, payload(1, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := next(t, ic); err != nil {
		t.Fatalf("channel after the connection died: %v", err)
	}
}

func TestNetworkClose(t *testing.T) {
	a, b := newDataNode(t, NetworkConfig{}), newDataNode(t, NetworkConfig{})
	p := pair{"tcp", 0, a, b, a.addr}
	s := create(t, a, cid(50))
	ic := open(t, p, cid(50), 1)
	if err := <-writeAll(s, payload(1, 10)); err != nil {
		t.Fatal(err)
	}
	blocked := writeAll(s, payload(2, 10))
	waiting := create(t, a, cid(51)) // no consumer yet
	waitingDone := writeAll(waiting, payload(1, 10))
	local := open(t, pair{"local", 0, b, b, b.addr}, cid(52), 1)
	localRead := make(chan error, 1)
	go func() { _, err := local.Next(context.Background()); localRead <- err }()
	remote := open(t, p, cid(53), 1) // requested from a, not registered
	remoteRead := make(chan error, 1)
	go func() { _, err := remote.Next(context.Background()); remoteRead <- err }()
	time.Sleep(50 * time.Millisecond)

	a.net.Close()
	within(t, 5*time.Second, "a's channels to fail", func() {
		for name, ch := range map[string]<-chan error{"blocked Write": blocked, "unrequested Write": waitingDone} {
			if err := <-ch; !errors.Is(err, net.ErrClosed) {
				t.Errorf("%s: %v, want net.ErrClosed", name, err)
			}
		}
		// b's request to a was refused with a's reason.
		if err := <-remoteRead; err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("remote Next: %v, want the producer's network closed", err)
		}
	})
	b.net.Close()
	within(t, 5*time.Second, "b's channels to fail", func() {
		if err := <-localRead; !errors.Is(err, net.ErrClosed) {
			t.Errorf("local Next: %v, want net.ErrClosed", err)
		}
	})
	if _, err := ic.Next(context.Background()); err == nil || err == io.EOF {
		t.Fatalf("Next after Close: %v", err)
	}
	if _, err := a.net.CreateSubpartition(cid(54)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("CreateSubpartition after Close: %v", err)
	}
	if _, err := b.net.OpenInputChannel(context.Background(), a.addr, cid(54), 1); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("OpenInputChannel after Close: %v", err)
	}
}

func TestNoNetworkOnProducer(t *testing.T) {
	a := newNode(t, "", Config{})
	b := newDataNode(t, NetworkConfig{})
	ic := open(t, pair{"tcp", 0, nil, b, a.addr}, cid(60), 1)
	if _, err := next(t, ic); err == nil || !strings.Contains(err.Error(), "no data network") {
		t.Fatalf("got %v, want no data network", err)
	}
}

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

func TestBufferPool(t *testing.T) {
	b := GetBuffer()
	if len(b) != 0 || cap(b) != BufferSize {
		t.Fatalf("GetBuffer: len %d cap %d", len(b), cap(b))
	}
	PutBuffer(b)
	s := &Subpartition{}
	for _, size := range []int{4096, 10000, 2 << 20} {
		if b := s.Buffer(size); len(b) != 0 || cap(b) != size {
			t.Fatalf("Buffer(%d): len %d cap %d", size, len(b), cap(b))
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		b := GetBuffer()
		PutBuffer(b)
		r := recvBuffer(100)
		PutBuffer(r)
	})
	if allocs > 0 && !raceEnabled { // the race detector makes sync.Pool drop items

		t.Fatalf("%v allocations per pooled get/put", allocs)
	}
}
