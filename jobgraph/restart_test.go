package jobgraph

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

func TestParseRestartStrategy(t *testing.T) {
	exponentialDefaults := RestartStrategy{
		Type: RestartExponentialDelay, InitialBackoff: time.Second, MaxBackoff: time.Minute,
		BackoffMultiplier: 1.5, ResetBackoffThreshold: time.Hour, JitterFactor: 0.1,
		AttemptsBeforeResetBackoff: math.MaxInt32,
	}
	fixedDefaults := RestartStrategy{Type: RestartFixedDelay, Attempts: 1, Delay: time.Second}
	rateDefaults := RestartStrategy{Type: RestartFailureRate, MaxFailuresPerInterval: 1, FailureRateInterval: time.Minute, Delay: time.Second}
	none := RestartStrategy{Type: RestartNone}

	tests := []struct {
		name     string
		settings map[string]string
		want     RestartStrategy
	}{
		{"nothing set gives exponential-delay with Flink's defaults", nil, exponentialDefaults},
		{"keys outside restart-strategy are ignored", map[string]string{"parallelism.default": "4", "restart-strategyx": "?"}, exponentialDefaults},
		{"exponential-delay defaults", map[string]string{"restart-strategy.type": "exponential-delay"}, exponentialDefaults},
		{"fixed-delay defaults", map[string]string{"restart-strategy.type": "fixed-delay"}, fixedDefaults},
		{"failure-rate defaults", map[string]string{"restart-strategy.type": "failure-rate"}, rateDefaults},
		{"none", map[string]string{"restart-strategy.type": "none"}, none},
		{"off is none", map[string]string{"restart-strategy.type": "off"}, none},
		{"disable is none", map[string]string{"restart-strategy.type": "disable"}, none},
		{"fixeddelay", map[string]string{"restart-strategy.type": "fixeddelay"}, fixedDefaults},
		{"failurerate", map[string]string{"restart-strategy.type": "failurerate"}, rateDefaults},
		{"exponentialdelay", map[string]string{"restart-strategy.type": "exponentialdelay"}, exponentialDefaults},
		{"type in any case and spacing", map[string]string{"restart-strategy.type": " Fixed-Delay "}, fixedDefaults},
		{"deprecated type key", map[string]string{"restart-strategy": "failure-rate"}, rateDefaults},
		{"both type keys agreeing", map[string]string{"restart-strategy.type": "none", "restart-strategy": "off"}, none},
		{
			"every fixed-delay key",
			map[string]string{
				"restart-strategy.type":                 "fixed-delay",
				"restart-strategy.fixed-delay.attempts": "3",
				"restart-strategy.fixed-delay.delay":    "10 s",
			},
			RestartStrategy{Type: RestartFixedDelay, Attempts: 3, Delay: 10 * time.Second},
		},
		{
			"fixed-delay without restarts or delay",
			map[string]string{
				"restart-strategy.type":                 "fixed-delay",
				"restart-strategy.fixed-delay.attempts": "0",
				"restart-strategy.fixed-delay.delay":    "0",
			},
			RestartStrategy{Type: RestartFixedDelay},
		},
		{
			"every failure-rate key",
			map[string]string{
				"restart-strategy.type":                                   "failure-rate",
				"restart-strategy.failure-rate.max-failures-per-interval": "3",
				"restart-strategy.failure-rate.failure-rate-interval":     "5 min",
				"restart-strategy.failure-rate.delay":                     "10s",
			},
			RestartStrategy{Type: RestartFailureRate, MaxFailuresPerInterval: 3, FailureRateInterval: 5 * time.Minute, Delay: 10 * time.Second},
		},
		{
			"every exponential-delay key",
			map[string]string{
				"restart-strategy.type":                                            "exponential-delay",
				"restart-strategy.exponential-delay.initial-backoff":               "2 s",
				"restart-strategy.exponential-delay.max-backoff":                   "2min",
				"restart-strategy.exponential-delay.backoff-multiplier":            "2.0",
				"restart-strategy.exponential-delay.reset-backoff-threshold":       "30 min",
				"restart-strategy.exponential-delay.jitter-factor":                 "0.25",
				"restart-strategy.exponential-delay.attempts-before-reset-backoff": "13",
			},
			RestartStrategy{
				Type: RestartExponentialDelay, InitialBackoff: 2 * time.Second, MaxBackoff: 2 * time.Minute,
				BackoffMultiplier: 2, ResetBackoffThreshold: 30 * time.Minute, JitterFactor: 0.25,
				AttemptsBeforeResetBackoff: 13,
			},
		},
		{
			"exponential-delay keys without a type take effect",
			map[string]string{"restart-strategy.exponential-delay.max-backoff": "5 min"},
			func() RestartStrategy { s := exponentialDefaults; s.MaxBackoff = 5 * time.Minute; return s }(),
		},
		{
			"jitter at its bounds and initial equal to max",
			map[string]string{
				"restart-strategy.exponential-delay.jitter-factor":   "1",
				"restart-strategy.exponential-delay.initial-backoff": "1 min",
			},
			func() RestartStrategy {
				s := exponentialDefaults
				s.JitterFactor, s.InitialBackoff = 1, time.Minute
				return s
			}(),
		},
		{
			"another type's valid keys are ignored",
			map[string]string{
				"restart-strategy.type":                              "fixed-delay",
				"restart-strategy.exponential-delay.initial-backoff": "5 s",
				"restart-strategy.failure-rate.delay":                "7 s",
			},
			fixedDefaults,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRestartStrategy(tt.settings)
			if err != nil {
				t.Fatalf("ParseRestartStrategy = %v", err)
			}
			if got != tt.want {
				t.Fatalf("ParseRestartStrategy =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestParseRestartStrategyErrors(t *testing.T) {
	const (
		typ      = "restart-strategy.type"
		attempts = "restart-strategy.fixed-delay.attempts"
		delay    = "restart-strategy.fixed-delay.delay"
		rateMax  = "restart-strategy.failure-rate.max-failures-per-interval"
		rateIvl  = "restart-strategy.failure-rate.failure-rate-interval"
		rateDel  = "restart-strategy.failure-rate.delay"
		initial  = "restart-strategy.exponential-delay.initial-backoff"
		maxb     = "restart-strategy.exponential-delay.max-backoff"
		mult     = "restart-strategy.exponential-delay.backoff-multiplier"
		reset    = "restart-strategy.exponential-delay.reset-backoff-threshold"
		jitter   = "restart-strategy.exponential-delay.jitter-factor"
		expAtt   = "restart-strategy.exponential-delay.attempts-before-reset-backoff"
	)
	tests := []struct {
		name     string
		settings map[string]string
		err      string
	}{
		{"unknown type", map[string]string{typ: "sometimes"},
			`restart-strategy.type "sometimes": want exponential-delay, fixed-delay, failure-rate or none`},
		{"empty type", map[string]string{typ: ""},
			`restart-strategy.type "": want exponential-delay, fixed-delay, failure-rate or none`},
		{"unknown deprecated type", map[string]string{"restart-strategy": "fixed"},
			`restart-strategy "fixed": want exponential-delay, fixed-delay, failure-rate or none`},
		{"type keys disagreeing", map[string]string{typ: "none", "restart-strategy": "fixed-delay"},
			`restart-strategy.type "none" and restart-strategy "fixed-delay" disagree: set only restart-strategy.type`},
		{"deprecated type key unknown beside a good one", map[string]string{typ: "none", "restart-strategy": "never"},
			`restart-strategy.type "none" and restart-strategy "never" disagree: set only restart-strategy.type`},
		{"unknown key", map[string]string{typ: "fixed-delay", "restart-strategy.fixed-delay.attempt": "3"},
			"restart-strategy.fixed-delay.attempt: unknown restart strategy setting"},
		{"unknown keys name the first in order", map[string]string{"restart-strategy.zz": "1", "restart-strategy.aa": "1"},
			"restart-strategy.aa: unknown restart strategy setting"},

		{"attempts not a number", map[string]string{typ: "fixed-delay", attempts: "three"},
			`restart-strategy.fixed-delay.attempts "three": want a whole number: invalid syntax`},
		{"attempts fractional", map[string]string{typ: "fixed-delay", attempts: "1.5"},
			`restart-strategy.fixed-delay.attempts "1.5": want a whole number: invalid syntax`},
		{"attempts beyond Flink's Integer", map[string]string{typ: "fixed-delay", attempts: "3000000000"},
			`restart-strategy.fixed-delay.attempts "3000000000": want a whole number: value out of range`},
		{"attempts negative", map[string]string{typ: "fixed-delay", attempts: "-1"},
			"restart-strategy.fixed-delay.attempts -1: want 0 or more"},
		{"fixed delay not a duration", map[string]string{typ: "fixed-delay", delay: "soon"},
			`restart-strategy.fixed-delay.delay "soon": want a duration such as "10s", "10 s" or "1 min"`},
		{"fixed delay negative", map[string]string{typ: "fixed-delay", delay: "-1s"},
			"restart-strategy.fixed-delay.delay -1s: must not be negative"},
		{"fixed delay negative in Flink's notation", map[string]string{typ: "fixed-delay", delay: "-5 s"},
			"restart-strategy.fixed-delay.delay -5s: must not be negative"},

		{"max failures not a number", map[string]string{typ: "failure-rate", rateMax: "many"},
			`restart-strategy.failure-rate.max-failures-per-interval "many": want a whole number: invalid syntax`},
		{"max failures zero", map[string]string{typ: "failure-rate", rateMax: "0"},
			"restart-strategy.failure-rate.max-failures-per-interval 0: want 1 or more"},
		{"failure rate interval zero", map[string]string{typ: "failure-rate", rateIvl: "0 s"},
			"restart-strategy.failure-rate.failure-rate-interval 0s: must be more than 0"},
		{"failure rate interval negative", map[string]string{typ: "failure-rate", rateIvl: "-1m"},
			"restart-strategy.failure-rate.failure-rate-interval -1m0s: must be more than 0"},
		{"failure rate interval unknown unit", map[string]string{typ: "failure-rate", rateIvl: "2 fortnights"},
			`restart-strategy.failure-rate.failure-rate-interval "2 fortnights": want a duration such as "10s", "10 s" or "1 min"`},
		{"failure rate delay negative", map[string]string{typ: "failure-rate", rateDel: "-10 ms"},
			"restart-strategy.failure-rate.delay -10ms: must not be negative"},

		{"initial backoff zero", map[string]string{initial: "0"},
			"restart-strategy.exponential-delay.initial-backoff 0s: must be more than 0"},
		{"initial backoff negative", map[string]string{initial: "-1s"},
			"restart-strategy.exponential-delay.initial-backoff -1s: must be more than 0"},
		{"initial backoff fractional in Flink's notation", map[string]string{initial: "1.5 s"},
			`restart-strategy.exponential-delay.initial-backoff "1.5 s": want a duration such as "10s", "10 s" or "1 min"`},
		{"max backoff zero", map[string]string{maxb: "0s"},
			"restart-strategy.exponential-delay.max-backoff 0s: must be more than 0"},
		{"max backoff overflowing", map[string]string{maxb: "999999999 d"},
			`restart-strategy.exponential-delay.max-backoff "999999999 d": duration out of range`},
		{"initial above max", map[string]string{initial: "2 min"},
			"restart-strategy.exponential-delay.initial-backoff 2m0s: exceeds restart-strategy.exponential-delay.max-backoff 1m0s"},
		{"multiplier not a number", map[string]string{mult: "double"},
			`restart-strategy.exponential-delay.backoff-multiplier "double": want a number: invalid syntax`},
		{"multiplier below 1", map[string]string{mult: "0.5"},
			"restart-strategy.exponential-delay.backoff-multiplier 0.5: want a finite number above 1"},
		{"multiplier of 1", map[string]string{mult: "1"},
			"restart-strategy.exponential-delay.backoff-multiplier 1: want a finite number above 1"},
		{"multiplier NaN", map[string]string{mult: "NaN"},
			"restart-strategy.exponential-delay.backoff-multiplier NaN: want a finite number above 1"},
		{"multiplier infinite", map[string]string{mult: "+Inf"},
			"restart-strategy.exponential-delay.backoff-multiplier +Inf: want a finite number above 1"},
		{"reset threshold zero", map[string]string{reset: "0 min"},
			"restart-strategy.exponential-delay.reset-backoff-threshold 0s: must be more than 0"},
		{"reset threshold negative", map[string]string{reset: "-1h"},
			"restart-strategy.exponential-delay.reset-backoff-threshold -1h0m0s: must be more than 0"},
		{"jitter negative", map[string]string{jitter: "-0.1"},
			"restart-strategy.exponential-delay.jitter-factor -0.1: want 0 to 1"},
		{"jitter above 1", map[string]string{jitter: "1.1"},
			"restart-strategy.exponential-delay.jitter-factor 1.1: want 0 to 1"},
		{"jitter NaN", map[string]string{jitter: "nan"},
			"restart-strategy.exponential-delay.jitter-factor NaN: want 0 to 1"},
		{"jitter not a number", map[string]string{jitter: "some"},
			`restart-strategy.exponential-delay.jitter-factor "some": want a number: invalid syntax`},
		{"attempts before reset zero", map[string]string{expAtt: "0"},
			"restart-strategy.exponential-delay.attempts-before-reset-backoff 0: want 1 or more"},
		{"attempts before reset infinite spelt out", map[string]string{expAtt: "infinite"},
			`restart-strategy.exponential-delay.attempts-before-reset-backoff "infinite": want a whole number: invalid syntax`},

		{"another type's bad key is still refused", map[string]string{typ: "none", jitter: "2"},
			"restart-strategy.exponential-delay.jitter-factor 2: want 0 to 1"},
		{"the chosen type's error comes first", map[string]string{typ: "fixed-delay", attempts: "-2", jitter: "2"},
			"restart-strategy.fixed-delay.attempts -2: want 0 or more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRestartStrategy(tt.settings)
			if err == nil || err.Error() != tt.err {
				t.Fatalf("ParseRestartStrategy = %v, %v; want error %q", got, err, tt.err)
			}
		})
	}
}

func TestParseRestartDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "10s", want: 10 * time.Second},
		{in: "1m30s", want: 90 * time.Second},
		{in: "1.5h", want: 90 * time.Minute},
		{in: "0", want: 0},
		{in: "1000", want: time.Second},
		{in: "10 s", want: 10 * time.Second},
		{in: "7 S", want: 7 * time.Second},
		{in: "3 sec", want: 3 * time.Second},
		{in: "4 seconds", want: 4 * time.Second},
		{in: "1 min", want: time.Minute},
		{in: "1min", want: time.Minute},
		{in: "2 minutes", want: 2 * time.Minute},
		{in: "2 m", want: 2 * time.Minute},
		{in: "1 h", want: time.Hour},
		{in: "2 hours", want: 2 * time.Hour},
		{in: "1d", want: 24 * time.Hour},
		{in: "3 days", want: 72 * time.Hour},
		{in: "500 ms", want: 500 * time.Millisecond},
		{in: "5 millis", want: 5 * time.Millisecond},
		{in: "10 µs", want: 10 * time.Microsecond},
		{in: "10 micros", want: 10 * time.Microsecond},
		{in: "5 ns", want: 5},
		{in: "-5 min", want: -5 * time.Minute},
		{in: "", err: `want a duration such as "10s", "10 s" or "1 min"`},
		{in: "s", err: `want a duration such as "10s", "10 s" or "1 min"`},
		{in: "1.5 s", err: `want a duration such as "10s", "10 s" or "1 min"`},
		{in: "10 weeks", err: `want a duration such as "10s", "10 s" or "1 min"`},
		{in: "99999999999999999999 ns", err: "duration out of range"},
		{in: "106752 d", err: "duration out of range"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("ParseDuration(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestRestartStrategyValidate(t *testing.T) {
	tests := []struct {
		name string
		r    RestartStrategy
		err  string
	}{
		{"zero value stands for the default", RestartStrategy{}, ""},
		{"default", DefaultRestartStrategy(), ""},
		{"none ignores other fields", RestartStrategy{Type: RestartNone, Attempts: -1}, ""},
		{"unknown type", RestartStrategy{Type: "off"}, `restart strategy type "off": want exponential-delay, fixed-delay, failure-rate or none`},
		{"fixed-delay zero attempts and delay", RestartStrategy{Type: RestartFixedDelay}, ""},
		{"failure-rate zero fields", RestartStrategy{Type: RestartFailureRate},
			"restart-strategy.failure-rate.max-failures-per-interval 0: want 1 or more"},
		{"exponential-delay zero fields", RestartStrategy{Type: RestartExponentialDelay},
			"restart-strategy.exponential-delay.initial-backoff 0s: must be more than 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Validate()
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.err != "" && (err == nil || err.Error() != tt.err):
				t.Fatalf("Validate = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestRestartStrategyString(t *testing.T) {
	limited := DefaultRestartStrategy()
	limited.AttemptsBeforeResetBackoff = 5
	tests := []struct {
		r    RestartStrategy
		want string
	}{
		{RestartStrategy{}, "exponential-delay(initial-backoff=1s, max-backoff=1m0s, backoff-multiplier=1.5, reset-backoff-threshold=1h0m0s, jitter-factor=0.1, attempts-before-reset-backoff=infinite)"},
		{limited, "exponential-delay(initial-backoff=1s, max-backoff=1m0s, backoff-multiplier=1.5, reset-backoff-threshold=1h0m0s, jitter-factor=0.1, attempts-before-reset-backoff=5)"},
		{RestartStrategy{Type: RestartFixedDelay, Attempts: 3, Delay: 10 * time.Second}, "fixed-delay(attempts=3, delay=10s)"},
		{RestartStrategy{Type: RestartFailureRate, MaxFailuresPerInterval: 3, FailureRateInterval: 5 * time.Minute, Delay: time.Second},
			"failure-rate(max-failures-per-interval=3, failure-rate-interval=5m0s, delay=1s)"},
		{RestartStrategy{Type: RestartNone}, "none"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("String = %q, want %q", got, tt.want)
		}
	}
}

// TestRestartStrategyMsgpack checks that every strategy survives the trip
// through Raft's encoding, and that a record without one decodes to the
// zero value, which stands for the default.
func TestRestartStrategyMsgpack(t *testing.T) {
	for _, typ := range []string{RestartExponentialDelay, RestartFixedDelay, RestartFailureRate, RestartNone} {
		want, err := ParseRestartStrategy(map[string]string{"restart-strategy.type": typ})
		if err != nil {
			t.Fatal(err)
		}
		b, err := msgpack.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		var got RestartStrategy
		if err := msgpack.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: round trip gave %#v, want %#v", typ, got, want)
		}
	}
	b, err := msgpack.Marshal(map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	var got RestartStrategy
	if err := msgpack.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got != (RestartStrategy{}) || got.Validate() != nil {
		t.Errorf("empty record decoded to %#v", got)
	}
}
