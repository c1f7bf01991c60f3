// Package operator holds what runs inside a task: the contracts of
// operators, sources and sinks, the typed collectors records travel
// through inside a chain, record codecs, and the Program interface through
// which the executor gets a job's operators without knowing their types.
//
// # Threading
//
// Every method of a chain, and so of every operator, source reader and
// sink writer in it, is called on the subtask's one goroutine. Operators
// need no locks for their own state.
//
// # Records
//
// Inside a chain, records are Go values passed by plain calls to
// Collector.Collect: no encoding, no allocation. Between tasks they are
// encoded with the edge's Codec into buffers the executor sends.
//
// # Failure
//
// An operator fails its job by returning an error from a lifecycle method
// or by panicking; the executor recovers the panic and fails the job with
// its message. A Collect that cannot deliver because the task is being
// cancelled panics with an Abort, which the executor recognises.
package operator
