package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/runnel/runnel/table/data"
)

// The accumulators as keyed state holds them. Each type brings its own
// binary codec (operator.CodecFor picks it), so that snapshots encode
// them without reflection: a value is data.AppendValue's encoding.

// valueKey is an argument value as a key of value counts. data.Value is
// comparable, so the value itself is the key; the type adds its codec.
type valueKey data.Value

func (k *valueKey) AppendBinary(buf []byte) ([]byte, error) {
	return data.AppendValue(buf, data.Value(*k)), nil
}

func (k *valueKey) UnmarshalBinary(b []byte) error {
	v, rest, err := data.ReadValue(b)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("value key: %d trailing bytes", len(rest))
	}
	*k = valueKey(v)
	return nil
}

// groupAcc is a GroupAggregate key's state: Flink's record counter (rows
// accumulated less rows retracted: the key is deleted at 0) and the
// calls' accumulators. Counted calls keep their counts in MapState.
type groupAcc struct {
	rows int64
	accs []acc
}

func (g *groupAcc) AppendBinary(buf []byte) ([]byte, error) {
	buf = binary.AppendVarint(buf, g.rows)
	return appendAccs(buf, g.accs), nil
}

func (g *groupAcc) UnmarshalBinary(b []byte) error {
	rows, w := binary.Varint(b)
	if w <= 0 {
		return errShortAcc
	}
	accs, rest, err := readAccs(b[w:])
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("group accumulators: %d trailing bytes", len(rest))
	}
	g.rows, g.accs = rows, accs
	return nil
}

// windowAcc is a window's state: the calls' accumulators, the value
// counts of counted (DISTINCT) calls, nil for the others, and whether the
// time column is a TIMESTAMP_LTZ, which decides the type of the window's
// bounds in its output row.
type windowAcc struct {
	accs   []acc
	counts []valueCounts
	ltz    bool
}

func (a *windowAcc) AppendBinary(buf []byte) ([]byte, error) {
	ltz := byte(0)
	if a.ltz {
		ltz = 1
	}
	buf = appendAccs(append(buf, ltz), a.accs)
	return appendCounts(buf, a.counts), nil
}

// appendCounts encodes the value counts of an accumulator kept as one
// value (a window's, an OVER partition's): per call, 0 for none, or 1 and
// its valueMap.
func appendCounts(buf []byte, counts []valueCounts) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(counts)))
	for _, c := range counts {
		if c == nil {
			buf = append(buf, 0)
			continue
		}
		m := c.(valueMap)
		buf = binary.AppendUvarint(append(buf, 1), uint64(len(m)))
		for k, n := range m {
			buf = binary.AppendVarint(data.AppendValue(buf, data.Value(k)), n)
		}
	}
	return buf
}

// readCounts decodes what appendCounts encoded from the front of b and
// returns the rest; no calls decode as nil.
func readCounts(b []byte) ([]valueCounts, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)) {
		return nil, nil, errShortAcc
	}
	b = b[w:]
	var counts []valueCounts
	if n > 0 {
		counts = make([]valueCounts, n)
	}
	for i := range counts {
		if len(b) == 0 {
			return nil, nil, errShortAcc
		}
		present := b[0] == 1
		b = b[1:]
		if !present {
			continue
		}
		var err error
		if counts[i], b, err = readValueMap(b); err != nil {
			return nil, nil, err
		}
	}
	return counts, b, nil
}

func (a *windowAcc) UnmarshalBinary(b []byte) error {
	if len(b) == 0 {
		return errShortAcc
	}
	ltz := b[0] == 1
	accs, b, err := readAccs(b[1:])
	if err != nil {
		return err
	}
	counts, b, err := readCounts(b)
	if err != nil {
		return err
	}
	if len(b) != 0 {
		return fmt.Errorf("window accumulators: %d trailing bytes", len(b))
	}
	*a = windowAcc{accs: accs, counts: counts, ltz: ltz}
	return nil
}

var errShortAcc = errors.New("accumulators: truncated")

// noValue stands for an accumulator's zero Value (nothing summed, no
// extreme yet) in its encoding, which has no form for a non-NULL value of
// kind NULL.
var noValue = data.NullOf(data.Null)

func appendAccs(buf []byte, accs []acc) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(accs)))
	for _, a := range accs {
		v := a.v
		if v == (data.Value{}) {
			v = noValue
		}
		buf = data.AppendValue(binary.AppendVarint(buf, a.n), v)
	}
	return buf
}

func readAccs(b []byte) ([]acc, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)) {
		return nil, nil, errShortAcc
	}
	b = b[w:]
	accs := make([]acc, n)
	for i := range accs {
		c, w := binary.Varint(b)
		if w <= 0 {
			return nil, nil, errShortAcc
		}
		v, rest, err := data.ReadValue(b[w:])
		if err != nil {
			return nil, nil, err
		}
		if v == noValue {
			v = data.Value{}
		}
		accs[i], b = acc{n: c, v: v}, rest
	}
	return accs, b, nil
}

func readValueMap(b []byte) (valueMap, []byte, error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)) {
		return nil, nil, errShortAcc
	}
	b = b[w:]
	m := make(valueMap, n)
	for range n {
		v, rest, err := data.ReadValue(b)
		if err != nil {
			return nil, nil, err
		}
		c, w := binary.Varint(rest)
		if w <= 0 {
			return nil, nil, errShortAcc
		}
		m[valueKey(v)], b = c, rest[w:]
	}
	return m, b, nil
}
