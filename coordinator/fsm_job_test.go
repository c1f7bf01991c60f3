package coordinator

import (
	"errors"
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"
)

func applyErr(t *testing.T, f *FSM, mt MessageType, msg any) error {
	t.Helper()
	if err, ok := f.Apply(makeLog(t, mt, msg)).(error); ok {
		return err
	}
	return nil
}

func TestApplyJobLifecycle(t *testing.T) {
	f := NewFSM()
	watch := f.Watch()
	job := Job{ID: "j1", Spec: jobgraph.Spec{Job: "wordcount", Parallelism: 2}, SubmitTime: time.Unix(1, 0)}
	if err := applyErr(t, f, SubmitJobType, SubmitJobRequest{Job: job}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-watch:
	default:
		t.Fatal("submit did not notify watchers")
	}
	if got, _ := f.Job("j1"); got.Status != JobCreated {
		t.Fatalf("status after submit: %s", got.Status)
	}
	if err := applyErr(t, f, SubmitJobType, SubmitJobRequest{Job: job}); err == nil {
		t.Fatal("duplicate submit accepted")
	}

	d := Deployment{JobID: "j1", Attempt: 1, Subtasks: []jobgraph.Placement{{Task: 0, Index: 0, Node: "n1", Slot: 0}}}
	if err := applyErr(t, f, DeployJobType, DeployJobRequest{Deployment: d, StartTime: time.Unix(2, 0)}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Job("j1"); got.Status != JobRunning || !got.StartTime.Equal(time.Unix(2, 0)) {
		t.Fatalf("after deploy: %+v", got)
	}
	if err := applyErr(t, f, DeployJobType, DeployJobRequest{Deployment: d}); err == nil {
		t.Fatal("a deployment with the same attempt was accepted")
	}
	if err := applyErr(t, f, DeployJobType, DeployJobRequest{Deployment: Deployment{JobID: "nope", Attempt: 1}}); !errors.Is(err, ErrUnknownJob) {
		t.Fatalf("deploy of an unknown job: %v", err)
	}

	if err := applyErr(t, f, UpdateJobStatusType, UpdateJobStatusRequest{JobID: "j1", From: JobRunning, Status: JobFailed, Error: "boom at Map (1/2)", Time: time.Unix(3, 0)}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.Job("j1")
	if got.Status != JobFailed || got.Error != "boom at Map (1/2)" || !got.EndTime.Equal(time.Unix(3, 0)) {
		t.Fatalf("after fail: %+v", got)
	}
	if err := applyErr(t, f, UpdateJobStatusType, UpdateJobStatusRequest{JobID: "j1", Status: JobRunning}); err == nil {
		t.Fatal("a terminal job changed status")
	}
	if err := applyErr(t, f, DeployJobType, DeployJobRequest{Deployment: Deployment{JobID: "j1", Attempt: 2}}); err == nil {
		t.Fatal("a terminal job was deployed")
	}
}
