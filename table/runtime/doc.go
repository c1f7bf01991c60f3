// Package runtime holds the operators the table planner translates
// aggregations, joins, rankings and windowing table functions into, with
// Flink's names and semantics, built from the DataStream API (package
// stream) so that their state is keyed state, snapshotted and rescaled
// per key group like every other keyed operator's:
//
//   - GroupAggregate, the unwindowed GROUP BY over a changelog: Flink's
//     GroupAggFunction, emitting +I, -U/+U and -D rows;
//   - WindowAggregate, GROUP BY over the windows of TUMBLE, HOP, CUMULATE
//     or SESSION: the stream window operator, emitting one insert row per
//     key and window when the watermark passes the window's end;
//   - WindowTableFunction, a windowing table function without an
//     aggregation;
//   - Join, the regular join of two changelogs (StreamingJoinOperator);
//     IntervalJoin, the event-time interval join (RowTimeIntervalJoin);
//     WindowJoin, the join of two window TVFs' windows (WindowJoinOperator);
//     TemporalJoin, the join with a versioned table as of the left row's
//     time (TemporalRowTimeJoinOperator);
//   - Rank (Top-N: AppendOnlyTopNFunction, RetractableTopNFunction),
//     WindowRank (window Top-N: WindowRankOperator) and Deduplicate
//     (RowTimeDeduplicateFunction);
//   - OverAggregate, aggregates over ROWS or RANGE frames ordered by a
//     rowtime (the RowTime*PrecedingFunction family).
//
// # Aggregate functions
//
// COUNT, SUM, AVG, MIN and MAX (AggCall, AggResultType) accumulate,
// retract and merge over data.Value. A call's accumulator is a count and
// a value (acc), so that numbers are added without maps or boxing; a
// call that needs to know its argument values keeps a count per value
// beside it: DISTINCT calls, and MIN and MAX over an input that may
// retract, which must find the next extreme when the current one goes
// (Flink's MinWithRetractAggFunction). GroupAggregate keeps those counts
// in MapState, a window in its accumulator.
//
// # Event time
//
// A row's event timestamp is its rowtime attribute: the window operators
// set it from the time column (stream.SetTimestamps) before windowing,
// since the stream window operator windows by the record's timestamp,
// and what they emit carries window_time, the rowtime from then on. The
// watermarks come from upstream (the planner's watermark assigner).
//
// Departures from Flink: windows over a TIMESTAMP_LTZ column are aligned
// to the epoch (UTC) and bound by TIMESTAMP_LTZ values, where Flink
// aligns them to the session time zone and gives TIMESTAMP bounds; HOP
// does not require its size to be a multiple of its slide; a row late
// for some of its HOP or CUMULATE windows still counts in the others,
// where Flink's slicing drops it once its slice ended; a DECIMAL sum
// is accumulated exactly and only its result is NULL while it exceeds
// DECIMAL(38, s). A join's, an aggregation's or a ranking's state TTL
// (table.exec.state.ttl) is processing time, restarted by writes.
package runtime
