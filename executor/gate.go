package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/watermark"
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

// inputs feeds what the gate delivers into the chain: records as they
// come, watermarks through the valve, which passes on the minimum over
// the channels that are not idle (Flink's StatusWatermarkValve).
type inputs struct {
	chain operator.Chain
	valve *watermark.Valve
	idle  bool
}

func newInputs(chain operator.Chain, channels int) *inputs {
	return &inputs{chain: chain, valve: watermark.NewValve(channels)}
}

// push runs the elements of one buffer from channel idx of edge through
// the chain. A malformed buffer fails the subtask; it never panics the
// node.
func (in *inputs) push(idx int, edge jobgraph.EdgeID, buf []byte) error {
	for len(buf) > 0 {
		e, rest, err := nextElement(buf)
		if err != nil {
			return fmt.Errorf("input edge %d: %w", edge, err)
		}
		buf = rest
		switch e.kind {
		case kindRecord, kindTimestamped:
			err = in.chain.PushRecord(edge, e.ts, e.record)
		case kindWatermark:
			if out, advanced := in.valve.InputWatermark(idx, e.ts); advanced {
				err = in.chain.PushWatermark(out)
			}
		case kindStatus:
			err = in.status(idx, e.idle)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (in *inputs) status(idx int, idle bool) error {
	out, advanced, allIdle := in.valve.InputIdle(idx, idle)
	if advanced {
		if err := in.chain.PushWatermark(out); err != nil {
			return err
		}
	}
	if allIdle != in.idle {
		in.idle = allIdle
		return in.chain.PushIdle(allIdle)
	}
	return nil
}

// ended takes a finished channel out of the watermark minimum.
func (in *inputs) ended(idx int) error {
	if out, advanced := in.valve.InputWatermark(idx, operator.MaxWatermark); advanced {
		return in.chain.PushWatermark(out)
	}
	return nil
}
