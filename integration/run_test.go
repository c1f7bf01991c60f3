package integration

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestProcessRunAttached runs the stock binary's wordcount through
// `runnel run` on a cluster of node processes, submitted to a follower, and
// checks the output against a reference; then a job whose input is missing
// fails and `runnel run` exits 1 with the reason.
func TestProcessRunAttached(t *testing.T) {
	needBinary(t)
	c := NewProcCluster(t, binary, 3)
	leader := c.WaitForLeader(0, 1, 2)
	follower := c.Procs[(leader+1)%3].HTTPURL()

	in, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	want := writeWordInput(t, in, 3, 500)
	cmd := exec.Command(binary, "run", "wordcount", "-p", "4", "--arg", "input="+in, "--arg", "output="+out, "--addr", follower)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("runnel run: %v\n%s", err, b)
	}
	if !strings.Contains(string(b), "FINISHED") {
		t.Fatalf("runnel run output lacks the final state:\n%s", b)
	}
	got := readWordOutput(t, out)
	for w, n := range want {
		if got[w] != n {
			t.Errorf("count of %q = %d, want %d", w, got[w], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d words, want %d", len(got), len(want))
	}

	cmd = exec.Command(binary, "run", "wordcount", "--arg", "input="+filepath.Join(in, "missing"), "--arg", "output="+out, "--addr", follower)
	b, err = cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("run of a failing job: %v, want exit 1\n%s", err, b)
	}
	if !strings.Contains(string(b), "FAILED") || !strings.Contains(string(b), "missing") {
		t.Fatalf("output does not say the job failed and why:\n%s", b)
	}
}
