// Package data holds the values the relational layer computes with:
// logical types (Flink's LogicalType for the supported roots), schemas,
// field values and rows with their change kind (Flink's RowKind), and the
// rows' binary encoding for the network and state.
package data
