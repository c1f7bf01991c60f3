package coordinator

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"
)

// failure is one step of a job's life: it fails at `at` after the start,
// and the strategy must answer can and wait.
type failure struct {
	at   time.Duration
	can  bool
	wait time.Duration
}

func exponential(initial, maxBackoff time.Duration, multiplier float64, reset time.Duration, jitter float64, attempts int) jobgraph.RestartStrategy {
	return jobgraph.RestartStrategy{
		Type: jobgraph.RestartExponentialDelay, InitialBackoff: initial, MaxBackoff: maxBackoff,
		BackoffMultiplier: multiplier, ResetBackoffThreshold: reset, JitterFactor: jitter,
		AttemptsBeforeResetBackoff: attempts,
	}
}

func TestRestartBackoff(t *testing.T) {
	const inf = jobgraph.UnlimitedAttempts
	cases := []struct {
		name string
		cfg  jobgraph.RestartStrategy
		// rand is what each jitter draw returns, in order; the test
		// fails if the strategy draws more or fewer times.
		rand     []float64
		failures []failure
	}{
		{
			name:     "none never restarts",
			cfg:      jobgraph.RestartStrategy{Type: jobgraph.RestartNone},
			failures: []failure{{0, false, 0}},
		},
		{
			name:     "an invalid strategy never restarts",
			cfg:      jobgraph.RestartStrategy{Type: jobgraph.RestartFixedDelay, Attempts: -1},
			failures: []failure{{0, false, 0}},
		},
		{
			name: "the zero strategy is exponential-delay's default",
			cfg:  jobgraph.RestartStrategy{},
			rand: []float64{0, 0},
			failures: []failure{
				{0, true, time.Second},                           // 1 s - 0.1 s, raised to the initial backoff
				{2 * time.Second, true, 1350 * time.Millisecond}, // 1.5 s - 0.15 s
			},
		},
		{
			name: "fixed-delay gives up after its attempts, however far apart",
			cfg:  jobgraph.RestartStrategy{Type: jobgraph.RestartFixedDelay, Attempts: 2, Delay: 10 * time.Second},
			failures: []failure{
				{0, true, 10 * time.Second}, {time.Hour, true, 10 * time.Second}, {48 * time.Hour, false, 10 * time.Second},
			},
		},
		{
			name:     "fixed-delay with no attempts fails at once",
			cfg:      jobgraph.RestartStrategy{Type: jobgraph.RestartFixedDelay},
			failures: []failure{{0, false, 0}},
		},
		{
			name: "failure-rate fails when one more than the limit falls in the interval",
			cfg:  jobgraph.RestartStrategy{Type: jobgraph.RestartFailureRate, MaxFailuresPerInterval: 2, FailureRateInterval: time.Minute, Delay: 5 * time.Second},
			failures: []failure{
				{0, true, 5 * time.Second}, {10 * time.Second, true, 5 * time.Second}, {50 * time.Second, false, 5 * time.Second},
			},
		},
		{
			name: "failure-rate window slides past old failures",
			cfg:  jobgraph.RestartStrategy{Type: jobgraph.RestartFailureRate, MaxFailuresPerInterval: 2, FailureRateInterval: time.Minute, Delay: time.Second},
			failures: []failure{
				{0, true, time.Second}, {30 * time.Second, true, time.Second},
				{61 * time.Second, true, time.Second},   // the one at 0 has left the window
				{100 * time.Second, true, time.Second},  // the one at 30 s has left
				{110 * time.Second, false, time.Second}, // 61, 100 and 110 s: three within a minute
			},
		},
		{
			name: "failure-rate counts failures exactly one interval apart as within it",
			cfg:  jobgraph.RestartStrategy{Type: jobgraph.RestartFailureRate, MaxFailuresPerInterval: 2, FailureRateInterval: time.Minute},
			failures: []failure{
				{0, true, 0}, {30 * time.Second, true, 0}, {time.Minute, false, 0},
			},
		},
		{
			name: "failure-rate with its defaults allows one failure a minute",
			cfg:  jobgraph.RestartStrategy{Type: jobgraph.RestartFailureRate, MaxFailuresPerInterval: 1, FailureRateInterval: time.Minute, Delay: time.Second},
			failures: []failure{
				{0, true, time.Second}, {61 * time.Second, true, time.Second}, {90 * time.Second, false, time.Second},
			},
		},
		{
			name: "exponential-delay grows by the multiplier up to the cap",
			cfg:  exponential(time.Second, 10*time.Second, 2, time.Hour, 0, inf),
			// Each failure comes a second after the restart the one
			// before scheduled.
			failures: []failure{
				{0, true, time.Second},                     // restart at 1 s
				{2 * time.Second, true, 2 * time.Second},   // at 4 s
				{5 * time.Second, true, 4 * time.Second},   // at 9 s
				{10 * time.Second, true, 8 * time.Second},  // at 18 s
				{19 * time.Second, true, 10 * time.Second}, // 16 s capped; at 29 s
				{30 * time.Second, true, 10 * time.Second},
			},
		},
		{
			name: "exponential-delay joins failures before the pending restart to it",
			cfg:  exponential(time.Second, time.Minute, 2, time.Hour, 0, 1),
			failures: []failure{
				{0, true, time.Second},
				{500 * time.Millisecond, true, 500 * time.Millisecond}, // not a new attempt
				{time.Second, true, 0},                                 // at the restart itself: still joined
				{1500 * time.Millisecond, false, 2 * time.Second},      // the second attempt exceeds 1
			},
		},
		{
			name: "exponential-delay starts over after running the reset threshold without failure",
			cfg:  exponential(time.Second, time.Minute, 2, time.Minute, 0, inf),
			failures: []failure{
				{0, true, time.Second},                    // restart at 1 s
				{2 * time.Second, true, 2 * time.Second},  // at 4 s
				{63 * time.Second, true, 4 * time.Second}, // ran 59 s: no reset; at 67 s
				{127 * time.Second, true, time.Second},    // ran 60 s: reset
				{129 * time.Second, true, 2 * time.Second},
			},
		},
		{
			name: "exponential-delay fails after its attempts and a reset forgives them",
			cfg:  exponential(time.Second, time.Minute, 2, time.Hour, 0, 2),
			failures: []failure{
				{0, true, time.Second},                    // restart at 1 s
				{2 * time.Second, true, 2 * time.Second},  // at 4 s
				{5 * time.Second, false, 4 * time.Second}, // third attempt; Flink still schedules it, at 9 s
				{time.Hour + 9*time.Second, true, time.Second},
			},
		},
		{
			name: "exponential-delay jitter spreads each wait by up to its share",
			cfg:  exponential(10*time.Second, 5*time.Minute, 2, time.Hour, 0.1, inf),
			rand: []float64{0, 0, 0.5, 0.75},
			failures: []failure{
				{0, true, 10 * time.Second},                // 10 s - 1 s, raised to the initial backoff; restart at 10 s
				{11 * time.Second, true, 18 * time.Second}, // 20 s - 2 s; at 29 s
				{30 * time.Second, true, 40 * time.Second}, // the middle draw adds nothing; at 70 s
				{71 * time.Second, true, 84 * time.Second}, // 80 s + 4 s
			},
		},
		{
			name:     "exponential-delay jitter never goes below the initial backoff",
			cfg:      exponential(time.Second, time.Minute, 2, time.Hour, 1, inf),
			rand:     []float64{0},
			failures: []failure{{0, true, time.Second}},
		},
		{
			name: "exponential-delay jitter comes from the backoff before the cap",
			cfg:  exponential(time.Second, 10*time.Second, 2, time.Hour, 0.5, inf),
			// Waits without jitter would be 1, 2, 4, 8, 16 s; the
			// draws take off half of each, so the fifth stays below
			// the cap.
			rand: []float64{0, 0, 0, 0, 0},
			failures: []failure{
				{0, true, time.Second},                    // restart at 1 s
				{2 * time.Second, true, time.Second},      // 2 s - 1 s; at 3 s
				{4 * time.Second, true, 2 * time.Second},  // at 6 s
				{7 * time.Second, true, 4 * time.Second},  // at 11 s
				{12 * time.Second, true, 8 * time.Second}, // 16 s - 8 s
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			draws := tc.rand
			rnd := func() float64 {
				if len(draws) == 0 {
					t.Fatalf("jitter drawn more often than the %d times expected", len(tc.rand))
				}
				r := draws[0]
				draws = draws[1:]
				return r
			}
			b := newRestartBackoff(tc.cfg, rnd)
			t0 := time.Unix(1_700_000_000, 0)
			for i, f := range tc.failures {
				b.notifyFailure(t0.Add(f.at))
				if got := b.canRestart(); got != f.can {
					t.Fatalf("failure %d at %s: canRestart = %v, want %v", i+1, f.at, got, f.can)
				}
				if got := b.backoff(); got != f.wait {
					t.Fatalf("failure %d at %s: backoff = %s, want %s", i+1, f.at, got, f.wait)
				}
			}
			if len(draws) != 0 {
				t.Fatalf("jitter drawn %d times, want %d", len(tc.rand)-len(draws), len(tc.rand))
			}
		})
	}
}

// TestRestartBackoffJitterBounds draws at random and checks every wait
// stays within jitter of the grown backoff and within the bounds.
func TestRestartBackoffJitterBounds(t *testing.T) {
	const (
		initial    = time.Second
		maxBackoff = 5 * time.Minute
		multiplier = 1.5
		jitter     = 0.25
	)
	rng := rand.New(rand.NewPCG(1, 2))
	b := newRestartBackoff(exponential(initial, maxBackoff, multiplier, time.Hour, jitter, jobgraph.UnlimitedAttempts), rng.Float64)
	now := time.Unix(1_700_000_000, 0)
	grown := float64(initial)
	for i := range 40 {
		b.notifyFailure(now)
		wait := b.backoff()
		lo := min(maxBackoff, max(initial, time.Duration(grown*(1-jitter))-1))
		hi := min(maxBackoff, time.Duration(grown*(1+jitter))+1)
		if wait < lo || wait > hi {
			t.Fatalf("failure %d: backoff %s outside [%s, %s]", i+1, wait, lo, hi)
		}
		now = now.Add(wait + time.Second)
		grown *= multiplier
	}
	if !b.canRestart() {
		t.Fatal("unlimited attempts ran out")
	}
}

// TestRestartBackoffExponentialSaturates keeps a job failing long after
// the multiplier's growth leaves float64's range: the wait stays at the
// cap.
func TestRestartBackoffExponentialSaturates(t *testing.T) {
	b := newRestartBackoff(exponential(time.Millisecond, time.Second, 10, time.Hour, 1, jobgraph.UnlimitedAttempts), func() float64 { return 0.999 })
	now := time.Unix(1_700_000_000, 0)
	for i := range 500 {
		b.notifyFailure(now)
		if wait := b.backoff(); wait < time.Millisecond || wait > time.Second {
			t.Fatalf("failure %d: backoff %s outside [1ms, 1s]", i+1, wait)
		}
		now = now.Add(2 * time.Second)
	}
	if wait := b.backoff(); wait != time.Second {
		t.Fatalf("backoff after 500 failures = %s, want the cap", wait)
	}
}

// TestRestartBackoffDefaultRand checks that without an injected rand the
// default strategy still jitters within its bounds.
func TestRestartBackoffDefaultRand(t *testing.T) {
	b := newRestartBackoff(jobgraph.RestartStrategy{}, nil)
	now := time.Unix(1_700_000_000, 0)
	b.notifyFailure(now)
	b.notifyFailure(now.Add(2 * time.Second))
	if wait := b.backoff(); !b.canRestart() || wait < 1350*time.Millisecond || wait > 1650*time.Millisecond {
		t.Fatalf("second failure: canRestart %v, backoff %s; want true within 1.5 s ± 10%%", b.canRestart(), wait)
	}
}
