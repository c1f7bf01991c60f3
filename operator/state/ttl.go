package state

import "time"

// TTLConfig makes a state's entries expire, as Flink's StateTtlConfig: an
// entry not written (or, with OnReadAndWrite, not read) for TTL of
// processing time is gone. Time comes from the backend's clock. A state
// with TTL stores a timestamp per entry (per element for lists, per user
// key for maps, as Flink's TtlListState and TtlMapState); a state without
// stores none.
type TTLConfig struct {
	// TTL is how long an entry lives after its last update; 0 disables TTL.
	TTL        time.Duration
	Update     UpdateType
	Visibility Visibility
}

// UpdateType says which accesses restart an entry's TTL, as Flink's
// StateTtlConfig.UpdateType.
type UpdateType uint8

const (
	// OnCreateAndWrite restarts the TTL when an entry is written.
	OnCreateAndWrite UpdateType = iota
	// OnReadAndWrite restarts it on reads as well.
	OnReadAndWrite
)

// Visibility says whether a read may see an expired entry, as Flink's
// StateTtlConfig.StateVisibility. Either way a read removes the expired
// entry it finds.
type Visibility uint8

const (
	// NeverReturnExpired hides expired entries.
	NeverReturnExpired Visibility = iota
	// ReturnExpiredIfNotCleanedUp returns an expired entry that no cleanup
	// has removed yet, once: the read removes it.
	ReturnExpiredIfNotCleanedUp
)

// cleanupSize is how many other entries each access to a state with TTL
// checks, as Flink's incremental cleanup (cleanupIncrementally(5, false)).
const cleanupSize = 5

// expiry is a state's TTL configuration resolved against the backend's
// clock. The zero expiry is no TTL.
type expiry struct {
	ttl           int64 // nanoseconds; 0: no TTL
	refreshOnRead bool
	returnExpired bool
	clock         func() time.Time
}

func newExpiry(c TTLConfig, clock func() time.Time) expiry {
	if c.TTL <= 0 {
		return expiry{}
	}
	return expiry{
		ttl:           int64(c.TTL),
		refreshOnRead: c.Update == OnReadAndWrite,
		returnExpired: c.Visibility == ReturnExpiredIfNotCleanedUp,
		clock:         clock,
	}
}

func (x expiry) enabled() bool { return x.ttl > 0 }

// now is the time stamps are taken at; without TTL the clock is not read.
func (x expiry) now() int64 {
	if x.ttl == 0 {
		return 0
	}
	return x.clock().UnixNano()
}

// expired is Flink's TtlUtils.expired: lastAccess + ttl <= now.
func (x expiry) expired(ts, now int64) bool {
	return x.ttl > 0 && now-ts >= x.ttl
}

// stamper is the type of an entry's timestamp: noStamp without TTL, stamp
// with. Making it a type parameter rather than a field that may be unused
// is what keeps states without TTL free of a timestamp per entry.
type stamper[T any] interface {
	at(nanos int64) T
	nanos() int64
}

// noStamp is the timestamp of a state without TTL: nothing.
type noStamp struct{}

func (noStamp) at(int64) noStamp { return noStamp{} }
func (noStamp) nanos() int64     { return 0 }

// stamp is the processing time of an entry's last update, in Unix
// nanoseconds, as the timestamp of Flink's TtlValue.
type stamp int64

func (stamp) at(nanos int64) stamp { return stamp(nanos) }
func (s stamp) nanos() int64       { return int64(s) }

// entry is a stored user value with its timestamp. The timestamp comes
// first: a zero-size first field takes no space, where a zero-size last
// field would be padded, so entry[X, noStamp] is exactly as large as X.
type entry[X any, T stamper[T]] struct {
	ts T
	v  X
}

func stampAt[T stamper[T]](nanos int64) T {
	var t T
	return t.at(nanos)
}

// read is what a read at now does to e, as Flink's
// AbstractTtlDecorator.getWithTtlCheckAndUpdate: an expired entry is to
// be removed (keep is false) and is visible only with
// ReturnExpiredIfNotCleanedUp; a live one gets a new timestamp under
// OnReadAndWrite, which the caller stores back.
func read[X any, T stamper[T]](x expiry, e entry[X, T], now int64) (next entry[X, T], keep, visible bool) {
	if x.expired(e.ts.nanos(), now) {
		return e, false, x.returnExpired
	}
	if x.refreshOnRead {
		e.ts = e.ts.at(now)
	}
	return e, true, true
}
