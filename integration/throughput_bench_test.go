package integration

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
)

// BenchmarkKeyedSumThreeNodes runs the built-in keyed-sum job (generator →
// map → keyBy → reduce → discard) on a cluster of 3 node processes on
// loopback, 2 slots each, and reports records per second from the job's
// start to its end (the hash exchange crosses nodes over TCP):
//
//	go test ./integration -run '^$' -bench KeyedSumThreeNodes -benchtime 1x
func BenchmarkKeyedSumThreeNodes(b *testing.B) {
	needBinary(b)
	const records = 20_000_000
	c := NewProcCluster(b, binary, 3, "--log-level", "info")
	addr := strings.TrimPrefix(c.Procs[0].HTTPURL(), "http://")
	for _, p := range []int{3, 6} {
		b.Run("p="+strconv.Itoa(p), func(b *testing.B) {
			var rate float64
			for range b.N {
				id := SubmitJob(b, addr, "keyed-sum", p, map[string]string{"count": strconv.Itoa(records)})
				d := WaitForJobStatus(b, addr, id, coordinator.JobFinished, 5*time.Minute)
				rate = records / d.EndTime.Sub(d.StartTime).Seconds()
			}
			b.ReportMetric(rate, "records/s")
		})
	}
}
