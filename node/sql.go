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
	"net/url"
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
	// homes remembers which node's HTTP address served a query's rows, so
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

func (c sqlCluster) JobStatus(ctx context.Context, id string) (string, string, error) {
	return c.jobStatus(ctx, id)
}

// jobStatus reads this node's replica, and asks the leader about a job the
// replica does not know yet: the leader knows it as soon as it is
// submitted.
func (c sqlCluster) jobStatus(ctx context.Context, id string) (string, string, error) {
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

// handleFetchResults returns a query's rows from ?token= on. The rows are
// on the node that runs the query's collect sink; another node asks the
// others (?local=true stops the fan-out).
func (n *Node) handleFetchResults(r *http.Request) (any, error) {
	id := r.PathValue("job")
	n.touchSession(r.URL.Query().Get("session"))
	token, err := strconv.ParseInt(r.URL.Query().Get("token"), 10, 64)
	if err != nil && r.URL.Query().Get("token") != "" {
		return nil, badRequest("token %q: not a number", r.URL.Query().Get("token"))
	}
	status, failure, err := sqlCluster{n}.jobStatus(r.Context(), id)
	if err != nil {
		return nil, err
	}
	page := ResultPage{Next: token, Status: status, Error: failure}
	p, schema, found := table.LocalResults.Fetch(jobgraph.JobID(id), token, maxPageRows)
	if found {
		page.Next, page.Ended = p.Next, p.Ended
		for _, row := range p.Rows {
			page.Rows = append(page.Rows, resultRow(row, schema))
		}
		return page, nil
	}
	if r.URL.Query().Get("local") == "true" {
		return nil, &apiError{Status: http.StatusNotFound, Message: "no results here"}
	}
	path := "/v1/sql/results/" + url.PathEscape(id) + "?local=true&token=" + strconv.FormatInt(token, 10)
	n.sessions.mu.Lock()
	home := n.sessions.homes[id]
	n.sessions.mu.Unlock()
	var remote ResultPage
	if home != "" && getPeerJSON(r.Context(), home, path, &remote) == nil {
		return remote, nil
	}
	for name, node := range n.fsm.Nodes() {
		if name == n.cfg.Name || node.HTTPAddr == "" || node.HTTPAddr == home {
			continue
		}
		if err := getPeerJSON(r.Context(), node.HTTPAddr, path, &remote); err == nil {
			n.sessions.mu.Lock()
			if n.sessions.homes == nil {
				n.sessions.homes = map[string]string{}
			}
			n.sessions.homes[id] = node.HTTPAddr
			n.sessions.mu.Unlock()
			return remote, nil
		}
	}
	// Not started yet, or its node is gone: nothing to return for now.
	return page, nil
}

func resultRow(row data.Row, schema data.Schema) ResultRow {
	out := ResultRow{Kind: row.Kind.String(), Fields: make([]*string, len(row.Fields))}
	for i, v := range row.Fields {
		if v.IsNull() {
			continue
		}
		s := data.FormatText(v, schema.Columns[i].Type)
		out.Fields[i] = &s
	}
	return out
}

func getPeerJSON(ctx context.Context, addr, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", addr, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
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
	if r.URL.Query().Get("local") == "true" {
		return map[string]string{"job": id}, nil
	}
	if err := n.onLeader(r.Context(), methodCancelJob, id, nil); err != nil && !errors.Is(err, coordinator.ErrJobEnded) && statusOf(err) != http.StatusConflict {
		return nil, err
	}
	for name, node := range n.fsm.Nodes() {
		if name == n.cfg.Name || node.HTTPAddr == "" {
			continue
		}
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, "http://"+node.HTTPAddr+"/v1/sql/results/"+url.PathEscape(id)+"?local=true", nil)
		if err == nil {
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
		cancel()
	}
	return map[string]string{"job": id, "status": "canceling"}, nil
}
