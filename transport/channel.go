package transport

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Subpartition is the producer side of one channel.
//
// Buffers: Write takes ownership of the buffer it is given, whatever it
// returns; the transport recycles it into the pool once sent (or, in
// memory, once the consumer recycles it). Get buffers from Buffer or
// GetBuffer, so the steady state allocates nothing.
//
// Write and Finish are meant for one goroutine (the producing task);
// Release and BackpressuredTime are safe from any goroutine.
type Subpartition struct {
	n  *Network
	id ChannelID

	mu       sync.Mutex
	cond     sync.Cond // on mu: credit arrived or the subpartition ended
	req      *request  // the consumer, once it requested the subpartition
	credits  int       // buffers the consumer can take now
	finished bool      // Finish was called
	done     bool      // end of partition handed to the consumer; nothing more to do
	err      error     // released or failed: Write returns it

	waited    time.Duration // total time Write waited for credit
	waitStart time.Time     // when the current wait began; zero if none
}

// ID returns the channel the subpartition serves.
func (s *Subpartition) ID() ChannelID { return s.id }

// Buffer returns an empty buffer with capacity size (BufferSize if size <=
// 0), from the pool when its size is a pooled class: append records to it
// and Write it.
func (s *Subpartition) Buffer(size int) []byte {
	if size <= 0 {
		size = BufferSize
	}
	return getBuffer(size)
}

// Write sends buf to the consumer, taking ownership of it (even when it
// returns an error). It blocks while the channel has no credit, which
// includes the time before the consumer has requested the channel; only
// this channel waits, never the connection it shares. It returns an error
// once the subpartition is released, the consumer closes the channel, the
// connection dies or the Network closes (then wrapping net.ErrClosed).
// Write returning nil means the buffer is queued for sending, not that it
// arrived.
func (s *Subpartition) Write(buf []byte) error {
	if max := s.n.p.cfg.MaxFrameSize; len(buf) > max {
		PutBuffer(buf)
		return fmt.Errorf("subpartition %v: buffer of %d bytes exceeds frame limit %d", s.id, len(buf), max)
	}
	s.mu.Lock()
	if s.credits == 0 && s.err == nil && !s.finished {
		s.waitStart = time.Now()
		for s.credits == 0 && s.err == nil {
			s.cond.Wait()
		}
		s.waited += time.Since(s.waitStart)
		s.waitStart = time.Time{}
	}
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		PutBuffer(buf)
		return err
	}
	if s.finished {
		s.mu.Unlock()
		PutBuffer(buf)
		return fmt.Errorf("subpartition %v: write after Finish", s.id)
	}
	s.credits--
	// Queued under mu so that Release cannot slip in between and a
	// released channel never sends more; queueing does not block.
	err := s.req.sendData(buf)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("subpartition %v: %w", s.id, err)
	}
	return nil
}

// Finish ends the partition: once the consumer has taken every buffer
// written before, its Next returns io.EOF. Finish does not wait for the
// consumer; if none has requested the subpartition yet, the end is handed
// over with the request. Calling it again does nothing.
func (s *Subpartition) Finish() error {
	s.mu.Lock()
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return err
	}
	if s.finished {
		s.mu.Unlock()
		return nil
	}
	s.finished = true
	r := s.req
	var err error
	if r != nil {
		s.done = true
		err = r.sendEnd()
	}
	s.mu.Unlock()
	if r != nil {
		s.n.forget(s)
	}
	if err != nil {
		return fmt.Errorf("subpartition %v: %w", s.id, err)
	}
	return nil
}

// Release aborts the subpartition: a blocked or later Write returns an
// error and the consumer's Next returns an error, not io.EOF. After Finish
// handed the end to the consumer it does nothing; the consumer still gets
// every buffer and io.EOF.
func (s *Subpartition) Release() {
	s.terminate(fmt.Errorf("subpartition %v released by its producer", s.id), true)
}

// BackpressuredTime returns the total time Write spent waiting for credit,
// including a wait in progress and waits before the consumer's request
// arrived.
func (s *Subpartition) BackpressuredTime() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.waited
	if !s.waitStart.IsZero() {
		d += time.Since(s.waitStart)
	}
	return d
}

// terminate fails the subpartition with err unless it already ended;
// notify tells the consumer.
func (s *Subpartition) terminate(err error, notify bool) {
	s.mu.Lock()
	if s.err != nil || s.done {
		s.mu.Unlock()
		return
	}
	s.err = err
	if notify && s.req != nil {
		s.req.abort(err)
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	s.n.forget(s)
}

// addCredit adds k credits from consumer r. Over-crediting, more than the
// buffers sent and not yet credited back, is a protocol violation.
func (s *Subpartition) addCredit(r *request, k int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.req != r || s.err != nil || s.done {
		return nil
	}
	if s.credits+k > r.credits {
		return fmt.Errorf("%w: channel %v credited %d beyond its %d buffers", errMalformed, s.id, s.credits+k-r.credits, r.credits)
	}
	s.credits += k
	s.cond.Signal()
	return nil
}

// InputChannel is the consumer side of one channel.
//
// Buffers: Next returns a buffer owned by the caller until it passes it to
// Recycle, which returns it to the pool and one credit to the producer.
// Every buffer from Next must be recycled exactly once, or the channel
// loses that credit for good.
//
// Next is meant for one goroutine; Recycle and Close are safe from any.
type InputChannel struct {
	n    *Network
	id   ChannelID
	addr string // producer's node

	// Remote channels; set before the channel is published.
	c           *conn
	stream      uint32
	unannounced atomic.Uint32 // credit not yet sent; the writer sends it

	req *request // local channels: the request filed with our own Network

	mu          sync.Mutex
	ring        [][]byte // received buffers, FIFO; len(ring) = initial credit
	head, count int
	outstanding int           // remote: credit granted (announced or not) and not yet used by data
	sub         *Subpartition // local: the producer, once bound
	eof         bool          // end of partition received
	err         error         // failed or closed: Next returns it
	closed      bool
	notify      chan struct{} // cap 1: something changed
}

// ID returns the channel's id.
func (c *InputChannel) ID() ChannelID { return c.id }

// Next returns the next buffer, blocking until one arrives or ctx ends. It
// returns io.EOF after the last buffer of a finished partition, and an
// error once the producer released the subpartition, the request failed
// (for instance, not registered in time), the connection died, the channel
// was closed or the Network closed (then wrapping net.ErrClosed). Buffers
// still queued when the channel fails are dropped.
func (c *InputChannel) Next(ctx context.Context) ([]byte, error) {
	for {
		c.mu.Lock()
		if c.err != nil {
			err := c.err
			c.mu.Unlock()
			c.detach()
			return nil, err
		}
		if c.count > 0 {
			buf := c.ring[c.head]
			c.ring[c.head] = nil
			c.head = (c.head + 1) % len(c.ring)
			c.count--
			c.mu.Unlock()
			return buf, nil
		}
		if c.eof {
			c.mu.Unlock()
			c.detach()
			return nil, io.EOF
		}
		c.mu.Unlock()
		select {
		case <-c.notify:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Recycle hands back a buffer returned by Next and returns one credit to
// the producer. The caller must not touch buf afterwards.
func (c *InputChannel) Recycle(buf []byte) {
	PutBuffer(buf)
	c.mu.Lock()
	active := c.err == nil && !c.eof
	sub := c.sub
	if active && c.c != nil {
		c.outstanding++
	}
	c.mu.Unlock()
	if !active {
		return
	}
	if c.c == nil {
		if sub != nil {
			sub.addCredit(c.req, 1)
		}
		return
	}
	// Credit is announced at once, so the producer never waits for it
	// needlessly (batching it by half the window measured 20 % slower),
	// but it accumulates until the connection's writer picks it up: a
	// busy writer sends one frame for many recycled buffers.
	if c.unannounced.Add(1) == 1 {
		c.c.enqueueCredit(c)
	}
}

// Close gives the channel up: the producer is told and its Write fails;
// Next returns an error wrapping net.ErrClosed. Closing after io.EOF just
// releases the channel. Safe to call more than once.
func (c *InputChannel) Close() {
	c.shutdown(fmt.Errorf("channel %v closed: %w", c.id, net.ErrClosed), "consumer closed the channel")
}

func (c *InputChannel) shutdown(err error, reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	active := c.err == nil && !c.eof
	if c.err == nil {
		c.err = err
	}
	c.dropQueued()
	c.mu.Unlock()
	c.signal()
	c.detach()
	if !active {
		return
	}
	if c.c != nil {
		c.c.removeInput(c)
		c.c.enqueue(outFrame{typ: frameCancel, id: c.stream, payload: []byte(reason)})
		return
	}
	c.req.gone(fmt.Errorf("subpartition %v: %s", c.id, reason))
}

// detach removes the channel from the Network's set of open channels.
func (c *InputChannel) detach() {
	c.n.mu.Lock()
	delete(c.n.inputs, c)
	c.n.mu.Unlock()
}

func (c *InputChannel) signal() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// push queues buf; callers hold mu.
func (c *InputChannel) push(buf []byte) {
	if c.count == len(c.ring) {
		// Only a local consumer recycling a buffer twice gets here.
		ring := make([][]byte, 2*len(c.ring))
		for i := range c.count {
			ring[i] = c.ring[(c.head+i)%len(c.ring)]
		}
		c.ring, c.head = ring, 0
	}
	c.ring[(c.head+c.count)%len(c.ring)] = buf
	c.count++
}

// dropQueued recycles every queued buffer; callers hold mu.
func (c *InputChannel) dropQueued() {
	for c.count > 0 {
		PutBuffer(c.ring[c.head])
		c.ring[c.head] = nil
		c.head = (c.head + 1) % len(c.ring)
		c.count--
	}
}

// deliverRemote queues a buffer read off the connection. A producer
// sending beyond its credit violates the protocol.
func (c *InputChannel) deliverRemote(buf []byte) error {
	c.mu.Lock()
	if c.err != nil || c.eof {
		c.mu.Unlock()
		PutBuffer(buf)
		return nil
	}
	if c.outstanding == 0 {
		c.mu.Unlock()
		PutBuffer(buf)
		return fmt.Errorf("%w: channel %v: data beyond credit", errMalformed, c.id)
	}
	c.outstanding--
	c.push(buf)
	c.mu.Unlock()
	c.signal()
	return nil
}

// deliverLocal queues a buffer from a producer on this node.
func (c *InputChannel) deliverLocal(buf []byte) {
	c.mu.Lock()
	if c.err != nil || c.eof {
		c.mu.Unlock()
		PutBuffer(buf)
		return
	}
	c.push(buf)
	c.mu.Unlock()
	c.signal()
}

func (c *InputChannel) deliverEnd() {
	c.mu.Lock()
	if c.err == nil {
		c.eof = true
	}
	c.mu.Unlock()
	c.signal()
}

// fail ends the channel with err unless it already ended (a channel that
// received its end of partition has all its data and ignores later
// failures).
func (c *InputChannel) fail(err error) {
	c.mu.Lock()
	if c.err != nil || c.eof {
		c.mu.Unlock()
		return
	}
	c.err = err
	c.dropQueued()
	c.mu.Unlock()
	c.signal()
}

func (c *InputChannel) bindLocal(s *Subpartition) {
	c.mu.Lock()
	c.sub = s
	c.mu.Unlock()
}
