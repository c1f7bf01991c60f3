package connector

import (
	"fmt"
	"math"
	"time"
)

// RateLimiter is the token bucket NewDataGen paces its records with,
// exported for sources of one's own. It holds at most one second of
// records, like the Guava limiter Flink uses: a source held back by
// backpressure catches up by at most one second's worth. It does not
// sleep: a reader asks Grant how many records may go now and reports
// NothingAvailable when none may, so its task stays responsive.
//
// A RateLimiter belongs to one reader and is used from its goroutine.
type RateLimiter struct {
	rate   float64 // records per second; 0: unlimited
	tokens float64 // records that may go now
	last   time.Time
	now    func() time.Time
}

// NewRateLimiter returns a limiter of rate records per second; 0 means
// unlimited. A negative, NaN or infinite rate is an error.
func NewRateLimiter(rate float64) (*RateLimiter, error) {
	if !(rate >= 0) || math.IsInf(rate, 1) {
		return nil, fmt.Errorf("rate %v is not a finite number of records per second >= 0", rate)
	}
	return &RateLimiter{rate: rate, now: time.Now}, nil
}

// Start begins the schedule with one token, so that the first record
// goes at once; a reader calls it from Open.
func (l *RateLimiter) Start() {
	l.tokens = 1
	l.last = l.now()
}

// Grant returns how many of want records may go now, after adding the
// tokens earned since the last call; 0 when none may. The caller then
// reports with Spend how many it emitted.
func (l *RateLimiter) Grant(want int) int {
	if l.rate == 0 {
		return want
	}
	now := l.now()
	l.tokens = min(l.tokens+now.Sub(l.last).Seconds()*l.rate, max(1, l.rate))
	l.last = now
	if l.tokens < 1 {
		return 0
	}
	return min(want, int(l.tokens))
}

// Spend takes n emitted records off the tokens.
func (l *RateLimiter) Spend(n int) { l.tokens -= float64(n) }

// Ready reports whether a record may go without waiting, as of the last
// Grant: a reader returns NothingAvailable rather than MoreAvailable when
// it is not.
func (l *RateLimiter) Ready() bool { return l.rate == 0 || l.tokens >= 1 }
