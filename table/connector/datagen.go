package connector

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	ds "github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// datagen is Flink's datagen connector: rows of random or sequence values,
// at most 'rows-per-second' over all subtasks, unbounded unless
// 'number-of-rows' is set or a column is a sequence (the source then ends
// with the shortest sequence, as Flink's).
//
// Random values by type: INT and BIGINT uniform in ['min', 'max'] (the
// whole type by default), DOUBLE likewise (±MaxFloat64), DECIMAL too,
// bounds cut to the type's largest value as Flink does; BOOLEAN either;
// STRING 'length' (100) hex digits, as Flink's, at most the VARCHAR's
// length; BYTES 'length' random bytes. A sequence column (INT, BIGINT,
// DOUBLE, DECIMAL or STRING) holds 'start' + i in row i; subtask s of p
// generates the rows i ≡ s (mod p), so together they give every value
// once, with no gap.
//
// Unlike Flink's, whose values come from a shared random generator, a row
// is a function of its index: every column draws from a generator seeded
// by the index and the column's name ('null-rate' too). A job restored
// from a checkpoint (connector.NewDataGen keeps the next index in its
// state) so generates the very rows it would have, and the rows do not
// depend on the parallelism or on which columns a query reads. Two tables
// with a column of the same name and options have that column's values
// in common.
//
// The one exception is time: TIMESTAMP and TIMESTAMP_LTZ columns are, as
// in Flink, the time the row is generated minus a random past of up to
// 'max-past' (0 by default), truncated to the type's precision; the past
// is a function of the index, the clock is not. So timestamps stay near
// the wall clock and watermarks derived from them follow processing
// time, whereas a base kept in the source's state would let event time
// drift from it under backpressure or after an outage; the price is that
// a replayed row has a later time than the original. TIMESTAMP is the
// wall clock of the node's local time zone, as Flink's
// LocalDateTime.now(); DATE is the local date of such a time.
type datagen struct{}

func init() { Register("datagen", datagen{}) }

// datagenKnown lists the options for the unknown-option message.
var datagenKnown = []string{"number-of-rows", "rows-per-second",
	"fields.#.kind", "fields.#.min", "fields.#.max", "fields.#.start", "fields.#.end",
	"fields.#.length", "fields.#.max-past", "fields.#.null-rate"}

// columnOptions are the per-column option suffixes.
var columnOptions = []string{"kind", "min", "max", "start", "end", "length", "max-past", "null-rate"}

// datagenSpec is a datagen table's parsed options.
type datagenSpec struct {
	rate     int64
	count    int64 // rows to generate; < 0 without end
	cols     []columnGen
	needsNow bool // some column is a time
}

// columnGen generates one column's values.
type columnGen struct {
	typ      data.Type
	seed     uint64
	nullRate float64
	sequence bool
	start    int64         // sequence: the value of row 0
	end      int64         // sequence: the last value
	lo, hi   int64         // INT, BIGINT
	flo, fhi float64       // DOUBLE, DECIMAL
	length   int           // STRING, BYTES
	maxPast  time.Duration // TIMESTAMP, TIMESTAMP_LTZ, DATE
}

func (datagen) Validate(t Table) error {
	_, err := parseDatagen(t)
	return err
}

func (datagen) Bounded(t Table) bool {
	spec, err := parseDatagen(t)
	return err == nil && spec.count >= 0
}

func (datagen) Source(env *stream.Env, t Table, fields []int, name string) (*stream.DataStream[data.Row], error) {
	spec, err := parseDatagen(t)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	if err := checkFields(t, fields); err != nil {
		return nil, err
	}
	values := make([]data.Value, len(fields)) // reused per row
	var alloc data.Allocator
	gen := func(i int64) data.Row {
		var now time.Time
		if spec.needsNow {
			now = time.Now()
		}
		for k, f := range fields {
			values[k] = spec.cols[f].value(i, now)
		}
		return alloc.MakeRow(data.Insert, values)
	}
	return stream.FromSource(env, ds.NewDataGen(spec.count, float64(spec.rate), gen), name), nil
}

// checkFields reports a projection outside the table's columns, a
// planner error.
func checkFields(t Table, fields []int) error {
	for _, f := range fields {
		if f < 0 || f >= t.Schema.Len() {
			return fmt.Errorf("table %s: no column at position %d", t.Name, f)
		}
	}
	return nil
}

func parseDatagen(t Table) (*datagenSpec, error) {
	o := newOptions("datagen", t)
	spec := &datagenSpec{
		rate:  o.integer("rows-per-second", 10000, 1, math.MaxInt64),
		count: -1,
		cols:  make([]columnGen, t.Schema.Len()),
	}
	for i, c := range t.Schema.Columns {
		if err := spec.parseColumn(o, &spec.cols[i], c); err != nil {
			return nil, err
		}
		if g := spec.cols[i]; g.sequence {
			if n := sequenceLength(g.start, g.end); spec.count < 0 || n < spec.count {
				spec.count = n
			}
		}
	}
	if o.has("number-of-rows") {
		n := o.integer("number-of-rows", 0, 0, math.MaxInt64)
		if spec.count < 0 || n < spec.count {
			spec.count = n
		}
	}
	if err := checkColumnOptions(o, t); err != nil {
		return nil, err
	}
	return spec, o.check(datagenKnown...)
}

// sequenceLength is the number of values from start to end, at most
// MaxInt64 (the most indices there are).
func sequenceLength(start, end int64) int64 {
	n := uint64(end) - uint64(start) // exact: end >= start
	if n >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(n) + 1
}

// parseColumn reads the options of column c into g.
func (spec *datagenSpec) parseColumn(o *options, g *columnGen, c data.Column) error {
	key := func(opt string) string { return "fields." + c.Name + "." + opt }
	g.typ = c.Type
	g.seed = columnSeed(c.Name)
	g.nullRate = o.number(key("null-rate"), 0, 0, 1)
	if g.nullRate > 0 && c.Type.NotNull {
		o.badValue(key("null-rate"), "column "+c.Name+" is NOT NULL")
	}
	g.sequence = o.oneOf(key("kind"), "random", "random", "sequence") == "sequence"
	if g.sequence {
		switch c.Type.Kind {
		case data.Int, data.BigInt, data.Double, data.Decimal, data.String:
		default:
			o.badValue(key("kind"), fmt.Sprintf("a %s column cannot be a sequence", c.Type.Kind))
			return o.err
		}
		for _, opt := range []string{"start", "end"} {
			if !o.has(key(opt)) {
				o.fail(fmt.Errorf("option '%s' is required for a sequence", key(opt)))
			}
		}
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if c.Type.Kind == data.Int {
			lo, hi = math.MinInt32, math.MaxInt32
		}
		g.start = o.integer(key("start"), 0, lo, hi)
		g.end = o.integer(key("end"), 0, lo, hi)
		switch {
		case o.err != nil:
		case g.end < g.start:
			o.badValue(key("end"), "less than the start "+strconv.FormatInt(g.start, 10))
		case c.Type.Kind == data.Decimal && (data.DecimalFromInt64(g.start, c.Type).IsNull() || data.DecimalFromInt64(g.end, c.Type).IsNull()):
			o.badValue(key("end"), fmt.Sprintf("the sequence does not fit %s", c.Type))
		}
		return o.err
	}
	switch c.Type.Kind {
	case data.Boolean:
	case data.Int:
		g.lo = o.integer(key("min"), math.MinInt32, math.MinInt32, math.MaxInt32)
		g.hi = o.integer(key("max"), math.MaxInt32, math.MinInt32, math.MaxInt32)
	case data.BigInt:
		g.lo = o.integer(key("min"), math.MinInt64, math.MinInt64, math.MaxInt64)
		g.hi = o.integer(key("max"), math.MaxInt64, math.MinInt64, math.MaxInt64)
	case data.Double:
		g.flo = o.number(key("min"), -math.MaxFloat64, -math.MaxFloat64, math.MaxFloat64)
		g.fhi = o.number(key("max"), math.MaxFloat64, -math.MaxFloat64, math.MaxFloat64)
	case data.Decimal:
		// As Flink's, bounds beyond the type are cut to its largest value.
		largest := math.Pow10(c.Type.Prec-c.Type.Scale) - math.Pow10(-c.Type.Scale)
		g.flo = max(o.number(key("min"), -largest, -math.MaxFloat64, math.MaxFloat64), -largest)
		g.fhi = min(o.number(key("max"), largest, -math.MaxFloat64, math.MaxFloat64), largest)
	case data.String, data.Bytes:
		g.length = int(min(o.integer(key("length"), 100, 0, math.MaxInt32), int64(c.Type.Prec)))
	case data.Timestamp, data.TimestampLTZ, data.Date:
		g.maxPast = o.duration(key("max-past"), 0)
		if g.maxPast < 0 {
			o.badValue(key("max-past"), "negative")
		}
		spec.needsNow = true
	default:
		return fmt.Errorf("column %s: connector datagen does not generate %s", c.Name, c.Type)
	}
	if o.err == nil && (g.lo > g.hi || g.flo > g.fhi) {
		if _, ok := o.values[key("max")]; ok {
			o.badValue(key("max"), "less than the minimum")
		} else {
			o.badValue(key("min"), "greater than the maximum")
		}
	}
	return o.err
}

// checkColumnOptions explains a per-column option nothing read: a column
// the table lacks, or an option of another type or kind.
func checkColumnOptions(o *options, t Table) error {
	for _, k := range slices.Sorted(maps.Keys(o.values)) {
		rest, ok := strings.CutPrefix(k, "fields.")
		if !ok || o.read[k] || o.err != nil {
			continue
		}
		dot := strings.LastIndexByte(rest, '.')
		col, opt := rest[:max(dot, 0)], rest[dot+1:]
		i := t.Schema.Index(col)
		switch {
		case dot < 0 || !slices.Contains(columnOptions, opt):
			// check reports it as unknown.
		case i < 0:
			o.fail(fmt.Errorf("option '%s': table %s has no column %s", k, t.Name, col))
		default:
			kind := o.str("fields."+col+".kind", "random")
			o.fail(fmt.Errorf("option '%s' does not apply to %s column %s of kind %s", k, t.Schema.Columns[i].Type, col, kind))
		}
	}
	return o.err
}

// columnSeed makes a column's values differ from another's.
func columnSeed(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// value is the column's value in row i; now is the generation time.
func (g *columnGen) value(i int64, now time.Time) data.Value {
	r := newRandom(g.seed, i)
	if g.nullRate > 0 && r.float() < g.nullRate {
		return data.NullOf(g.typ.Kind)
	}
	if g.sequence {
		return g.sequenceValue(g.start + i)
	}
	switch g.typ.Kind {
	case data.Boolean:
		return data.BoolValue(r.next()&1 == 1)
	case data.Int:
		return data.IntValue(int32(r.between(g.lo, g.hi)))
	case data.BigInt:
		return data.BigIntValue(r.between(g.lo, g.hi))
	case data.Double:
		u := r.float()
		return data.DoubleValue(g.flo*(1-u) + g.fhi*u) // never overflows, unlike flo+(fhi-flo)*u
	case data.Decimal:
		u := r.float()
		if v := data.DecimalFromFloat64(g.flo*(1-u)+g.fhi*u, g.typ); !v.IsNull() {
			return v
		}
		return largestDecimal(g.typ, g.fhi > 0) // the bound itself, rounded beyond the precision
	case data.String:
		b := make([]byte, g.length)
		r.hex(b)
		return data.StringValue(string(b))
	case data.Bytes:
		b := make([]byte, g.length)
		r.bytes(b)
		return data.BytesValue(b)
	}
	past := now.Add(-time.Duration(r.between(0, int64(g.maxPast))))
	switch g.typ.Kind {
	case data.Timestamp:
		return data.TimestampValue(data.TruncateNanos(data.TimestampOf(past).Int64(), g.typ.Prec))
	case data.TimestampLTZ:
		return data.TimestampLTZValue(data.TruncateNanos(past.UnixNano(), g.typ.Prec))
	default: // DATE
		y, m, d := past.Date()
		return data.DateValue(int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400))
	}
}

func (g *columnGen) sequenceValue(n int64) data.Value {
	switch g.typ.Kind {
	case data.Int:
		return data.IntValue(int32(n))
	case data.Double:
		return data.DoubleValue(float64(n))
	case data.Decimal:
		return data.DecimalFromInt64(n, g.typ)
	case data.String:
		return data.StringValue(strconv.FormatInt(n, 10))
	}
	return data.BigIntValue(n)
}

// largestDecimal is t's largest value, or its negation.
func largestDecimal(t data.Type, positive bool) data.Value {
	u := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Prec)), nil)
	u.Sub(u, big.NewInt(1))
	if !positive {
		u.Neg(u)
	}
	return data.BigDecimalValue(u, t.Scale)
}

// random is SplitMix64 started at a mix of a column's seed and a row
// index: cheap to seed per value, and well spread even for neighbouring
// indices.
type random struct{ state uint64 }

func newRandom(seed uint64, index int64) random {
	return random{state: seed ^ mix64(uint64(index))}
}

func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *random) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	return mix64(r.state)
}

// float is uniform in [0, 1).
func (r *random) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// between is uniform in [lo, hi] (Lemire's multiply-shift).
func (r *random) between(lo, hi int64) int64 {
	span := uint64(hi) - uint64(lo) + 1
	if span == 0 { // the whole int64 range
		return int64(r.next())
	}
	n, _ := bits.Mul64(r.next(), span)
	return lo + int64(n)
}

// hex fills b with random lowercase hex digits, as Flink's random
// strings.
func (r *random) hex(b []byte) {
	const digits = "0123456789abcdef"
	var w uint64
	for i := range b {
		if i%16 == 0 {
			w = r.next()
		}
		b[i] = digits[w&15]
		w >>= 4
	}
}

// bytes fills b with random bytes.
func (r *random) bytes(b []byte) {
	var w uint64
	for i := range b {
		if i%8 == 0 {
			w = r.next()
		}
		b[i] = byte(w)
		w >>= 8
	}
}
