package executor

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/runnel/runnel/jobgraph"
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
	idx  int // the channel's index among the gate's channels
	ch   *transport.InputChannel
	buf  []byte
	err  error
}

func newGate(ctx context.Context) *gate {
	return &gate{ctx: ctx, items: make(chan gateItem, 64)}
}

func (g *gate) add(edge jobgraph.EdgeID, ch *transport.InputChannel) {
	idx := g.open
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
			case g.items <- gateItem{edge: edge, idx: idx, ch: ch, buf: buf, err: err}:
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
