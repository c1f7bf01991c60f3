package integration

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
)

// runSeqCount runs seqcount to its end on c and returns its details and
// checkpoint statistics.
func runSeqCount(b *testing.B, c *Cluster, keys, count int, settings map[string]string) (coordinator.JobDetails, coordinator.CheckpointStats) {
	b.Helper()
	addr := c.WaitForLeader().HTTPAddr()
	id := SubmitJobWithSettings(b, addr, "seqcount", 3, map[string]string{
		"keys": strconv.Itoa(keys), "count": strconv.Itoa(count), "output": filepath.Join(b.TempDir(), "out"),
	}, settings)
	d := WaitForJobStatus(b, addr, id, coordinator.JobFinished, 2*time.Minute)
	stats, err := GetCheckpoints(addr, id)
	if err != nil {
		b.Fatal(err)
	}
	return d, stats
}

// BenchmarkCheckpointSize runs seqcount (a count in keyed state per key)
// over 10 k and 1 M keys, three records each, on three in-process nodes
// with a checkpoint every second, and reports the final checkpoint, which
// holds every key (its duration from trigger to completion and its size
// per key), and the longest of the retained ones.
//
//	go test ./integration -run '^$' -bench CheckpointSize -benchtime 1x
func BenchmarkCheckpointSize(b *testing.B) {
	for _, keys := range []int{10_000, 1_000_000} {
		b.Run("keys="+strconv.Itoa(keys), func(b *testing.B) {
			c := NewCluster(b, 3, nil)
			for range b.N {
				_, stats := runSeqCount(b, c, keys, 3, map[string]string{"execution.checkpointing.interval": "1s"})
				last := stats.Latest.Completed
				if last == nil {
					b.Fatal("no checkpoint completed")
				}
				b.ReportMetric(float64(last.EndToEndDuration), "final-checkpoint-ms")
				var longest int64
				for _, h := range stats.History {
					longest = max(longest, h.EndToEndDuration)
				}
				b.ReportMetric(float64(longest), "max-checkpoint-ms")
				b.ReportMetric(float64(last.StateSize)/float64(keys), "bytes/key")
				b.ReportMetric(float64(stats.Counts.Completed), "checkpoints")
			}
		})
	}
}

// BenchmarkCheckpointCost runs seqcount over 1,000 keys × 10,000 records on
// three in-process nodes without checkpoints and with one every second,
// and reports the records per second of each, from the job's start to its
// end:
//
//	go test ./integration -run '^$' -bench CheckpointCost -benchtime 1x
func BenchmarkCheckpointCost(b *testing.B) {
	const keys, count = 1000, 10_000
	for _, tc := range []struct {
		name     string
		settings map[string]string
	}{
		{"none", nil},
		{"every-1s", map[string]string{"execution.checkpointing.interval": "1s"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := NewCluster(b, 3, nil)
			for range b.N {
				d, _ := runSeqCount(b, c, keys, count, tc.settings)
				b.ReportMetric(float64(keys*count)/d.EndTime.Sub(d.StartTime).Seconds(), "records/s")
			}
		})
	}
}
