package coordinator

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/runnel/runnel/jobgraph"
)

// restartBackoff decides, after a job failed, whether it may restart and
// how long to wait first: Flink's RestartBackoffTimeStrategy. One value
// lives as long as its job's JobMaster and remembers the job's failures.
//
// The JobMaster calls notifyFailure with the failure's time, then asks
// canRestart and backoff at once. Time comes in as an argument, not from a
// clock of our own, so tests drive the decisions with made-up times.
type restartBackoff interface {
	// notifyFailure records a failure of the job at now.
	notifyFailure(now time.Time)
	// canRestart reports whether the failures so far still allow a
	// restart.
	canRestart() bool
	// backoff is how long to wait, from the latest failure, before the
	// restart.
	backoff() time.Duration
}

// newRestartBackoff returns the decisions of cfg's strategy. A zero cfg
// (the job chose nothing) gets jobgraph.DefaultRestartStrategy. A cfg that
// fails Validate never restarts: jobs are validated when submitted, so
// only a damaged record gets here, and guessing settings would be worse
// than stopping. rand returns numbers in [0, 1) for the jitter of
// exponential-delay; nil uses math/rand/v2.
func newRestartBackoff(cfg jobgraph.RestartStrategy, rand func() float64) restartBackoff {
	if cfg.Type == "" {
		cfg = jobgraph.DefaultRestartStrategy()
	}
	if cfg.Validate() != nil {
		return noRestart{}
	}
	if rand == nil {
		rand = randFloat
	}
	switch cfg.Type {
	case jobgraph.RestartFixedDelay:
		return &fixedDelay{attempts: cfg.Attempts, delay: cfg.Delay}
	case jobgraph.RestartFailureRate:
		return &failureRate{maxFailures: cfg.MaxFailuresPerInterval, interval: cfg.FailureRateInterval, delay: cfg.Delay}
	case jobgraph.RestartExponentialDelay:
		return &exponentialDelay{cfg: cfg, rand: rand}
	}
	return noRestart{}
}

// randFloat is math/rand/v2's Float64, seeded per process, so that jobs on
// different leaders do not draw the same jitter.
var randFloat = rand.Float64

// noRestart is the none strategy: the first failure ends the job.
type noRestart struct{}

func (noRestart) notifyFailure(time.Time) {}
func (noRestart) canRestart() bool        { return false }
func (noRestart) backoff() time.Duration  { return 0 }

// fixedDelay allows a fixed number of restarts over the job's whole
// life, each after the same delay: failure number attempts+1 fails the
// job, however long ago the others were.
type fixedDelay struct {
	attempts int
	delay    time.Duration
	failures int
}

func (f *fixedDelay) notifyFailure(time.Time) { f.failures++ }
func (f *fixedDelay) canRestart() bool        { return f.failures <= f.attempts }
func (f *fixedDelay) backoff() time.Duration  { return f.delay }

// failureRate allows restarts as long as no more than maxFailures
// failures fall within any interval, each after the same delay. Unlike
// fixedDelay it forgives: a job that fails once a day restarts forever.
type failureRate struct {
	maxFailures int
	interval    time.Duration
	delay       time.Duration
	// recent holds the times of the latest failures, oldest first, at
	// most maxFailures+1 of them: all that the limit needs to see.
	recent []time.Time
}

func (f *failureRate) notifyFailure(now time.Time) {
	if len(f.recent) > f.maxFailures {
		f.recent = f.recent[1:]
	}
	f.recent = append(f.recent, now)
}

// canRestart measures the window at the latest failure, where Flink reads
// its clock when asked, a moment later. The window must be strictly
// longer than the interval, as in Flink: maxFailures+1 failures exactly
// one interval apart still fail the job.
func (f *failureRate) canRestart() bool {
	if len(f.recent) <= f.maxFailures {
		return true
	}
	return f.recent[len(f.recent)-1].Sub(f.recent[0]) > f.interval
}

func (f *failureRate) backoff() time.Duration { return f.delay }

// exponentialDelay waits initial-backoff after a failure, multiplier
// times longer after each further one, up to max-backoff, spread by the
// jitter. Failures while a restart is pending (other tasks of the same
// broken attempt) join that restart rather than count as new ones. Once
// the job has run for reset-backoff-threshold since its last restart
// without failing, the wait and the attempt count start over;
// attempts-before-reset-backoff restarts without such a reset fail the
// job.
type exponentialDelay struct {
	cfg  jobgraph.RestartStrategy
	rand func() float64
	// attempt counts the restarts since the last reset; the next wait
	// is initial-backoff × multiplier^attempt.
	attempt int
	// restartAt is when the latest restart is due; zero before the
	// first failure.
	restartAt time.Time
	// lastFailure is the time of the latest notifyFailure, from which
	// backoff measures.
	lastFailure time.Time
}

func (e *exponentialDelay) notifyFailure(now time.Time) {
	e.lastFailure = now
	if !e.restartAt.IsZero() && !now.After(e.restartAt) {
		return
	}
	if e.restartAt.IsZero() || now.Sub(e.restartAt) >= e.cfg.ResetBackoffThreshold {
		e.attempt = 0
	}
	e.restartAt = now.Add(e.wait())
	e.attempt++
}

func (e *exponentialDelay) canRestart() bool {
	return e.attempt <= e.cfg.AttemptsBeforeResetBackoff
}

// backoff is the time left until the pending restart, so a failure that
// joined it waits only for the rest.
func (e *exponentialDelay) backoff() time.Duration {
	return max(0, e.restartAt.Sub(e.lastFailure))
}

// wait computes the next wait as Flink does: the grown backoff plus a
// jitter drawn evenly from [-j, +j], j being jitter-factor × the grown
// backoff, then bounded to [initial-backoff, max-backoff], so the first
// wait is never shortened. The jitter is taken from the backoff before
// the cap, as in Flink, so waits near the cap still spread below it.
// Floats keep the growth from overflowing; it saturates at the largest
// Duration, as Flink's milliseconds saturate at the largest long.
func (e *exponentialDelay) wait() time.Duration {
	initial, ceiling := float64(e.cfg.InitialBackoff), float64(e.cfg.MaxBackoff)
	grown := math.Floor(min(initial*math.Pow(e.cfg.BackoffMultiplier, float64(e.attempt)), math.MaxInt64))
	if j := math.Floor(grown * e.cfg.JitterFactor); j > 0 {
		// min keeps a rand that returns 1 within the bound.
		grown += min(math.Floor(e.rand()*(2*j+1)), 2*j) - j
	}
	return time.Duration(max(initial, min(grown, ceiling)))
}
