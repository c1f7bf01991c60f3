package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/table/data"
)

// maxCompactRows is the most distinct rows a side keeps under a key in
// its compact state (joinSide.rows); a key with more moves them to the
// MapState (joinSide.records), so that a hot key does not rewrite a long
// string per update.
const maxCompactRows = 16

// joinSide is one input of a join and its rows in keyed state.
type joinSide[K comparable] struct {
	name        string // the MapState's name, Flink's
	compactName string // the ValueState's
	keys        []int
	outer       bool
	// nulls is a row of NULLs of the side's types: the other side's
	// padding when this side has no match.
	nulls data.Row
	// rows are the side's rows under the current key while it has at most
	// maxCompactRows distinct ones, as one string; records are those of a
	// key with more, by their fields (Row.AppendFields), as Flink's
	// JoinRecordStateView keeps them. A key's rows are in one or the
	// other, never both: a key starts in rows when records has none of
	// its rows, and moves to records when rows would grow past
	// maxCompactRows (until records empties). One string per key keeps the
	// state pointer-light: one small Go map per key and side, as the
	// MapState keeps, made most of the heap, and half the CPU was the
	// garbage collector scanning it.
	rows    *state.ValueState[K, state.VoidNamespace, joinRows]
	records *state.MapState[K, state.VoidNamespace, string, joinRecord]
	// ttl is the state TTL in nanoseconds, 0 for none: then the rows of
	// rows carry the time they were last written, so that each expires on
	// its own as a MapState entry does.
	ttl int64
	// buf is scratch for a rows string being rewritten: reused.
	buf []byte
}

// expired reports whether a row last written at ts (0: not stamped, as
// in a string written without TTL) is expired at now.
func (s *joinSide[K]) expired(ts, now int64) bool {
	return s.ttl > 0 && ts != 0 && now-ts >= s.ttl
}

// header starts a rows string in buf, stamped when the side has TTL.
func (s *joinSide[K]) header(buf []byte) []byte {
	if s.ttl > 0 {
		return append(buf, joinRowsStamped)
	}
	return append(buf, joinRowsPlain)
}

// appendEntry appends a row to buf, a rows string that header started;
// ts is when the row was last written (0: now).
func appendEntry[F string | []byte](buf []byte, ts, now int64, fields F, rec joinRecord) []byte {
	if buf[0] == joinRowsStamped {
		if ts == 0 {
			ts = now
		}
		buf = binary.LittleEndian.AppendUint64(buf, uint64(ts))
	}
	buf = binary.AppendUvarint(buf, uint64(len(fields)))
	buf = append(buf, fields...)
	buf = binary.AppendUvarint(buf, uint64(rec.count))
	return binary.AppendVarint(buf, int64(rec.assoc))
}

// corrupt is a corrupt rows string's error.
func (s *joinSide[K]) corrupt(err error) error {
	return fmt.Errorf("Join: %s: %w", s.name, err)
}

// add keeps one more occurrence of the row fields encodes, which matches
// assoc rows of the other side when this side is outer, at time now.
func (s *joinSide[K]) add(fields []byte, assoc int64, now int64) error {
	rs, ok := s.rows.Value()
	if !ok && s.spilled() {
		key := string(fields) // kept in state: a string of its own
		rec, _ := s.records.Get(key)
		return s.put(key, rec, assoc)
	}
	buf := s.header(s.buf[:0])
	live, found := 0, false
	for at := 1; at < len(rs); {
		e, next, err := rs.entry(at)
		if err != nil {
			return s.corrupt(err)
		}
		at = next
		if s.expired(e.ts, now) {
			continue // dropped
		}
		live++
		if !found && e.fields == string(fields) {
			found = true
			if e.rec.count == maxJoinCount {
				return fmt.Errorf("Join: more than %d copies of a row in the %s", maxJoinCount, s.name)
			}
			e.rec.count++
			if s.outer {
				e.rec.assoc = int32(assoc) // associate checked its range
			}
			e.ts = now
		}
		buf = appendEntry(buf, e.ts, now, e.fields, e.rec)
	}
	if !found {
		rec := joinRecord{count: 1}
		if s.outer {
			rec.assoc = int32(assoc)
		}
		if live == maxCompactRows {
			s.buf = buf
			return s.spill(rs, now, fields, rec)
		}
		buf = appendEntry(buf, now, now, fields, rec)
	}
	s.buf = buf
	s.rows.Update(joinRows(buf)) // a string of its own: kept
	return nil
}

// spilled reports whether the current key's rows are in records. With
// TTL, MapState.IsEmpty would look at every entry of the key: a range
// stops at the first live one.
func (s *joinSide[K]) spilled() bool {
	if s.ttl == 0 {
		return !s.records.IsEmpty()
	}
	for range s.records.Entries() {
		return true
	}
	return false
}

// put is add for a key whose rows are in records.
func (s *joinSide[K]) put(key string, rec joinRecord, assoc int64) error {
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

// spill moves the current key's rows, the live ones of rs as of now and
// a new one of fields, from rows to records. Their TTL restarts, as they
// are written anew.
func (s *joinSide[K]) spill(rs joinRows, now int64, fields []byte, rec joinRecord) error {
	for at := 1; at < len(rs); {
		e, next, err := rs.entry(at)
		if err != nil {
			return s.corrupt(err)
		}
		if !s.expired(e.ts, now) {
			// A copy, so that the map's key does not hold rs.
			s.records.Put(strings.Clone(e.fields), e.rec)
		}
		at = next
	}
	s.records.Put(string(fields), rec)
	s.rows.Clear()
	return nil
}

// retract drops one occurrence of the row fields encodes, if kept.
func (s *joinSide[K]) retract(fields []byte, now int64) error {
	rs, ok := s.rows.Value()
	if !ok {
		key := string(fields)
		rec, ok := s.records.Get(key)
		switch {
		case !ok:
		case rec.count > 1:
			rec.count--
			s.records.Put(key, rec)
		default:
			s.records.Remove(key)
		}
		return nil
	}
	buf := s.header(s.buf[:0])
	found := false
	for at := 1; at < len(rs); {
		e, next, err := rs.entry(at)
		if err != nil {
			return s.corrupt(err)
		}
		at = next
		if s.expired(e.ts, now) {
			continue
		}
		if !found && e.fields == string(fields) {
			found = true
			if e.rec.count == 1 {
				continue // dropped
			}
			e.rec.count--
			e.ts = now
		}
		buf = appendEntry(buf, e.ts, now, e.fields, e.rec)
	}
	s.buf = buf
	switch {
	case !found: // not kept: state left alone
	case len(buf) == 1:
		s.rows.Clear()
	default:
		s.rows.Update(joinRows(buf))
	}
	return nil
}

// putMatches writes back the association counts of matches, all rows
// of rs, the current key's rows string associate read, at time now.
func (s *joinSide[K]) putMatches(rs joinRows, matches []joinMatch, now int64) error {
	buf := s.header(s.buf[:0])
	i := 0
	for at := 1; at < len(rs); {
		e, next, err := rs.entry(at)
		if err != nil {
			return s.corrupt(err)
		}
		switch {
		case i < len(matches) && matches[i].at == at:
			e.rec, e.ts = matches[i].rec, now
			i++
		case s.expired(e.ts, now):
			at = next
			continue
		}
		buf = appendEntry(buf, e.ts, now, e.fields, e.rec)
		at = next
	}
	s.buf = buf
	s.rows.Update(joinRows(buf))
	return nil
}

// associate finds r's associated records, Flink's AssociatedRecords: the
// other side's rows under the current key for which the condition holds
// on the joined row, into f.matches, as of time now. It returns their
// number, each counted as often as it is present.
func (f *joinFunction[K]) associate(r data.Row, in int, now int64) (int64, error) {
	f.matches = f.matches[:0]
	f.other, f.otherCompact = "", false
	for _, k := range f.sides[in].keys {
		if r.IsNullAt(k) {
			return 0, nil
		}
	}
	o := &f.sides[1-in]
	f.probe = probe{r: r, in: in}
	if rs, ok := o.rows.Value(); ok {
		f.other, f.otherCompact = rs, true
		for at := 1; at < len(rs); {
			e, next, err := rs.entry(at)
			if err != nil {
				f.probe.err = o.corrupt(err)
				break
			}
			if !o.expired(e.ts, now) {
				f.probe.at = at
				if !f.match(e.fields, e.rec) {
					break
				}
			}
			at = next
		}
	} else {
		f.probe.at = -1
		o.records.Entries()(f.yield)
	}
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
	at  int // the offset of the entry in the rows string, -1 in records
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
	f.matches = append(f.matches, joinMatch{key: key, at: p.at, rec: rec, row: other, joined: joined})
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
// other side's row (its fields, its entry and where that is in the rows
// string, and the row read from the fields) and the joined row.
type joinMatch struct {
	key    string
	at     int
	rec    joinRecord
	row    data.Row
	joined data.Row
}

// joinRows are one side's rows under a key, in a compact encoding: a
// header byte, joinRowsPlain or joinRowsStamped, then per distinct row
// (in no particular order) its last write's time in Unix nanoseconds (8
// bytes, little-endian) if stamped, a uvarint of its fields' length, its
// fields (Row.AppendFields), its count as a uvarint and its association
// count as a varint. A string is never empty of rows. Its rows are read
// without copies (data.FieldsRow on substrings).
type joinRows string

// The header bytes of joinRows: stamped rows carry their time, for TTL.
const (
	joinRowsPlain   = 0
	joinRowsStamped = 1
)

var errJoinRows = errors.New("decode join rows: bad encoding")

// joinEntry is a row of a joinRows: its time (0 if not stamped), fields
// and counts.
type joinEntry struct {
	ts     int64
	fields string
	rec    joinRecord
}

// entry reads the row at offset at (at least 1) and returns the offset
// of the next one.
func (rs joinRows) entry(at int) (e joinEntry, next int, err error) {
	if rs[0] == joinRowsStamped {
		if len(rs)-at < 8 {
			return e, 0, errJoinRows
		}
		var ts uint64
		for i := range 8 {
			ts |= uint64(rs[at+i]) << (8 * i)
		}
		e.ts, at = int64(ts), at+8
	}
	n, at, ok := uvarintAt(rs, at)
	if !ok || n > uint64(len(rs)-at) {
		return e, 0, errJoinRows
	}
	e.fields, at = string(rs[at:at+int(n)]), at+int(n)
	count, at, ok := uvarintAt(rs, at)
	if !ok || count == 0 || count > maxJoinCount {
		return e, 0, errJoinRows
	}
	u, at, ok := uvarintAt(rs, at)
	assoc := int64(u >> 1)
	if u&1 != 0 {
		assoc = ^assoc
	}
	if !ok || assoc < math.MinInt32 || assoc > maxJoinCount {
		return e, 0, errJoinRows
	}
	e.rec = joinRecord{count: int32(count), assoc: int32(assoc)}
	return e, at, nil
}

// uvarintAt reads the uvarint at offset at of s and returns the offset
// after it.
func uvarintAt(s joinRows, at int) (uint64, int, bool) {
	var x uint64
	for shift := 0; shift < 64; shift += 7 {
		if at >= len(s) {
			return 0, 0, false
		}
		c := s[at]
		at++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x, at, true
		}
	}
	return 0, 0, false
}

// AppendBinary encodes rs for state snapshots: its bytes.
func (rs *joinRows) AppendBinary(buf []byte) ([]byte, error) { return append(buf, *rs...), nil }

// UnmarshalBinary decodes what AppendBinary encoded, checking every row.
func (rs *joinRows) UnmarshalBinary(b []byte) error {
	s := joinRows(b)
	if len(s) < 2 || s[0] != joinRowsPlain && s[0] != joinRowsStamped {
		return errJoinRows
	}
	for at := 1; at < len(s); {
		e, next, err := s.entry(at)
		if err != nil {
			return err
		}
		if _, err := data.FieldsRow(data.Insert, e.fields); err != nil {
			return fmt.Errorf("decode join rows: %w", err)
		}
		at = next
	}
	*rs = s
	return nil
}
