package integration

import (
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/examples"
	"github.com/runnel/runnel/internal/nodeproc"
)

// TestProcessTransferLeadership moves the leadership of three node
// processes through a follower, which forwards the request: to a named
// node over the REST API, then with the CLI to whichever voter the leader
// picks; it checks the refusals and exit codes too.
func TestProcessTransferLeadership(t *testing.T) {
	needBinary(t)
	c := NewProcCluster(t, binary, 3)
	leader := c.WaitForLeader(0, 1, 2)
	target, via := (leader+1)%3, (leader+2)%3

	status, lt, err := c.TransferLeadership(via, c.Procs[target].Name)
	if err != nil || status != http.StatusOK {
		t.Fatalf("transfer to %s: %d %v", c.Procs[target].Name, status, err)
	}
	if lt.Previous != c.Procs[leader].Name || lt.Leader != c.Procs[target].Name {
		t.Fatalf("answer %+v; want previous %s, leader %s", lt, c.Procs[leader].Name, c.Procs[target].Name)
	}
	if got := c.WaitForLeader(0, 1, 2); got != target {
		t.Fatalf("leader is %s, want %s", c.Procs[got].Name, c.Procs[target].Name)
	}
	if status, _, err := c.TransferLeadership(via, "ghost"); status != http.StatusNotFound {
		t.Fatalf("transfer to an unknown node: %d %v; want 404", status, err)
	}

	cli := func(args ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(binary, append([]string{"cluster", "transfer-leadership", "--addr", c.Procs[via].HTTPURL()}, args...)...)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return 0, string(out)
		case errors.As(err, &exit):
			return exit.ExitCode(), string(out)
		}
		t.Fatalf("runnel cluster transfer-leadership %v: %v", args, err)
		return 0, ""
	}
	if code, out := cli("--to", c.Procs[target].Name); code != 0 || !strings.Contains(out, "already leads") {
		t.Fatalf("transfer to the leader itself: exit %d: %s", code, out)
	}
	if code, out := cli("--to", "ghost"); code != 1 || !strings.Contains(out, "unknown node") || !strings.Contains(out, "404") {
		t.Fatalf("transfer to an unknown node: exit %d: %s; want 1 and the reason", code, out)
	}
	code, out := cli()
	if code != 0 || !strings.Contains(out, "leadership moved from "+c.Procs[target].Name) {
		t.Fatalf("transfer without --to: exit %d: %s", code, out)
	}
	moved := c.WaitForNewLeader(target, 0, 1, 2)
	if !strings.Contains(out, " to "+c.Procs[moved].Name) {
		t.Fatalf("CLI says %q, but the leader is %s", out, c.Procs[moved].Name)
	}
}

// TestProcessDedicatedCoordinatorLeaderKill runs seqcount with checkpoints
// on three node processes, one of them with --slots 0, moves the
// leadership onto that node while the job runs, then kills -9 it and
// checks that nothing restarts: the job keeps its first attempt, the new
// leader completes checkpoints, and the output is exactly once.
func TestProcessDedicatedCoordinatorLeaderKill(t *testing.T) {
	needBinary(t)
	dir := t.TempDir()
	const coord = 0
	c := NewProcClusterWith(t, binary, 3, func(i int, s *nodeproc.Spec) {
		if i == coord {
			s.Slots = 0
		}
	}, "--checkpoint-storage", "file://"+filepath.Join(dir, "checkpoints"))
	leader := c.WaitForLeader(0, 1, 2)
	if leader == coord {
		// Start elsewhere, so the transfer below hands over a running job.
		if _, _, err := c.TransferLeadership(leader, ""); err != nil {
			t.Fatal(err)
		}
		leader = c.WaitForNewLeader(coord, 0, 1, 2)
	}

	out := filepath.Join(dir, "out")
	const keys, count = 20, 1500
	id := SubmitJobWithSettings(t, c.Procs[leader].HTTPAddr(), "seqcount", 2, map[string]string{
		"keys": strconv.Itoa(keys), "count": strconv.Itoa(count), "rate": "2500", "output": out,
	}, map[string]string{"execution.checkpointing.interval": "300ms"})
	d := waitRunningAttempt(t, c, []int{leader}, id, 0)
	if on := nodesRunning(d); slices.Contains(on, c.Procs[coord].Name) {
		t.Fatalf("subtasks placed on the node without slots: %v", on)
	}
	waitCheckpoint(t, c.Procs[leader].HTTPAddr(), id)

	if _, _, err := c.TransferLeadership(leader, c.Procs[coord].Name); err != nil {
		t.Fatal(err)
	}
	if got := c.WaitForLeader(0, 1, 2); got != coord {
		t.Fatalf("leader is %s, want the coordinator %s", c.Procs[got].Name, c.Procs[coord].Name)
	}
	st, err := c.Status(coord)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range st.Members {
		if m.Name == c.Procs[coord].Name && m.Slots != 0 {
			t.Fatalf("coordinator shows as %+v; want 0 slots", m)
		}
	}
	addr := c.Procs[coord].HTTPAddr()
	waitCheckpoint(t, addr, id)
	unchanged := func(what string, d coordinator.JobDetails) {
		t.Helper()
		if d.Attempt != 1 || d.Restarts != 0 {
			t.Fatalf("%s: job is in attempt %d after %d restarts (%s); want attempt 1, no restart", what, d.Attempt, d.Restarts, d.Error)
		}
	}
	if d, err = GetJob(addr, id); err != nil {
		t.Fatal(err)
	}
	unchanged("after the transfer", d)

	killed := time.Now()
	c.Kill(coord)
	leader = c.WaitForNewLeader(coord, others(coord)...)
	addr = c.Procs[leader].HTTPAddr()
	t.Logf("new leader %s after %s", c.Procs[leader].Name, time.Since(killed).Round(time.Millisecond))
	waitCheckpoint(t, addr, id)
	if d, err = GetJob(addr, id); err != nil {
		t.Fatal(err)
	}
	unchanged("after kill -9 of the leader", d)

	unchanged("at the end", WaitForJobStatus(t, addr, id, coordinator.JobFinished, 2*time.Minute))
	if err := examples.CheckSeqCount(out, keys, count); err != nil {
		t.Fatal(err)
	}
}
