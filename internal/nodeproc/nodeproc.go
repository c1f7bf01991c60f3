// Package nodeproc starts and stops runnel node processes on this machine:
// what `runnel local` and the multi-process integration tests share.
package nodeproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Spec describes one node process on loopback.
type Spec struct {
	Binary          string // the runnel binary
	Name            string
	DataDir         string
	GossipPort      int
	RPCPort         int
	HTTPPort        int
	Join            []string
	BootstrapExpect int
	Slots           int
	// Args are further flags, e.g. --gossip-profile local.
	Args []string
	// LogPath receives the process's stdout and stderr.
	LogPath string
}

// Process is a running node process.
type Process struct {
	Spec
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error
}

// Start launches the node described by s.
func Start(s Spec) (*Process, error) {
	args := []string{"node",
		"--name", s.Name, "--data-dir", s.DataDir, "--bind", "127.0.0.1",
		"--gossip-port", strconv.Itoa(s.GossipPort), "--rpc-port", strconv.Itoa(s.RPCPort),
		"--http-port", strconv.Itoa(s.HTTPPort), "--slots", strconv.Itoa(s.Slots),
	}
	if len(s.Join) > 0 {
		args = append(args, "--join", strings.Join(s.Join, ","))
	}
	if s.BootstrapExpect > 0 {
		args = append(args, "--bootstrap-expect", strconv.Itoa(s.BootstrapExpect))
	}
	args = append(args, s.Args...)
	if err := os.MkdirAll(s.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.Name, err)
	}
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", s.Name, err)
	}
	cmd := exec.Command(s.Binary, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	// The node must see only what the spec says, not the caller's RUNNEL_*.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RUNNEL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", s.Name, err)
	}
	p := &Process{Spec: s, cmd: cmd, log: logf, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

// HTTPURL is the node's API base URL.
func (s Spec) HTTPURL() string { return "http://" + s.HTTPAddr() }

// HTTPAddr is the node's API address, host:port.
func (s Spec) HTTPAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.HTTPPort)) }

// GossipAddr is the address other nodes join.
func (s Spec) GossipAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.GossipPort))
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is the process's exit status; valid after Done is closed.
func (p *Process) Err() error { return p.err }

// Stop sends SIGTERM and waits up to timeout, then kills. It returns the
// exit status of a process that stopped by itself, or an error saying it
// had to be killed.
func (p *Process) Stop(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.Kill()
		return fmt.Errorf("%s did not stop within %s; killed", p.Name, timeout)
	}
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// WaitHealthy polls the node's /v1/health until it answers 200, the
// process exits, or ctx ends.
func (p *Process) WaitHealthy(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(p.HTTPURL() + "/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %v (log: %s)", p.Name, p.err, p.LogPath)
		case <-ctx.Done():
			return fmt.Errorf("%s not healthy: %w (log: %s)", p.Name, ctx.Err(), p.LogPath)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// FreePorts returns n distinct loopback ports free for both TCP and UDP at
// the time of the call (gossip needs both on one port). Another process
// may take one before the node binds it; callers that care retry.
func FreePorts(n int) ([]int, error) {
	var ports []int
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 100*n {
			return nil, errors.New("no free loopback ports")
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			l.Close()
			continue
		}
		u.Close()
		held = append(held, l)
		ports = append(ports, port)
	}
	return ports, nil
}
