// Package connector holds runnel's built-in sources and sinks, written on
// the operator package's contracts. Each file holds one connector: its
// constructor and a doc comment stating its semantics.
//
// Sources:
//
//   - NewFileSource (file_source.go): the text lines of a file or a folder,
//     read in parallel by byte-range splits. Bounded. NewFileLineSource
//     gives each line with its file and offset.
//   - NewSequenceSource (datagen_source.go): the numbers of a range, split
//     into contiguous shares, as Flink's fromSequence. Bounded.
//   - NewDataGen (datagen_source.go): records made by a function of their
//     index, optionally rate-limited, as Flink's DataGeneratorSource.
//     Bounded or unbounded.
//
// Sinks:
//
//   - NewFileSink, NewLineFileSink (file_sink.go, file_sink_commit.go):
//     hidden part files made visible by an atomic rename: when the input
//     ends, or, when the job checkpoints, exactly once by two-phase commit
//     on each checkpoint's completion, as Flink's FileSink.
//   - NewPrintSink, NewPrintSinkWithIdentifier (print_sink.go): one line
//     per record on a writer, as Flink's print().
//   - NewDiscardSink (blackhole_sink.go): counts and drops records, as
//     Flink's DiscardingSink.
//
// The file, sequence and data generator readers and the file sink's
// writer implement operator.Checkpointed: readers keep their position
// (splits and offsets, ranges, progressions) in operator state, the sink
// its pending parts. Each encodes its state with MarshalState, a version
// byte and msgpack, and on a restore at any parallelism takes its share
// of every old subtask's state; the *_state.go files and
// file_sink_commit.go state the rules. RateLimiter and the state
// encoding are exported for sources of one's own.
package connector

// maxBatchRecords bounds what one PollNext emits, so that the task gets
// back control (cancellation, checkpoint barriers) often enough
// while the per-poll overhead stays small against the records.
const maxBatchRecords = 1000
