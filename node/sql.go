package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/sql"
	"github.com/runnel/runnel/table"
	"github.com/runnel/runnel/table/data"
)

// sessionIdle is how long an unused SQL session is kept.
const sessionIdle = time.Hour

// maxStatementBody bounds a POST /v1/sql body.
const maxStatementBody = 1 << 20

// sqlSessions are the SQL sessions opened on this node (Flink's SQL
// gateway keeps sessions the same way: in the process a client talks to).
// Idle ones are swept when a session is opened, so no goroutine is needed.
type sqlSessions struct {
	mu   sync.Mutex
	byID map[string]*sqlSession
	// homes remembers which node (its RPC address) served a query's rows, so
	// that later fetches go straight there.
	homes map[string]string
}

type sqlSession struct {
	mu   sync.Mutex // one statement at a time
	s    *sql.Session
	used time.Time
}

// sqlCluster is the cluster as a SQL session sees it.
type sqlCluster struct{ n *Node }

func (c sqlCluster) Catalog() table.Catalog { return raftCatalog{c.n} }

func (c sqlCluster) SubmitJob(ctx context.Context, spec jobgraph.Spec) (string, error) {
	return c.n.submitJob(ctx, spec)
}

// JobStatus reads this node's replica, and asks the leader about a job the
// replica does not know yet: the leader knows it as soon as it is
// submitted.
func (c sqlCluster) JobStatus(ctx context.Context, id string) (string, string, error) {
	if job, ok := c.n.fsm.Job(id); ok {
		return string(job.Status), job.Error, nil
	}
	var d coordinator.JobDetails
	if err := c.n.onLeader(ctx, methodJobDetails, id, &d); err != nil {
		return "", "", err
	}
	return string(d.Status), d.Error, nil
}

// OpenSessionResponse is the answer to POST /v1/sql/sessions.
type OpenSessionResponse struct {
	Session string `json:"session"`
}

func (n *Node) handleOpenSession(*http.Request) (any, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	id := hex.EncodeToString(b)
	n.sessions.mu.Lock()
	defer n.sessions.mu.Unlock()
	if n.sessions.byID == nil {
		n.sessions.byID = map[string]*sqlSession{}
	}
	for k, s := range n.sessions.byID {
		if s.mu.TryLock() {
			idle := time.Since(s.used) > sessionIdle
			s.mu.Unlock()
			if idle {
				delete(n.sessions.byID, k)
			}
		}
	}
	// The rows of queries whose client never came back for them.
	for _, id := range table.LocalResults.Jobs() {
		if job, ok := n.fsm.Job(string(id)); ok && job.Status.Terminal() && time.Since(job.EndTime) > sessionIdle {
			table.LocalResults.Drop(id)
			delete(n.sessions.homes, string(id))
		}
	}
	n.sessions.byID[id] = &sqlSession{s: sql.NewSession(sqlCluster{n}), used: time.Now()}
	return OpenSessionResponse{Session: id}, nil
}

func (n *Node) handleCloseSession(r *http.Request) (any, error) {
	id := r.PathValue("id")
	n.sessions.mu.Lock()
	defer n.sessions.mu.Unlock()
	if _, ok := n.sessions.byID[id]; !ok {
		return nil, &apiError{Status: http.StatusNotFound, Message: fmt.Sprintf("session %s not found", id)}
	}
	delete(n.sessions.byID, id)
	return map[string]string{"session": id}, nil
}

// StatementRequest is a POST /v1/sql body: statements to run in a session
// (or, without one, in a session of their own).
type StatementRequest struct {
	Session   string `json:"session,omitempty"`
	Statement string `json:"statement"`
}

// StatementResponse is the answer to POST /v1/sql. When a statement fails,
// Error says why (with the status 400) and Results hold the statements
// before it, which did run: an INSERT among them has its job id there.
type StatementResponse struct {
	Results []sql.Result `json:"results"`
	Error   string       `json:"error,omitempty"`
}

// statementError is a failed statement after the ones that ran.
type statementError struct {
	err  error
	done []sql.Result
}

func (e *statementError) Error() string { return e.err.Error() }
func (e *statementError) Unwrap() error { return e.err }

func (n *Node) handleSQL(r *http.Request) (any, error) {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxStatementBody))
	dec.DisallowUnknownFields()
	var req StatementRequest
	if err := dec.Decode(&req); err != nil {
		return nil, badRequest("bad body: %v; want {\"session\": ID, \"statement\": SQL}", err)
	}
	s := &sqlSession{s: sql.NewSession(sqlCluster{n})}
	if req.Session != "" {
		n.sessions.mu.Lock()
		found, ok := n.sessions.byID[req.Session]
		n.sessions.mu.Unlock()
		if !ok {
			return nil, &apiError{Status: http.StatusNotFound, Message: fmt.Sprintf("session %s not found (sessions live on the node that opened them)", req.Session)}
		}
		s = found
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used = time.Now()
	results, err := s.s.Execute(r.Context(), req.Statement)
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			// The session's errors are the statement's: bad SQL, a plan
			// it refuses, a table that is not there.
			err = badRequest("%v", err)
		}
		return nil, &statementError{err: err, done: results}
	}
	return StatementResponse{Results: results}, nil
}

// ResultRow is one changelog row of a query's result.
type ResultRow struct {
	Kind   string    `json:"kind"`
	Fields []*string `json:"fields"`
}

// ResultPage is the answer to GET /v1/sql/results/{job}.
type ResultPage struct {
	Rows  []ResultRow `json:"rows"`
	Next  int64       `json:"next"`
	Ended bool        `json:"ended"`
	// Status and Error are the job's, so that a client stops on failure.
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

const maxPageRows = 1000

// fetchResults asks a node for the rows of a query it holds; the answer
// is fetchedResults.
type fetchResults struct {
	Job   string `msgpack:"job"`
	Token int64  `msgpack:"token"`
}

type fetchedResults struct {
	Page  ResultPage `msgpack:"page"`
	Found bool       `msgpack:"found"`
}

// localResults is the page of a query's rows from token on, if this
// process runs the query's collect sink.
func localResults(job string, token int64) (ResultPage, bool) {
	p, schema, found := table.LocalResults.Fetch(jobgraph.JobID(job), token, maxPageRows)
	if !found {
		return ResultPage{}, false
	}
	page := ResultPage{Next: p.Next, Ended: p.Ended}
	for _, row := range p.Rows {
		page.Rows = append(page.Rows, resultRow(row, schema))
	}
	return page, true
}

// handleFetchResults returns a query's rows from ?token= on. The rows are
// on the node that runs the query's collect sink; another node asks the
// others over the peer connection, first the one that had them last time.
func (n *Node) handleFetchResults(r *http.Request) (any, error) {
	id := r.PathValue("job")
	n.touchSession(r.URL.Query().Get("session"))
	token, err := strconv.ParseInt(r.URL.Query().Get("token"), 10, 64)
	if err != nil && r.URL.Query().Get("token") != "" {
		return nil, badRequest("token %q: not a number", r.URL.Query().Get("token"))
	}
	status, failure, err := sqlCluster{n}.JobStatus(r.Context(), id)
	if err != nil {
		return nil, err
	}
	page, found := localResults(id, token)
	if !found {
		page, found = n.remoteResults(r.Context(), id, token)
	}
	if !found {
		// Not started yet, or its node is gone: nothing for now.
		page = ResultPage{Next: token}
	}
	page.Status, page.Error = status, failure
	return page, nil
}

// remoteResults asks the other nodes for a query's rows.
func (n *Node) remoteResults(ctx context.Context, id string, token int64) (ResultPage, bool) {
	n.sessions.mu.Lock()
	home := n.sessions.homes[id]
	n.sessions.mu.Unlock()
	addrs := []string{home}
	for _, addr := range n.peerAddrs() {
		if addr != home {
			addrs = append(addrs, addr)
		}
	}
	for _, addr := range addrs {
		var resp fetchedResults
		if addr == "" || n.peers.Call(ctx, addr, methodFetchResults, fetchResults{Job: id, Token: token}, &resp) != nil || !resp.Found {
			continue
		}
		n.sessions.mu.Lock()
		if n.sessions.homes == nil {
			n.sessions.homes = map[string]string{}
		}
		n.sessions.homes[id] = addr
		n.sessions.mu.Unlock()
		return resp.Page, true
	}
	return ResultPage{}, false
}

// peerAddrs are the RPC addresses of the other nodes in the node table.
func (n *Node) peerAddrs() []string {
	var out []string
	for name, node := range n.fsm.Nodes() {
		if name != n.cfg.Name && node.RPCAddr != "" {
			out = append(out, node.RPCAddr)
		}
	}
	return out
}

func resultRow(row data.Row, schema data.Schema) ResultRow {
	out := ResultRow{Kind: row.Kind.String(), Fields: make([]*string, row.Width())}
	for i := range row.Width() {
		v := row.Field(i)
		if v.IsNull() {
			continue
		}
		s := data.FormatText(v, schema.Columns[i].Type)
		out.Fields[i] = &s
	}
	return out
}

// touchSession marks a session as used: a client watching a long query
// keeps its session.
func (n *Node) touchSession(id string) {
	if id == "" {
		return
	}
	n.sessions.mu.Lock()
	s, ok := n.sessions.byID[id]
	n.sessions.mu.Unlock()
	if ok && s.mu.TryLock() {
		s.used = time.Now()
		s.mu.Unlock()
	}
}

// handleCancelQuery cancels a query's job and drops its rows everywhere.
func (n *Node) handleCancelQuery(r *http.Request) (any, error) {
	id := r.PathValue("job")
	table.LocalResults.Drop(jobgraph.JobID(id))
	n.sessions.mu.Lock()
	delete(n.sessions.homes, id)
	n.sessions.mu.Unlock()
	if err := n.onLeader(r.Context(), methodCancelJob, id, nil); err != nil && !errors.Is(err, coordinator.ErrJobEnded) && statusOf(err) != http.StatusConflict {
		return nil, err
	}
	for _, addr := range n.peerAddrs() {
		// Best effort: a node that misses the drop frees the rows when the
		// sweep finds the job ended.
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		n.peers.Call(ctx, addr, methodDropResults, id, nil)
		cancel()
	}
	return map[string]string{"job": id, "status": "canceling"}, nil
}
