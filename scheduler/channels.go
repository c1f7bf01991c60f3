package scheduler

import "github.com/runnel/runnel/jobgraph"

// Channels returns the receiver subtasks that sender subtask sender of a
// task edge sends to, in channel order: channel c of the sender's output
// leads to receiver Channels(...)[c].
//
// Forward and Rescale connect pointwise, the others all to all, as Flink's
// DistributionPattern does. Pointwise follows Flink's
// EdgeManagerBuildUtil.connectPointwise exactly: with equal counts sender
// i talks to receiver i only (Forward, which Validate allows only then);
// with fewer senders, sender i feeds receivers
// [ceil(i*r/s), ceil((i+1)*r/s)); with fewer receivers, receiver j drains
// senders [j*s/r, (j+1)*s/r). Each subtask then talks to as few peers as
// possible, which is Rescale's point.
//
// Out-of-range arguments or an unknown partitioner give nil.
func Channels(part jobgraph.Partitioner, sender, senders, receivers int) []int {
	if senders < 1 || receivers < 1 || sender < 0 || sender >= senders {
		return nil
	}
	switch part {
	case jobgraph.Forward, jobgraph.Rescale:
		s, r, i := senders, receivers, sender
		switch {
		case s == r:
			return []int{i}
		case s < r:
			return span(ceilDiv(i*r, s), ceilDiv((i+1)*r, s))
		default:
			// The one receiver j whose range [j*s/r, (j+1)*s/r) holds i:
			// the largest j with j*s/r <= i.
			return []int{((i+1)*r - 1) / s}
		}
	case jobgraph.Rebalance, jobgraph.Shuffle, jobgraph.Broadcast, jobgraph.Hash:
		return span(0, receivers)
	}
	return nil
}

// Senders returns the sender subtasks that receiver subtask receiver of a
// task edge reads from, in ascending order: the inverse of Channels, which
// a receiver needs to know which inputs must end before its input ends.
func Senders(part jobgraph.Partitioner, receiver, senders, receivers int) []int {
	if senders < 1 || receivers < 1 || receiver < 0 || receiver >= receivers {
		return nil
	}
	switch part {
	case jobgraph.Forward, jobgraph.Rescale:
		s, r, j := senders, receivers, receiver
		switch {
		case s == r:
			return []int{j}
		case s > r:
			return span(j*s/r, (j+1)*s/r)
		default:
			// The one sender i whose range [ceil(i*r/s), ceil((i+1)*r/s))
			// holds j: the largest i with ceil(i*r/s) <= j.
			return []int{j * s / r}
		}
	case jobgraph.Rebalance, jobgraph.Shuffle, jobgraph.Broadcast, jobgraph.Hash:
		return span(0, senders)
	}
	return nil
}

func span(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
