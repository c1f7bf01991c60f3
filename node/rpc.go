package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/runnel/runnel/coordinator"
)

// RPC methods served on the peer connections.
const (
	// methodRaftStatus tells a bootstrapping node whether this one is
	// already part of a cluster.
	methodRaftStatus = "raft.status"
	// methodRemoveNode is RemoveNode forwarded to the leader.
	methodRemoveNode = "cluster.remove"
)

type raftStatusResponse struct {
	HasState bool `msgpack:"has_state"`
}

type removeNodeRequest struct {
	Name string `msgpack:"name"`
}

// forwardedResponse carries a forwarded write's outcome with the status it
// maps to, so the node that took the HTTP request answers as the leader would.
type forwardedResponse struct {
	Status int    `msgpack:"status"`
	Error  string `msgpack:"error"`
}

func (r forwardedResponse) err() error {
	if r.Error == "" {
		return nil
	}
	return &apiError{Status: r.Status, Message: r.Error}
}

func (n *Node) registerRPC() {
	n.peers.Handle(methodRaftStatus, func(ctx context.Context, body []byte) ([]byte, error) {
		has, err := n.raftStore.HasState()
		if err != nil {
			return nil, err
		}
		return msgpack.Marshal(raftStatusResponse{HasState: has})
	})
	n.peers.Handle(methodRemoveNode, func(ctx context.Context, body []byte) ([]byte, error) {
		var req removeNodeRequest
		if err := msgpack.Unmarshal(body, &req); err != nil {
			return nil, fmt.Errorf("decode request: %w", err)
		}
		var resp forwardedResponse
		if err := n.coord.RemoveNode(ctx, req.Name); err != nil {
			resp = forwardedResponse{Status: statusOf(err), Error: err.Error()}
		}
		return msgpack.Marshal(resp)
	})
}

// RemoveNode removes a failed or departed node from the cluster. On a
// follower it forwards the request to the leader.
func (n *Node) RemoveNode(ctx context.Context, name string) error {
	err := n.coord.RemoveNode(ctx, name)
	if !errors.Is(err, coordinator.ErrNotLeader) {
		return err
	}
	return n.forward(ctx, methodRemoveNode, removeNodeRequest{Name: name})
}

// forward sends a write to the leader and returns its outcome.
func (n *Node) forward(ctx context.Context, method string, req any) error {
	addr, id := n.raft.LeaderWithID()
	if addr == "" {
		return errNoLeader
	}
	var resp forwardedResponse
	if err := n.peers.Call(ctx, string(addr), method, req, &resp); err != nil {
		return &apiError{Status: http.StatusBadGateway, Message: fmt.Sprintf("forward to leader %s: %v", id, err)}
	}
	return resp.err()
}
