package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures Peers.
type Config struct {
	Advertise    string        // this node's advertised RPC "host:port"; sent in a hello frame so the remote side can reuse the connection for calls back
	MaxFrameSize int           // default 4 MiB when 0; a larger length prefix closes the connection with a logged reason, WITHOUT allocating the claimed size
	DialTimeout  time.Duration // default 2s when 0
	Logger       *slog.Logger
}

// DefaultMaxFrameSize is the frame limit when Config.MaxFrameSize is 0;
// nodes use it, so it also bounds one encoded record.
const DefaultMaxFrameSize = 4 << 20

const defaultDialTimeout = 2 * time.Second

// Peers keeps one multiplexed connection per remote node and serves the
// methods registered with Handle on every connection, inbound or outbound.
type Peers struct {
	cfg    Config
	ln     net.Listener
	logger *slog.Logger

	// ctx parents every handler context and dial, so Close can abort them.
	ctx    context.Context
	cancel context.CancelFunc

	hmu      sync.RWMutex
	handlers map[string]Handler

	data atomic.Pointer[Network] // the data plane serving channel requests, if any

	mu      sync.Mutex
	pool    map[string]*conn   // by the remote's advertise address
	dialing map[string]*dialer // in-progress dials, shared by concurrent Calls
	all     map[*conn]struct{} // every live connection, pooled or not
	closed  bool
	wg      sync.WaitGroup // accept loop, read and write loops, handlers
}

// dialer lets concurrent Calls to an unconnected address share one dial
// instead of racing to open many connections.
type dialer struct {
	done chan struct{}
	c    *conn
	err  error
}

// NewPeers serves peer connections accepted from ln, the mux's KindPeer
// listener, until Close.
func NewPeers(ln net.Listener, cfg Config) *Peers {
	if cfg.MaxFrameSize <= 0 {
		cfg.MaxFrameSize = DefaultMaxFrameSize
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = defaultDialTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Peers{
		cfg:      cfg,
		ln:       ln,
		logger:   cfg.Logger,
		ctx:      ctx,
		cancel:   cancel,
		handlers: make(map[string]Handler),
		pool:     make(map[string]*conn),
		dialing:  make(map[string]*dialer),
		all:      make(map[*conn]struct{}),
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p
}

// Handle registers h for method. Registering a method twice panics because
// two components answering one method is a wiring bug.
func (p *Peers) Handle(method string, h Handler) {
	p.hmu.Lock()
	defer p.hmu.Unlock()
	if _, dup := p.handlers[method]; dup {
		panic(fmt.Sprintf("transport: method %q registered twice", method))
	}
	p.handlers[method] = h
}

func (p *Peers) handler(method string) Handler {
	p.hmu.RLock()
	defer p.hmu.RUnlock()
	return p.handlers[method]
}

// acceptLoop only stops on error: the mux sub-listener fails solely when closed.
func (p *Peers) acceptLoop() {
	defer p.wg.Done()
	for {
		nc, err := p.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.logger.Warn("peers: accept failed, no longer accepting", "err", err)
			}
			return
		}
		p.start(nc, "")
	}
}

// start tracks nc and runs its read loop. addr is the dialed address for
// outbound connections and empty for inbound ones, which learn it from hello.
func (p *Peers) start(nc net.Conn, addr string) (*conn, error) {
	c := newConn(p, nc, addr)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		nc.Close()
		return nil, net.ErrClosed
	}
	p.all[c] = struct{}{}
	if addr != "" {
		p.register(c, addr)
	}
	p.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()
	return c, nil
}

// register pools c under addr unless a connection is already pooled there.
// When both nodes dial each other at once each ends up with two connections;
// both keep working and only the first is reused, which is harmless.
// Callers hold p.mu.
func (p *Peers) register(c *conn, addr string) {
	c.addr = addr
	if p.pool[addr] == nil {
		p.pool[addr] = c
	}
}

// announced pools an inbound connection under the address its hello
// announced, so calls back to that node reuse it instead of dialing.
func (p *Peers) announced(c *conn, addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, live := p.all[c]; live && addr != "" {
		p.register(c, addr)
	}
}

// drop forgets a dead connection so the next Call redials.
func (p *Peers) drop(c *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.all, c)
	if c.addr != "" && p.pool[c.addr] == c {
		delete(p.pool, c.addr)
	}
}

// get returns the pooled connection to addr, dialing if there is none.
func (p *Peers) get(ctx context.Context, addr string) (*conn, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, net.ErrClosed
		}
		if c := p.pool[addr]; c != nil {
			p.mu.Unlock()
			return c, nil
		}
		if d := p.dialing[addr]; d != nil {
			p.mu.Unlock()
			select {
			case <-d.done:
				if d.err != nil {
					return nil, d.err
				}
				// The dialed conn may already have died; look again.
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		d := &dialer{done: make(chan struct{})}
		p.dialing[addr] = d
		p.mu.Unlock()

		// The dial is not bound to ctx because other Calls may be waiting
		// on it; DialTimeout and Close bound it instead.
		d.c, d.err = p.dial(addr)
		p.mu.Lock()
		delete(p.dialing, addr)
		p.mu.Unlock()
		close(d.done)
		return d.c, d.err
	}
}

func (p *Peers) dial(addr string) (*conn, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.DialTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	preamble, err := dialPreamble(p.cfg.Advertise)
	if err != nil {
		nc.Close()
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	nc.SetWriteDeadline(deadline)
	if _, err := nc.Write(preamble); err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetWriteDeadline(time.Time{})
	return p.start(nc, addr)
}

// Close closes all connections, fails in-flight calls with errors wrapping
// net.ErrClosed, and waits for every goroutine Peers started, including
// handlers, which see their context cancelled.
func (p *Peers) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	conns := make([]*conn, 0, len(p.all))
	for c := range p.all {
		conns = append(conns, c)
	}
	p.mu.Unlock()

	err := p.ln.Close()
	for _, c := range conns {
		c.fail(net.ErrClosed)
	}
	p.cancel() // aborts dials in progress
	p.wg.Wait()
	return err
}
