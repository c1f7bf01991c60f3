package runtime

import (
	"fmt"
	"math"

	"github.com/runnel/runnel/table/data"
)

// keySelector returns the grouping key of a row: the encoding of its key
// fields (Row.AppendKey), in a string so that it keys state and hashes to
// a key group. No key fields make one key, "", for a global aggregate. The
// selector reuses its buffer: each subtask builds its own selector (see
// package stream), and calls it from its one goroutine.
func keySelector(keys []int) func(data.Row) string {
	if len(keys) == 0 {
		return func(data.Row) string { return "" }
	}
	var buf []byte
	return func(r data.Row) string {
		buf = r.AppendKey(buf[:0], keys)
		return string(buf)
	}
}

// appendKey appends the key fields encoded in key to dst.
func appendKey(dst []data.Value, key string) ([]data.Value, error) {
	b := []byte(key)
	for len(b) > 0 {
		v, rest, err := data.ReadValue(b)
		if err != nil {
			return dst, fmt.Errorf("decode key: %w", err)
		}
		dst, b = append(dst, v), rest
	}
	return dst, nil
}

// KeyTypes are the types of an aggregation's key columns, in the order
// of its keys, as the planner knows them from the input's schema. They
// only pick the representation of the keys in the exchange and in keyed
// state (IntKeyKind); nil keeps the encoded string keys, which fit any
// key.
type KeyTypes []data.Type

// nullIntKey is the int64 key of a NULL in a nullable INT column: outside
// the INT range, so no value shares it.
const nullIntKey = math.MinInt64

// IntKeyKind reports whether a grouping by keys of types is keyed by
// int64 (the key's kind, INT or BIGINT) rather than by encoded string:
// one key column, an INT, or a BIGINT declared NOT NULL. An int64 key
// hashes and compares without a string to build per row, and keyed
// state holding it has no pointer for the GC to scan. A nullable BIGINT
// keeps string keys: its NULL would need a 2^64+1st int64. A NULL in a
// column declared NOT NULL breaks the declaration; it is keyed as
// nullIntKey, with the BIGINT of that value.
func IntKeyKind(keys []int, types KeyTypes) (data.Kind, bool) {
	if len(keys) != 1 || len(types) != 1 {
		return 0, false
	}
	switch t := types[0]; {
	case t.Kind == data.Int, t.Kind == data.BigInt && t.NotNull:
		return t.Kind, true
	}
	return 0, false
}

// intKeySelector is keySelector for IntKeyKind's keys: the column's
// integer, nullIntKey for NULL.
func intKeySelector(col int) func(data.Row) int64 {
	return func(r data.Row) int64 {
		if n, null := r.Int64At(col); !null {
			return n
		}
		return nullIntKey
	}
}

// appendIntKey is appendKey for an int64 key of the given kind.
func appendIntKey(kind data.Kind) func([]data.Value, int64) ([]data.Value, error) {
	return func(dst []data.Value, k int64) ([]data.Value, error) {
		switch {
		case kind == data.BigInt:
			return append(dst, data.BigIntValue(k)), nil
		case k == nullIntKey:
			return append(dst, data.NullOf(data.Int)), nil
		}
		return append(dst, data.IntValue(int32(k))), nil
	}
}

// KeyTypesOf are the types of the key columns keys of an input of schema
// in.
func KeyTypesOf(in data.Schema, keys []int) KeyTypes {
	types := make(KeyTypes, len(keys))
	for i, k := range keys {
		types[i] = in.Columns[k].Type
	}
	return types
}
