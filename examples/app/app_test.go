package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/internal/nodeproc"
)

// TestAppRunsItsOwnJob builds this binary, starts a one-node cluster with
// it, and runs the job it registers, attached, through its own CLI.
func TestAppRunsItsOwnJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a binary; skipped under -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "app")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ports, err := nodeproc.FreePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	p, err := nodeproc.Start(nodeproc.Spec{
		Binary: bin, Name: "a1", DataDir: filepath.Join(dir, "a1"),
		GossipPort: ports[0], RPCPort: ports[1], HTTPPort: ports[2],
		BootstrapExpect: 1, Slots: 2, LogPath: filepath.Join(dir, "a1.log"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}

	in := filepath.Join(dir, "in.txt")
	os.WriteFile(in, []byte("hello\nrunnel\n"), 0o644)
	out := filepath.Join(dir, "out")
	run := exec.CommandContext(ctx, bin, "run", "shout", "-p", "2", "--arg", "input="+in, "--arg", "output="+out, "--addr", p.HTTPURL())
	if b, err := run.CombinedOutput(); err != nil {
		t.Fatalf("app run: %v\n%s", err, b)
	}
	parts, _ := filepath.Glob(filepath.Join(out, "part-*"))
	var lines []string
	for _, f := range parts {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.Fields(string(b))...)
	}
	got := strings.Join(lines, " ")
	if !strings.Contains(got, "HELLO") || !strings.Contains(got, "RUNNEL") || len(lines) != 2 {
		t.Fatalf("output lines %q", lines)
	}
}
