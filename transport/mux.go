package transport

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

const (
	KindRaft byte = 1 // first byte of a Raft connection
	KindPeer byte = 2 // first byte of a peer (control + data) connection
)

// headerTimeout bounds how long a new connection may stay silent before
// sending its kind byte, so port scanners and stuck clients cannot pin
// goroutines and file descriptors.
const headerTimeout = 5 * time.Second

// Mux shares one TCP listener between several protocols so a node needs a
// single port opened in firewalls and advertised to peers.
type Mux struct {
	ln     net.Listener
	logger *slog.Logger

	mu      sync.Mutex
	subs    map[byte]*subListener
	pending map[net.Conn]struct{} // accepted but not yet handed off
	closed  bool
	wg      sync.WaitGroup // header-reading goroutines
}

// NewMux wraps a bound listener. Listen(kind) must be called for every kind
// before Serve, otherwise early connections of that kind are rejected.
func NewMux(ln net.Listener, logger *slog.Logger) *Mux {
	if logger == nil {
		logger = slog.Default()
	}
	return &Mux{
		ln:      ln,
		logger:  logger,
		subs:    make(map[byte]*subListener),
		pending: make(map[net.Conn]struct{}),
	}
}

// Listen returns the listener for connections whose first byte is kind.
// Registering a kind twice panics: two owners of one protocol is a wiring bug.
func (m *Mux) Listen(kind byte) net.Listener {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.subs[kind]; dup {
		panic(fmt.Sprintf("transport: kind %d registered twice", kind))
	}
	s := &subListener{
		addr:  m.ln.Addr(),
		conns: make(chan net.Conn),
		done:  make(chan struct{}),
	}
	if m.closed {
		s.Close()
	}
	m.subs[kind] = s
	return s
}

// Serve runs the accept loop until Close. Transient accept errors (such as
// running out of file descriptors) are retried with backoff rather than
// taking the node's only port down.
func (m *Mux) Serve() error {
	var delay time.Duration
	for {
		nc, err := m.ln.Accept()
		if err != nil {
			if m.isClosed() {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("mux accept: %w", err)
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			m.logger.Warn("mux: accept failed, retrying", "err", err, "delay", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0

		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			nc.Close()
			return nil
		}
		m.pending[nc] = struct{}{}
		m.wg.Add(1)
		m.mu.Unlock()
		go m.route(nc)
	}
}

// route reads the kind byte off the accept goroutine, so one slow client
// does not delay everyone else's connection.
func (m *Mux) route(nc net.Conn) {
	defer m.wg.Done()

	var hdr [1]byte
	err := nc.SetReadDeadline(time.Now().Add(headerTimeout))
	if err == nil {
		_, err = io.ReadFull(nc, hdr[:])
	}
	if err == nil {
		err = nc.SetReadDeadline(time.Time{})
	}

	m.mu.Lock()
	delete(m.pending, nc)
	closed := m.closed
	sub := m.subs[hdr[0]]
	m.mu.Unlock()

	switch {
	case closed:
		nc.Close()
		return
	case err != nil:
		m.logger.Debug("mux: reading connection header", "remote", nc.RemoteAddr(), "err", err)
		nc.Close()
		return
	case sub == nil:
		m.logger.Warn("mux: unknown connection kind, closing", "remote", nc.RemoteAddr(), "kind", hdr[0])
		nc.Close()
		return
	}

	select {
	case sub.conns <- nc:
	case <-sub.done:
		nc.Close()
	}
}

func (m *Mux) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// Close stops Serve, closes every sub-listener and every connection whose
// header has not been handed off, and waits for the routing goroutines.
func (m *Mux) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	for _, s := range m.subs {
		s.Close()
	}
	for nc := range m.pending {
		nc.Close()
	}
	m.mu.Unlock()

	err := m.ln.Close()
	m.wg.Wait()
	return err
}

func (m *Mux) Addr() net.Addr { return m.ln.Addr() }

// subListener hands routed connections to its owner through an unbuffered
// channel, so a connection is either owned by Accept's caller or still
// closable by the mux, never lost in between.
type subListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (s *subListener) Accept() (net.Conn, error) {
	select {
	case nc := <-s.conns:
		return nc, nil
	case <-s.done:
		return nil, net.ErrClosed
	}
}

func (s *subListener) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}

func (s *subListener) Addr() net.Addr { return s.addr }
