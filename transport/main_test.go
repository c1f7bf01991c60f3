package transport

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// logBuf collects log output so tests can check that a reason was logged.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLogger() (*slog.Logger, *logBuf) {
	buf := &logBuf{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// waitLog waits for substr to appear, since logging happens on server
// goroutines after the client already saw the effect.
func waitLog(t *testing.T, buf *logBuf, substr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !bytes.Contains([]byte(buf.String()), []byte(substr)) {
		if time.Now().After(deadline) {
			t.Fatalf("log does not contain %q:\n%s", substr, buf.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// node is a mux plus Peers on one port, as in a real process.
type node struct {
	*testMux
	peers *Peers
	addr  string
}

// newNode starts a node on addr, or on a free port when addr is empty.
func newNode(t testing.TB, addr string, cfg Config) *node {
	t.Helper()
	var m *testMux
	if addr == "" {
		m = newTestMux(t)
	} else {
		m = newTestMuxOn(t, addr)
	}
	n := &node{testMux: m, addr: m.Addr().String()}
	pl := m.Listen(KindPeer)
	m.serve()
	cfg.Advertise = n.addr
	cfg.Logger = m.logger
	n.peers = NewPeers(pl, cfg)
	t.Cleanup(n.close)
	return n
}

func (n *node) close() {
	n.peers.Close()
	n.Close()
	n.wait()
}

// expectClosed reads until the server closes nc, failing on a timeout.
func expectClosed(t *testing.T, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.Copy(io.Discard, nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("server did not close the connection")
	}
}
