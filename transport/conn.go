package transport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// writeTimeout bounds one batch write (at most maxBatchBytes). A peer that
// does not drain its socket for this long is treated as dead, so a wedged
// node cannot hold callers waiting for their frames to go out forever.
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
//
// The connection also carries data channels (network.go), in both
// directions: streams we consume (inputs) and streams the remote consumes
// from us (outputs), each keyed by the stream id the consumer chose.
//
// Only writeLoop writes to nc. Senders enqueue frames without blocking on
// the network, and writeLoop writes everything queued in one writev, so a
// burst of frames costs one syscall. Credits go first, then control frames
// (RPC, channel open, release, cancel), then data: an RPC answer or a
// credit never waits behind the megabytes of buffers that the channels'
// credit allows to queue up. Data and end-of-partition frames keep their
// order; a release overtaking data is harmless, since it aborts the channel.
type conn struct {
	p       *Peers
	nc      net.Conn
	inbound bool   // accepted; must start with a hello
	addr    string // remote advertise address, "" until known; guarded by p.mu

	// ctx parents the handler contexts of requests received on this
	// connection: once it dies no one can receive their responses.
	ctx    context.Context
	cancel context.CancelFunc

	qmu     sync.Mutex
	ctrlq   []outFrame      // FIFO of control frames to write
	dataq   []outFrame      // FIFO of data and end frames to write
	creditq []*InputChannel // channels with credit to announce, written first
	qclosed bool            // the connection failed; enqueue refuses
	wake    chan struct{}   // cap 1: something was queued

	mu      sync.Mutex
	nextID  uint32
	pending map[uint32]chan frame // our in-flight requests

	dmu        sync.Mutex
	nextStream uint32
	inputs     map[uint32]*InputChannel // streams we consume, by our stream id
	outputs    map[uint32]*request      // streams the remote consumes, by its stream id
	ddead      bool                     // failStreams ran; register nothing more

	once sync.Once
	dead chan struct{}
	err  error // why the connection died; written before dead is closed
}

// outFrame is one queued frame. Its payload is written as prefix followed by
// payload, both owned by the connection until written.
type outFrame struct {
	typ     frameType
	id      uint32
	prefix  []byte
	payload []byte
	pooled  bool       // payload goes back to the buffer pool once written
	done    chan error // if set, receives the write's outcome (cap 1)
}

func newConn(p *Peers, nc net.Conn, addr string) *conn {
	ctx, cancel := context.WithCancel(p.ctx)
	return &conn{
		p:       p,
		nc:      nc,
		inbound: addr == "",
		ctx:     ctx,
		cancel:  cancel,
		wake:    make(chan struct{}, 1),
		pending: make(map[uint32]chan frame),
		inputs:  make(map[uint32]*InputChannel),
		outputs: make(map[uint32]*request),
		dead:    make(chan struct{}),
	}
}

// fail closes the connection, unblocks its in-flight calls with err, fails
// its data channels and removes it from the pool. Only the first reason is
// kept.
func (c *conn) fail(err error) {
	c.once.Do(func() {
		c.err = err
		c.p.drop(c)
		c.qmu.Lock()
		c.qclosed = true
		left := append(c.ctrlq, c.dataq...)
		c.ctrlq, c.dataq, c.creditq = nil, nil, nil
		c.qmu.Unlock()
		close(c.dead)
		// Close before cancelling, so a handler that returns on
		// cancellation cannot slip its answer out first.
		c.nc.Close()
		c.cancel()
		for _, f := range left {
			// Senders waiting on done also watch dead.
			if f.pooled {
				PutBuffer(f.payload)
			}
		}
		c.failStreams(err)
	})
}

// enqueue queues f for writeLoop. It never blocks on the network. On a dead
// connection it returns the reason, and a pooled payload goes back to the
// pool: ownership passes to the connection either way.
func (c *conn) enqueue(f outFrame) error {
	c.qmu.Lock()
	if c.qclosed {
		c.qmu.Unlock()
		if f.pooled {
			PutBuffer(f.payload)
		}
		return c.err
	}
	if f.typ == frameData || f.typ == frameEnd {
		c.dataq = append(c.dataq, f)
	} else {
		c.ctrlq = append(c.ctrlq, f)
	}
	c.qmu.Unlock()
	c.kick()
	return nil
}

// enqueueCredit asks writeLoop to announce ic's unannounced credit.
func (c *conn) enqueueCredit(ic *InputChannel) {
	c.qmu.Lock()
	if c.qclosed {
		c.qmu.Unlock()
		return
	}
	c.creditq = append(c.creditq, ic)
	c.qmu.Unlock()
	c.kick()
}

func (c *conn) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// send writes one RPC frame and waits until it is written, so the caller
// keeps ownership of its slices. A failed write fails the connection.
func (c *conn) send(typ frameType, id uint32, prefix, payload []byte) error {
	done := make(chan error, 1)
	if err := c.enqueue(outFrame{typ: typ, id: id, prefix: prefix, payload: payload, done: done}); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-c.dead:
		select {
		case err := <-done:
			return err
		default:
			return c.err
		}
	}
}

const (
	// maxBatchBytes bounds one writev, so the write deadline measures
	// progress rather than the length of the queue.
	maxBatchBytes = 1 << 20
	// maxBatchFrames bounds one writev's iovec count (Linux caps it at
	// 1024; each frame takes up to three).
	maxBatchFrames = 256
	// copyBelow is the payload size under which a payload is copied next to
	// its header instead of taking an iovec of its own.
	copyBelow = 512
)

// writeLoop is the connection's only writer.
func (c *conn) writeLoop() {
	defer c.p.wg.Done()
	var (
		w       batchWriter
		batch   []outFrame
		credits []*InputChannel
	)
	for {
		select {
		case <-c.wake:
		case <-c.dead:
			return
		}
		for {
			batch, credits = c.take(batch[:0], credits[:0])
			if len(batch) == 0 && len(credits) == 0 {
				break
			}
			w.reset()
			for _, ic := range credits {
				if n := ic.unannounced.Swap(0); n > 0 {
					w.credit(ic.stream, n)
				}
			}
			for i := range batch {
				f := &batch[i]
				w.frame(f.typ, f.id, f.prefix, f.payload)
			}
			c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
			err := w.flush(c.nc)
			for i := range batch {
				f := &batch[i]
				if f.pooled {
					PutBuffer(f.payload)
				}
				if f.done != nil {
					f.done <- err
				}
			}
			clear(batch)
			clear(credits)
			if err != nil {
				// A partial frame leaves the stream unusable.
				c.fail(fmt.Errorf("connection lost: %w", err))
				return
			}
		}
	}
}

// take moves queued work into batch and credits, up to one batch's worth of
// frames, control frames first.
func (c *conn) take(batch []outFrame, credits []*InputChannel) ([]outFrame, []*InputChannel) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	credits = append(credits, c.creditq...)
	clear(c.creditq)
	c.creditq = c.creditq[:0]
	size := 0
	batch, size, c.ctrlq = takeFrames(batch, size, c.ctrlq)
	batch, _, c.dataq = takeFrames(batch, size, c.dataq)
	return batch, credits
}

// takeFrames moves frames from the head of q to batch while the batch has
// room, returning the grown batch, its size and the rest of q.
func takeFrames(batch []outFrame, size int, q []outFrame) ([]outFrame, int, []outFrame) {
	k := 0
	for k < len(q) && len(batch) < maxBatchFrames && (len(batch) == 0 || size < maxBatchBytes) {
		size += len(q[k].prefix) + len(q[k].payload)
		batch = append(batch, q[k])
		k++
	}
	n := copy(q, q[k:])
	clear(q[n:])
	return batch, size, q[:n]
}

// batchWriter lays a batch of frames out as iovecs: headers and small
// payloads are copied into one scratch buffer, large payloads are written
// from where they are.
type batchWriter struct {
	small []byte
	mark  int // start of the scratch run not yet in iov
	iov   net.Buffers
	base  net.Buffers // backing array of out, kept so it is reused
	out   net.Buffers // iov's copy that WriteTo consumes
}

func (w *batchWriter) reset() {
	w.small = w.small[:0]
	w.mark = 0
	clear(w.iov)
	w.iov = w.iov[:0]
}

// grow appends n bytes to the scratch buffer and returns them.
func (w *batchWriter) grow(n int) []byte {
	l := len(w.small)
	// A reallocation leaves earlier iovecs pointing at the old array,
	// which still holds their bytes.
	w.small = append(w.small, make([]byte, n)...)
	return w.small[l : l+n]
}

func (w *batchWriter) frame(typ frameType, id uint32, prefix, payload []byte) {
	putHeader(w.grow(frameHeaderLen), typ, id, len(prefix)+len(payload))
	copy(w.grow(len(prefix)), prefix)
	if len(payload) < copyBelow {
		copy(w.grow(len(payload)), payload)
		return
	}
	w.cut()
	w.iov = append(w.iov, payload)
}

func (w *batchWriter) credit(stream, n uint32) {
	b := w.grow(frameHeaderLen + 4)
	putHeader(b, frameCredit, stream, 4)
	binary.BigEndian.PutUint32(b[frameHeaderLen:], n)
}

// cut ends the current scratch run as one iovec.
func (w *batchWriter) cut() {
	if len(w.small) > w.mark {
		w.iov = append(w.iov, w.small[w.mark:len(w.small):len(w.small)])
		w.mark = len(w.small)
	}
}

func (w *batchWriter) flush(nc net.Conn) error {
	w.cut()
	// WriteTo advances out past what it wrote; base keeps the array.
	w.base = append(w.base[:0], w.iov...)
	w.out = w.base
	_, err := w.out.WriteTo(nc)
	clear(w.base)
	w.out = nil
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
	hdr := make([]byte, frameHeaderLen)
	scratch := make([]byte, 512) // for payloads consumed before the next read
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			return err
		}
		typ, id, n, err := parseHeader(hdr, max)
		if err != nil {
			return err
		}
		if typ == frameData {
			// Read straight into a pooled buffer that goes to the
			// consumer as is.
			buf := recvBuffer(n)
			if err := readPayload(r, buf); err != nil {
				PutBuffer(buf)
				return err
			}
			if err := c.onData(id, buf); err != nil {
				return err
			}
			continue
		}
		var payload []byte
		switch typ {
		case frameRequest, frameResponse, frameError:
			payload = make([]byte, n) // handed on and kept
		default:
			if n <= len(scratch) {
				payload = scratch[:n]
			} else {
				payload = make([]byte, n)
			}
		}
		if err := readPayload(r, payload); err != nil {
			return err
		}
		switch typ {
		case frameRequest:
			method, body, err := parseRequest(payload)
			if err != nil {
				return err
			}
			// The read loop is itself counted in wg, so this Add cannot
			// race with Close's Wait.
			c.p.wg.Add(1)
			go c.serve(id, method, body)
		case frameResponse, frameError:
			c.mu.Lock()
			ch := c.pending[id]
			delete(c.pending, id)
			c.mu.Unlock()
			if ch != nil { // nil when the caller already gave up
				ch <- frame{typ: typ, id: id, payload: payload}
			}
		case frameCredit:
			err = c.onCredit(id, payload)
		case frameOpen:
			err = c.onOpen(id, payload)
		case frameEnd:
			err = c.onEnd(id, payload)
		case frameRelease:
			c.onRelease(id, payload)
		case frameCancel:
			c.onCancel(id, payload)
		default:
			err = fmt.Errorf("%w: unexpected frame type %d", errMalformed, typ)
		}
		if err != nil {
			return err
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
		c.send(frameError, id, nil, []byte(msg))
		return
	}
	c.send(frameResponse, id, nil, out)
}
