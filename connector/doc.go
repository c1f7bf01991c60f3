// Package connector holds runnel's built-in sources and sinks, written on
// the operator package's contracts. Each file holds one connector: its
// constructor and a doc comment stating its semantics.
//
// Sources:
//
//   - NewFileSource (file_source.go): the text lines of a file or a folder,
//     read in parallel by byte-range splits. Bounded.
//   - NewSequenceSource (datagen_source.go): the numbers of a range, split
//     into contiguous shares, as Flink's fromSequence. Bounded.
//   - NewDataGen (datagen_source.go): records made by a function of their
//     index, optionally rate-limited, as Flink's DataGeneratorSource.
//     Bounded or unbounded.
//
// Sinks:
//
//   - NewFileSink, NewLineFileSink (file_sink.go): one part file per
//     subtask, made visible by an atomic rename when the input ends.
//   - NewPrintSink (print_sink.go): one line per record on a writer, as
//     Flink's print().
//   - NewDiscardSink (blackhole_sink.go): counts and drops records, as
//     Flink's DiscardingSink.
//
// Readers and writers keep their position (split and offset, next index,
// pending file) in plain fields, so that checkpointing can later snapshot
// and restore them without reshaping the connectors.
package connector

// maxBatchRecords bounds what one PollNext emits, so that the task gets
// back control (cancellation, later checkpoint barriers) often enough
// while the per-poll overhead stays small against the records.
const maxBatchRecords = 1000
