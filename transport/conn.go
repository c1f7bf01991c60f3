package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// writeTimeout bounds one frame write. A peer that does not drain its socket
// for this long is treated as dead, so a wedged node cannot block callers
// (who queue on the write lock) forever.
const writeTimeout = 10 * time.Second

// hello is msgpack-encoded as a map, so later versions can add fields that
// older nodes ignore.
type hello struct {
	Advertise string `msgpack:"advertise"`
}

// dialPreamble is what a dialer sends before anything else: the mux kind byte
// and a hello frame.
func dialPreamble(advertise string) ([]byte, error) {
	payload, err := msgpack.Marshal(hello{Advertise: advertise})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteByte(KindPeer)
	if err := writeFrame(&b, frameHello, 0, payload); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// conn is one peer connection. Either side may send requests on it; request
// ids are chosen by the sender and only have to be unique among the sender's
// own in-flight requests, since a frame's type says whether its id refers to
// a request we sent (response, error) or one we received (request).
type conn struct {
	p       *Peers
	nc      net.Conn
	inbound bool   // accepted; must start with a hello
	addr    string // remote advertise address, "" until known; guarded by p.mu

	// ctx parents the handler contexts of requests received on this
	// connection: once it dies no one can receive their responses.
	ctx    context.Context
	cancel context.CancelFunc

	wmu sync.Mutex // keeps frames from interleaving
	w   *bufio.Writer

	mu      sync.Mutex
	nextID  uint32
	pending map[uint32]chan frame // our in-flight requests

	once sync.Once
	dead chan struct{}
	err  error // why the connection died; written before dead is closed
}

func newConn(p *Peers, nc net.Conn, addr string) *conn {
	ctx, cancel := context.WithCancel(p.ctx)
	return &conn{
		p:       p,
		nc:      nc,
		inbound: addr == "",
		ctx:     ctx,
		cancel:  cancel,
		w:       bufio.NewWriter(nc),
		pending: make(map[uint32]chan frame),
		dead:    make(chan struct{}),
	}
}

// fail closes the connection, unblocks its in-flight calls with err and
// removes it from the pool. Only the first reason is kept.
func (c *conn) fail(err error) {
	c.once.Do(func() {
		c.err = err
		c.p.drop(c)
		close(c.dead)
		// Close before cancelling, so a handler that returns on
		// cancellation cannot slip its answer out first.
		c.nc.Close()
		c.cancel()
	})
}

func (c *conn) send(typ frameType, id uint32, parts ...[]byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	err := writeFrame(c.w, typ, id, parts...)
	if err == nil {
		err = c.w.Flush()
	}
	if err != nil {
		// A partial frame leaves the stream unusable.
		c.fail(fmt.Errorf("connection lost: %w", err))
	}
	return err
}

// call sends one request and waits for its answer.
func (c *conn) call(ctx context.Context, method string, body []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch := make(chan frame, 1)
	c.mu.Lock()
	c.nextID++
	for c.pending[c.nextID] != nil {
		c.nextID++ // wrapped around onto a call that is still waiting
	}
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()

	if err := c.send(frameRequest, id, requestHeader(method), body); err != nil {
		return nil, err
	}
	select {
	case f := <-ch:
		return answer(method, f)
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.dead:
		// The answer may have arrived just before the connection died.
		select {
		case f := <-ch:
			return answer(method, f)
		default:
			return nil, c.err
		}
	}
}

func answer(method string, f frame) ([]byte, error) {
	if f.typ == frameError {
		return nil, &RemoteError{Method: method, Message: string(f.payload)}
	}
	return f.payload, nil
}

func (c *conn) readLoop() {
	defer c.p.wg.Done()
	err := c.readFrames(bufio.NewReader(c.nc))
	switch {
	case errors.Is(err, errMalformed):
		c.p.logger.Warn("peers: closing connection", "remote", c.nc.RemoteAddr(), "reason", err)
	default:
		c.p.logger.Debug("peers: connection closed", "remote", c.nc.RemoteAddr(), "err", err)
	}
	c.fail(fmt.Errorf("connection lost: %w", err))
}

func (c *conn) readFrames(r *bufio.Reader) error {
	max := c.p.cfg.MaxFrameSize
	if c.inbound {
		if err := c.readHello(r); err != nil {
			return err
		}
	}
	for {
		f, err := readFrame(r, max)
		if err != nil {
			return err
		}
		switch f.typ {
		case frameRequest:
			method, body, err := parseRequest(f.payload)
			if err != nil {
				return err
			}
			// The read loop is itself counted in wg, so this Add cannot
			// race with Close's Wait.
			c.p.wg.Add(1)
			go c.serve(f.id, method, body)
		case frameResponse, frameError:
			c.mu.Lock()
			ch := c.pending[f.id]
			delete(c.pending, f.id)
			c.mu.Unlock()
			if ch != nil { // nil when the caller already gave up
				ch <- f
			}
		default:
			return fmt.Errorf("%w: unexpected frame type %d", errMalformed, f.typ)
		}
	}
}

// readHello reads the dialer's hello under a deadline, so a connection that
// never introduces itself does not hold a goroutine forever.
func (c *conn) readHello(r *bufio.Reader) error {
	c.nc.SetReadDeadline(time.Now().Add(headerTimeout))
	f, err := readFrame(r, c.p.cfg.MaxFrameSize)
	if err != nil {
		return err
	}
	c.nc.SetReadDeadline(time.Time{})
	if f.typ != frameHello {
		return fmt.Errorf("%w: first frame has type %d, want hello", errMalformed, f.typ)
	}
	var h hello
	if err := msgpack.Unmarshal(f.payload, &h); err != nil {
		return fmt.Errorf("%w: hello: %v", errMalformed, err)
	}
	c.p.announced(c, h.Advertise)
	return nil
}

// serve runs one handler and sends its answer. Send errors need no handling
// here: send already failed the connection.
func (c *conn) serve(id uint32, method string, body []byte) {
	defer c.p.wg.Done()
	out, err := c.p.invoke(c.ctx, method, body)
	if err == nil && len(out) > c.p.cfg.MaxFrameSize {
		err = fmt.Errorf("response of %d bytes exceeds frame limit %d", len(out), c.p.cfg.MaxFrameSize)
	}
	if err != nil {
		msg := err.Error()
		msg = msg[:min(len(msg), c.p.cfg.MaxFrameSize)]
		c.send(frameError, id, []byte(msg))
		return
	}
	c.send(frameResponse, id, out)
}
