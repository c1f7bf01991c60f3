package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/hashicorp/raft"

	"github.com/runnel/runnel/coordinator"
)

// apiError is an error with the HTTP status it answers with.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string { return e.Message }

// errNoLeader answers writes while the cluster has no leader.
var errNoLeader = &apiError{Status: http.StatusServiceUnavailable, Message: "no leader; try again when one is elected"}

// statusOf maps an error to the status it answers with.
func statusOf(err error) int {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae.Status
	case errors.Is(err, coordinator.ErrUnknownNode), errors.Is(err, coordinator.ErrUnknownJob):
		return http.StatusNotFound
	case errors.Is(err, coordinator.ErrCatalogNotFound):
		return http.StatusNotFound
	case errors.Is(err, coordinator.ErrCatalogExists):
		return http.StatusConflict
	case errors.Is(err, coordinator.ErrBadJob):
		return http.StatusBadRequest
	case errors.Is(err, coordinator.ErrJobEnded):
		return http.StatusConflict
	case errors.Is(err, coordinator.ErrNoCheckpointing), errors.Is(err, coordinator.ErrSavepointBusy):
		return http.StatusConflict
	case errors.Is(err, coordinator.ErrNodeAlive), errors.Is(err, coordinator.ErrNotVoter),
		errors.Is(err, coordinator.ErrNodeDown), errors.Is(err, coordinator.ErrNoCandidate),
		errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return http.StatusConflict
	case errors.Is(err, coordinator.ErrNotLeader):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// handlerFunc is an API handler: it returns the value to encode as JSON,
// or an error that wrap turns into a status and {"error": "..."}.
type handlerFunc func(r *http.Request) (any, error)

func (n *Node) wrap(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		w.Header().Set("Content-Type", "application/json")
		status := http.StatusOK
		if err != nil {
			status = statusOf(err)
			if status >= 500 {
				n.log.Warn("api error", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			v = map[string]string{"error": err.Error()}
			var se *statementError
			if errors.As(err, &se) {
				v = StatementResponse{Results: se.done, Error: err.Error()}
			}
		}
		w.WriteHeader(status)
		if err := json.NewEncoder(w).Encode(v); err != nil {
			n.log.Debug("write api response", "err", err)
		}
	}
}

func (n *Node) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/cluster", n.wrap(n.handleCluster))
	mux.HandleFunc("GET /v1/health", n.handleHealth)
	mux.HandleFunc("DELETE /v1/cluster/members/{name}", n.wrap(n.handleRemoveMember))
	mux.HandleFunc("POST /v1/cluster/leadership", n.wrap(n.handleTransferLeadership))
	mux.HandleFunc("POST /v1/jobs", n.wrap(n.handleSubmitJob))
	mux.HandleFunc("GET /v1/jobs", n.wrap(n.handleListJobs))
	mux.HandleFunc("GET /v1/jobs/{id}", n.wrap(n.handleJobDetails))
	mux.HandleFunc("POST /v1/jobs/{id}/cancel", n.wrap(n.handleCancelJob))
	mux.HandleFunc("GET /v1/jobs/{id}/checkpoints", n.wrap(n.handleCheckpoints))
	mux.HandleFunc("POST /v1/jobs/{id}/savepoints", n.wrap(n.handleSavepoint))
	mux.HandleFunc("POST /v1/sql/sessions", n.wrap(n.handleOpenSession))
	mux.HandleFunc("DELETE /v1/sql/sessions/{id}", n.wrap(n.handleCloseSession))
	mux.HandleFunc("POST /v1/sql", n.wrap(n.handleSQL))
	mux.HandleFunc("GET /v1/sql/results/{job}", n.wrap(n.handleFetchResults))
	mux.HandleFunc("DELETE /v1/sql/results/{job}", n.wrap(n.handleCancelQuery))
	mux.HandleFunc("/", n.wrap(func(r *http.Request) (any, error) {
		return nil, &apiError{Status: http.StatusNotFound, Message: fmt.Sprintf("no route %s %s", r.Method, r.URL.Path)}
	}))
	return mux
}

// ClusterStatus is the body of GET /v1/cluster.
type ClusterStatus struct {
	ClusterID string         `json:"cluster_id"`
	Leader    string         `json:"leader"`
	Term      uint64         `json:"term"`
	Members   []MemberStatus `json:"members"`
}

// MemberStatus is one node in ClusterStatus.
type MemberStatus struct {
	Name        string `json:"name"`
	State       string `json:"state"`
	Role        string `json:"role"`
	RPC         string `json:"rpc"`
	HTTP        string `json:"http"`
	Slots       int    `json:"slots"`
	Incarnation string `json:"incarnation,omitempty"`
	Version     string `json:"version,omitempty"`
}

// Status builds the cluster view from this node's own state only (gossip,
// its copy of the Raft configuration and FSM), so it answers at once even
// during an election.
func (n *Node) Status() ClusterStatus {
	leader := n.Leader()
	var servers []raft.Server
	if f := n.raft.GetConfiguration(); f.Error() == nil {
		servers = f.Configuration().Servers
	}
	role := func(name string) string {
		for _, s := range servers {
			if string(s.ID) != name {
				continue
			}
			switch {
			case name == leader:
				return "leader"
			case s.Suffrage == raft.Voter:
				return "follower"
			default:
				return "nonvoter"
			}
		}
		return "none"
	}
	table := n.fsm.Nodes()
	st := ClusterStatus{ClusterID: n.fsm.ClusterID(), Leader: leader, Term: n.raft.CurrentTerm(), Members: []MemberStatus{}}
	seen := map[string]bool{}
	for _, p := range n.gossip.peers() {
		r := role(p.Name)
		if _, inTable := table[p.Name]; p.State != coordinator.StateAlive && r == "none" && !inTable {
			continue // removed from the cluster; gossip just has not forgotten it yet
		}
		seen[p.Name] = true
		st.Members = append(st.Members, MemberStatus{
			Name: p.Name, State: p.State.String(), Role: r, RPC: p.RPC, HTTP: p.HTTP,
			Slots: p.Slots, Incarnation: p.Incarnation, Version: p.Version,
		})
	}
	for _, s := range servers {
		name := string(s.ID)
		if seen[name] {
			continue
		}
		seen[name] = true
		m := MemberStatus{Name: name, State: coordinator.StateDead.String(), Role: role(name), RPC: string(s.Address)}
		if t, ok := table[name]; ok {
			m.HTTP, m.Slots = t.HTTPAddr, t.Slots
		}
		st.Members = append(st.Members, m)
	}
	return st
}

func (n *Node) handleCluster(*http.Request) (any, error) {
	return n.Status(), nil
}

// handleHealth is 200 when this node is in the Raft configuration and
// knows a leader: the readiness check for load balancers and tests.
func (n *Node) handleHealth(w http.ResponseWriter, r *http.Request) {
	n.wrap(func(*http.Request) (any, error) {
		leader := n.Leader()
		if leader == "" {
			return nil, &apiError{Status: http.StatusServiceUnavailable, Message: "no known leader"}
		}
		f := n.raft.GetConfiguration()
		if err := f.Error(); err != nil {
			return nil, &apiError{Status: http.StatusServiceUnavailable, Message: err.Error()}
		}
		for _, s := range f.Configuration().Servers {
			if string(s.ID) == n.cfg.Name {
				return map[string]string{"status": "ok", "leader": leader}, nil
			}
		}
		return nil, &apiError{Status: http.StatusServiceUnavailable, Message: "not yet a member of the raft cluster"}
	})(w, r)
}

func (n *Node) handleRemoveMember(r *http.Request) (any, error) {
	name := r.PathValue("name")
	if err := n.RemoveNode(r.Context(), name); err != nil {
		return nil, err
	}
	return map[string]string{"removed": name}, nil
}

// TransferRequest is the optional body of POST /v1/cluster/leadership.
type TransferRequest struct {
	// To names the voter to take over; empty lets the leader pick one.
	To string `json:"to,omitempty"`
}

// maxTransferBody bounds a leadership transfer's body.
const maxTransferBody = 4 << 10

func (n *Node) handleTransferLeadership(r *http.Request) (any, error) {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxTransferBody))
	dec.DisallowUnknownFields()
	var req TransferRequest
	if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		return nil, badRequest("bad body: %v; want {\"to\": NAME} or none", err)
	}
	return n.TransferLeadership(r.Context(), req.To)
}
