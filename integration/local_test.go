package integration

import (
	"bufio"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLocalCommand runs `runnel local`, reads the printed node addresses,
// checks they form one cluster, and stops it with SIGINT: every node
// process must be gone and the command must exit 0.
func TestLocalCommand(t *testing.T) {
	needBinary(t)
	cmd := exec.Command(binary, "local", "--nodes", "2")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	t.Cleanup(func() {
		cmd.Process.Kill()
	})

	var urls []string
	lines := bufio.NewScanner(out)
	for len(urls) < 2 && lines.Scan() {
		if l := lines.Text(); strings.HasPrefix(l, "http://127.0.0.1:") {
			urls = append(urls, strings.Fields(l)[0])
		}
	}
	if len(urls) != 2 {
		t.Fatalf("printed addresses: %v", urls)
	}
	go func() {
		for lines.Scan() {
		}
		done <- cmd.Wait()
	}()
	for _, u := range urls {
		resp, err := http.Get(u + "/v1/health")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: health %d", u, resp.StatusCode)
		}
	}

	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("runnel local exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("runnel local did not stop within 30s")
	}
	for _, u := range urls {
		if resp, err := http.Get(u + "/v1/health"); err == nil {
			resp.Body.Close()
			t.Fatalf("%s still answers after runnel local stopped", u)
		}
	}
}
