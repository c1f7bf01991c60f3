package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/runnel/runnel/node"
)

func getStatus(t testing.TB, n *node.Node) node.ClusterStatus {
	t.Helper()
	resp, err := http.Get("http://" + n.HTTPAddr() + "/v1/cluster")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st node.ClusterStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func memberByName(st node.ClusterStatus, name string) (node.MemberStatus, bool) {
	for _, m := range st.Members {
		if m.Name == name {
			return m, true
		}
	}
	return node.MemberStatus{}, false
}

func TestElection(t *testing.T) {
	c := NewCluster(t, 3, nil)
	leader := c.WaitForLeader()

	WaitForResult(t, 10*time.Second, func() (bool, error) {
		for _, n := range c.Nodes {
			st := getStatus(t, n)
			if st.ClusterID == "" || st.ClusterID != c.Nodes[0].ClusterID() {
				return false, fmt.Errorf("%s: cluster id %q", n.Name(), st.ClusterID)
			}
			if st.Leader != leader.Name() || st.Term == 0 {
				return false, fmt.Errorf("%s: leader %q term %d", n.Name(), st.Leader, st.Term)
			}
			if len(st.Members) != 3 {
				return false, fmt.Errorf("%s: %d members", n.Name(), len(st.Members))
			}
			for _, m := range st.Members {
				want := "follower"
				if m.Name == leader.Name() {
					want = "leader"
				}
				if m.State != "alive" || m.Role != want || m.Slots != 2 || m.RPC == "" || m.HTTP == "" {
					return false, fmt.Errorf("%s sees %+v", n.Name(), m)
				}
			}
		}
		return true, nil
	})
	for _, n := range c.Nodes {
		if got, want := n.JobManagerRunning(), n == leader; got != want {
			t.Errorf("%s: JobManager running = %v, want %v", n.Name(), got, want)
		}
		resp, err := http.Get("http://" + n.HTTPAddr() + "/v1/health")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: health %d", n.Name(), resp.StatusCode)
		}
	}
}

func TestGracefulLeaderStopHandsOverLeadership(t *testing.T) {
	c := NewCluster(t, 3, nil)
	old := c.WaitForLeader()
	var rest []*node.Node
	for i, n := range c.Nodes {
		if n == old {
			c.StopNode(i)
		} else {
			rest = append(rest, n)
		}
	}
	leader := c.WaitForLeader(rest...)
	WaitForResult(t, 10*time.Second, func() (bool, error) {
		return leader.JobManagerRunning(), fmt.Errorf("JobManager not running on the new leader %s", leader.Name())
	})
	// The stopped node left gossip but stays a voter, so a restart finds
	// its cluster intact.
	WaitForResult(t, 10*time.Second, func() (bool, error) {
		m, ok := memberByName(getStatus(t, leader), old.Name())
		return ok && m.State == "left" && m.Role == "follower", fmt.Errorf("old leader shows as %+v", m)
	})
}

func TestFollowerForwardsRemove(t *testing.T) {
	c := NewCluster(t, 3, nil)
	leader := c.WaitForLeader()
	var followers []*node.Node
	for _, n := range c.Nodes {
		if n != leader {
			followers = append(followers, n)
		}
	}
	gone, asker := followers[0], followers[1]

	del := func(name string) int {
		req, _ := http.NewRequest(http.MethodDelete, "http://"+asker.HTTPAddr()+"/v1/cluster/members/"+name, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := del(gone.Name()); got != http.StatusConflict {
		t.Fatalf("remove of an alive node: %d, want 409", got)
	}
	if got := del("nosuch"); got != http.StatusNotFound {
		t.Fatalf("remove of an unknown node: %d, want 404", got)
	}
	for i, n := range c.Nodes {
		if n == gone {
			c.StopNode(i)
		}
	}
	// The leader decides the removal from its own gossip view, which may
	// learn of the departure after the follower asked does.
	for _, n := range []*node.Node{asker, leader} {
		WaitForResult(t, 10*time.Second, func() (bool, error) {
			m, _ := memberByName(getStatus(t, n), gone.Name())
			return m.State == "left", fmt.Errorf("%s sees the stopped node as %+v", n.Name(), m)
		})
	}
	if got := del(gone.Name()); got != http.StatusOK {
		t.Fatalf("remove through a follower: %d, want 200", got)
	}
	for _, n := range []*node.Node{leader, asker} {
		WaitForResult(t, 10*time.Second, func() (bool, error) {
			st := getStatus(t, n)
			if m, ok := memberByName(st, gone.Name()); ok {
				return false, fmt.Errorf("%s still lists %+v", n.Name(), m)
			}
			return len(st.Members) == 2, fmt.Errorf("%s lists %d members", n.Name(), len(st.Members))
		})
	}
}

func TestVoterCapAndDeadNodeReclaim(t *testing.T) {
	c := NewCluster(t, 3, func(i int, cfg *node.Config) {
		cfg.MaxVoters = 3
		cfg.DeadNodeReclaim = 2 * time.Second
	})
	c.AddNode()
	roles := func(n *node.Node) map[string]string {
		r := map[string]string{}
		for _, m := range getStatus(t, n).Members {
			r[m.Name] = m.Role
		}
		return r
	}
	WaitForResult(t, 15*time.Second, func() (bool, error) {
		r := roles(c.Nodes[3])
		return r["n4"] == "nonvoter", fmt.Errorf("roles %v", r)
	})

	// A voter that goes away for longer than the reclaim period is removed
	// and the non-voter promoted in its place.
	leader := c.WaitForLeader()
	victim := -1
	for i, n := range c.Nodes[:3] {
		if n != leader {
			victim = i
			break
		}
	}
	c.StopNode(victim)
	WaitForResult(t, 20*time.Second, func() (bool, error) {
		r := roles(leader)
		_, still := r[c.Nodes[victim].Name()]
		return !still && r["n4"] == "follower", fmt.Errorf("roles %v", r)
	})
}
