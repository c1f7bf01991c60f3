package executor

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/transport"
)

// errEndOfInput marks a channel that ended normally.
var errEndOfInput = errors.New("end of input")

// gate merges a subtask's input channels into one stream of buffers: one
// reader goroutine per channel, owned by the gate and ended by the task's
// context or by the channel's end.
type gate struct {
	ctx   context.Context
	items chan gateItem
	open  int
	wg    sync.WaitGroup
}

type gateItem struct {
	edge jobgraph.EdgeID
	ch   *transport.InputChannel
	buf  []byte
	err  error
}

func newGate(ctx context.Context) *gate {
	return &gate{ctx: ctx, items: make(chan gateItem, 64)}
}

func (g *gate) add(edge jobgraph.EdgeID, ch *transport.InputChannel) {
	g.open++
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		for {
			buf, err := ch.Next(g.ctx)
			if errors.Is(err, io.EOF) {
				err = errEndOfInput
			}
			select {
			case g.items <- gateItem{edge: edge, ch: ch, buf: buf, err: err}:
			case <-g.ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
}

// wait returns once every reader goroutine has ended; the task cancels its
// context first when it stops early.
func (g *gate) wait() {
	g.wg.Wait()
}

// pushBuffer splits a buffer into its length-prefixed records and pushes
// each through the chain. A malformed buffer fails the subtask; it never
// panics the node.
func pushBuffer(chain operator.Chain, edge jobgraph.EdgeID, buf []byte) error {
	for len(buf) > 0 {
		n, k := binary.Uvarint(buf)
		if k <= 0 || n > uint64(len(buf)-k) {
			return fmt.Errorf("corrupt buffer on input edge %d: bad record length", edge)
		}
		if err := chain.PushRecord(edge, buf[k:k+int(n)]); err != nil {
			return err
		}
		buf = buf[k+int(n):]
	}
	return nil
}
