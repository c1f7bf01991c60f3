package integration

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/examples"
)

// nodesRunning returns the names of the nodes that run subtasks of the
// job's current attempt.
func nodesRunning(d coordinator.JobDetails) []string {
	var out []string
	for _, v := range d.Vertices {
		for _, s := range v.Subtasks {
			if s.Node != "" && !slices.Contains(out, s.Node) {
				out = append(out, s.Node)
			}
		}
	}
	return out
}

// waitRunningAttempt waits until the job runs an attempt after prev with
// every subtask RUNNING, and returns its details.
func waitRunningAttempt(t testing.TB, c *ProcCluster, nodes []int, id string, prev uint64) coordinator.JobDetails {
	t.Helper()
	var d coordinator.JobDetails
	WaitForResult(t, time.Minute, func() (bool, error) {
		var err error
		for _, i := range nodes {
			if d, err = GetJob(c.Procs[i].HTTPAddr(), id); err == nil {
				break
			}
		}
		if err != nil {
			return false, err
		}
		if d.Status != coordinator.JobRunning || d.Attempt <= prev {
			return false, fmt.Errorf("job is %s in attempt %d (%s)", d.Status, d.Attempt, d.Error)
		}
		for _, v := range d.Vertices {
			for _, s := range v.Subtasks {
				if s.Status != "RUNNING" && s.Status != "FINISHED" {
					return false, fmt.Errorf("%s (%d) is %s", v.Name, s.Index, s.Status)
				}
			}
		}
		return true, nil
	})
	return d
}

// seqCountOnProcesses starts three node processes sharing a checkpoint
// storage and runs seqcount at parallelism 2 on them, with a checkpoint
// every 300 ms and restarts after 100 ms, until a checkpoint completed.
func seqCountOnProcesses(t *testing.T, keys, count, rate int) (c *ProcCluster, leader int, id, out string, d coordinator.JobDetails) {
	t.Helper()
	needBinary(t)
	dir := t.TempDir()
	c = NewProcCluster(t, binary, 3, "--checkpoint-storage", "file://"+filepath.Join(dir, "checkpoints"))
	leader = c.WaitForLeader(0, 1, 2)
	out = filepath.Join(dir, "out")
	id = SubmitJobWithSettings(t, c.Procs[leader].HTTPAddr(), "seqcount", 2, map[string]string{
		"keys": strconv.Itoa(keys), "count": strconv.Itoa(count), "rate": strconv.Itoa(rate), "output": out,
	}, map[string]string{"execution.checkpointing.interval": "300ms", "restart-strategy.type": "fixed-delay",
		"restart-strategy.fixed-delay.attempts": "10", "restart-strategy.fixed-delay.delay": "100ms"})
	d = waitRunningAttempt(t, c, []int{leader}, id, 0)
	waitCheckpoint(t, c.Procs[leader].HTTPAddr(), id)
	return c, leader, id, out, d
}

// TestProcessSeqCountSurvivesKills runs seqcount with checkpoints on three
// node processes, kills -9 a node running its subtasks, then the leader,
// bringing each back, and checks the output is exactly once: every
// (key, seq) once, count = seq.
func TestProcessSeqCountSurvivesKills(t *testing.T) {
	const keys, count = 20, 1500
	c, leader, id, out, d := seqCountOnProcesses(t, keys, count, 2500)

	// A follower that runs subtasks.
	victim := -1
	for _, i := range others(leader) {
		if slices.Contains(nodesRunning(d), c.Procs[i].Name) {
			victim = i
		}
	}
	if victim < 0 {
		t.Fatalf("no follower runs subtasks: %v", nodesRunning(d))
	}
	killed := time.Now()
	c.Kill(victim)
	d = waitRunningAttempt(t, c, []int{leader}, id, d.Attempt)
	t.Logf("after kill -9 of %s: attempt %d running again in %s", c.Procs[victim].Name, d.Attempt, time.Since(killed).Round(time.Millisecond))
	c.Restart(victim)
	c.WaitHealthy()
	waitCheckpoint(t, c.Procs[leader].HTTPAddr(), id)

	killed = time.Now()
	c.Kill(leader)
	rest := others(leader)
	newLeader := c.WaitForNewLeader(leader, rest...)
	d = waitRunningAttempt(t, c, []int{newLeader}, id, d.Attempt-1)
	t.Logf("after kill -9 of the leader %s: attempt %d running in %s", c.Procs[leader].Name, d.Attempt, time.Since(killed).Round(time.Millisecond))
	c.Restart(leader)
	c.WaitHealthy()

	WaitForJobStatus(t, c.Procs[newLeader].HTTPAddr(), id, coordinator.JobFinished, 2*time.Minute)
	if err := examples.CheckSeqCount(out, keys, count); err != nil {
		t.Fatal(err)
	}
}

// waitCheckpoint waits for a checkpoint of the job's current attempt to
// complete.
func waitCheckpoint(t testing.TB, httpAddr, id string) {
	t.Helper()
	before, err := GetCheckpoints(httpAddr, id)
	if err != nil {
		t.Fatal(err)
	}
	WaitForResult(t, 30*time.Second, func() (bool, error) {
		s, err := GetCheckpoints(httpAddr, id)
		if err != nil {
			return false, err
		}
		return s.Counts.Completed > before.Counts.Completed, fmt.Errorf("checkpoints %+v", s.Counts)
	})
}

// TestProcessJobSurvivesFullRestart kills -9 every node under a running
// seqcount and starts them again on their data dirs: the job resumes from
// its latest checkpoint and ends exactly once.
func TestProcessJobSurvivesFullRestart(t *testing.T) {
	const keys, count = 20, 800
	c, leader, id, out, d := seqCountOnProcesses(t, keys, count, 2000)
	for i := range c.Procs {
		c.Kill(i)
	}
	for i := range c.Procs {
		c.Restart(i)
	}
	c.WaitHealthy()
	leader = c.WaitForLeader(0, 1, 2)
	d = waitRunningAttempt(t, c, []int{leader}, id, d.Attempt)
	stats, err := GetCheckpoints(c.Procs[leader].HTTPAddr(), id)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Latest.Restored == nil {
		t.Fatalf("attempt %d restored no checkpoint", d.Attempt)
	}
	WaitForJobStatus(t, c.Procs[leader].HTTPAddr(), id, coordinator.JobFinished, 2*time.Minute)
	if err := examples.CheckSeqCount(out, keys, count); err != nil {
		t.Fatal(err)
	}
}
