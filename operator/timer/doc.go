// Package timer is the timer service of one subtask of a keyed operator,
// as Flink's InternalTimerServiceImpl with heap timers: event-time timers
// that fire as the watermark passes them, processing-time timers that
// fire as the clock does, each per key and namespace (the window, for
// window operators), and snapshots per key group.
//
// # Semantics
//
// As in Flink, a timer is identified by its key, namespace and time:
// registering it again is a no-op, so a window's trigger may register
// its end for every element. Timers fire in time order, ties in
// registration order; each is removed before the operator's callback
// sees it, and a timer the callback registers at or before the time
// being advanced to fires in the same advance. Service does no I/O and
// keeps no clock: the runtime calls AdvanceWatermark for each watermark
// that leaves the input valve, AdvanceProcessingTime when its wake-up,
// scheduled by NextProcessingTime, comes, and sets the current key of the
// state backend to each fired timer's key before handing it to the
// operator.
//
// # Key groups
//
// A timer belongs to its key's key group (the hash is the one that routes
// records and that the state backend uses). A key outside the subtask's
// range is a routing bug: the timer is ignored and the error kept for
// Err, as the state backend does, rather than keeping a timer that no
// snapshot of the subtask's key groups would contain.
//
// # Layout
//
// Each time domain is a Flink HeapPriorityQueueSet, grouped: the timers
// of one namespace and time are a bucket, in registration order, found
// by a map from namespace and time; a binary heap of the buckets, ordered
// by their earliest timer, fires them in time order and ties in
// registration order. A window's timers, one per key at the window's
// end, are one bucket: each costs its key, its registration number and a
// slot in the bucket's index by key (for deduplication and deletion),
// 42 to 53 bytes with an int64 key (BenchmarkBytesPerTimer), and firing
// walks the bucket instead of sifting the heap per timer. A timer alone
// at its time (a process function's timeout) is a bucket of one, held
// inline, without a list or an index. Buckets, and their overflows (the
// entries after the first, and the index), live in arenas with free
// lists; a released overflow keeps its list and index, cleared, so that
// registering and firing allocate nothing once the arenas, heap and maps
// have grown (BenchmarkRegisterAdvance).
//
// # Snapshots
//
// Service.Snapshot writes one key group's timers of both domains;
// Service.Restore reads one back and adds its timers to those the service
// has. Flink writes timers with the keyed state so they move with their
// key groups when a job is rescaled; restoring the key groups of several
// old subtasks into one service is that rescaling. The timers are kept
// by namespace and time, not by key group: the first snapshot after a
// change sorts them all by key group, so snapshotting every key group
// walks them once. snapshot.go describes the format.
//
// # Threading
//
// A Service belongs to its subtask's goroutine, as every operator does
// (see package operator): there are no locks.
package timer
