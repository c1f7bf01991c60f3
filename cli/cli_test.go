package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"unknown command", []string{"nosuch"}, exitUsage, "unknown command"},
		{"unknown root flag", []string{"--nosuch"}, exitUsage, "unknown flag"},
		{"node without data dir", []string{"node", "--name", "a"}, exitUsage, "--data-dir: required"},
		{"node with a bad number", []string{"node", "--slots", "many"}, exitUsage, "invalid argument"},
		{"node with a bad value", []string{"node", "--data-dir", "d", "--gossip-profile", "fast"}, exitUsage, "--gossip-profile"},
		{"node with an unknown flag", []string{"node", "--bogus"}, exitUsage, "unknown flag"},
		{"node with an argument", []string{"node", "extra"}, exitUsage, "no arguments"},
		{"node with a missing config file", []string{"node", "--config", "/nonexistent.yaml"}, exitUsage, "config file"},
		{"status with a bad addr", []string{"cluster", "status", "--addr", "ftp://x"}, exitUsage, "--addr"},
		{"remove without a name", []string{"cluster", "remove"}, exitUsage, "accepts 1 arg"},
		{"transfer to an empty name", []string{"cluster", "transfer-leadership", "--to", ""}, exitUsage, "--to"},
		{"transfer with an argument", []string{"cluster", "transfer-leadership", "n2"}, exitUsage, "accepts 0 arg"},
		{"transfer with a bad addr", []string{"cluster", "transfer-leadership", "--addr", "x"}, exitUsage, "--addr"},
		{"transfer without a node to reach", []string{"cluster", "transfer-leadership", "--addr", "http://127.0.0.1:1"}, exitFailure, "connection refused"},
		{"local with no nodes", []string{"local", "--nodes", "0"}, exitUsage, "--nodes"},
		{"status of a node that is not there", []string{"cluster", "status", "--addr", "http://127.0.0.1:1"}, exitFailure, "connection refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d; want %d (stderr %q)", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.inStderr) {
				t.Fatalf("stderr %q; want it to mention %q", stderr, tc.inStderr)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
				t.Fatalf("stderr is %d lines; want one: %q", n+1, stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"node", "--help"}, {"local", "--help"}, {"cluster", "status", "--help"}, {"cluster", "transfer-leadership", "--help"}} {
		code, out, _ := run(args...)
		if code != exitOK || !strings.Contains(out, "Usage:") {
			t.Fatalf("%v: exit %d, output %q", args, code, out)
		}
	}
	_, out, _ := run("node", "--help")
	for _, flag := range []string{"--data-dir", "--bootstrap-expect", "--join", "--raft-heartbeat-timeout", "RUNNEL_"} {
		if !strings.Contains(out, flag) {
			t.Errorf("node --help does not mention %s", flag)
		}
	}
}

// TestNodeConfigPrecedence checks defaults < file < environment < flags.
func TestNodeConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "node.yaml")
	os.WriteFile(file, []byte("name: from-file\ndata-dir: /file\nslots: 7\nhttp-port: 9000\njoin: [f:1]\n"), 0o644)
	env := map[string]string{
		"RUNNEL_CONFIG":            file,
		"RUNNEL_SLOTS":             "5",
		"RUNNEL_DATA_DIR":          "/env",
		"RUNNEL_DEAD_NODE_RECLAIM": "90s",
		"RUNNEL_JOIN":              "e:1,e:2",
	}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, help, err := nodeConfig([]string{"--slots", "3", "--join", "a:1"}, getenv)
	if err != nil || help {
		t.Fatalf("nodeConfig: %v, help %v", err, help)
	}
	if cfg.Name != "from-file" || cfg.HTTPPort != 9000 {
		t.Errorf("file values lost: name %q http-port %d", cfg.Name, cfg.HTTPPort)
	}
	if cfg.DataDir != "/env" || cfg.DeadNodeReclaim != 90*time.Second {
		t.Errorf("environment did not override the file: data-dir %q reclaim %s", cfg.DataDir, cfg.DeadNodeReclaim)
	}
	if cfg.Slots != 3 || len(cfg.Join) != 1 || cfg.Join[0] != "a:1" {
		t.Errorf("flags did not win: slots %d join %v", cfg.Slots, cfg.Join)
	}
	if cfg.GossipPort != 7946 {
		t.Errorf("default lost: gossip-port %d", cfg.GossipPort)
	}

	env["RUNNEL_SLOTS"] = "lots"
	if _, _, err := nodeConfig(nil, getenv); err == nil || !strings.Contains(err.Error(), "RUNNEL_SLOTS") {
		t.Fatalf("bad environment value: err = %v", err)
	}
}
