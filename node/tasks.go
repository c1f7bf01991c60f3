package node

import (
	"context"

	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/executor"
	"github.com/runnel/runnel/jobgraph"
)

// taskCluster is the executor's view of the cluster: desired state from
// this node's FSM, reports to the leader.
type taskCluster struct {
	n       *Node
	changed <-chan struct{}
}

func (c *taskCluster) Assignments() []executor.Assignment {
	jobs := c.n.fsm.Jobs()
	var out []executor.Assignment
	for id, d := range c.n.fsm.Deployments() {
		job, ok := jobs[id]
		if !ok || job.Status.Terminal() {
			continue
		}
		out = append(out, executor.Assignment{
			JobID:       id,
			Spec:        job.Spec,
			Attempt:     d.Attempt,
			Graph:       d.Graph,
			Active:      job.Status == coordinator.JobRunning,
			Subtasks:    d.Subtasks,
			Checkpoints: checkpointStatus(d, c.n.fsm.Checkpoints(id)),
			Restore:     d.Restore,
		})
	}
	return out
}

// checkpointStatus is what the executor needs of a job's checkpoints: a
// pending checkpoint only concerns the attempt it was triggered for.
func checkpointStatus(d coordinator.Deployment, cps coordinator.JobCheckpoints) executor.CheckpointStatus {
	s := executor.CheckpointStatus{
		Enabled: d.Checkpoints.Enabled(), Mode: d.Checkpoints.Mode, Storage: d.Checkpoints.Storage,
		Aborted: cps.LastAborted,
	}
	if p := cps.Pending; p != nil && p.Attempt == d.Attempt {
		s.Pending = p.ID
	}
	if latest, ok := cps.Latest(); ok {
		s.Completed = latest.ID
	}
	return s
}

func (c *taskCluster) AcknowledgeCheckpoint(ctx context.Context, ack jobgraph.CheckpointAck) error {
	return c.n.onLeader(ctx, methodAckCheckpoint, ack, nil)
}

func (c *taskCluster) Changed() <-chan struct{} { return c.changed }

func (c *taskCluster) NodeRPCAddr(name string) (string, bool) {
	n, ok := c.n.fsm.Nodes()[name]
	return n.RPCAddr, ok && n.RPCAddr != ""
}

func (c *taskCluster) Report(ctx context.Context, reports []jobgraph.TaskReport) error {
	return c.n.onLeader(ctx, methodReportTasks, reports, nil)
}
