package connector

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// MarshalState encodes a reader's or writer's operator state the way the
// built-in connectors do: one version byte, then v as msgpack. The version
// comes first so that a later layout can still read an older checkpoint,
// and so that bytes of another kind are refused rather than misread.
func MarshalState(version byte, v any) ([]byte, error) {
	body, err := msgpack.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return append([]byte{version}, body...), nil
}

// UnmarshalState decodes what MarshalState made into v. Bytes of another
// version, bytes msgpack cannot read into v and trailing bytes are errors:
// state comes from storage, and a corrupt checkpoint must fail the
// restore, never be half-applied.
func UnmarshalState(b []byte, version byte, v any) error {
	if len(b) == 0 {
		return errors.New("decode state: no bytes")
	}
	if b[0] != version {
		return fmt.Errorf("decode state: version %d, want %d", b[0], version)
	}
	r := bytes.NewReader(b[1:])
	if err := msgpack.NewDecoder(r).Decode(v); err != nil {
		return fmt.Errorf("decode state: %w", err)
	}
	if r.Len() > 0 {
		return fmt.Errorf("decode state: %d trailing bytes", r.Len())
	}
	return nil
}

// restoredItems decodes every old subtask's state with decode and returns
// the concatenation of their items in old subtask order, so that every
// new subtask, given the same bytes, sees the same list and can take its
// share of it by index. An old subtask with no bytes had nothing left
// (a reader that had finished keeps no position).
func restoredItems[T any](old [][]byte, decode func([]byte) ([]T, error)) ([]T, error) {
	var all []T
	for j, b := range old {
		if len(b) == 0 {
			continue
		}
		items, err := decode(b)
		if err != nil {
			return nil, fmt.Errorf("state of old subtask %d: %w", j, err)
		}
		all = append(all, items...)
	}
	return all, nil
}

// shareByIndex returns the items whose index modulo parallelism is
// subtask: the rule by which the built-in sources redistribute restored
// positions, disjoint and covering for any parallelism.
func shareByIndex[T any](all []T, subtask, parallelism int) []T {
	var mine []T
	for k := subtask; k >= 0 && k < len(all); k += max(parallelism, 1) {
		mine = append(mine, all[k])
	}
	return mine
}
