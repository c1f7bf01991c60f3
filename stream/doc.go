// Package stream is runnel's DataStream API, modelled on Flink's: a job is
// a registered build function that wires sources, transformations and
// sinks on an Env; the result is an operator.Program that the coordinator
// asks for the JobGraph and the executor asks for operator chains.
//
// Go methods cannot have type parameters, so transformations that change
// the record type are free functions (Map, FlatMap, KeyBy, Reduce,
// Process, Union, SinkTo); settings and partitioning are methods.
//
// The executor is untyped and this package is typed. The bridge is built
// once per chain: each vertex keeps typed closures that create its
// instance, its fan-out, its network outputs and its input decoder, and
// NewChain wires them into typed Collectors. Records then travel by
// direct calls with no boxing or allocation.
//
// # User functions are per subtask
//
// Flink gives every subtask its own copy of a user function by
// deserializing it. Here NewChain runs the job's build function again, so
// each chain gets fresh closures, ProcessFunctions, sources and sinks,
// and a function may keep state in its fields or captured variables
// without sharing it with the other subtasks of the same process. A build
// function must therefore be deterministic and cheap; NewChain checks
// that it built the same graph.
//
// # Errors
//
// Bad use while building (a nil function, Forward between different
// parallelisms, a parallelism below 1) is recorded in the Env and returned
// by Build, naming the operator. At run time an error from a sink's Write,
// a ProcessFunction or a record's encoding is recorded in the chain; the
// failing operator drops further records and the chain call under way
// (PollSource, PushRecord, EndInput) returns the error. Only a
// RecordWriter that refuses a record panics, with operator.Abort, as the
// executor expects.
package stream
