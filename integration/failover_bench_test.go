package integration

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkLeaderFailover kills the leader of a 3-process loopback cluster
// with SIGKILL, times until both survivors report the same new leader on
// GET /v1/cluster, restarts the killed node, and repeats. It reports the
// median and maximum over the rounds (default settings):
//
//	go test ./integration -run '^$' -bench LeaderFailover -benchtime 1x
func BenchmarkLeaderFailover(b *testing.B) {
	needBinary(b)
	const rounds = 7
	c := NewProcCluster(b, binary, 3)
	var times []time.Duration
	for range b.N {
		for range rounds {
			old := c.WaitForLeader(0, 1, 2)
			rest := others(old)
			c.Kill(old)
			start := time.Now()
			for {
				if i, err := c.LeaderIndex(rest...); err == nil && i != old {
					break
				}
				if time.Since(start) > 30*time.Second {
					b.Fatal("no new leader within 30s")
				}
				time.Sleep(5 * time.Millisecond)
			}
			times = append(times, time.Since(start))
			c.Restart(old)
			c.WaitHealthy()
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Milliseconds()), "median-ms")
	b.ReportMetric(float64(times[len(times)-1].Milliseconds()), "max-ms")
	b.ReportMetric(float64(times[0].Milliseconds()), "min-ms")
	b.Logf("failover times: %v", times)
}
