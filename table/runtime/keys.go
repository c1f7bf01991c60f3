package runtime

import (
	"fmt"

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
