package node

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/runnel/runnel/stream"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestSingleNodeLifecycle starts a one-node cluster, checks it elects
// itself and serves the API, restarts it from disk, and checks that
// shutdown leaves no goroutine behind (goleak in TestMain).
func TestSingleNodeLifecycle(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Name, cfg.DataDir, cfg.Bind = "solo", t.TempDir(), "127.0.0.1"
	cfg.GossipPort, cfg.RPCPort, cfg.HTTPPort = 0, 0, 0
	cfg.BootstrapExpect = 1
	logger, _ := NewLogger(io.Discard, "debug", "text")

	start := func(cfg Config) *Node {
		n, err := New(cfg, stream.NewRegistry(), logger)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !n.JobManagerRunning() || n.ClusterID() == "" {
			if time.Now().After(deadline) {
				t.Fatal("single node did not become leader")
			}
			time.Sleep(20 * time.Millisecond)
		}
		return n
	}
	n := start(cfg)
	resp, err := http.Get("http://" + n.HTTPAddr() + "/v1/cluster")
	if err != nil {
		t.Fatal(err)
	}
	var st ClusterStatus
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || st.Leader != "solo" || len(st.Members) != 1 || st.Members[0].Role != "leader" {
		t.Fatalf("status %+v, %v", st, err)
	}
	// A single node has nobody to hand leadership to.
	for body, want := range map[string]int{
		``:                   http.StatusConflict,
		`{"to": "solo"}`:     http.StatusOK,
		`{"to": "ghost"}`:    http.StatusNotFound,
		`{"to": 1}`:          http.StatusBadRequest,
		`{"target": "solo"}`: http.StatusBadRequest,
	} {
		resp, err := http.Post("http://"+n.HTTPAddr()+"/v1/cluster/leadership", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("transfer leadership with body %q: %s, want %d", body, resp.Status, want)
		}
	}
	id := n.ClusterID()
	if err := n.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Restart on the same data dir without the bootstrap flag.
	cfg.BootstrapExpect = 0
	n = start(cfg)
	defer n.Shutdown(context.Background())
	if n.ClusterID() != id {
		t.Fatalf("cluster id %s after restart, was %s", n.ClusterID(), id)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	logger, _ := NewLogger(io.Discard, "info", "text")
	if _, err := New(Config{}, stream.NewRegistry(), logger); err == nil {
		t.Fatal("New accepted an empty config")
	}
}
