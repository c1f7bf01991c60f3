package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
)

// others returns the indexes of a 3-node cluster other than i.
func others(i int) []int {
	var out []int
	for j := range 3 {
		if j != i {
			out = append(out, j)
		}
	}
	return out
}

func TestProcessLeaderKillAndRejoin(t *testing.T) {
	needBinary(t)
	c := NewProcCluster(t, binary, 3)
	old := c.WaitForLeader(0, 1, 2)
	before, err := c.Status(old)
	if err != nil {
		t.Fatal(err)
	}
	c.Kill(old)
	rest := others(old)
	leader := c.WaitForNewLeader(old, rest...)
	st, err := c.Status(rest[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.ClusterID != before.ClusterID || st.Term <= before.Term {
		t.Fatalf("after failover: cluster %s term %d; before: cluster %s term %d", st.ClusterID, st.Term, before.ClusterID, before.Term)
	}

	// The killed node comes back on its data dir with a new incarnation and
	// rejoins as a follower.
	oldInc := ""
	for _, m := range before.Members {
		if m.Name == c.Procs[old].Name {
			oldInc = m.Incarnation
		}
	}
	c.Restart(old)
	c.WaitHealthy()
	WaitForResult(t, 20*time.Second, func() (bool, error) {
		st, err := c.Status(leader)
		if err != nil {
			return false, err
		}
		for _, m := range st.Members {
			if m.Name == c.Procs[old].Name {
				ok := m.State == "alive" && m.Role == "follower" && m.Incarnation != "" && m.Incarnation != oldInc
				return ok, fmt.Errorf("rejoined node shows as %+v (old incarnation %s)", m, oldInc)
			}
		}
		return false, fmt.Errorf("rejoined node not listed")
	})
	if got := c.WaitForLeader(0, 1, 2); got != leader {
		t.Fatalf("leader changed from %s to %s when a follower rejoined", c.Procs[leader].Name, c.Procs[got].Name)
	}
}

func TestProcessFullRestartFromDisk(t *testing.T) {
	needBinary(t)
	c := NewProcCluster(t, binary, 3)
	c.WaitForLeader(0, 1, 2)
	before, err := c.Status(0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Procs {
		if err := c.Stop(i); err != nil {
			t.Fatalf("SIGTERM %s: want exit 0, got %v", c.Procs[i].Name, err)
		}
	}
	for i := range c.Procs {
		c.Restart(i)
	}
	c.WaitHealthy()
	c.WaitForLeader(0, 1, 2)
	WaitForResult(t, 20*time.Second, func() (bool, error) {
		for i := range c.Procs {
			st, err := c.Status(i)
			if err != nil {
				return false, err
			}
			if st.ClusterID != before.ClusterID {
				return false, fmt.Errorf("%s: cluster id %s, was %s", c.Procs[i].Name, st.ClusterID, before.ClusterID)
			}
			alive := 0
			for _, m := range st.Members {
				if m.State == "alive" && m.Role != "none" {
					alive++
				}
			}
			if alive != 3 {
				return false, fmt.Errorf("%s: members %+v", c.Procs[i].Name, st.Members)
			}
		}
		return true, nil
	})
}

// TestProcessRestartedNodeLosesItsSubtasks kills a node running part of a
// job and restarts it at once, before gossip can declare it dead: the new
// process must not run the old process's subtasks again (they are fenced
// by incarnation), and the job fails saying the node was lost. Restarting
// the job instead comes with fault tolerance.
func TestProcessRestartedNodeLosesItsSubtasks(t *testing.T) {
	needBinary(t)
	c := NewProcCluster(t, binary, 3)
	leader := c.WaitForLeader(0, 1, 2)
	victim := (leader + 1) % 3
	addr := strings.TrimPrefix(c.Procs[leader].HTTPURL(), "http://")
	id := SubmitJob(t, addr, "keyed-sum", 3, map[string]string{"count": "1000000000000"})
	WaitForJobStatus(t, addr, id, coordinator.JobRunning, 30*time.Second)
	WaitForResult(t, 20*time.Second, func() (bool, error) {
		d, err := GetJob(addr, id)
		if err != nil {
			return false, err
		}
		for _, v := range d.Vertices {
			for _, s := range v.Subtasks {
				if s.Node == c.Procs[victim].Name && s.Status == "RUNNING" {
					return true, nil
				}
			}
		}
		return false, fmt.Errorf("no subtask running on %s yet", c.Procs[victim].Name)
	})

	c.Kill(victim)
	c.Restart(victim)
	d := WaitForJobStatus(t, addr, id, coordinator.JobFailed, 30*time.Second)
	if !strings.Contains(d.Error, "was lost") || !strings.Contains(d.Error, c.Procs[victim].Name) {
		t.Fatalf("job error %q does not say %s was lost", d.Error, c.Procs[victim].Name)
	}
	c.WaitHealthy()
}
