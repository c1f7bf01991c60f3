package integration

import (
	"fmt"
	"testing"
	"time"
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
