package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/node"
)

// SubmitJob posts a job to the node at httpAddr (host:port) and returns
// its id.
func SubmitJob(t testing.TB, httpAddr, job string, parallelism int, args map[string]string) string {
	t.Helper()
	return SubmitJobWithSettings(t, httpAddr, job, parallelism, args, nil)
}

// GetJob fetches GET /v1/jobs/{id} from the node at httpAddr.
func GetJob(httpAddr, id string) (coordinator.JobDetails, error) {
	var d coordinator.JobDetails
	return d, getJSON("http://"+httpAddr+"/v1/jobs/"+id, &d)
}

// getJSON GETs url and decodes its 200 answer into out.
func getJSON(url string, out any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, raw)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// postJSON POSTs in to url as JSON and decodes the 200 answer into out,
// failing the test otherwise.
func postJSON(t testing.TB, url string, in, out any) {
	t.Helper()
	body, _ := json.Marshal(in)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s: %s", url, resp.Status, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatal(err)
	}
}

// WaitForJobStatus waits until the job reaches the status and returns its
// details; it fails early if the job ends in another status.
func WaitForJobStatus(t testing.TB, httpAddr, id string, want coordinator.JobStatus, timeout time.Duration) coordinator.JobDetails {
	t.Helper()
	var d coordinator.JobDetails
	WaitForResult(t, timeout, func() (bool, error) {
		var err error
		d, err = GetJob(httpAddr, id)
		if err != nil {
			return false, err
		}
		if d.Status.Terminal() && d.Status != want {
			t.Fatalf("job %s ended %s, want %s; error: %s", id, d.Status, want, d.Error)
		}
		return d.Status == want, fmt.Errorf("job %s is %s", id, d.Status)
	})
	return d
}

// SubmitJobWithSettings posts a job with Flink configuration settings.
func SubmitJobWithSettings(t testing.TB, httpAddr, job string, parallelism int, args, settings map[string]string) string {
	t.Helper()
	return Submit(t, httpAddr, node.SubmitRequest{Job: job, Args: args, Parallelism: parallelism, Settings: settings})
}

// Submit posts a submission and returns the job's id.
func Submit(t testing.TB, httpAddr string, req node.SubmitRequest) string {
	t.Helper()
	var out node.SubmitResponse
	postJSON(t, "http://"+httpAddr+"/v1/jobs", req, &out)
	return out.ID
}

// GetCheckpoints fetches GET /v1/jobs/{id}/checkpoints.
func GetCheckpoints(httpAddr, id string) (coordinator.CheckpointStats, error) {
	var s coordinator.CheckpointStats
	return s, getJSON("http://"+httpAddr+"/v1/jobs/"+id+"/checkpoints", &s)
}

// TakeSavepoint posts a savepoint request and returns its location.
func TakeSavepoint(t testing.TB, httpAddr, id string, cancel bool) string {
	t.Helper()
	var out node.SavepointResponse
	postJSON(t, "http://"+httpAddr+"/v1/jobs/"+id+"/savepoints", node.SavepointRequest{Cancel: cancel}, &out)
	return out.Location
}
