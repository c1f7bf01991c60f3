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
	return Row{Kind: UpdateAfter, Fields: []Value{
		BoolValue(true), IntValue(-7), BigIntValue(math.MinInt64), DoubleValue(-0.25),
		DecimalValue(-12345, 2), BigDecimalValue(wide.Neg(wide), 3),
		StringValue("héllo"), StringValue(""), BytesValue([]byte{0, 0xff}), StringValue("x"),
		TimestampValue(1_790_000_000_123_000_000), TimestampLTZValue(-1), DateValue(20_000),
		IntervalDayTimeValue(86_400_000), IntervalYearMonthValue(-14),
		NullOf(Int), NullOf(String), NullOf(Decimal), {},
	}}
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
		if got.Kind != r.Kind || !slices.EqualFunc(got.Fields, r.Fields, Value.Equal) {
			t.Errorf("decoded %s, want %s", got, r)
		}
		// The strings are copies: the buffer may be reused at once.
		clear(b)
		if !slices.EqualFunc(got.Fields, r.Fields, Value.Equal) {
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
	if err := r.UnmarshalBinary([]byte{0, 1, 0x3f}); err == nil {
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
