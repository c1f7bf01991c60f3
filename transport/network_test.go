package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
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
