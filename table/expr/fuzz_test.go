package expr

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/runnel/runnel/table/data"
	"github.com/vmihailenco/msgpack/v5"
)

// fuzzSchema is the input of the fuzzed expressions.
var fuzzSchema = data.NewSchema(
	data.Column{Name: "i", Type: data.TInt},
	data.Column{Name: "b", Type: data.TBigInt},
	data.Column{Name: "d", Type: data.TDouble},
	data.Column{Name: "m", Type: data.TDecimal(10, 2)},
	data.Column{Name: "s", Type: data.TString},
	data.Column{Name: "ts", Type: data.Type{Kind: data.Timestamp, Prec: 3, Time: data.Rowtime}},
	data.Column{Name: "nn", Type: data.TBigInt.AsNotNull()},
)

// fuzzInput reads choices from the fuzzer's bytes; past the end, zeros.
type fuzzInput struct {
	b     []byte
	i     int
	names []string // the functions, and a few that Resolve refuses
}

func newFuzzInput(b []byte) *fuzzInput {
	// Built here, not in a variable's initializer: the function table is
	// filled by an init function, which runs after those.
	names := []string{"COUNT", "AS", "NOPE"}
	for n := range functions {
		names = append(names, n)
	}
	slices.Sort(names)
	return &fuzzInput{b: b, names: names}
}

func (in *fuzzInput) byte() byte {
	if in.i >= len(in.b) {
		return 0
	}
	in.i++
	return in.b[in.i-1]
}

func (in *fuzzInput) n(k int) int { return int(in.byte()) % k }

func (in *fuzzInput) int64() int64 {
	var n int64
	for range 8 {
		n = n<<8 | int64(in.byte())
	}
	return n
}

var (
	fuzzTypes = []data.Type{data.TBoolean, data.TInt, data.TBigInt, data.TDouble, data.TDecimal(10, 2),
		data.TDecimal(38, 10), data.TDecimal(3, 3), data.TString, data.TVarchar(3), data.TBytes,
		data.TTimestamp(3), data.TTimestamp(0), data.TTimestampLTZ(3), data.TDate,
		data.TIntervalDayTime, data.TIntervalYearMonth}
	fuzzStrings = []string{"", "a", "Hello", "12", "-3.5", "1e400", "2024-01-15 10:30:45.123", "2024-02-30",
		"true", "%", "a_%", "!", "yyyy-MM-dd HH:mm:ss.SSS", "'x", "HOUR", "DAY", "MONTH", "YEAR", "DOW",
		"+1 02:03:04.005", "-1-02", "é", "NaN", "99999999999999999999"}
)

// expr builds an expression of at most depth levels.
func (in *fuzzInput) expr(depth int) *Expr {
	k := in.n(4)
	if depth <= 0 {
		k = in.n(2)
	}
	switch k {
	case 0:
		return Col(fuzzSchema.Columns[in.n(fuzzSchema.Len())].Name)
	case 1:
		return in.literal()
	case 2:
		c := Cast(in.expr(depth-1), fuzzTypes[in.n(len(fuzzTypes))])
		if in.n(3) == 0 {
			c.Name = "TRY_CAST"
		}
		return c
	}
	name := in.names[in.n(len(in.names))]
	args := make([]*Expr, in.n(5))
	if f := functions[name]; f != nil && in.n(4) != 0 {
		args = make([]*Expr, f.min+in.n(2)) // mostly a valid arity
	}
	for i := range args {
		args[i] = in.expr(depth - 1)
	}
	return Call(name, args...)
}

func (in *fuzzInput) literal() *Expr {
	switch in.n(11) {
	case 0:
		return Lit(nil)
	case 1:
		return Lit(in.n(2) == 0)
	case 2:
		return Lit(int32(in.int64()))
	case 3:
		return Lit(in.int64() >> (in.n(64)))
	case 4:
		return Lit([]float64{0, 1.5, -2, math.NaN(), math.Inf(1), 1e300, 5e-324}[in.n(7)])
	case 5:
		v := data.DecimalValue(in.int64()>>in.n(64), in.n(20))
		return &Expr{Op: OpLit, Lit: v}
	case 6, 7:
		return Lit(fuzzStrings[in.n(len(fuzzStrings))])
	case 8:
		return &Expr{Op: OpLit, Lit: data.TimestampValue(in.int64() >> 8), Type: data.TTimestamp(3)}
	case 9:
		return Lit(time.Duration(in.int64()>>in.n(64)) * time.Millisecond)
	}
	return &Expr{Op: OpLit, Lit: data.IntervalYearMonthValue(int32(in.int64()))}
}

// row builds a row of fuzzSchema, a third of the nullable fields NULL.
func (in *fuzzInput) row() data.Row {
	f := make([]data.Value, fuzzSchema.Len())
	for i, c := range fuzzSchema.Columns {
		if !c.Type.NotNull && in.n(3) == 0 {
			f[i] = data.NullOf(c.Type.Kind)
			continue
		}
		switch c.Type.Kind {
		case data.Int:
			f[i] = data.IntValue(int32(in.int64()))
		case data.BigInt:
			f[i] = data.BigIntValue(in.int64() >> in.n(64))
		case data.Double:
			f[i] = data.DoubleValue(float64(in.int64()) / float64(1+in.n(1000)))
		case data.Decimal:
			f[i] = data.DecimalValue(in.int64()%1e10, 2)
		case data.String:
			f[i] = data.StringValue(fuzzStrings[in.n(len(fuzzStrings))])
		case data.Timestamp:
			f[i] = data.TimestampValue(data.TruncateNanos(in.int64()>>1, 3))
		}
	}
	return data.NewRow(f...)
}

// FuzzCompile: random expressions over random rows. Resolve may refuse
// one; whatever it accepts must compile, and evaluate without a panic to
// a value of its type, never NULL when the type is NOT NULL.
func FuzzCompile(f *testing.F) {
	f.Add([]byte{3, 5, 0, 1, 0, 2})
	f.Add([]byte{3, 0, 3, 0, 3, 1, 6, 0, 0, 1, 2})
	f.Add([]byte("\x03\x10\x00\x01\x00\x04\x01\x02\x07"))
	f.Fuzz(func(t *testing.T, b []byte) {
		in := newFuzzInput(b)
		e := in.expr(4)
		rows := []data.Row{in.row(), in.row(), in.row()}
		_ = e.String()
		r, err := Resolve(e, fuzzSchema, Options{Location: time.FixedZone("UTC+8", 8*3600)})
		if err != nil {
			return
		}
		s := r.String()
		ev, err := Compile(r)
		if err != nil {
			t.Fatalf("%s resolved but does not compile: %v", s, err)
		}
		var p func(data.Row) (bool, error)
		if r.Type.Kind == data.Boolean {
			if p, err = CompilePredicate(r); err != nil {
				t.Fatalf("%s: predicate: %v", s, err)
			}
		}
		for _, row := range rows {
			v, err := ev(row)
			if err != nil {
				continue
			}
			if v.Kind() != r.Type.Kind && r.Type.Kind != data.Null {
				t.Fatalf("%s over %v: value of kind %s, type %s", s, row, v.Kind(), r.Type)
			}
			if v.IsNull() && r.Type.NotNull {
				t.Fatalf("%s over %v: NULL, type %s", s, row, r.Type)
			}
			if p != nil {
				ok, err := p(row)
				if want := !v.IsNull() && v.Bool(); err == nil && ok != want {
					t.Fatalf("%s over %v: predicate %v, value %v", s, row, ok, v)
				}
			}
		}
		buf, err := msgpack.Marshal(r)
		if err != nil {
			t.Fatalf("%s: encode: %v", s, err)
		}
		var back Expr
		if err := msgpack.Unmarshal(buf, &back); err != nil || back.String() != s {
			t.Fatalf("%s: decoded as %s: %v", s, &back, err)
		}
	})
}
