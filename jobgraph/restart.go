package jobgraph

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The restart strategies, named as Flink's restart-strategy.type values.
const (
	// RestartNone fails the job at its first failure.
	RestartNone = "none"
	// RestartFixedDelay restarts a fixed number of times, waiting the
	// same delay before each restart.
	RestartFixedDelay = "fixed-delay"
	// RestartFailureRate restarts while the failures within a sliding
	// interval stay within a limit, waiting the same delay each time.
	RestartFailureRate = "failure-rate"
	// RestartExponentialDelay restarts with a delay that grows after every
	// failure and falls back to its start once the job has run long enough
	// without one. Flink's default for a job with checkpoints, and ours.
	RestartExponentialDelay = "exponential-delay"
)

// RestartStrategy is a job's choice of Flink restart strategy: whether a
// failed job restarts and how long it waits first. Only the fields of
// Type count; the others stay zero. The zero value means the job chose
// nothing, so DefaultRestartStrategy applies: jobs recorded before jobs
// could choose decode to it and keep Flink's default.
type RestartStrategy struct {
	Type string `msgpack:"type"`

	// Attempts is how many restarts fixed-delay allows before the job
	// fails; 0 allows none.
	Attempts int `msgpack:"attempts,omitempty"`
	// Delay is the wait before each restart of fixed-delay and
	// failure-rate: connections and transactions of the failed attempt
	// may need time to time out.
	Delay time.Duration `msgpack:"delay,omitempty"`

	// MaxFailuresPerInterval is how many failures failure-rate survives
	// within any FailureRateInterval; one more fails the job.
	MaxFailuresPerInterval int           `msgpack:"max_failures,omitempty"`
	FailureRateInterval    time.Duration `msgpack:"failure_interval,omitempty"`

	// InitialBackoff is exponential-delay's first wait, MaxBackoff its
	// cap, BackoffMultiplier the factor it grows by per failure.
	InitialBackoff    time.Duration `msgpack:"initial_backoff,omitempty"`
	MaxBackoff        time.Duration `msgpack:"max_backoff,omitempty"`
	BackoffMultiplier float64       `msgpack:"multiplier,omitempty"`
	// ResetBackoffThreshold is how long the job must run without a
	// failure for the wait to start again at InitialBackoff: a job that
	// recovered should not pay for failures long past.
	ResetBackoffThreshold time.Duration `msgpack:"reset_threshold,omitempty"`
	// JitterFactor spreads each wait at random by up to this share of it,
	// so that jobs failing together (a broker down) do not restart
	// together and knock it over again.
	JitterFactor float64 `msgpack:"jitter,omitempty"`
	// AttemptsBeforeResetBackoff is how many restarts exponential-delay
	// allows before the wait is reset; one more failure fails the job.
	AttemptsBeforeResetBackoff int `msgpack:"attempts_before_reset,omitempty"`
}

// UnlimitedAttempts is Flink's "infinite" attempts-before-reset-backoff:
// its Integer.MAX_VALUE.
const UnlimitedAttempts = math.MaxInt32

// The configuration keys, as in Flink.
const (
	restartKeyPrefix     = "restart-strategy."
	keyRestartType       = "restart-strategy.type"
	keyRestartDeprecated = "restart-strategy" // Flink's older name for the type key, still accepted

	keyFixedAttempts = "restart-strategy.fixed-delay.attempts"
	keyFixedDelay    = "restart-strategy.fixed-delay.delay"

	keyRateMaxFailures = "restart-strategy.failure-rate.max-failures-per-interval"
	keyRateInterval    = "restart-strategy.failure-rate.failure-rate-interval"
	keyRateDelay       = "restart-strategy.failure-rate.delay"

	keyExpInitial    = "restart-strategy.exponential-delay.initial-backoff"
	keyExpMax        = "restart-strategy.exponential-delay.max-backoff"
	keyExpMultiplier = "restart-strategy.exponential-delay.backoff-multiplier"
	keyExpReset      = "restart-strategy.exponential-delay.reset-backoff-threshold"
	keyExpJitter     = "restart-strategy.exponential-delay.jitter-factor"
	keyExpAttempts   = "restart-strategy.exponential-delay.attempts-before-reset-backoff"
)

// restartKeys lists each strategy's keys, so a key is known exactly when
// some strategy reads it. A slice, not a map, so that errors come in the
// same order every time.
var restartKeys = []struct {
	typ  string
	keys []string
}{
	{RestartExponentialDelay, []string{keyExpInitial, keyExpMax, keyExpMultiplier, keyExpReset, keyExpJitter, keyExpAttempts}},
	{RestartFixedDelay, []string{keyFixedAttempts, keyFixedDelay}},
	{RestartFailureRate, []string{keyRateMaxFailures, keyRateInterval, keyRateDelay}},
	{RestartNone, nil},
}

// restartTypeNames maps every spelling Flink accepts for a type to ours.
var restartTypeNames = map[string]string{
	"none": RestartNone, "off": RestartNone, "disable": RestartNone,
	"fixed-delay": RestartFixedDelay, "fixeddelay": RestartFixedDelay,
	"failure-rate": RestartFailureRate, "failurerate": RestartFailureRate,
	"exponential-delay": RestartExponentialDelay, "exponentialdelay": RestartExponentialDelay,
}

// DefaultRestartStrategy is what a job that sets nothing gets: Flink's
// default when checkpointing is enabled, exponential-delay with its
// defaults. Restarts without checkpoints lose state, but a streaming job
// that stays down loses more.
func DefaultRestartStrategy() RestartStrategy { return restartDefaults(RestartExponentialDelay) }

// restartDefaults returns a strategy of type typ with Flink's defaults.
func restartDefaults(typ string) RestartStrategy {
	switch typ {
	case RestartFixedDelay:
		return RestartStrategy{Type: typ, Attempts: 1, Delay: time.Second}
	case RestartFailureRate:
		return RestartStrategy{Type: typ, MaxFailuresPerInterval: 1, FailureRateInterval: time.Minute, Delay: time.Second}
	case RestartExponentialDelay:
		return RestartStrategy{
			Type:                       typ,
			InitialBackoff:             time.Second,
			MaxBackoff:                 time.Minute,
			BackoffMultiplier:          1.5,
			ResetBackoffThreshold:      time.Hour,
			JitterFactor:               0.1,
			AttemptsBeforeResetBackoff: UnlimitedAttempts,
		}
	}
	return RestartStrategy{Type: typ}
}

// ParseRestartStrategy reads a restart strategy from Flink's configuration
// keys (restart-strategy.type, restart-strategy.fixed-delay.attempts, ...),
// so a Flink job's settings carry over as they are. Keys outside
// restart-strategy.* are not its business and are ignored; an unknown key
// inside it is refused, since a misspelt key would otherwise silently
// leave a default in place. Missing keys take Flink's defaults, and no
// type at all gives DefaultRestartStrategy. Keys of another type than the
// chosen one are checked, then ignored, as Flink ignores them.
//
// Durations are Go's ("10s", "1m30s") or Flink's ("10 s", "1 min",
// "500 ms"; a bare number is milliseconds).
func ParseRestartStrategy(settings map[string]string) (RestartStrategy, error) {
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		if k == keyRestartType || k == keyRestartDeprecated || !strings.HasPrefix(k, restartKeyPrefix) {
			continue
		}
		if !knownRestartKey(k) {
			return RestartStrategy{}, fmt.Errorf("%s: unknown restart strategy setting", k)
		}
	}
	typ, err := restartType(settings)
	if err != nil {
		return RestartStrategy{}, err
	}
	chosen, err := parseRestartKeys(typ, settings)
	if err != nil {
		return RestartStrategy{}, err
	}
	for _, other := range restartKeys {
		if other.typ != typ && anySet(settings, other.keys) {
			if _, err := parseRestartKeys(other.typ, settings); err != nil {
				return RestartStrategy{}, err
			}
		}
	}
	return chosen, nil
}

func knownRestartKey(k string) bool {
	if k == keyRestartType || k == keyRestartDeprecated {
		return true
	}
	for _, t := range restartKeys {
		if slices.Contains(t.keys, k) {
			return true
		}
	}
	return false
}

func anySet(settings map[string]string, keys []string) bool {
	for _, k := range keys {
		if _, ok := settings[k]; ok {
			return true
		}
	}
	return false
}

// restartType reads the type from restart-strategy.type or from the key
// Flink used before it, refusing the two when they name different types.
func restartType(settings map[string]string) (string, error) {
	v, ok := settings[keyRestartType]
	old, oldOK := settings[keyRestartDeprecated]
	switch {
	case !ok && !oldOK:
		return RestartExponentialDelay, nil
	case !ok:
		return lookupRestartType(keyRestartDeprecated, old)
	}
	typ, err := lookupRestartType(keyRestartType, v)
	if err != nil || !oldOK {
		return typ, err
	}
	if oldTyp, err := lookupRestartType(keyRestartDeprecated, old); err != nil || oldTyp != typ {
		return "", fmt.Errorf("%s %q and %s %q disagree: set only %s", keyRestartType, v, keyRestartDeprecated, old, keyRestartType)
	}
	return typ, nil
}

// lookupRestartType maps any of Flink's spellings of a type, in any case,
// to ours.
func lookupRestartType(key, v string) (string, error) {
	typ, ok := restartTypeNames[strings.ToLower(strings.TrimSpace(v))]
	if !ok {
		return "", fmt.Errorf("%s %q: want %s, %s, %s or %s", key, v, RestartExponentialDelay, RestartFixedDelay, RestartFailureRate, RestartNone)
	}
	return typ, nil
}

// parseRestartKeys builds a strategy of type typ from its keys over
// Flink's defaults, and validates it.
func parseRestartKeys(typ string, settings map[string]string) (RestartStrategy, error) {
	s := restartDefaults(typ)
	p := settingsParser{settings: settings}
	switch typ {
	case RestartFixedDelay:
		p.int(keyFixedAttempts, &s.Attempts)
		p.duration(keyFixedDelay, &s.Delay)
	case RestartFailureRate:
		p.int(keyRateMaxFailures, &s.MaxFailuresPerInterval)
		p.duration(keyRateInterval, &s.FailureRateInterval)
		p.duration(keyRateDelay, &s.Delay)
	case RestartExponentialDelay:
		p.duration(keyExpInitial, &s.InitialBackoff)
		p.duration(keyExpMax, &s.MaxBackoff)
		p.float(keyExpMultiplier, &s.BackoffMultiplier)
		p.duration(keyExpReset, &s.ResetBackoffThreshold)
		p.float(keyExpJitter, &s.JitterFactor)
		p.int(keyExpAttempts, &s.AttemptsBeforeResetBackoff)
	}
	if p.err != nil {
		return RestartStrategy{}, p.err
	}
	return s, s.Validate()
}

// settingsParser parses the keys that are set into their fields, keeping
// the first error, which names the key and its value.
type settingsParser struct {
	settings map[string]string
	err      error
}

func (p *settingsParser) parse(key string, parse func(string) error) {
	v, ok := p.settings[key]
	if !ok || p.err != nil {
		return
	}
	if err := parse(strings.TrimSpace(v)); err != nil {
		p.err = fmt.Errorf("%s %q: %w", key, v, err)
	}
}

// int parses a whole number in Flink's Integer range.
func (p *settingsParser) int(key string, dst *int) {
	p.parse(key, func(v string) error {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return fmt.Errorf("want a whole number: %w", numErr(err))
		}
		*dst = int(n)
		return nil
	})
}

func (p *settingsParser) float(key string, dst *float64) {
	p.parse(key, func(v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("want a number: %w", numErr(err))
		}
		*dst = f
		return nil
	})
}

func (p *settingsParser) duration(key string, dst *time.Duration) {
	p.parse(key, func(v string) error {
		d, err := ParseDuration(v)
		if err != nil {
			return err
		}
		*dst = d
		return nil
	})
}

// numErr strips strconv's restatement of the input, which the caller's
// message already names.
func numErr(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return ne.Err
	}
	return err
}

// flinkUnits are the unit labels of Flink's duration notation, lower
// case.
var flinkUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"µs": time.Microsecond, "us": time.Microsecond, "micro": time.Microsecond, "micros": time.Microsecond,
	"microsecond": time.Microsecond, "microseconds": time.Microsecond,
	"ns": time.Nanosecond, "nano": time.Nanosecond, "nanos": time.Nanosecond,
	"nanosecond": time.Nanosecond, "nanoseconds": time.Nanosecond,
}

var errDurationSyntax = errors.New(`want a duration such as "10s", "10 s" or "1 min"`)

// ParseDuration accepts Go's notation first, then Flink's: a whole
// number, optional spaces and a unit label, milliseconds without one. A
// leading minus is read, not refused, so that Validate can say plainly
// that the duration must not be negative.
func ParseDuration(v string) (time.Duration, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return d, nil
	}
	sign, rest := int64(1), v
	if strings.HasPrefix(rest, "-") {
		sign, rest = -1, rest[1:]
	}
	digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
	if digits == 0 {
		return 0, errDurationSyntax
	}
	unit := time.Millisecond
	if label := strings.ToLower(strings.TrimSpace(rest[digits:])); label != "" {
		u, ok := flinkUnits[label]
		if !ok {
			return 0, errDurationSyntax
		}
		unit = u
	}
	n, err := strconv.ParseInt(rest[:digits], 10, 64)
	if err != nil || n > math.MaxInt64/int64(unit) {
		return 0, errors.New("duration out of range")
	}
	return time.Duration(sign * n * int64(unit)), nil
}

// Validate checks the strategy's settings against the bounds Flink's
// strategies enforce, naming the Flink key of the first bad one. The
// zero value is valid: it stands for the default.
func (r RestartStrategy) Validate() error {
	switch r.Type {
	case "", RestartNone:
		return nil
	case RestartFixedDelay:
		return firstErr(
			atLeast(keyFixedAttempts, r.Attempts, 0),
			notNegative(keyFixedDelay, r.Delay),
		)
	case RestartFailureRate:
		return firstErr(
			atLeast(keyRateMaxFailures, r.MaxFailuresPerInterval, 1),
			positive(keyRateInterval, r.FailureRateInterval),
			notNegative(keyRateDelay, r.Delay),
		)
	case RestartExponentialDelay:
		err := firstErr(
			positive(keyExpInitial, r.InitialBackoff),
			positive(keyExpMax, r.MaxBackoff),
			positive(keyExpReset, r.ResetBackoffThreshold),
			atLeast(keyExpAttempts, r.AttemptsBeforeResetBackoff, 1),
		)
		switch {
		case err != nil:
			return err
		case r.InitialBackoff > r.MaxBackoff:
			return fmt.Errorf("%s %s: exceeds %s %s", keyExpInitial, r.InitialBackoff, keyExpMax, r.MaxBackoff)
		// Written so that NaN fails too. A multiplier of 1 is refused as
		// Flink refuses it: a constant wait is fixed-delay's job.
		case !(r.BackoffMultiplier > 1) || math.IsInf(r.BackoffMultiplier, 1):
			return fmt.Errorf("%s %v: want a finite number above 1", keyExpMultiplier, r.BackoffMultiplier)
		case !(r.JitterFactor >= 0 && r.JitterFactor <= 1):
			return fmt.Errorf("%s %v: want 0 to 1", keyExpJitter, r.JitterFactor)
		}
		return nil
	}
	return fmt.Errorf("restart strategy type %q: want %s, %s, %s or %s", r.Type, RestartExponentialDelay, RestartFixedDelay, RestartFailureRate, RestartNone)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func atLeast(key string, n, least int) error {
	if n < least {
		return fmt.Errorf("%s %d: want %d or more", key, n, least)
	}
	return nil
}

func notNegative(key string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%s %s: must not be negative", key, d)
	}
	return nil
}

func positive(key string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s %s: must be more than 0", key, d)
	}
	return nil
}

// String gives the strategy with the settings that count, in Flink's
// key names, for logs and job details.
func (r RestartStrategy) String() string {
	switch r.Type {
	case "":
		return DefaultRestartStrategy().String()
	case RestartFixedDelay:
		return fmt.Sprintf("%s(attempts=%d, delay=%s)", r.Type, r.Attempts, r.Delay)
	case RestartFailureRate:
		return fmt.Sprintf("%s(max-failures-per-interval=%d, failure-rate-interval=%s, delay=%s)",
			r.Type, r.MaxFailuresPerInterval, r.FailureRateInterval, r.Delay)
	case RestartExponentialDelay:
		attempts := strconv.Itoa(r.AttemptsBeforeResetBackoff)
		if r.AttemptsBeforeResetBackoff == UnlimitedAttempts {
			attempts = "infinite"
		}
		return fmt.Sprintf("%s(initial-backoff=%s, max-backoff=%s, backoff-multiplier=%v, reset-backoff-threshold=%s, jitter-factor=%v, attempts-before-reset-backoff=%s)",
			r.Type, r.InitialBackoff, r.MaxBackoff, r.BackoffMultiplier, r.ResetBackoffThreshold, r.JitterFactor, attempts)
	}
	return r.Type
}
