package runtime

import (
	"maps"
	"math/big"
	"reflect"
	"testing"

	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/table/data"
)

// roundTrip encodes v with the codec state snapshots use and decodes it.
func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	c := operator.CodecFor[T]()
	b, err := c.Append(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decode(b[:len(b)-1]); err == nil {
		t.Errorf("%T: a truncated encoding decoded", v)
	}
	return got
}

func TestAccumulatorCodecs(t *testing.T) {
	wide := data.BigDecimalValue(new(big.Int).Exp(big.NewInt(10), big.NewInt(40), nil), 2)
	accs := []acc{{}, {n: 3, v: i64(-9)}, {n: -1, v: wide}, {n: 2, v: str("x")}, {n: 1, v: null(data.Decimal)}}
	g := groupAcc{rows: 7, accs: accs}
	if got := roundTrip(t, g); !reflect.DeepEqual(got, g) {
		t.Errorf("groupAcc %+v, want %+v", got, g)
	}
	w := windowAcc{accs: accs, counts: []valueCounts{nil, valueMap{valueKey(i64(1)): 2, valueKey(str("a")): 1}, valueMap{}}, ltz: true}
	got := roundTrip(t, w)
	if !reflect.DeepEqual(got.accs, w.accs) || got.ltz != w.ltz || len(got.counts) != 3 || got.counts[0] != nil ||
		!maps.Equal(got.counts[1].(valueMap), w.counts[1].(valueMap)) || len(got.counts[2].(valueMap)) != 0 {
		t.Errorf("windowAcc %+v, want %+v", got, w)
	}
	for _, v := range []data.Value{i32(4), f64(-0.5), str(""), wide, data.TimestampLTZValue(1e15)} {
		if got := roundTrip(t, valueKey(v)); got != valueKey(v) {
			t.Errorf("valueKey %s came back as %s", data.NewRow(v), data.NewRow(data.Value(got)))
		}
	}
}
