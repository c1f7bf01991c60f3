package timer

import (
	"fmt"
	"math"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
)

// Timer is a registered timer: when it fires, and the key and namespace
// (the window, for window operators) it fires for, as Flink's
// InternalTimer.
type Timer[K comparable, N comparable] struct {
	Time      int64 // epoch ms
	Key       K
	Namespace N
}

// Service holds the event-time and processing-time timers of one subtask
// of a keyed operator, as Flink's InternalTimerServiceImpl with heap
// timers (HeapPriorityQueueSet): timers are unique per key, namespace and
// time, fire in time order, and are snapshotted per key group with the
// keyed state, so that they move with their key groups when a job is
// rescaled. It does no I/O and keeps no clock: the runtime advances the
// watermark and processing time and schedules its wake-ups by
// NextProcessingTime. It is used from the subtask's goroutine only, so it
// has no locks.
type Service[K comparable, N comparable] struct {
	hash   func(K) uint64
	maxP   int
	groups jobgraph.KeyGroupRange

	event, proc queue[K, N]
	watermark   int64
	err         error

	// Codecs and scratch space for snapshots and restores, kept so that
	// snapshotting many key groups reuses them.
	keyCodec operator.Codec[K]
	nsCodec  operator.Codec[N]
	scratch  []byte
}

// NewService returns the timer service of a subtask that owns key groups
// groups of maxParallelism. hash is the stable key hash that routes
// records to subtasks, the one the state backend uses: a timer belongs to
// its key's group, and is snapshotted with it. An impossible key-group
// range panics: it is a bug of the caller, not an input.
func NewService[K comparable, N comparable](hash func(K) uint64, maxParallelism int, groups jobgraph.KeyGroupRange) *Service[K, N] {
	if hash == nil {
		panic("timer: NewService without a key hash")
	}
	if maxParallelism < 1 || maxParallelism > jobgraph.MaxKeyGroups ||
		groups.Start < 0 || groups.End >= maxParallelism || groups.Start > groups.End {
		panic(fmt.Sprintf("timer: key groups %d-%d of max parallelism %d", groups.Start, groups.End, maxParallelism))
	}
	return &Service[K, N]{
		hash:      hash,
		maxP:      maxParallelism,
		groups:    groups,
		event:     newQueue[K, N](),
		proc:      newQueue[K, N](),
		watermark: math.MinInt64,
		keyCodec:  operator.CodecFor[K](),
		nsCodec:   operator.CodecFor[N](),
	}
}

// RegisterEventTimeTimer registers a timer that fires when the watermark
// reaches t. A timer equal to a registered one (same key, namespace and
// time) is the same timer and fires once, as in Flink; a timer at or
// before the current watermark fires with the next advance of it.
func (s *Service[K, N]) RegisterEventTimeTimer(key K, ns N, t int64) {
	if s.owns(key, "register") {
		s.event.add(Timer[K, N]{Time: t, Key: key, Namespace: ns})
	}
}

// DeleteEventTimeTimer removes the event-time timer (key, ns, t), if
// registered.
func (s *Service[K, N]) DeleteEventTimeTimer(key K, ns N, t int64) {
	if s.owns(key, "delete") {
		s.event.remove(key, ns, t)
	}
}

// RegisterProcessingTimeTimer registers a timer that fires when
// processing time reaches t, deduplicated as event-time timers are.
func (s *Service[K, N]) RegisterProcessingTimeTimer(key K, ns N, t int64) {
	if s.owns(key, "register") {
		s.proc.add(Timer[K, N]{Time: t, Key: key, Namespace: ns})
	}
}

// DeleteProcessingTimeTimer removes the processing-time timer
// (key, ns, t), if registered.
func (s *Service[K, N]) DeleteProcessingTimeTimer(key K, ns N, t int64) {
	if s.owns(key, "delete") {
		s.proc.remove(key, ns, t)
	}
}

// CurrentWatermark is the watermark set last, math.MinInt64 before the
// first, as Flink's InternalTimerService.currentWatermark.
func (s *Service[K, N]) CurrentWatermark() int64 { return s.watermark }

// AdvanceWatermark sets the watermark to wm and fires, in time order
// (registration order among equal times), every event-time timer at or
// before it, as Flink's InternalTimerServiceImpl.advanceWatermark. Each
// timer is removed before fire sees it, so fire may register it again or
// register others: those at or before wm fire in this same call, as they
// do in Flink, which polls the queue until its head is later than the
// watermark. The first error of fire stops the firing and is returned;
// the timers not fired yet stay registered.
//
// The watermark is set as given, as in Flink: keeping it monotonic is the
// job of the input valve (watermark.Valve) before it.
func (s *Service[K, N]) AdvanceWatermark(wm int64, fire func(Timer[K, N]) error) error {
	s.watermark = wm
	return advance(&s.event, wm, fire)
}

// AdvanceProcessingTime fires, as AdvanceWatermark does, every
// processing-time timer at or before now, as Flink's
// InternalTimerServiceImpl.onProcessingTime.
func (s *Service[K, N]) AdvanceProcessingTime(now int64, fire func(Timer[K, N]) error) error {
	return advance(&s.proc, now, fire)
}

func advance[K, N comparable](q *queue[K, N], until int64, fire func(Timer[K, N]) error) error {
	for q.len() > 0 && q.peek() <= until {
		if err := fire(q.pop()); err != nil {
			return err
		}
	}
	return nil
}

// NextProcessingTime is the time of the earliest processing-time timer,
// and false if there is none. The runtime schedules its next wake-up by
// it, as Flink reschedules its ProcessingTimeService after each change of
// the queue's head; it should ask again after registering timers and
// after restores.
func (s *Service[K, N]) NextProcessingTime() (int64, bool) {
	if s.proc.len() == 0 {
		return 0, false
	}
	return s.proc.peek(), true
}

// NumEventTimeTimers is the number of registered event-time timers.
func (s *Service[K, N]) NumEventTimeTimers() int { return s.event.len() }

// NumProcessingTimeTimers is the number of registered processing-time
// timers.
func (s *Service[K, N]) NumProcessingTimeTimers() int { return s.proc.len() }

// Err is the first misuse of s: a timer registered or deleted for a key
// whose group s does not own. Such a timer is ignored rather than kept
// where no snapshot of s's key groups would find it; the operator fails
// its task with the error. (Flink throws from HeapPriorityQueueSet.)
func (s *Service[K, N]) Err() error { return s.err }

// owns reports whether key's group is in s's range, or records the
// misuse and returns false.
func (s *Service[K, N]) owns(key K, op string) bool {
	kg := jobgraph.KeyGroup(s.hash(key), s.maxP)
	if !s.groups.Contains(kg) {
		if s.err == nil {
			s.err = fmt.Errorf("timer: %s of a timer for key %v of key group %d, not in this subtask's key groups %d-%d",
				op, key, kg, s.groups.Start, s.groups.End)
		}
		return false
	}
	return true
}

// group is the index in s's range of the group of key, which s owns.
func (s *Service[K, N]) group(key K) int {
	return jobgraph.KeyGroup(s.hash(key), s.maxP) - s.groups.Start
}
