package jobgraph

import "testing"

func TestSpecValidate(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		err  string
	}{
		{"named job with default parallelism", Spec{Job: "word-count_v1.2"}, ""},
		{"explicit parallelism", Spec{Job: "wc", Parallelism: 4}, ""},
		{"largest parallelism", Spec{Job: "wc", Parallelism: MaxKeyGroups}, ""},
		{"missing job", Spec{}, "job: required"},
		{"job starting with a dot", Spec{Job: ".wc"}, `job ".wc": use letters, digits, '.', '_' or '-'`},
		{"job with a slash", Spec{Job: "a/b"}, `job "a/b": use letters, digits, '.', '_' or '-'`},
		{"negative parallelism", Spec{Job: "wc", Parallelism: -1}, "parallelism -1: want 1 to 32768 (0 for the default)"},
		{"parallelism above key groups", Spec{Job: "wc", Parallelism: MaxKeyGroups + 1}, "parallelism 32769: want 1 to 32768 (0 for the default)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.err != "" && (err == nil || err.Error() != tt.err):
				t.Fatalf("Validate = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestSpecSettings(t *testing.T) {
	ok := Spec{Job: "j", Settings: map[string]string{
		"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "3",
		"execution.checkpointing.interval": "1s",
	}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate = %v", err)
	}
	for _, bad := range []map[string]string{
		{"no.such.key": "1"},
		{"execution.checkpointing.interval": "soon"},
		{"restart-strategy.type": "sometimes"},
	} {
		if err := (Spec{Job: "j", Settings: bad}).Validate(); err == nil {
			t.Errorf("settings %v accepted", bad)
		}
	}
}

func TestSettledRestartDefaults(t *testing.T) {
	g := &JobGraph{}
	_, rs, err := Spec{Job: "j"}.Settled(g, "file:///c")
	if err != nil || rs.Type != RestartNone {
		t.Fatalf("without checkpoints: %v, %v; want none", rs, err)
	}
	cp, rs, err := Spec{Job: "j", Settings: map[string]string{"execution.checkpointing.interval": "1s"}}.Settled(g, "file:///c")
	if err != nil || rs.Type != RestartExponentialDelay || cp.Storage != "file:///c" || cp.Mode != ExactlyOnce {
		t.Fatalf("with checkpoints: %+v %v, %v", cp, rs, err)
	}
}
