package connector

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/runnel/runnel/table/data"
)

var datagenSchema = data.NewSchema(
	data.Column{Name: "id", Type: data.TBigInt},
	data.Column{Name: "name", Type: data.TVarchar(8)},
	data.Column{Name: "price", Type: data.TDecimal(6, 2)},
	data.Column{Name: "ts", Type: data.TTimestamp(3)},
	data.Column{Name: "flag", Type: data.TBoolean},
	data.Column{Name: "seq", Type: data.TInt},
)

func TestDatagenValidate(t *testing.T) {
	checkValidate(t, lookupSource(t, "datagen").(Factory), datagenSchema, []optionCase{
		{options: nil},
		{options: map[string]string{
			"rows-per-second": "5", "number-of-rows": "10",
			"fields.id.min": "1", "fields.id.max": "10", "fields.name.length": "5",
			"fields.price.min": "-1.5", "fields.price.max": "1e9", "fields.ts.max-past": "5 s",
			"fields.flag.null-rate": "0.5", "fields.seq.kind": "SEQUENCE", "fields.seq.start": "1", "fields.seq.end": "100",
		}},
		{options: map[string]string{"rows-per-second": "abc"},
			err: "option 'rows-per-second' = 'abc': not a number"},
		{options: map[string]string{"rows-per-second": "1.5"},
			err: "option 'rows-per-second' = '1.5': not an integer"},
		{options: map[string]string{"rows-per-second": "0"},
			err: "option 'rows-per-second' = '0': out of range [1, 9223372036854775807]"},
		{options: map[string]string{"number-of-rows": "-1"},
			err: "option 'number-of-rows' = '-1': out of range [0, 9223372036854775807]"},
		{options: map[string]string{"rows-per-secnd": "5"},
			err: "unknown option 'rows-per-secnd' for connector datagen (known: number-of-rows, rows-per-second, " +
				"fields.#.kind, fields.#.min, fields.#.max, fields.#.start, fields.#.end, fields.#.length, fields.#.max-past, fields.#.null-rate)"},
		{options: map[string]string{"fields.nope.kind": "random"},
			err: "option 'fields.nope.kind': table t has no column nope"},
		{options: map[string]string{"fields.id.length": "5"},
			err: "option 'fields.id.length' does not apply to BIGINT column id of kind random"},
		{options: map[string]string{"fields.seq.kind": "sequence", "fields.seq.start": "1", "fields.seq.min": "1", "fields.seq.end": "2"},
			err: "option 'fields.seq.min' does not apply to INT column seq of kind sequence"},
		{options: map[string]string{"fields.id.colour": "red"},
			err: "unknown option 'fields.id.colour' for connector datagen (known: number-of-rows, rows-per-second, " +
				"fields.#.kind, fields.#.min, fields.#.max, fields.#.start, fields.#.end, fields.#.length, fields.#.max-past, fields.#.null-rate)"},
		{options: map[string]string{"fields.id.kind": "foo"},
			err: "option 'fields.id.kind' = 'foo': want one of random, sequence"},
		{options: map[string]string{"fields.seq.kind": "sequence", "fields.seq.end": "10"},
			err: "option 'fields.seq.start' is required for a sequence"},
		{options: map[string]string{"fields.seq.kind": "sequence", "fields.seq.start": "10", "fields.seq.end": "9"},
			err: "option 'fields.seq.end' = '9': less than the start 10"},
		{options: map[string]string{"fields.seq.kind": "sequence", "fields.seq.start": "0", "fields.seq.end": "3000000000"},
			err: "option 'fields.seq.end' = '3000000000': out of range [-2147483648, 2147483647]"},
		{options: map[string]string{"fields.price.kind": "sequence", "fields.price.start": "0", "fields.price.end": "10000"},
			err: "option 'fields.price.end' = '10000': the sequence does not fit DECIMAL(6, 2)"},
		{options: map[string]string{"fields.flag.kind": "sequence"},
			err: "option 'fields.flag.kind' = 'sequence': a BOOLEAN column cannot be a sequence"},
		{options: map[string]string{"fields.flag.null-rate": "2"},
			err: "option 'fields.flag.null-rate' = '2': out of range [0, 1]"},
		{options: map[string]string{"fields.id.min": "10", "fields.id.max": "1"},
			err: "option 'fields.id.max' = '1': less than the minimum"},
		{options: map[string]string{"fields.price.min": "1e9"},
			err: "option 'fields.price.min' = '1e9': greater than the maximum"},
		{options: map[string]string{"fields.ts.max-past": "soon"},
			err: "option 'fields.ts.max-past' = 'soon': not a duration (want a number and a unit, as '10 s' or '5 min')"},
		{options: map[string]string{"fields.ts.max-past": "5 fortnights"},
			err: `option 'fields.ts.max-past' = '5 fortnights': unknown time unit " fortnights"`},
	})
	notNull := data.NewSchema(data.Column{Name: "k", Type: data.TInt.AsNotNull()})
	checkValidate(t, lookupSource(t, "datagen").(Factory), notNull, []optionCase{
		{options: map[string]string{"fields.k.null-rate": "0.1"},
			err: "option 'fields.k.null-rate' = '0.1': column k is NOT NULL"},
	})
	interval := data.NewSchema(data.Column{Name: "i", Type: data.TIntervalDayTime})
	checkValidate(t, lookupSource(t, "datagen").(Factory), interval, []optionCase{
		{err: "column i: connector datagen does not generate INTERVAL SECOND(3)"},
	})
}

func TestDatagenBounded(t *testing.T) {
	f := lookupSource(t, "datagen")
	for _, c := range []struct {
		options map[string]string
		bounded bool
	}{
		{nil, false},
		{map[string]string{"number-of-rows": "5"}, true},
		{map[string]string{"fields.seq.kind": "sequence", "fields.seq.start": "1", "fields.seq.end": "5"}, true},
	} {
		if got := f.Bounded(Table{Schema: datagenSchema, Options: c.options}); got != c.bounded {
			t.Errorf("Bounded(%v) = %v, want %v", c.options, got, c.bounded)
		}
	}
}

func mustDatagen(t *testing.T, options map[string]string) *datagenSpec {
	t.Helper()
	spec, err := parseDatagen(Table{Name: "t", Schema: datagenSchema, Options: options})
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestDatagenDeterministic checks that a row is a function of its index
// (but for the clock) and that neighbouring rows differ.
func TestDatagenDeterministic(t *testing.T) {
	spec := mustDatagen(t, nil)
	now := time.Now()
	for i := range int64(100) {
		for c := range spec.cols {
			a, b := spec.cols[c].value(i, now), spec.cols[c].value(i, now)
			if !a.Equal(b) {
				t.Fatalf("row %d column %d: %v, then %v", i, c, a, b)
			}
		}
	}
	distinct := map[string]bool{}
	for i := range int64(100) {
		distinct[spec.cols[1].value(i, now).Str()] = true
	}
	if len(distinct) != 100 {
		t.Errorf("100 rows have %d distinct names", len(distinct))
	}
}

// TestDatagenRead reads a projection at several parallelisms: the same
// rows, within the bounds the options set.
func TestDatagenRead(t *testing.T) {
	f := lookupSource(t, "datagen")
	tbl := Table{Name: "t", Schema: datagenSchema, Options: map[string]string{
		"rows-per-second": "1000000", "number-of-rows": "500",
		"fields.id.min": "-5", "fields.id.max": "5", "fields.name.length": "20",
		"fields.price.min": "-10", "fields.price.max": "10", "fields.ts.max-past": "1 min",
	}}
	start := time.Now()
	var first []string
	for _, p := range []int{1, 3} {
		// Without ts, whose values depend on the clock.
		rows, err := readTable(t, f, tbl, []int{2, 0, 1, 4}, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 500 {
			t.Fatalf("p=%d: %d rows, want 500", p, len(rows))
		}
		if first == nil {
			first = rows
		} else if !slices.Equal(rows, first) {
			t.Errorf("p=%d: other rows than at p=1", p)
		}
	}

	spec := mustDatagen(t, tbl.Options)
	ids := map[int64]bool{}
	for i := range int64(500) {
		now := time.Now()
		id := spec.cols[0].value(i, now).Int64()
		ids[id] = true
		if id < -5 || id > 5 {
			t.Errorf("id %d out of [-5, 5]", id)
		}
		if name := spec.cols[1].value(i, now).Str(); len(name) != 8 {
			t.Errorf("name %q: want 8 characters, the VARCHAR(8)'s length", name)
		}
		price := spec.cols[2].value(i, now)
		if u := price.Int64(); price.Scale() != 2 || u < -1000 || u > 1000 {
			t.Errorf("price %v out of [-10, 10]", price)
		}
		ts := spec.cols[3].value(i, now).Int64()
		wall := data.TimestampOf(now).Int64()
		if ts > wall || ts < wall-int64(time.Minute)-int64(time.Millisecond) || ts%int64(time.Millisecond) != 0 {
			t.Errorf("ts %v not within a minute before %v in milliseconds", ts, wall)
		}
	}
	if len(ids) != 11 {
		t.Errorf("ids take %d of the 11 values", len(ids))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestDatagenSequence checks that a sequence bounds the source and is
// split over the subtasks without gaps or duplicates.
func TestDatagenSequence(t *testing.T) {
	f := lookupSource(t, "datagen")
	for _, c := range []struct {
		options map[string]string
		n       int
	}{
		{map[string]string{"fields.seq.kind": "sequence", "fields.seq.start": "-3", "fields.seq.end": "996"}, 1000},
		{map[string]string{"fields.seq.kind": "sequence", "fields.seq.start": "1", "fields.seq.end": "1000", "number-of-rows": "10"}, 10},
	} {
		c.options["rows-per-second"] = "1000000"
		tbl := Table{Name: "t", Schema: datagenSchema, Options: c.options}
		for _, p := range []int{1, 4} {
			rows, err := readTable(t, f, tbl, []int{5}, p)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, r := range rows {
				n, err := strconv.Atoi(r[3 : len(r)-1])
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, n)
			}
			slices.Sort(got)
			start, _ := strconv.Atoi(c.options["fields.seq.start"])
			want := make([]int, c.n)
			for i := range want {
				want[i] = start + i
			}
			if !slices.Equal(got, want) {
				t.Errorf("%v at p=%d: %d values %v..., want %v...", c.options, p, len(got), got[:min(5, len(got))], want[:5])
			}
		}
	}

	// The sequence of every numeric type and STRING.
	schema := data.NewSchema(
		data.Column{Name: "b", Type: data.TBigInt}, data.Column{Name: "d", Type: data.TDouble},
		data.Column{Name: "m", Type: data.TDecimal(5, 1)}, data.Column{Name: "s", Type: data.TString})
	opts := map[string]string{}
	for _, col := range schema.Names() {
		opts["fields."+col+".kind"], opts["fields."+col+".start"], opts["fields."+col+".end"] = "sequence", "7", "8"
	}
	spec, err := parseDatagen(Table{Schema: schema, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for c := range spec.cols {
		got = append(got, data.FormatText(spec.cols[c].value(1, time.Time{}), schema.Columns[c].Type))
	}
	if want := []string{"8", "8.0", "8.0", "8"}; !slices.Equal(got, want) || spec.count != 2 {
		t.Errorf("row 1 of 2 is %v, want %v; count %d", got, want, spec.count)
	}
	// The longest sequence there is.
	if n := sequenceLength(math.MinInt64, math.MaxInt64); n != math.MaxInt64 {
		t.Errorf("sequenceLength of all int64 = %d", n)
	}
}

func TestDatagenNullRate(t *testing.T) {
	for _, rate := range []float64{0, 0.3, 1} {
		spec := mustDatagen(t, map[string]string{"fields.name.null-rate": fmt.Sprint(rate), "fields.ts.null-rate": fmt.Sprint(rate)})
		nulls := 0
		const n = 10000
		for i := range int64(n) {
			for _, c := range []int{1, 3} {
				if spec.cols[c].value(i, time.Now()).IsNull() {
					nulls++
				}
			}
		}
		if got := float64(nulls) / (2 * n); math.Abs(got-rate) > 0.02 {
			t.Errorf("null-rate %v: %v of the values are NULL", rate, got)
		}
	}
}

// TestDatagenRandomTypes checks the defaults of the types Flink's
// datagen covers: every value of its type, in range.
func TestDatagenRandomTypes(t *testing.T) {
	schema := data.NewSchema(
		data.Column{Name: "i", Type: data.TInt}, data.Column{Name: "d", Type: data.TDouble},
		data.Column{Name: "m", Type: data.TDecimal(38, 10)}, data.Column{Name: "s", Type: data.TString},
		data.Column{Name: "y", Type: data.TBytes}, data.Column{Name: "l", Type: data.TTimestampLTZ(0)},
		data.Column{Name: "dt", Type: data.TDate})
	spec, err := parseDatagen(Table{Schema: schema, Options: map[string]string{"fields.dt.max-past": "3 d", "fields.y.length": "3"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	today := data.TimestampOf(now).Int64() / int64(24*time.Hour)
	for i := range int64(1000) {
		for c, col := range schema.Columns {
			v := spec.cols[c].value(i, now)
			if v.Kind() != col.Type.Kind || v.IsNull() {
				t.Fatalf("column %s: %v", col.Name, v)
			}
			switch col.Name {
			case "d":
				if math.IsInf(v.Float64(), 0) || math.IsNaN(v.Float64()) {
					t.Errorf("double %v", v.Float64())
				}
			case "m":
				if _, err := data.ParseText(data.FormatText(v, col.Type), col.Type); err != nil {
					t.Errorf("decimal %v: %v", v, err)
				}
			case "s":
				if len(v.Str()) != 100 {
					t.Errorf("string of %d characters, want 100", len(v.Str()))
				}
			case "y":
				if len(v.Str()) != 3 {
					t.Errorf("bytes %x, want 3", v.Str())
				}
			case "l":
				if v.Int64() > now.UnixNano() || v.Int64()%int64(time.Second) != 0 {
					t.Errorf("timestamp_ltz %v, want whole seconds up to now", v.Time())
				}
			case "dt":
				if d := v.Int64(); d > today || d < today-3 {
					t.Errorf("date %d, want within 3 days before %d", d, today)
				}
			}
		}
	}
}
