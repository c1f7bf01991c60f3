package transport

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func TestRaftLayerAppendEntries(t *testing.T) {
	newTransport := func() *raft.NetworkTransport {
		m := newTestMux(t)
		layer := NewRaftLayer(m.Listen(KindRaft), m.Addr())
		m.Listen(KindPeer) // unused, but proves raft coexists with peers
		m.serve()
		trans := raft.NewNetworkTransport(layer, 3, time.Second, io.Discard)
		t.Cleanup(func() {
			// Pooled outbound conns outlive Close; closing them ends the
			// remote's handler goroutine.
			trans.CloseStreams()
			trans.Close()
		})
		return trans
	}
	t1, t2 := newTransport(), newTransport()

	go func() {
		rpc := <-t2.Consumer()
		req := rpc.Command.(*raft.AppendEntriesRequest)
		rpc.Respond(&raft.AppendEntriesResponse{Term: req.Term, Success: true}, nil)
	}()
	var resp raft.AppendEntriesResponse
	req := raft.AppendEntriesRequest{
		RPCHeader: raft.RPCHeader{ProtocolVersion: raft.ProtocolVersionMax, Addr: []byte(t1.LocalAddr())},
		Term:      7,
		Entries:   []*raft.Log{{Index: 1, Term: 7, Type: raft.LogCommand, Data: []byte("x")}},
	}
	if err := t1.AppendEntries("n2", t2.LocalAddr(), &req, &resp); err != nil {
		t.Fatal(err)
	}
	if !resp.Success || resp.Term != 7 {
		t.Fatalf("unexpected response %+v", resp)
	}
}

func TestRaftLayerAddrIsAdvertise(t *testing.T) {
	m := newTestMux(t)
	adv := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 6123}
	if got := NewRaftLayer(m.Listen(KindRaft), adv).Addr(); got != adv {
		t.Fatalf("Addr() = %v, want %v", got, adv)
	}
}
