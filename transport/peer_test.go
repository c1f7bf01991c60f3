package transport

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

type echoMsg struct {
	N int
	S string
}

func echo(_ context.Context, body []byte) ([]byte, error) { return body, nil }

// block waits for its context, signalling started first.
func block(started chan<- struct{}) Handler {
	return func(ctx context.Context, _ []byte) ([]byte, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
}

func TestCallRoundTrip(t *testing.T) {
	a, b := newNode(t, "", Config{}), newNode(t, "", Config{})
	b.peers.Handle("echo", echo)

	var resp echoMsg
	if err := a.peers.Call(context.Background(), b.addr, "echo", echoMsg{7, "hi"}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp != (echoMsg{7, "hi"}) {
		t.Fatalf("got %+v", resp)
	}
	if err := a.peers.Call(context.Background(), b.addr, "echo", nil, nil); err != nil {
		t.Fatalf("nil req/resp: %v", err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	a, b := newNode(t, "", Config{}), newNode(t, "", Config{})
	b.peers.Handle("echo", echo)

	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			var resp echoMsg
			err := a.peers.Call(context.Background(), b.addr, "echo", echoMsg{N: i}, &resp)
			if err == nil && resp.N != i {
				err = fmt.Errorf("call %d got response %d", i, resp.N)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := liveConns(a.peers); n != 1 {
		t.Fatalf("%d connections after concurrent calls, want 1", n)
	}
}

func TestRemoteError(t *testing.T) {
	a, b := newNode(t, "", Config{}), newNode(t, "", Config{})
	b.peers.Handle("fail", func(context.Context, []byte) ([]byte, error) {
		return nil, errors.New("boom")
	})

	err := a.peers.Call(context.Background(), b.addr, "fail", nil, nil)
	var re *RemoteError
	if !errors.As(err, &re) || re.Method != "fail" || re.Message != "boom" {
		t.Fatalf("got %v, want RemoteError fail/boom", err)
	}
	if want := fmt.Sprintf("call fail on %s: remote fail: boom", b.addr); err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
}

func TestUnknownMethod(t *testing.T) {
	a, b := newNode(t, "", Config{}), newNode(t, "", Config{})

	err := a.peers.Call(context.Background(), b.addr, "nope", nil, nil)
	var re *RemoteError
	if !errors.As(err, &re) || re.Message != "unknown method nope" {
		t.Fatalf("got %v, want RemoteError unknown method nope", err)
	}
}

func TestPanickingHandler(t *testing.T) {
	a, b := newNode(t, "", Config{}), newNode(t, "", Config{})
	b.peers.Handle("panic", func(context.Context, []byte) ([]byte, error) { panic("kaboom") })
	b.peers.Handle("echo", echo)

	err := a.peers.Call(context.Background(), b.addr, "panic", nil, nil)
	var re *RemoteError
	if !errors.As(err, &re) || !strings.Contains(re.Message, "kaboom") {
		t.Fatalf("got %v, want RemoteError mentioning the panic", err)
	}
	waitLog(t, b.logs, "handler panicked")
	if err := a.peers.Call(context.Background(), b.addr, "echo", 1, nil); err != nil {
		t.Fatalf("connection unusable after panic: %v", err)
	}
}

func TestCallContextCancel(t *testing.T) {
	a, b := newNode(t, "", Config{}), newNode(t, "", Config{})
	started := make(chan struct{}, 1)
	b.peers.Handle("block", block(started))
	b.peers.Handle("echo", echo)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.peers.Call(ctx, b.addr, "block", nil, nil) }()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if err := a.peers.Call(context.Background(), b.addr, "echo", 1, nil); err != nil {
		t.Fatalf("connection unusable after cancel: %v", err)
	}
}

func TestCallBackReusesInboundConn(t *testing.T) {
	a, b := newNode(t, "", Config{}), newNode(t, "", Config{})
	a.peers.Handle("echo", echo)
	b.peers.Handle("echo", echo)

	if err := a.peers.Call(context.Background(), b.addr, "echo", 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.peers.Call(context.Background(), a.addr, "echo", 2, nil); err != nil {
		t.Fatal(err)
	}
	// Had b dialed, a would hold a second, inbound connection by now: the
	// call was served on it.
	if na, nb := liveConns(a.peers), liveConns(b.peers); na != 1 || nb != 1 {
		t.Fatalf("a has %d connections, b has %d, want 1 each", na, nb)
	}
	b.peers.mu.Lock()
	c := b.peers.pool[a.addr]
	b.peers.mu.Unlock()
	if c == nil || !c.inbound {
		t.Fatalf("b's pooled connection to a is %+v, want the inbound one", c)
	}
}

func TestPeerCloseFailsInflightAndRedials(t *testing.T) {
	a, b := newNode(t, "", Config{}), newNode(t, "", Config{})
	started := make(chan struct{}, 1)
	b.peers.Handle("block", block(started))

	done := make(chan error, 1)
	go func() { done <- a.peers.Call(context.Background(), b.addr, "block", nil, nil) }()
	<-started
	b.close()
	select {
	case err := <-done:
		var re *RemoteError
		if err == nil || errors.As(err, &re) {
			t.Fatalf("got %v, want a connection error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("in-flight call not failed after the peer closed")
	}

	b2 := newNode(t, b.addr, Config{})
	b2.peers.Handle("echo", echo)
	if err := a.peers.Call(context.Background(), b.addr, "echo", 1, nil); err != nil {
		t.Fatalf("call after restart: %v", err)
	}
}

func TestLocalCloseFailsInflight(t *testing.T) {
	a, b := newNode(t, "", Config{}), newNode(t, "", Config{})
	started := make(chan struct{}, 1)
	b.peers.Handle("block", block(started))

	done := make(chan error, 1)
	go func() { done <- a.peers.Call(context.Background(), b.addr, "block", nil, nil) }()
	<-started
	a.peers.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("got %v, want net.ErrClosed", err)
	}
	if err := a.peers.Call(context.Background(), b.addr, "block", nil, nil); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("call after Close: %v, want net.ErrClosed", err)
	}
}

func TestOversizedFrameClosesConn(t *testing.T) {
	b := newNode(t, "", Config{})
	b.peers.Handle("echo", echo)
	preamble, err := dialPreamble("raw:1")
	if err != nil {
		t.Fatal(err)
	}
	huge := func(typ frameType) []byte {
		h := []byte{byte(typ), 0, 0, 0, 1, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(h[5:], 0x7FFFFFFF) // 2 GiB
		return h
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"hello", append([]byte{KindPeer}, huge(frameHello)...)},
		{"request", append(bytes.Clone(preamble), huge(frameRequest)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			expectClosed(t, dialKind(t, b.addr, tc.data...))
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Fatalf("allocated %d bytes for a rejected frame", grew)
			}
			waitLog(t, b.logs, "exceeds limit")
		})
	}

	a := newNode(t, "", Config{})
	if err := a.peers.Call(context.Background(), b.addr, "echo", 1, nil); err != nil {
		t.Fatalf("server unusable after oversized frames: %v", err)
	}
}

func TestGarbageDoesNotCrash(t *testing.T) {
	b := newNode(t, "", Config{MaxFrameSize: 1 << 10})
	b.peers.Handle("echo", echo)
	preamble, err := dialPreamble("raw:1")
	if err != nil {
		t.Fatal(err)
	}
	frameBytes := func(typ frameType, payload []byte) []byte {
		var buf bytes.Buffer
		writeFrame(&buf, typ, 1, payload)
		return buf.Bytes()
	}
	badHello, _ := msgpack.Marshal("not a map")
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string][]byte{
		"unknown type":       append(bytes.Clone(preamble), frameBytes(lastFrameType+1, nil)...),
		"second hello":       append(bytes.Clone(preamble), frameBytes(frameHello, nil)...),
		"short request":      append(bytes.Clone(preamble), frameBytes(frameRequest, []byte{0})...),
		"bad method length":  append(bytes.Clone(preamble), frameBytes(frameRequest, []byte{0xFF, 0xFF, 'x'})...),
		"request first":      append([]byte{KindPeer}, frameBytes(frameRequest, []byte{0, 1, 'x'})...),
		"undecodable hello":  append([]byte{KindPeer}, frameBytes(frameHello, badHello)...),
		"truncated frame":    append(bytes.Clone(preamble), frameBytes(frameRequest, []byte("abc"))[:10]...),
		"stray response":     append(bytes.Clone(preamble), frameBytes(frameResponse, []byte("?"))...),
		"unknown mux kind":   {0xFF, 0xFF},
		"empty after header": {KindPeer},
	}
	for i := range 20 {
		junk := make([]byte, 1+rng.IntN(64))
		for j := range junk {
			junk[j] = byte(rng.Uint32())
		}
		cases[fmt.Sprintf("random %d", i)] = append([]byte{KindPeer}, junk...)
	}
	for name, data := range cases {
		nc := dialKind(t, b.addr, data...)
		// Half-close so frames waiting for more bytes see EOF instead of
		// the hello deadline.
		nc.(*net.TCPConn).CloseWrite()
		t.Run(name, func(t *testing.T) { expectClosed(t, nc) })
	}

	a := newNode(t, "", Config{})
	if err := a.peers.Call(context.Background(), b.addr, "echo", 1, nil); err != nil {
		t.Fatalf("server unusable after garbage: %v", err)
	}
}

func TestOversizedRequestRejectedLocally(t *testing.T) {
	a, b := newNode(t, "", Config{MaxFrameSize: 64}), newNode(t, "", Config{})
	b.peers.Handle("echo", echo)
	err := a.peers.Call(context.Background(), b.addr, "echo", strings.Repeat("x", 100), nil)
	if err == nil || !strings.Contains(err.Error(), "exceeds frame limit") {
		t.Fatalf("got %v, want frame limit error", err)
	}
}

func liveConns(p *Peers) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.all)
}
