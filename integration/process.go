package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/internal/nodeproc"
	"github.com/runnel/runnel/node"
)

// BuildBinary builds the runnel binary into dir and returns its path.
func BuildBinary(dir string) (string, error) {
	bin := filepath.Join(dir, "runnel")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/runnel/runnel")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// ProcCluster is a cluster of real node processes on loopback.
type ProcCluster struct {
	t     testing.TB
	Procs []*nodeproc.Process
	specs []nodeproc.Spec
}

// NewProcCluster starts n node processes of binary that bootstrap one
// cluster, waits until all are healthy, and stops them (dumping their logs
// if the test failed) when the test ends.
func NewProcCluster(t testing.TB, binary string, n int, args ...string) *ProcCluster {
	t.Helper()
	return NewProcClusterWith(t, binary, n, nil, args...)
}

// NewProcClusterWith is NewProcCluster with adjust (if not nil) applied to
// each node's spec before it starts, for clusters whose nodes differ, such
// as one dedicated coordinator with no slots among nodes with slots.
func NewProcClusterWith(t testing.TB, binary string, n int, adjust func(i int, s *nodeproc.Spec), args ...string) *ProcCluster {
	t.Helper()
	dir := t.TempDir()
	ports, err := nodeproc.FreePorts(3 * n)
	if err != nil {
		t.Fatal(err)
	}
	c := &ProcCluster{t: t}
	t.Cleanup(c.cleanup)
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		s := nodeproc.Spec{
			Binary: binary, Name: name, DataDir: filepath.Join(dir, name),
			GossipPort: ports[3*i], RPCPort: ports[3*i+1], HTTPPort: ports[3*i+2],
			BootstrapExpect: n, Slots: 2,
			Args:    append([]string{"--gossip-profile", "local", "--log-level", "debug"}, args...),
			LogPath: filepath.Join(dir, name+".log"),
		}
		if i > 0 {
			s.Join = []string{c.specs[0].GossipAddr()}
		}
		if adjust != nil {
			adjust(i, &s)
		}
		c.specs = append(c.specs, s)
		c.Procs = append(c.Procs, c.launch(s))
	}
	c.WaitHealthy()
	return c
}

func (c *ProcCluster) launch(s nodeproc.Spec) *nodeproc.Process {
	c.t.Helper()
	p, err := nodeproc.Start(s)
	if err != nil {
		c.t.Fatal(err)
	}
	return p
}

// WaitHealthy waits until every running node answers /v1/health with 200.
func (c *ProcCluster) WaitHealthy() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range c.Procs {
		if isDone(p) {
			continue
		}
		if err := p.WaitHealthy(ctx); err != nil {
			c.t.Fatal(err)
		}
	}
}

func isDone(p *nodeproc.Process) bool {
	select {
	case <-p.Done():
		return true
	default:
		return false
	}
}

// Kill sends SIGKILL to node i and waits until it is gone.
func (c *ProcCluster) Kill(i int) { c.Procs[i].Kill() }

// Stop sends SIGTERM to node i and returns its exit status.
func (c *ProcCluster) Stop(i int) error { return c.Procs[i].Stop(20 * time.Second) }

// Restart starts node i again on its data dir and ports, without the
// bootstrap flag: a new process, so a new incarnation.
func (c *ProcCluster) Restart(i int) {
	c.t.Helper()
	s := c.specs[i]
	s.BootstrapExpect = 0
	c.Procs[i] = c.launch(s)
}

// Status fetches GET /v1/cluster from node i.
func (c *ProcCluster) Status(i int) (node.ClusterStatus, error) {
	var st node.ClusterStatus
	client := &http.Client{Timeout: time.Second}
	resp, err := client.Get(c.Procs[i].HTTPURL() + "/v1/cluster")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("GET /v1/cluster on %s: %s", c.Procs[i].Name, resp.Status)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// TransferLeadership posts POST /v1/cluster/leadership with to (empty: the
// leader picks) to node i and returns the HTTP status and, on 200, the
// answer; any other status comes with the API's reason as the error.
func (c *ProcCluster) TransferLeadership(i int, to string) (int, node.LeadershipTransfer, error) {
	var lt node.LeadershipTransfer
	body, err := json.Marshal(node.TransferRequest{To: to})
	if err != nil {
		return 0, lt, err
	}
	client := &http.Client{Timeout: 15 * time.Second}
	resp, err := client.Post(c.Procs[i].HTTPURL()+"/v1/cluster/leadership", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, lt, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, lt, fmt.Errorf("read answer of %s: %w", c.Procs[i].Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, lt, fmt.Errorf("transfer leadership on %s: %s: %s", c.Procs[i].Name, resp.Status, raw)
	}
	return resp.StatusCode, lt, json.Unmarshal(raw, &lt)
}

// LeaderIndex returns the index of the node all given nodes name as leader,
// or an error while they disagree or know none.
func (c *ProcCluster) LeaderIndex(nodes ...int) (int, error) {
	leader := ""
	for _, i := range nodes {
		st, err := c.Status(i)
		if err != nil {
			return -1, err
		}
		if st.Leader == "" || (leader != "" && st.Leader != leader) {
			return -1, fmt.Errorf("%s says leader %q, others %q", c.Procs[i].Name, st.Leader, leader)
		}
		leader = st.Leader
	}
	for i, p := range c.Procs {
		if p.Name == leader {
			return i, nil
		}
	}
	return -1, fmt.Errorf("leader %q is unknown", leader)
}

// WaitForLeader waits until the given nodes agree on a leader.
func (c *ProcCluster) WaitForLeader(nodes ...int) int {
	c.t.Helper()
	idx := -1
	WaitForResult(c.t, 20*time.Second, func() (bool, error) {
		var err error
		idx, err = c.LeaderIndex(nodes...)
		return err == nil, err
	})
	return idx
}

// WaitForNewLeader waits until the given nodes agree on a leader other
// than old (whom they keep naming until their heartbeat timeout fires).
func (c *ProcCluster) WaitForNewLeader(old int, nodes ...int) int {
	c.t.Helper()
	idx := -1
	WaitForResult(c.t, 20*time.Second, func() (bool, error) {
		var err error
		idx, err = c.LeaderIndex(nodes...)
		if err == nil && idx == old {
			err = fmt.Errorf("still the old leader %s", c.Procs[old].Name)
		}
		return err == nil, err
	})
	return idx
}

func (c *ProcCluster) cleanup() {
	for _, p := range c.Procs {
		p.Stop(10 * time.Second)
	}
	if !c.t.Failed() {
		return
	}
	for _, s := range c.specs {
		data, err := os.ReadFile(s.LogPath)
		if err != nil {
			continue
		}
		lines := strings.Split(string(data), "\n")
		if len(lines) > 80 {
			lines = lines[len(lines)-80:]
		}
		c.t.Logf("---- last lines of %s ----\n%s", s.Name, strings.Join(lines, "\n"))
	}
}
