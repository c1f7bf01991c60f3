// Package scheduler turns a JobGraph into what the cluster runs: it chains
// operators into tasks (Flink's StreamGraph to JobGraph step), places every
// subtask in a slot, and tells the executor which subtasks of two connected
// tasks talk to each other.
//
// Everything here is a pure function of its arguments, with no I/O and no
// clock, like Nomad's scheduler: the coordinator feeds it the node table and
// stores the result through Raft, and a test can pin every decision.
// Determinism matters beyond tests: any leader must reach the same plan.
package scheduler
