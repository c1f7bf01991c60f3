package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/jobgraph"
)

// maxSubmitBody bounds a job submission's body.
const maxSubmitBody = 1 << 20

// SubmitRequest is the body of POST /v1/jobs.
type SubmitRequest struct {
	Job         string            `json:"job"`
	Args        map[string]string `json:"args"`
	Parallelism int               `json:"parallelism"`
	// Settings are Flink configuration keys for the job: checkpointing
	// (execution.checkpointing.*, state.checkpoints.*) and restarts
	// (restart-strategy.*).
	Settings map[string]string `json:"settings,omitempty"`
	// FromSavepoint is a savepoint's location to start from;
	// AllowNonRestoredState drops its state of operators the job lacks.
	FromSavepoint         string `json:"from_savepoint,omitempty"`
	AllowNonRestoredState bool   `json:"allow_non_restored_state,omitempty"`
}

// SavepointRequest is the body of POST /v1/jobs/{id}/savepoints.
type SavepointRequest struct {
	// Dir is the URL the savepoint's folder goes under; empty means the
	// job's checkpoint storage's savepoints/.
	Dir string `json:"dir,omitempty"`
	// Cancel cancels the job once the savepoint is complete.
	Cancel bool `json:"cancel,omitempty"`
}

// SavepointResponse is the answer: where the savepoint is.
type SavepointResponse struct {
	Location string `json:"location"`
}

// savepointRPC carries a savepoint request to the leader.
type savepointRPC struct {
	ID string `msgpack:"id"`
	SavepointRequest
}

// SubmitResponse is the answer to POST /v1/jobs.
type SubmitResponse struct {
	ID string `json:"id"`
}

func badRequest(format string, args ...any) error {
	return &apiError{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func (n *Node) handleSubmitJob(r *http.Request) (any, error) {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxSubmitBody))
	dec.DisallowUnknownFields()
	var req SubmitRequest
	if err := dec.Decode(&req); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return nil, badRequest("empty body: want {\"job\": NAME, \"args\": {...}, \"parallelism\": N}")
		case errors.As(err, &syntax), errors.As(err, &typ):
			return nil, badRequest("bad JSON body: %v", err)
		default:
			return nil, badRequest("bad body: %v", err)
		}
	}
	spec := jobgraph.Spec{
		Job: req.Job, Args: req.Args, Parallelism: req.Parallelism, Settings: req.Settings,
		FromSavepoint: req.FromSavepoint, AllowNonRestoredState: req.AllowNonRestoredState,
	}
	id, err := n.submitJob(r.Context(), spec)
	if err != nil {
		return nil, err
	}
	return SubmitResponse{ID: id}, nil
}

// submitJob gives a valid spec a new job id and has the leader run it.
func (n *Node) submitJob(ctx context.Context, spec jobgraph.Spec) (string, error) {
	if err := spec.Validate(); err != nil {
		return "", badRequest("%v", err)
	}
	id, err := coordinator.NewJobID()
	if err != nil {
		return "", err
	}
	if err := n.onLeader(ctx, methodSubmitJob, submitJobRequest{ID: id, Spec: spec}, nil); err != nil {
		return "", err
	}
	return id, nil
}

func (n *Node) handleListJobs(*http.Request) (any, error) {
	jobs := n.coord.ListJobs()
	if jobs == nil {
		jobs = []coordinator.JobSummary{}
	}
	return map[string]any{"jobs": jobs}, nil
}

func (n *Node) handleJobDetails(r *http.Request) (any, error) {
	id := r.PathValue("id")
	var d coordinator.JobDetails
	if err := n.onLeader(r.Context(), methodJobDetails, id, &d); err != nil {
		return nil, err
	}
	return d, nil
}

func (n *Node) handleSavepoint(r *http.Request) (any, error) {
	req := savepointRPC{ID: r.PathValue("id")}
	if r.ContentLength != 0 {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req.SavepointRequest); err != nil && !errors.Is(err, io.EOF) {
			return nil, badRequest("bad body: %v: want {\"dir\": URL, \"cancel\": BOOL}", err)
		}
	}
	if d := req.Dir; d != "" && !strings.HasPrefix(d, "file:///") && !strings.HasPrefix(d, "s3://") {
		return nil, badRequest("dir %q: want file:///absolute/dir or s3://bucket/prefix", d)
	}
	var resp SavepointResponse
	if err := n.onLeader(r.Context(), methodSavepoint, req, &resp); err != nil {
		return nil, err
	}
	return resp, nil
}

func (n *Node) handleCheckpoints(r *http.Request) (any, error) {
	return n.coord.CheckpointStats(r.PathValue("id"))
}

func (n *Node) handleCancelJob(r *http.Request) (any, error) {
	id := r.PathValue("id")
	if err := n.onLeader(r.Context(), methodCancelJob, id, nil); err != nil {
		return nil, err
	}
	return map[string]string{"id": id, "status": "canceling"}, nil
}
