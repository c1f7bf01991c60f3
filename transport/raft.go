package transport

import (
	"net"
	"time"

	"github.com/hashicorp/raft"
)

// RaftLayer implements raft.StreamLayer on a mux sub-listener. Raft keeps
// its own connections, separate from peer traffic, so heartbeats never queue
// behind bulk data.
type RaftLayer struct {
	ln        net.Listener
	advertise net.Addr
}

var _ raft.StreamLayer = (*RaftLayer)(nil)

// NewRaftLayer serves raft on ln. advertise is what other servers dial, which
// differs from ln.Addr() when bound to a wildcard or behind NAT; nil means
// ln.Addr().
func NewRaftLayer(ln net.Listener, advertise net.Addr) *RaftLayer {
	if advertise == nil {
		advertise = ln.Addr()
	}
	return &RaftLayer{ln: ln, advertise: advertise}
}

func (l *RaftLayer) Accept() (net.Conn, error) { return l.ln.Accept() }

func (l *RaftLayer) Close() error { return l.ln.Close() }

// Addr returns the advertise address because raft hands it to other servers.
func (l *RaftLayer) Addr() net.Addr { return l.advertise }

// Dial connects to a remote mux and announces the connection as raft.
func (l *RaftLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	nc, err := net.DialTimeout("tcp", string(addr), timeout)
	if err != nil {
		return nil, err
	}
	if _, err := nc.Write([]byte{KindRaft}); err != nil {
		nc.Close()
		return nil, err
	}
	return nc, nil
}
