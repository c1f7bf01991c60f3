package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/table/data"
)

// joinSide is one input of a join and its rows in keyed state.
type joinSide[K comparable] struct {
	name  string // the state's name, Flink's
	keys  []int
	outer bool
	// nulls is a row of NULLs of the side's types: the other side's
	// padding when this side has no match.
	nulls data.Row
	// records are the side's rows under the current key, by their fields
	// (Row.AppendFields), as Flink's JoinRecordStateView keeps them.
	records *state.MapState[K, state.VoidNamespace, string, joinRecord]
}

// add keeps one more occurrence of the row key encodes, which matches
// assoc rows of the other side when this side is outer.
func (s *joinSide[K]) add(key string, assoc int64) error {
	rec, _ := s.records.Get(key)
	if rec.count == maxJoinCount {
		return fmt.Errorf("Join: more than %d copies of a row in the %s", maxJoinCount, s.name)
	}
	rec.count++
	if s.outer {
		rec.assoc = int32(assoc) // associate checked its range
	}
	s.records.Put(key, rec)
	return nil
}

// retract drops one occurrence of the row key encodes, if kept.
func (s *joinSide[K]) retract(key string) {
	rec, ok := s.records.Get(key)
	switch {
	case !ok:
	case rec.count > 1:
		rec.count--
		s.records.Put(key, rec)
	default:
		s.records.Remove(key)
	}
}

// associate finds r's associated records, Flink's AssociatedRecords: the
// other side's rows under the current key for which the condition holds
// on the joined row, into f.matches. It returns their number, each
// counted as often as it is present.
func (f *joinFunction[K]) associate(r data.Row, in int) (int64, error) {
	f.matches = f.matches[:0]
	for _, k := range f.sides[in].keys {
		if r.IsNullAt(k) {
			return 0, nil
		}
	}
	o := &f.sides[1-in]
	f.probe = probe{r: r, in: in}
	o.records.Entries()(f.yield)
	p := f.probe
	f.probe = probe{}
	switch {
	case p.err != nil:
		return 0, p.err
	case p.n > maxJoinCount:
		return 0, fmt.Errorf("Join: a row matches %d rows of the %s, more than %d", p.n, o.name, maxJoinCount)
	}
	return p.n, nil
}

// probe is the row associate looks up the associated records of, and
// what it found so far.
type probe struct {
	r   data.Row
	in  int
	n   int64
	err error
}

// match is associate's function over the other side's entries (f.yield):
// it adds the entry to f.matches if its row is associated with the probe.
// A method rather than a range loop's body, since that closure and what
// it captures would be allocations per row.
func (f *joinFunction[K]) match(key string, rec joinRecord) bool {
	p := &f.probe
	other, err := data.FieldsRow(data.Insert, key)
	if err != nil {
		p.err = fmt.Errorf("Join: %s: %w", f.sides[1-p.in].name, err)
		return false
	}
	joined := f.join(data.Insert, p.in, p.r, other)
	if f.cond != nil {
		ok, err := f.cond(joined)
		if err != nil {
			p.err = fmt.Errorf("Join: condition on %s: %w", joined, err)
			return false
		}
		if !ok {
			return true
		}
	}
	f.matches = append(f.matches, joinMatch{key: key, rec: rec, row: other, joined: joined})
	p.n += int64(rec.count)
	return true
}

// joinRecord is what a side keeps of a row, Flink's Tuple2 of
// OuterJoinRecordStateView: how many times the row is present, and, on
// an outer side, how many rows of the other side each occurrence matches
// (a padded row is out for the row exactly while that is 0). The counts
// are 32-bit, as Flink's, so that an entry of a MapState stays small;
// what would pass them fails the job rather than wrap.
type joinRecord struct {
	count int32
	// assoc may go below 0 only through retractions of rows never kept,
	// as in Flink.
	assoc int32
}

// maxJoinCount is the largest count or association count.
const maxJoinCount = math.MaxInt32

// AppendBinary encodes r for state snapshots: two varints.
func (r *joinRecord) AppendBinary(buf []byte) ([]byte, error) {
	buf = binary.AppendUvarint(buf, uint64(r.count))
	return binary.AppendVarint(buf, int64(r.assoc)), nil
}

var errJoinRecord = errors.New("decode join record: bad counts")

// UnmarshalBinary decodes what AppendBinary encoded.
func (r *joinRecord) UnmarshalBinary(b []byte) error {
	count, n := binary.Uvarint(b)
	if n <= 0 || count == 0 || count > maxJoinCount {
		return errJoinRecord
	}
	assoc, m := binary.Varint(b[n:])
	if m <= 0 || n+m != len(b) || assoc < math.MinInt32 || assoc > maxJoinCount {
		return errJoinRecord
	}
	*r = joinRecord{count: int32(count), assoc: int32(assoc)}
	return nil
}

// joinMatch is one associated record of the row being processed: the
// other side's row (its state key and entry, and the row read from the
// key) and the joined row.
type joinMatch struct {
	key    string
	rec    joinRecord
	row    data.Row
	joined data.Row
}
