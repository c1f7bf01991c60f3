package operator

import (
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"testing"
)

// point brings its own codec.
type point struct{ X, Y int32 }

func (p *point) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint32(b, uint32(p.X))
	return binary.BigEndian.AppendUint32(b, uint32(p.Y)), nil
}

func (p *point) UnmarshalBinary(b []byte) error {
	if len(b) != 8 {
		return errors.New("point: want 8 bytes")
	}
	p.X, p.Y = int32(binary.BigEndian.Uint32(b)), int32(binary.BigEndian.Uint32(b[4:]))
	return nil
}

type pair struct {
	Word  string
	Count int64
}

func roundTrip[T any](t *testing.T, v T) {
	t.Helper()
	c := CodecFor[T]()
	b, err := c.Append([]byte("prefix"), v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Decode(b[len("prefix"):])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, v) {
		t.Fatalf("round trip of %T: got %+v, want %+v", v, got, v)
	}
}

func TestCodecRoundTrip(t *testing.T) {
	roundTrip(t, point{X: -3, Y: 7})
	roundTrip(t, pair{Word: "straße", Count: 42})
	roundTrip(t, "a string")
	roundTrip(t, int64(-9))
	roundTrip(t, map[string]int{"a": 1})
	if _, ok := CodecFor[point]().(*selfCodec[point]); !ok {
		t.Fatal("a type with its own methods does not get its own codec")
	}
}

func TestCodecDecodeErrors(t *testing.T) {
	if _, err := CodecFor[pair]().Decode([]byte{0xc1}); err == nil {
		t.Fatal("msgpack decoded garbage")
	}
	if _, err := CodecFor[point]().Decode([]byte{1}); err == nil {
		t.Fatal("own codec decoded garbage")
	}
}

func TestCodecDoesNotAllocate(t *testing.T) {
	c := CodecFor[point]()
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		b, _ := c.Append(buf[:0], point{1, 2})
		c.Decode(b)
	})
	if allocs != 0 {
		t.Fatalf("own codec: %v allocations per round trip", allocs)
	}
}

func basicRoundTrip[T comparable](t *testing.T, vs ...T) {
	t.Helper()
	c := CodecFor[T]()
	for _, v := range vs {
		b, err := c.Append(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Decode(b)
		if err != nil || got != v {
			t.Fatalf("%T %v: decoded %v, %v", v, v, got, err)
		}
	}
}

type emptyKey struct{}

func TestBasicCodecs(t *testing.T) {
	basicRoundTrip(t, "", "héllo")
	basicRoundTrip(t, 0, -1, math.MaxInt, math.MinInt)
	basicRoundTrip(t, int64(math.MinInt64), int64(7))
	basicRoundTrip(t, int32(-5), int32(math.MaxInt32))
	basicRoundTrip(t, uint64(math.MaxUint64), uint64(0))
	basicRoundTrip(t, uint32(9))
	basicRoundTrip(t, true, false)
	basicRoundTrip(t, 1.5, math.Inf(-1))
	basicRoundTrip(t, emptyKey{})
	if _, err := CodecFor[int32]().Decode(binary.AppendVarint(nil, math.MaxInt64)); err == nil {
		t.Fatal("an int64 decoded as an int32")
	}
	for _, bad := range [][]byte{nil, {0x80}, {1, 2}} {
		if _, err := CodecFor[int64]().Decode(bad); err == nil {
			t.Fatalf("int64 from %v decoded", bad)
		}
	}
	if _, err := CodecFor[emptyKey]().Decode([]byte{1}); err == nil {
		t.Fatal("bytes decoded as an empty struct")
	}
}
