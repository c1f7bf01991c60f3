package node

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	c := DefaultConfig()
	c.Name = "n1"
	c.DataDir = "/tmp/x"
	return c
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		want   string // substring of the error; empty for valid
	}{
		{"defaults with name and data dir", func(*Config) {}, ""},
		{"empty name", func(c *Config) { c.Name = "" }, "--name"},
		{"name with a space", func(c *Config) { c.Name = "a b" }, "--name"},
		{"missing data dir", func(c *Config) { c.DataDir = "" }, "--data-dir: required"},
		{"bad bind", func(c *Config) { c.Bind = "localhost" }, "--bind"},
		{"bad advertise", func(c *Config) { c.Advertise = "x" }, "--advertise"},
		{"unspecified advertise", func(c *Config) { c.Advertise = "0.0.0.0" }, "--advertise"},
		{"negative bootstrap-expect", func(c *Config) { c.BootstrapExpect = -1 }, "--bootstrap-expect"},
		{"negative slots", func(c *Config) { c.Slots = -1 }, "--slots"},
		{"zero slots is a coordinator", func(c *Config) { c.Slots = 0 }, ""},
		{"zero max voters", func(c *Config) { c.MaxVoters = 0 }, "--max-voters"},
		{"zero reclaim", func(c *Config) { c.DeadNodeReclaim = 0 }, "--dead-node-reclaim"},
		{"port too large", func(c *Config) { c.HTTPPort = 70000 }, "--http-port"},
		{"same ports", func(c *Config) { c.RPCPort = c.HTTPPort }, "must differ"},
		{"all ports free-picked", func(c *Config) { c.GossipPort, c.RPCPort, c.HTTPPort = 0, 0, 0 }, ""},
		{"join without port", func(c *Config) { c.Join = []string{"10.0.0.1"} }, "--join"},
		{"tiny heartbeat", func(c *Config) { c.RaftHeartbeatTimeout = time.Millisecond }, "--raft-heartbeat-timeout"},
		{"election below heartbeat", func(c *Config) { c.RaftElectionTimeout = 100 * time.Millisecond }, "--raft-election-timeout"},
		{"lease above heartbeat", func(c *Config) { c.RaftLeaseTimeout = time.Second }, "--raft-lease-timeout"},
		{"bad gossip profile", func(c *Config) { c.GossipProfile = "fast" }, "--gossip-profile"},
		{"bad log level", func(c *Config) { c.LogLevel = "loud" }, "log level"},
		{"bad log format", func(c *Config) { c.LogFormat = "xml" }, "log format"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.change(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v; want one containing %q", err, tc.want)
			case err != nil && strings.Contains(err.Error(), "\n"):
				t.Fatalf("error spans lines: %q", err)
			}
		})
	}
}

func TestConfigLoadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	c := validConfig()
	err := c.LoadFile(write("name: n7\ndata-dir: /data\njoin: [a:1, b:2]\ndead-node-reclaim: 30s\nslots: 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := validConfig()
	want.Name, want.DataDir, want.Join, want.DeadNodeReclaim, want.Slots = "n7", "/data", []string{"a:1", "b:2"}, 30*time.Second, 0
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("loaded %+v\nwant %+v", c, want)
	}

	c = validConfig()
	if err := c.LoadFile(write("nmae: typo\n")); err == nil || !strings.Contains(err.Error(), "nmae") {
		t.Fatalf("unknown key: err = %v", err)
	}
	if err := c.LoadFile(write("")); err != nil {
		t.Fatalf("empty file: %v", err)
	}
	if err := c.LoadFile(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("missing file: no error")
	}
}
