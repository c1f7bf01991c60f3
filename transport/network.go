package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// ChannelID names one data channel: the stream of buffers from one sender
// subtask to one receiver subtask over one job graph edge, in one
// deployment attempt. Producer and consumer must use exactly the same id;
// a new attempt uses new ids, so channels of an old attempt never match.
type ChannelID struct {
	Job      string // job id
	Attempt  uint64 // deployment attempt; fences old attempts
	Edge     int    // job graph edge id
	Sender   int    // sender subtask index
	Receiver int    // receiver subtask index
}

func (id ChannelID) String() string {
	return id.Job + "#" + strconv.FormatUint(id.Attempt, 10) +
		"/edge " + strconv.Itoa(id.Edge) + "/" + strconv.Itoa(id.Sender) + "->" + strconv.Itoa(id.Receiver)
}

// NetworkConfig configures a Network.
type NetworkConfig struct {
	// Advertise is this node's RPC address: a consumer whose producer is
	// at this address uses the in-memory path, skipping TCP entirely.
	// Default: the Peers' Advertise.
	Advertise string
	Logger    *slog.Logger // default: the Peers' logger
	// RequestTimeout bounds how long a request for a subpartition that is
	// not registered yet waits for its producer; then the consumer's Next
	// fails. Default 30 s.
	RequestTimeout time.Duration
}

const (
	defaultRequestTimeout = 30 * time.Second
	// maxCredits bounds a channel's credit, which sizes the consumer's
	// queue; a peer asking for more violates the protocol.
	maxCredits = 1 << 16
)

// Network is the data plane of one node: credit-based flow-controlled
// channels carried over the Peers' connections (see doc.go for the
// protocol).
//
// The producer registers a Subpartition per channel; the consumer opens
// an InputChannel with the producer's node address and an initial credit,
// the number of buffers it is ready to hold. The producer sends a buffer
// only while it has credit, and the consumer returns one credit per buffer
// it recycles, so a slow consumer holds up its own channel, never the
// connection other channels share. Channels whose producer is on this node
// hand buffers over in memory with the same credit semantics.
//
// A consumer may open its channel before the producer registers it: the
// request then waits on the producer's node until the registration, or
// fails after RequestTimeout (the consumer's Next returns the error; the
// consumer does not retry).
type Network struct {
	p      *Peers
	cfg    NetworkConfig
	logger *slog.Logger

	mu      sync.Mutex
	subs    map[ChannelID]*Subpartition // registered, not yet finished to a consumer
	waiting map[ChannelID]*request      // requests for unregistered subpartitions
	inputs  map[*InputChannel]struct{}  // open input channels, for Close
	closed  bool

	wg sync.WaitGroup // timers of waiting requests that fired or may fire
}

// NewNetwork attaches a data plane to p; p then serves channel requests
// from other nodes with it. Attaching two Networks to one Peers panics.
func NewNetwork(p *Peers, cfg NetworkConfig) *Network {
	if cfg.Advertise == "" {
		cfg.Advertise = p.cfg.Advertise
	}
	if cfg.Logger == nil {
		cfg.Logger = p.logger
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = defaultRequestTimeout
	}
	n := &Network{
		p:       p,
		cfg:     cfg,
		logger:  cfg.Logger,
		subs:    make(map[ChannelID]*Subpartition),
		waiting: make(map[ChannelID]*request),
		inputs:  make(map[*InputChannel]struct{}),
	}
	if !p.data.CompareAndSwap(nil, n) {
		panic("transport: a Network is already attached to these Peers")
	}
	return n
}

// Close fails every subpartition and input channel with an error wrapping
// net.ErrClosed (remote consumers and producers are told), stops serving
// channel requests and waits for its goroutines. The Peers stay open.
func (n *Network) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	subs := make([]*Subpartition, 0, len(n.subs))
	for _, s := range n.subs {
		subs = append(subs, s)
	}
	waiting := make([]*request, 0, len(n.waiting))
	for _, r := range n.waiting {
		n.stopTimer(r)
		waiting = append(waiting, r)
	}
	inputs := make([]*InputChannel, 0, len(n.inputs))
	for ic := range n.inputs {
		inputs = append(inputs, ic)
	}
	clear(n.subs)
	clear(n.waiting)
	clear(n.inputs)
	n.mu.Unlock()
	n.p.data.CompareAndSwap(n, nil)

	closed := fmt.Errorf("data network of %s closed: %w", n.cfg.Advertise, net.ErrClosed)
	for _, r := range waiting {
		r.abort(closed)
	}
	for _, s := range subs {
		s.terminate(fmt.Errorf("subpartition %v: %w", s.id, closed), true)
	}
	for _, ic := range inputs {
		ic.shutdown(fmt.Errorf("channel %v: %w", ic.id, closed), "consumer's data network closed")
	}
	n.wg.Wait()
	return nil
}

// CreateSubpartition registers the producer side of channel id. A consumer
// request that is already waiting for it is served at once. Registering an
// id that is registered and not yet finished to its consumer is an error.
func (n *Network) CreateSubpartition(id ChannelID) (*Subpartition, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, fmt.Errorf("create subpartition %v: %w", id, net.ErrClosed)
	}
	if n.subs[id] != nil {
		return nil, fmt.Errorf("subpartition %v already registered", id)
	}
	s := &Subpartition{n: n, id: id}
	s.cond.L = &s.mu
	n.subs[id] = s
	if r := n.waiting[id]; r != nil {
		delete(n.waiting, id)
		n.stopTimer(r)
		if err := n.bindLocked(s, r); err != nil {
			r.abort(err)
		}
	}
	return s, nil
}

// OpenInputChannel requests channel id from the producer's node at
// producerAddr, granting credits buffers of initial credit. It returns once
// the request is sent (or, in memory, filed): ctx bounds only the dial.
// Whether the producer accepts is reported by Next, which fails if the
// subpartition is not registered within the producer's RequestTimeout.
func (n *Network) OpenInputChannel(ctx context.Context, producerAddr string, id ChannelID, credits int) (*InputChannel, error) {
	if credits < 1 || credits > maxCredits {
		return nil, fmt.Errorf("open channel %v: credits %d out of range [1, %d]", id, credits, maxCredits)
	}
	if producerAddr == "" {
		return nil, fmt.Errorf("open channel %v: no producer address", id)
	}
	ic := &InputChannel{
		n:           n,
		id:          id,
		addr:        producerAddr,
		ring:        make([][]byte, credits),
		outstanding: credits,
		notify:      make(chan struct{}, 1),
	}
	if producerAddr == n.cfg.Advertise {
		r := &request{n: n, id: id, credits: credits, in: ic}
		ic.req = r
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.closed {
			return nil, fmt.Errorf("open channel %v: %w", id, net.ErrClosed)
		}
		n.inputs[ic] = struct{}{}
		n.requestLocked(r)
		return ic, nil
	}
	if err := n.openRemote(ctx, ic); err != nil {
		return nil, fmt.Errorf("open channel %v from %s: %w", id, producerAddr, err)
	}
	// Published last, so Close sees only channels that are fully set up.
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		err := fmt.Errorf("open channel %v: %w", id, net.ErrClosed)
		ic.shutdown(err, "consumer's data network closed")
		return nil, err
	}
	n.inputs[ic] = struct{}{}
	n.mu.Unlock()
	return ic, nil
}

// openRequest is a frameOpen payload.
type openRequest struct {
	Job      string `msgpack:"j"`
	Attempt  uint64 `msgpack:"a"`
	Edge     int    `msgpack:"e"`
	Sender   int    `msgpack:"s"`
	Receiver int    `msgpack:"r"`
	Credits  int    `msgpack:"c"`
}

func (n *Network) openRemote(ctx context.Context, ic *InputChannel) error {
	body, err := msgpack.Marshal(openRequest{
		Job: ic.id.Job, Attempt: ic.id.Attempt, Edge: ic.id.Edge,
		Sender: ic.id.Sender, Receiver: ic.id.Receiver, Credits: len(ic.ring),
	})
	if err != nil {
		return err
	}
	// A pooled connection may die between get and addInput; the dead one
	// has left the pool by then, so a retry dials afresh.
	for attempt := 0; ; attempt++ {
		c, err := n.p.get(ctx, ic.addr)
		if err != nil {
			return err
		}
		if err := c.addInput(ic); err != nil {
			if attempt < 2 {
				continue
			}
			return err
		}
		// If the connection dies from here on, failStreams fails ic.
		return c.enqueue(outFrame{typ: frameOpen, id: ic.stream, payload: body})
	}
}

// request is a consumer's claim on a subpartition, as the producer's node
// sees it: waiting for the registration, then bound to the subpartition.
type request struct {
	n       *Network // nil when the node has no Network
	id      ChannelID
	credits int

	c      *conn         // remote consumer: its connection
	stream uint32        // and its stream id
	in     *InputChannel // local consumer

	sub   atomic.Pointer[Subpartition] // once bound
	timer *time.Timer                  // while waiting; guarded by n.mu
}

// requestLocked serves r at once if its subpartition is registered and
// files it as waiting otherwise. Callers hold n.mu.
func (n *Network) requestLocked(r *request) {
	if n.closed {
		r.abort(fmt.Errorf("subpartition %v: data network of %s closed: %w", r.id, n.cfg.Advertise, net.ErrClosed))
		return
	}
	if r.c != nil && r.c.isDead() {
		return // failStreams already ran; no one is listening
	}
	if s := n.subs[r.id]; s != nil {
		if err := n.bindLocked(s, r); err != nil {
			r.abort(err)
		}
		return
	}
	if n.waiting[r.id] != nil {
		r.abort(fmt.Errorf("subpartition %v already requested by another consumer", r.id))
		return
	}
	n.waiting[r.id] = r
	n.wg.Add(1)
	r.timer = time.AfterFunc(n.cfg.RequestTimeout, func() { n.expire(r) })
}

func (n *Network) request(r *request) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.requestLocked(r)
}

// expire fails a request whose subpartition was not registered in time.
func (n *Network) expire(r *request) {
	defer n.wg.Done()
	n.mu.Lock()
	mine := n.waiting[r.id] == r
	if mine {
		delete(n.waiting, r.id)
	}
	n.mu.Unlock()
	if mine {
		n.logger.Warn("network: channel request timed out", "channel", r.id.String(), "timeout", n.cfg.RequestTimeout)
		r.abort(fmt.Errorf("subpartition %v not registered at %s within %v", r.id, n.cfg.Advertise, n.cfg.RequestTimeout))
	}
}

// stopTimer stops a waiting request's timer, accounting for its callback
// when it will not run. Callers hold n.mu.
func (n *Network) stopTimer(r *request) {
	if r.timer != nil && r.timer.Stop() {
		n.wg.Done()
	}
}

// bindLocked connects s to the consumer of r. Callers hold n.mu.
func (n *Network) bindLocked(s *Subpartition, r *request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.req != nil {
		return fmt.Errorf("subpartition %v already requested by another consumer", s.id)
	}
	s.req = r
	s.credits = r.credits
	r.sub.Store(s)
	if r.in != nil {
		r.in.bindLocal(s)
	}
	if s.finished {
		s.done = true
		delete(n.subs, s.id)
		r.sendEnd()
	}
	s.cond.Broadcast()
	return nil
}

// forget unregisters s once it is finished to its consumer or failed.
func (n *Network) forget(s *Subpartition) {
	n.mu.Lock()
	if n.subs[s.id] == s {
		delete(n.subs, s.id)
	}
	n.mu.Unlock()
}

// sendData hands buf, owned by the transport, to the consumer. Called with
// the subpartition's mu held; never blocks.
func (r *request) sendData(buf []byte) error {
	if r.in != nil {
		r.in.deliverLocal(buf)
		return nil
	}
	return r.c.enqueue(outFrame{typ: frameData, id: r.stream, payload: buf, pooled: true})
}

// sendEnd tells the consumer the partition is complete.
func (r *request) sendEnd() error {
	if r.in != nil {
		r.in.deliverEnd()
		return nil
	}
	r.c.removeOutput(r)
	return r.c.enqueue(outFrame{typ: frameEnd, id: r.stream})
}

// abort tells the consumer its channel failed with err.
func (r *request) abort(err error) {
	if r.in != nil {
		r.in.fail(err)
		return
	}
	r.c.removeOutput(r)
	msg := err.Error()
	if max := r.c.p.cfg.MaxFrameSize; len(msg) > max {
		msg = msg[:max]
	}
	r.c.enqueue(outFrame{typ: frameRelease, id: r.stream, payload: []byte(msg)})
}

// gone handles a consumer that went away (closed its channel, or its
// connection died): a waiting request is dropped, a bound subpartition
// fails with err.
func (r *request) gone(err error) {
	n := r.n
	if n == nil {
		return
	}
	n.mu.Lock()
	if n.waiting[r.id] == r {
		delete(n.waiting, r.id)
		n.stopTimer(r)
	}
	n.mu.Unlock()
	if s := r.sub.Load(); s != nil {
		s.terminate(err, false)
	}
}

// The connection's side of data channels. Frames for unknown stream ids
// are dropped, not treated as violations: they race with a channel closing
// at the other end.

func (c *conn) isDead() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

// addInput assigns ic a stream id on c and routes the stream's frames to it.
func (c *conn) addInput(ic *InputChannel) error {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	if c.ddead {
		return c.err
	}
	c.nextStream++
	for c.nextStream == 0 || c.inputs[c.nextStream] != nil {
		c.nextStream++ // wrapped around onto a live stream
	}
	ic.c, ic.stream = c, c.nextStream
	c.inputs[ic.stream] = ic
	return nil
}

func (c *conn) removeInput(ic *InputChannel) {
	c.dmu.Lock()
	if c.inputs[ic.stream] == ic {
		delete(c.inputs, ic.stream)
	}
	c.dmu.Unlock()
}

func (c *conn) removeOutput(r *request) {
	c.dmu.Lock()
	if c.outputs[r.stream] == r {
		delete(c.outputs, r.stream)
	}
	c.dmu.Unlock()
}

func (c *conn) input(stream uint32, remove bool) *InputChannel {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	ic := c.inputs[stream]
	if remove {
		delete(c.inputs, stream)
	}
	return ic
}

func (c *conn) output(stream uint32, remove bool) *request {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	r := c.outputs[stream]
	if remove {
		delete(c.outputs, stream)
	}
	return r
}

// failStreams fails every channel on the dead connection.
func (c *conn) failStreams(err error) {
	c.dmu.Lock()
	c.ddead = true
	ins, outs := c.inputs, c.outputs
	c.inputs, c.outputs = nil, nil
	c.dmu.Unlock()
	for _, ic := range ins {
		ic.fail(fmt.Errorf("channel %v from %s: %w", ic.id, ic.addr, err))
	}
	for _, r := range outs {
		r.gone(fmt.Errorf("subpartition %v: %w", r.id, err))
	}
}

func (c *conn) onData(stream uint32, buf []byte) error {
	ic := c.input(stream, false)
	if ic == nil {
		PutBuffer(buf)
		return nil
	}
	return ic.deliverRemote(buf)
}

func (c *conn) onCredit(stream uint32, payload []byte) error {
	if len(payload) != 4 {
		return fmt.Errorf("%w: credit of %d bytes", errMalformed, len(payload))
	}
	k := int(payload[0])<<24 | int(payload[1])<<16 | int(payload[2])<<8 | int(payload[3])
	if k == 0 {
		return fmt.Errorf("%w: zero credit", errMalformed)
	}
	r := c.output(stream, false)
	if r == nil {
		return nil
	}
	s := r.sub.Load()
	if s == nil {
		return fmt.Errorf("%w: credit for stream %d before any data", errMalformed, stream)
	}
	return s.addCredit(r, k)
}

func (c *conn) onOpen(stream uint32, payload []byte) error {
	var m openRequest
	if err := msgpack.Unmarshal(payload, &m); err != nil {
		return fmt.Errorf("%w: channel request: %v", errMalformed, err)
	}
	if m.Credits < 1 || m.Credits > maxCredits {
		return fmt.Errorf("%w: channel request with %d credits", errMalformed, m.Credits)
	}
	n := c.p.data.Load()
	r := &request{
		n:       n,
		id:      ChannelID{Job: m.Job, Attempt: m.Attempt, Edge: m.Edge, Sender: m.Sender, Receiver: m.Receiver},
		credits: m.Credits,
		c:       c,
		stream:  stream,
	}
	c.dmu.Lock()
	if c.ddead {
		c.dmu.Unlock()
		return nil
	}
	if c.outputs[stream] != nil {
		c.dmu.Unlock()
		return fmt.Errorf("%w: stream %d opened twice", errMalformed, stream)
	}
	c.outputs[stream] = r
	c.dmu.Unlock()
	if n == nil {
		r.abort(errors.New("no data network on " + c.p.cfg.Advertise))
		return nil
	}
	n.request(r)
	return nil
}

func (c *conn) onEnd(stream uint32, payload []byte) error {
	if len(payload) != 0 {
		return fmt.Errorf("%w: end of partition with a %d-byte payload", errMalformed, len(payload))
	}
	if ic := c.input(stream, true); ic != nil {
		ic.deliverEnd()
	}
	return nil
}

func (c *conn) onRelease(stream uint32, payload []byte) {
	if ic := c.input(stream, true); ic != nil {
		ic.fail(fmt.Errorf("channel %v: producer at %s: %s", ic.id, ic.addr, payload))
	}
}

func (c *conn) onCancel(stream uint32, payload []byte) {
	if r := c.output(stream, true); r != nil {
		r.gone(fmt.Errorf("subpartition %v: consumer closed the channel: %s", r.id, payload))
	}
}
