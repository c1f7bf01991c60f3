package transport

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"

	"github.com/vmihailenco/msgpack/v5"
)

// Handler serves one RPC method. body is the msgpack-encoded request; the
// returned bytes are the msgpack-encoded response, or nil for none. A
// returned error travels back to the caller as *RemoteError. ctx is
// cancelled when the connection dies or Peers closes, since the answer can
// no longer be delivered.
type Handler func(ctx context.Context, body []byte) ([]byte, error)

// RemoteError is an error returned by the remote handler, kept distinct from
// transport errors so callers can tell "the peer said no" from "the peer was
// unreachable".
type RemoteError struct{ Method, Message string }

func (e *RemoteError) Error() string { return "remote " + e.Method + ": " + e.Message }

// Call encodes req with msgpack, sends it to the node at addr over the pooled
// connection (dialing if there is none), waits for the response or ctx, and
// decodes the response into resp unless resp is nil or the handler returned
// no bytes. Concurrent calls share the connection, multiplexed by request id.
func (p *Peers) Call(ctx context.Context, addr, method string, req, resp any) error {
	if err := p.call(ctx, addr, method, req, resp); err != nil {
		return fmt.Errorf("call %s on %s: %w", method, addr, err)
	}
	return nil
}

func (p *Peers) call(ctx context.Context, addr, method string, req, resp any) error {
	if len(method) > math.MaxUint16 {
		return fmt.Errorf("method name of %d bytes is too long", len(method))
	}
	body, err := msgpack.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	if n := 2 + len(method) + len(body); n > p.cfg.MaxFrameSize {
		return fmt.Errorf("request of %d bytes exceeds frame limit %d", n, p.cfg.MaxFrameSize)
	}
	c, err := p.get(ctx, addr)
	if err != nil {
		return err
	}
	out, err := c.call(ctx, method, body)
	if err != nil {
		return err
	}
	if resp != nil && len(out) > 0 {
		if err := msgpack.Unmarshal(out, resp); err != nil {
			return fmt.Errorf("decode response: %w", err)
		}
	}
	return nil
}

// invoke runs the handler for method, turning a panic into an error so one
// bad request cannot take the node down.
func (p *Peers) invoke(ctx context.Context, method string, body []byte) (out []byte, err error) {
	h := p.handler(method)
	if h == nil {
		return nil, fmt.Errorf("unknown method %s", method)
	}
	defer func() {
		if r := recover(); r != nil {
			p.logger.Error("peers: handler panicked", "method", method, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h(ctx, body)
}
