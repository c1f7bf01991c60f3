package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/table"
)

// RPC methods served on the peer connections.
const (
	// methodRaftStatus tells a bootstrapping node whether this one is
	// already part of a cluster.
	methodRaftStatus = "raft.status"
	// methodFetchResults and methodDropResults reach the rows of a SELECT
	// that this node's collect sink holds (node/sql.go).
	methodFetchResults = "sql.results"
	methodDropResults  = "sql.drop"
	// The rest are leader operations forwarded by followers.
	methodRemoveNode    = "cluster.remove"
	methodTransferLead  = "cluster.transfer-leadership"
	methodSubmitJob     = "jobs.submit"
	methodCancelJob     = "jobs.cancel"
	methodJobDetails    = "jobs.get"
	methodReportTasks   = "tasks.report"
	methodAckCheckpoint = "checkpoint.ack"
	methodSavepoint     = "jobs.savepoint"
	methodCatalogPut    = "catalog.put"
	methodCatalogDelete = "catalog.delete"
)

// submitJobRequest carries the id the receiving node chose with the spec.
type submitJobRequest struct {
	ID   string        `msgpack:"id"`
	Spec jobgraph.Spec `msgpack:"spec"`
}

type raftStatusResponse struct {
	HasState bool `msgpack:"has_state"`
}

// forwardedResponse carries a forwarded operation's outcome: its result,
// msgpack-encoded, or its error with the HTTP status it maps to, so the
// node that took the request answers as the leader would.
type forwardedResponse struct {
	Status int    `msgpack:"status"`
	Error  string `msgpack:"error"`
	Body   []byte `msgpack:"body"`
}

// leaderOp is an operation only the leader performs: it decodes its
// request with decode and returns a result to encode.
type leaderOp func(ctx context.Context, decode func(v any) error) (any, error)

func (n *Node) registerRPC() {
	n.peers.Handle(methodRaftStatus, func(ctx context.Context, body []byte) ([]byte, error) {
		has, err := n.raftStore.HasState()
		if err != nil {
			return nil, err
		}
		return msgpack.Marshal(raftStatusResponse{HasState: has})
	})
	n.peers.Handle(methodFetchResults, func(ctx context.Context, body []byte) ([]byte, error) {
		var req fetchResults
		if err := msgpack.Unmarshal(body, &req); err != nil {
			return nil, err
		}
		page, found := localResults(req.Job, req.Token)
		return msgpack.Marshal(fetchedResults{Page: page, Found: found})
	})
	n.peers.Handle(methodDropResults, func(ctx context.Context, body []byte) ([]byte, error) {
		var job string
		if err := msgpack.Unmarshal(body, &job); err != nil {
			return nil, err
		}
		table.LocalResults.Drop(jobgraph.JobID(job))
		return msgpack.Marshal(nil)
	})
	for method, op := range n.leaderOps() {
		n.peers.Handle(method, func(ctx context.Context, body []byte) ([]byte, error) {
			v, err := op(ctx, func(v any) error {
				if err := msgpack.Unmarshal(body, v); err != nil {
					return &apiError{Status: http.StatusBadRequest, Message: fmt.Sprintf("decode request: %v", err)}
				}
				return nil
			})
			var resp forwardedResponse
			if err != nil {
				resp = forwardedResponse{Status: statusOf(err), Error: err.Error()}
			} else if resp.Body, err = msgpack.Marshal(v); err != nil {
				return nil, err
			}
			return msgpack.Marshal(resp)
		})
	}
}

// leaderOps is the table of operations followers forward to the leader.
func (n *Node) leaderOps() map[string]leaderOp {
	return map[string]leaderOp{
		methodRemoveNode: func(ctx context.Context, decode func(any) error) (any, error) {
			var name string
			if err := decode(&name); err != nil {
				return nil, err
			}
			return name, n.coord.RemoveNode(ctx, name)
		},
		methodTransferLead: func(ctx context.Context, decode func(any) error) (any, error) {
			var to string
			if err := decode(&to); err != nil {
				return nil, err
			}
			leader, err := n.coord.TransferLeadership(ctx, to)
			return LeadershipTransfer{Previous: n.cfg.Name, Leader: leader}, err
		},
		methodSubmitJob: func(ctx context.Context, decode func(any) error) (any, error) {
			var req submitJobRequest
			if err := decode(&req); err != nil {
				return nil, err
			}
			return req.ID, n.coord.SubmitJob(ctx, req.ID, req.Spec)
		},
		methodCancelJob: func(ctx context.Context, decode func(any) error) (any, error) {
			var id string
			if err := decode(&id); err != nil {
				return nil, err
			}
			return id, n.coord.CancelJob(ctx, id)
		},
		methodJobDetails: func(ctx context.Context, decode func(any) error) (any, error) {
			var id string
			if err := decode(&id); err != nil {
				return nil, err
			}
			return n.coord.JobDetails(id)
		},
		methodReportTasks: func(ctx context.Context, decode func(any) error) (any, error) {
			var reports []jobgraph.TaskReport
			if err := decode(&reports); err != nil {
				return nil, err
			}
			return nil, n.coord.ReportTasks(reports)
		},
		methodSavepoint: func(ctx context.Context, decode func(any) error) (any, error) {
			var req savepointRPC
			if err := decode(&req); err != nil {
				return nil, err
			}
			loc, err := n.coord.TriggerSavepoint(ctx, req.ID, req.Dir, req.Cancel)
			return SavepointResponse{Location: loc}, err
		},
		methodCatalogPut: func(ctx context.Context, decode func(any) error) (any, error) {
			var req coordinator.PutCatalogEntryRequest
			if err := decode(&req); err != nil {
				return nil, err
			}
			return n.coord.PutCatalogEntry(ctx, req.Entry, req.Create)
		},
		methodCatalogDelete: func(ctx context.Context, decode func(any) error) (any, error) {
			var name string
			if err := decode(&name); err != nil {
				return nil, err
			}
			return n.coord.DeleteCatalogEntry(ctx, name)
		},
		methodAckCheckpoint: func(ctx context.Context, decode func(any) error) (any, error) {
			var ack jobgraph.CheckpointAck
			if err := decode(&ack); err != nil {
				return nil, err
			}
			return nil, n.coord.AcknowledgeCheckpoint(ack)
		},
	}
}

// onLeader runs a leader operation here if this node leads, else forwards
// it to the leader (rqlite's proxy: try locally, forward on "not leader"),
// and decodes the result into resp (if not nil).
func (n *Node) onLeader(ctx context.Context, method string, req, resp any) error {
	op := n.leaderOps()[method]
	v, err := op(ctx, func(dst any) error {
		b, err := msgpack.Marshal(req)
		if err != nil {
			return err
		}
		return msgpack.Unmarshal(b, dst)
	})
	if err == nil {
		if resp == nil {
			return nil
		}
		b, err := msgpack.Marshal(v)
		if err != nil {
			return err
		}
		return msgpack.Unmarshal(b, resp)
	}
	if !errors.Is(err, coordinator.ErrNotLeader) {
		return err
	}
	addr, id := n.raft.LeaderWithID()
	if addr == "" || string(id) == n.cfg.Name {
		return errNoLeader
	}
	var fr forwardedResponse
	if err := n.peers.Call(ctx, string(addr), method, req, &fr); err != nil {
		return &apiError{Status: http.StatusBadGateway, Message: fmt.Sprintf("forward to leader %s: %v", id, err)}
	}
	if fr.Error != "" {
		return &apiError{Status: fr.Status, Message: fr.Error}
	}
	if resp == nil {
		return nil
	}
	if err := msgpack.Unmarshal(fr.Body, resp); err != nil {
		return fmt.Errorf("decode leader's answer: %w", err)
	}
	return nil
}

// LeadershipTransfer is the answer to POST /v1/cluster/leadership.
type LeadershipTransfer struct {
	// Previous is the node that led when the request arrived.
	Previous string `json:"previous" msgpack:"previous"`
	// Leader is the new leader, empty if it was not yet known when the
	// previous leader answered.
	Leader string `json:"leader" msgpack:"leader"`
}

// TransferLeadership moves the leadership to the voter named to, or to
// another alive voter when to is empty, on the leader.
func (n *Node) TransferLeadership(ctx context.Context, to string) (LeadershipTransfer, error) {
	var lt LeadershipTransfer
	err := n.onLeader(ctx, methodTransferLead, to, &lt)
	return lt, err
}

// RemoveNode removes a failed or departed node from the cluster, on the
// leader.
func (n *Node) RemoveNode(ctx context.Context, name string) error {
	return n.onLeader(ctx, methodRemoveNode, name, nil)
}
