package transport

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

type testMux struct {
	*Mux
	logs    *logBuf
	served  chan error
	started bool
	once    sync.Once
	err     error
}

func newTestMux(t testing.TB) *testMux {
	t.Helper()
	return newTestMuxOn(t, "127.0.0.1:0")
}

func newTestMuxOn(t testing.TB, addr string) *testMux {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	logger, buf := newLogger()
	m := &testMux{Mux: NewMux(ln, logger), logs: buf, served: make(chan error, 1)}
	t.Cleanup(func() {
		m.Close()
		if m.started {
			m.wait()
		}
	})
	return m
}

func (m *testMux) serve() {
	m.started = true
	go func() { m.served <- m.Serve() }()
}

// wait returns Serve's result.
func (m *testMux) wait() error {
	m.once.Do(func() { m.err = <-m.served })
	return m.err
}

func dialKind(t *testing.T, addr string, data ...byte) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	if _, err := nc.Write(data); err != nil {
		t.Fatal(err)
	}
	return nc
}

func TestMuxRoutesByFirstByte(t *testing.T) {
	m := newTestMux(t)
	raftLn, peerLn := m.Listen(KindRaft), m.Listen(KindPeer)
	m.serve()
	if raftLn.Addr().String() != m.Addr().String() {
		t.Fatalf("sub-listener addr %v, want %v", raftLn.Addr(), m.Addr())
	}

	// Dial in the opposite order of accepting to show routing is by kind.
	dialKind(t, m.Addr().String(), KindPeer, 'p')
	dialKind(t, m.Addr().String(), KindRaft, 'r')
	for _, tc := range []struct {
		ln   net.Listener
		want byte
	}{{raftLn, 'r'}, {peerLn, 'p'}} {
		nc, err := tc.ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		var b [1]byte
		if _, err := io.ReadFull(nc, b[:]); err != nil {
			t.Fatal(err)
		}
		nc.Close()
		if b[0] != tc.want {
			t.Fatalf("got %q, want %q: header byte not consumed or misrouted", b[0], tc.want)
		}
	}
}

func TestMuxUnknownKindClosesConn(t *testing.T) {
	m := newTestMux(t)
	peerLn := m.Listen(KindPeer)
	m.serve()

	expectClosed(t, dialKind(t, m.Addr().String(), 0xEE, 1, 2, 3))
	waitLog(t, m.logs, "unknown connection kind")

	// The mux still routes other connections.
	dialKind(t, m.Addr().String(), KindPeer)
	nc, err := peerLn.Accept()
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
}

func TestMuxCloseUnblocksAccept(t *testing.T) {
	m := newTestMux(t)
	raftLn, peerLn := m.Listen(KindRaft), m.Listen(KindPeer)
	m.serve()

	accepted := make(chan error, 1)
	go func() {
		_, err := raftLn.Accept()
		accepted <- err
	}()
	silent := dialKind(t, m.Addr().String())              // never sends its kind
	unclaimed := dialKind(t, m.Addr().String(), KindPeer) // nobody calls Accept

	m.Close()
	if err := <-accepted; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
	}
	if err := m.wait(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	expectClosed(t, silent)
	expectClosed(t, unclaimed)
	if _, err := peerLn.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept on closed mux: %v", err)
	}
}

func TestSubListenerClose(t *testing.T) {
	m := newTestMux(t)
	peerLn := m.Listen(KindPeer)
	m.serve()

	peerLn.Close()
	if _, err := peerLn.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
	}
	expectClosed(t, dialKind(t, m.Addr().String(), KindPeer))
}
