package data

import (
	"math"
	"math/big"
	"slices"
	"testing"
)

// codecRow has a value of every kind, NULLs, and strings around numbers.
func codecRow() Row {
	wide := new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil)
	return MakeRow(UpdateAfter, []Value{
		BoolValue(true), IntValue(-7), BigIntValue(math.MinInt64), DoubleValue(-0.25),
		DecimalValue(-12345, 2), BigDecimalValue(wide.Neg(wide), 3),
		StringValue("héllo"), StringValue(""), BytesValue([]byte{0, 0xff}), StringValue("x"),
		TimestampValue(1_790_000_000_123_000_000), TimestampLTZValue(-1), DateValue(20_000),
		IntervalDayTimeValue(86_400_000), IntervalYearMonthValue(-14),
		NullOf(Int), NullOf(String), NullOf(Decimal), {},
	})
}

func TestRowCodecRoundTrip(t *testing.T) {
	for _, r := range []Row{codecRow(), {Kind: Delete}, NewRow(StringValue("only"))} {
		b, err := r.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		var got Row
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		if !got.Equal(r) {
			t.Errorf("decoded %s, want %s", got, r)
		}
		// The strings are copies: the buffer may be reused at once.
		clear(b)
		if !got.Equal(r) {
			t.Errorf("after the buffer was cleared: %s, want %s", got, r)
		}
	}
}

func TestRowCodecRefusesBadInput(t *testing.T) {
	row := codecRow()
	b, err := row.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		var r Row
		if err := r.UnmarshalBinary(b[:n]); err == nil {
			t.Errorf("a row cut to %d of %d bytes decoded: %s", n, len(b), r)
		}
	}
	var r Row
	if err := r.UnmarshalBinary(append(b, 0)); err == nil {
		t.Error("a row with a trailing byte decoded")
	}
	if err := r.UnmarshalBinary([]byte{0, 1, slotSize, 0, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0}); err == nil {
		t.Error("a value of an unknown kind decoded")
	}
}

// BenchmarkRowDecode decodes a row as the exchange before a window
// aggregation carries it (BIGINT, BIGINT, TIMESTAMP(3)) and one with
// strings:
//
//	go test ./table/data -run '^$' -bench RowDecode -benchmem
func BenchmarkRowDecode(b *testing.B) {
	rows := map[string]Row{
		"numbers": NewRow(BigIntValue(4711), BigIntValue(250), TimestampValue(1_790_000_000_123_000_000)),
		"strings": NewRow(BigIntValue(4711), StringValue("bidder-42"), StringValue("https://example.com/item/4711"), StringValue("EUR")),
	}
	for name, r := range rows {
		enc, err := r.AppendBinary(nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var got Row
			for b.Loop() {
				if err := got.UnmarshalBinary(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestRowKeepsEveryValue(t *testing.T) {
	want := codecRow().Values()
	fields := slices.Clone(want)
	r := MakeRow(Delete, fields)
	// MakeRow copied: the caller's slice is its own again.
	clear(fields)
	if r.Kind != Delete || r.Width() != len(want) {
		t.Fatalf("row %s: kind %s, width %d", r, r.Kind, r.Width())
	}
	for i, v := range want {
		if got := r.Field(i); !got.Equal(v) || got.IsNull() != v.IsNull() || got.Kind() != v.Kind() {
			t.Errorf("field %d: %s, want %s", i, got.debugString(), v.debugString())
		}
		if n, null := r.Int64At(i); v.Kind() != String && v.Kind() != Bytes && !v.IsWide() && (n != v.Int64() || null != v.IsNull()) {
			t.Errorf("Int64At(%d) = %d, %t; want %d, %t", i, n, null, v.Int64(), v.IsNull())
		}
	}
}

func TestRowSliceSharesFields(t *testing.T) {
	r := NewRow(BigIntValue(1), StringValue("a"), StringValue("bc"), IntValue(4), StringValue("d"))
	s := r.Slice(1, 4)
	if want := NewRow(StringValue("a"), StringValue("bc"), IntValue(4)); !s.Equal(want) {
		t.Fatalf("Slice(1, 4) = %s, want %s", s, want)
	}
	b, err := s.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	var got Row
	if err := got.UnmarshalBinary(b); err != nil || !got.Equal(s) {
		t.Errorf("a sliced row decoded to %s (%v), want %s", got, err, s)
	}
	if e := r.Slice(2, 2); e.Width() != 0 {
		t.Errorf("an empty slice has %d fields", e.Width())
	}
}

func TestRowDecodeRefusesStringPastEnd(t *testing.T) {
	r := NewRow(StringValue("abc"))
	b, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	// The slot starts after kind, width and length; its length is in
	// bytes 4..7 of the payload.
	b[3+4]++
	var got Row
	if err := got.UnmarshalBinary(b); err == nil {
		t.Errorf("a string running past the row decoded: %s", got)
	}
}

func TestAllocatorRowsAreIndependent(t *testing.T) {
	var a Allocator
	in := NewRow(BigIntValue(1), StringValue("left"), NullOf(String), StringValue(""), DoubleValue(0.5))
	var rows []Row
	for i := range 300 { // more than a block
		rows = append(rows, a.Project(UpdateAfter, in, []int{3, -1, 1, 2, -1}, []Value{{}, IntValue(int32(i)), {}, {}, StringValue("right")}))
	}
	for i, r := range rows {
		want := MakeRow(UpdateAfter, []Value{StringValue(""), IntValue(int32(i)), StringValue("left"), NullOf(String), StringValue("right")})
		if !r.Equal(want) {
			t.Fatalf("row %d: %s, want %s", i, r, want)
		}
	}
	c := in.Slice(1, 3).Clone()
	if want := NewRow(StringValue("left"), NullOf(String)); !c.Equal(want) || len(c.b) != 2*slotSize+len("left") {
		t.Errorf("Clone of a slice: %s in %d bytes, want %s in %d", c, len(c.b), want, 2*slotSize+len("left"))
	}
}

func BenchmarkAllocatorMakeRow(b *testing.B) {
	var a Allocator
	b.ReportAllocs()
	for i := range int64(b.N) {
		fields := [4]Value{BigIntValue(i), BigIntValue(250), StringValue("bidder-42"), TimestampValue(1_790_000_000_123_000_000)}
		a.MakeRow(Insert, fields[:])
	}
}

func BenchmarkAllocatorProject(b *testing.B) {
	in := NewRow(BigIntValue(4711), BigIntValue(250), StringValue("bidder-42"), TimestampValue(1_790_000_000_123_000_000))
	cols, values := []int{0, -1, 2}, []Value{{}, BigIntValue(500), {}}
	var a Allocator
	b.ReportAllocs()
	for b.Loop() {
		a.Project(Insert, in, cols, values)
	}
}

func TestConcatJoinsRows(t *testing.T) {
	var a Allocator
	l := NewRow(BigIntValue(1), StringValue("left"))
	r := NewRow(NullOf(String), StringValue("right"), IntValue(3)).Slice(1, 3)
	got := a.Concat(Delete, l, r)
	if want := MakeRow(Delete, []Value{BigIntValue(1), StringValue("left"), StringValue("right"), IntValue(3)}); !got.Equal(want) {
		t.Errorf("Concat = %s, want %s", got, want)
	}
}

func TestFieldsRoundTripCanonically(t *testing.T) {
	full := codecRow()
	wide := NewRow(StringValue("x"), StringValue("y"), IntValue(1))
	for _, r := range []Row{full, NewRow(), wide.Slice(1, 3)} {
		enc := string(r.AppendFields(nil))
		got, err := FieldsRow(UpdateBefore, enc)
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		r.Kind = UpdateBefore
		if !got.Equal(r) {
			t.Errorf("FieldsRow = %s, want %s", got, r)
		}
		// A copy of the row's fields encodes the same: the bytes are a key.
		if again := string(MakeRow(Insert, r.Values()).AppendFields(nil)); again != enc {
			t.Errorf("%s: a copy encodes as %q, the row as %q", r, again, enc)
		}
	}
	if _, err := FieldsRow(Insert, "\x02abc"); err == nil {
		t.Error("fields too short for their count decoded")
	}
}
