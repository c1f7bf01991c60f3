// Package jobgraph is the job model on the wire: the JobGraph a client's
// job compiles to (operators as vertices, edges with their partitioning),
// the job spec a client submits, ids, and key-group arithmetic. It is plain
// data, msgpack-encodable, with no behaviour beyond validation.
//
// Our JobGraph is what Flink calls the StreamGraph: one vertex per
// operator. Chaining operators into tasks is the scheduler's job.
package jobgraph
