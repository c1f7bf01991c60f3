package stream

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/runnel/runnel/operator"
)

// SnapshotState asks each stateful operator of the chain for its state.
func (c *chain) SnapshotState(id int64) (map[string]operator.Snapshot, error) {
	out := map[string]operator.Snapshot{}
	for _, op := range c.ops {
		cp, ok := op.lc.(operator.Checkpointed)
		if !ok {
			continue
		}
		s, err := cp.SnapshotState(id)
		if err != nil {
			return nil, fmt.Errorf("%s: snapshot for checkpoint %d: %w", op.ctx, id, err)
		}
		out[op.id] = s
	}
	return out, nil
}

func (c *chain) NotifyCheckpointComplete(id int64) error {
	return c.notify(id, "complete", operator.CheckpointListener.NotifyCheckpointComplete)
}

func (c *chain) NotifyCheckpointAborted(id int64) error {
	return c.notify(id, "abort", operator.CheckpointListener.NotifyCheckpointAborted)
}

func (c *chain) notify(id int64, what string, call func(operator.CheckpointListener, int64) error) error {
	for _, op := range c.ops {
		if l, ok := op.lc.(operator.CheckpointListener); ok {
			if err := call(l, id); err != nil {
				return fmt.Errorf("%s: checkpoint %d %s: %w", op.ctx, id, what, err)
			}
		}
	}
	return nil
}

// restore hands each operator its state before anything opens. State for
// an operator that keeps none means the job changed under a checkpoint:
// an error, so that state is never silently dropped.
func (c *chain) restore(states map[string]operator.Restored) error {
	for _, op := range c.ops {
		r, ok := states[op.id]
		if !ok {
			continue
		}
		cp, ok := op.lc.(operator.Checkpointed)
		if !ok {
			return fmt.Errorf("%s: checkpoint %d has state for operator %q, which keeps none", op.ctx, r.CheckpointID, op.id)
		}
		if err := cp.RestoreState(r); err != nil {
			return fmt.Errorf("%s: restore from checkpoint %d: %w", op.ctx, r.CheckpointID, err)
		}
	}
	return nil
}

// keyGroupSnapshotter is what a keyed operator snapshots per key group
// besides its keyed state: its timer service.
type keyGroupSnapshotter interface {
	Snapshot(kg int, w io.Writer) error
	Restore(kg int, r io.Reader) error
}

// RestoreState keeps the state until Open has made the backend and the
// timer service, which then restore it (restoreKeyed).
func (o *keyedProcessOp[K]) RestoreState(r operator.Restored) error {
	o.restored = &r
	return nil
}

// snapshotKeyed writes, per key group of the subtask, the keyed state and
// then the timers: a uvarint length of the state part, the state part,
// the timers part.
func (o *keyedProcessOp[K]) snapshotKeyed(timers keyGroupSnapshotter) (operator.Snapshot, error) {
	groups := o.groups
	out := operator.Snapshot{KeyGroups: make(map[int][]byte, groups.End-groups.Start+1)}
	var st, tm bytes.Buffer
	for kg := groups.Start; kg <= groups.End; kg++ {
		st.Reset()
		tm.Reset()
		if err := o.backend.Snapshot(kg, &st); err != nil {
			return operator.Snapshot{}, err
		}
		if timers != nil {
			if err := timers.Snapshot(kg, &tm); err != nil {
				return operator.Snapshot{}, err
			}
		}
		buf := make([]byte, 0, binary.MaxVarintLen64+st.Len()+tm.Len())
		buf = binary.AppendUvarint(buf, uint64(st.Len()))
		buf = append(append(buf, st.Bytes()...), tm.Bytes()...)
		out.KeyGroups[kg] = buf
	}
	return out, nil
}

// restoreKeyed loads the key groups kept by RestoreState into the backend
// and timers made by Open.
func (o *keyedProcessOp[K]) restoreKeyed(timers keyGroupSnapshotter) error {
	if o.restored == nil {
		return nil
	}
	groups := o.groups
	for kg, buf := range o.restored.KeyGroups {
		if !groups.Contains(kg) {
			return fmt.Errorf("restored key group %d is not in this subtask's key groups %d-%d", kg, groups.Start, groups.End)
		}
		n, k := binary.Uvarint(buf)
		if k <= 0 || n > uint64(len(buf)-k) {
			return fmt.Errorf("restored key group %d: corrupt snapshot", kg)
		}
		st, tm := buf[k:k+int(n)], buf[k+int(n):]
		if err := o.backend.Restore(kg, bytes.NewReader(st)); err != nil {
			return err
		}
		if timers != nil && len(tm) > 0 {
			if err := timers.Restore(kg, bytes.NewReader(tm)); err != nil {
				return err
			}
		}
	}
	o.restored = nil
	return nil
}
