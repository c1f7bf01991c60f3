package integration

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
)

// flowing reports whether the job runs an attempt after prev with every
// subtask RUNNING and records reaching its sink.
func flowing(d coordinator.JobDetails, prev uint64) bool {
	if d.Status != coordinator.JobRunning || d.Attempt <= prev {
		return false
	}
	var sinkIn uint64
	for _, v := range d.Vertices {
		for _, s := range v.Subtasks {
			if s.Status != "RUNNING" {
				return false
			}
			if strings.Contains(v.Name, "Sink") {
				sinkIn += s.RecordsIn
			}
		}
	}
	return sinkIn > 0
}

// BenchmarkJobResume runs seqcount at parallelism 3 with a checkpoint
// every second on three node processes (so a follower always runs some
// subtasks) and, round after round, kills -9 a follower that runs some of
// its subtasks, timing until a new attempt runs with records reaching the
// sink again; the node then comes back. Default detection
// settings (local gossip profile, a report every second, a subtask's node
// counted gone after 2.5 s of silence), fixed-delay restarts of 100 ms:
//
//	go test ./integration -run '^$' -bench JobResume -benchtime 1x
func BenchmarkJobResume(b *testing.B) {
	needBinary(b)
	const rounds = 5
	dir := b.TempDir()
	c := NewProcCluster(b, binary, 3, "--checkpoint-storage", "file://"+filepath.Join(dir, "checkpoints"))
	leader := c.WaitForLeader(0, 1, 2)
	addr := c.Procs[leader].HTTPAddr()
	id := SubmitJobWithSettings(b, addr, "seqcount", 3, map[string]string{
		"keys": "100", "count": "100000000", "rate": "5000", "output": filepath.Join(dir, "out"),
	}, map[string]string{"execution.checkpointing.interval": "1s", "restart-strategy.type": "fixed-delay",
		"restart-strategy.fixed-delay.attempts": "100", "restart-strategy.fixed-delay.delay": "100ms"})
	d := waitRunningAttempt(b, c, []int{leader}, id, 0)
	var times []time.Duration
	for range b.N {
		for range rounds {
			waitCheckpoint(b, addr, id)
			victim := -1
			for _, i := range others(leader) {
				if slices.Contains(nodesRunning(d), c.Procs[i].Name) {
					victim = i
				}
			}
			if victim < 0 {
				b.Fatalf("no follower runs subtasks: %v", nodesRunning(d))
			}
			prev := d.Attempt
			c.Kill(victim)
			start := time.Now()
			for {
				var err error
				if d, err = GetJob(addr, id); err == nil && flowing(d, prev) {
					break
				}
				if time.Since(start) > time.Minute {
					b.Fatalf("job not flowing again within a minute: %+v", d)
				}
				time.Sleep(20 * time.Millisecond)
			}
			times = append(times, time.Since(start))
			c.Restart(victim)
			c.WaitHealthy()
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Milliseconds()), "median-ms")
	b.ReportMetric(float64(times[len(times)-1].Milliseconds()), "max-ms")
	b.Logf("resume times: %v", times)
}
