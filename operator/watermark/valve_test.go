package watermark

import (
	"math/rand/v2"
	"testing"
)

// in is one input to a valve: a watermark, or an idle or active status.
type in struct {
	ch   int
	wm   int64
	idle *bool // nil: a watermark
}

var (
	yes = true
	no  = false
)

func wm(ch int, w int64) in { return in{ch: ch, wm: w} }
func idle(ch int) in        { return in{ch: ch, idle: &yes} }
func active(ch int) in      { return in{ch: ch, idle: &no} }

// out is what the valve returns for one input.
type out struct {
	wm       int64
	advanced bool
	allIdle  bool
}

func TestValve(t *testing.T) {
	const min = MinWatermark
	tests := []struct {
		name string
		n    int
		ins  []in
		want []out
	}{
		{
			name: "minimum over channels",
			n:    3,
			ins:  []in{wm(0, 10), wm(1, 5), wm(2, 7), wm(1, 12), wm(2, 11), wm(0, 20)},
			want: []out{{min, false, false}, {min, false, false}, {5, true, false}, {7, true, false}, {10, true, false}, {11, true, false}},
		},
		{
			name: "a channel's watermark never goes back",
			n:    2,
			ins:  []in{wm(0, 10), wm(1, 8), wm(1, 6), wm(0, 9), wm(1, 8), wm(1, 9)},
			want: []out{{min, false, false}, {8, true, false}, {8, false, false}, {8, false, false}, {8, false, false}, {9, true, false}},
		},
		{
			name: "an idle channel is left out",
			n:    3,
			ins:  []in{wm(0, 10), wm(1, 20), idle(2), wm(0, 15), wm(2, 100)},
			want: []out{{min, false, false}, {min, false, false}, {10, true, false}, {15, true, false}, {15, false, false}},
		},
		{
			name: "the minimum going idle advances to the next",
			n:    3,
			ins:  []in{wm(0, 10), wm(1, 20), wm(2, 30), idle(0), idle(1), idle(1)},
			want: []out{{min, false, false}, {min, false, false}, {10, true, false}, {20, true, false}, {30, true, false}, {30, false, false}},
		},
		{
			name: "back from idle, a channel rejoins once caught up",
			n:    2,
			ins: []in{wm(0, 10), wm(1, 20), idle(0), wm(1, 30), active(0),
				wm(0, 25), wm(1, 40), wm(0, 30), wm(0, 35)},
			want: []out{{min, false, false}, {10, true, false}, {20, true, false}, {30, true, false}, {30, false, false},
				{30, false, false}, {40, true, false}, {40, false, false}, {40, false, false}},
		},
		{
			name: "caught-up channel holds the output again",
			n:    2,
			ins:  []in{wm(0, 10), wm(1, 20), idle(0), active(0), wm(0, 20), wm(1, 50), wm(0, 30)},
			want: []out{{min, false, false}, {10, true, false}, {20, true, false}, {20, false, false}, {20, false, false}, {20, false, false}, {30, true, false}},
		},
		{
			name: "still ahead when back: aligned at once",
			n:    2,
			ins:  []in{wm(0, 50), wm(1, 20), idle(0), active(0), wm(1, 60), wm(0, 55)},
			want: []out{{min, false, false}, {20, true, false}, {20, false, false}, {20, false, false}, {50, true, false}, {55, true, false}},
		},
		{
			name: "all idle: idle valve, flushed to the highest, deaf to watermarks",
			n:    2,
			ins:  []in{wm(0, 10), wm(1, 20), idle(1), idle(0), wm(0, 30), idle(0)},
			want: []out{{min, false, false}, {10, true, false}, {10, false, false}, {20, true, true}, {20, false, true}, {20, false, true}},
		},
		{
			name: "all idle before any watermark",
			n:    2,
			ins:  []in{idle(0), idle(1), active(1), wm(1, 5)},
			want: []out{{min, false, false}, {min, false, true}, {min, false, false}, {5, true, false}},
		},
		{
			name: "flush does not depend on which channel went idle last",
			n:    3,
			ins:  []in{wm(0, 100), wm(1, 50), wm(2, 20), idle(2), active(2), idle(0), idle(1), idle(2)},
			want: []out{{min, false, false}, {min, false, false}, {20, true, false}, {50, true, false}, {50, false, false},
				{50, false, false}, {50, false, false}, {100, true, true}},
		},
		{
			name: "back from all idle",
			n:    2,
			ins:  []in{wm(0, 10), wm(1, 20), idle(0), idle(1), active(0), wm(0, 15), wm(0, 25)},
			want: []out{{min, false, false}, {10, true, false}, {20, true, false}, {20, false, true}, {20, false, false}, {20, false, false}, {25, true, false}},
		},
		{
			name: "max watermark on every channel ends event time",
			n:    3,
			ins:  []in{wm(0, 10), wm(1, MaxWatermark), wm(2, MaxWatermark), wm(0, MaxWatermark)},
			want: []out{{min, false, false}, {min, false, false}, {10, true, false}, {MaxWatermark, true, false}},
		},
		{
			name: "max watermark with the rest idle",
			n:    2,
			ins:  []in{idle(1), wm(0, MaxWatermark)},
			want: []out{{min, false, false}, {MaxWatermark, true, false}},
		},
		{
			name: "one channel",
			n:    1,
			ins:  []in{wm(0, 3), wm(0, 3), idle(0), active(0), wm(0, 4)},
			want: []out{{3, true, false}, {3, false, false}, {3, false, true}, {3, false, false}, {4, true, false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewValve(tt.n)
			for i, input := range tt.ins {
				var got out
				if input.idle == nil {
					got.wm, got.advanced = v.InputWatermark(input.ch, input.wm)
					got.allIdle = v.idle
				} else {
					got.wm, got.advanced, got.allIdle = v.InputIdle(input.ch, *input.idle)
				}
				if got != tt.want[i] {
					t.Fatalf("input %d (%+v): got %+v, want %+v", i, input, got, tt.want[i])
				}
			}
		})
	}
}

// TestValveInvariants feeds random inputs and checks what must always
// hold: the output never decreases, it advances exactly when it says so,
// and it never passes an aligned channel's watermark.
func TestValveInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for range 200 {
		n := 1 + r.IntN(4)
		v := NewValve(n)
		last := MinWatermark
		for range 100 {
			ch := r.IntN(n)
			var got int64
			var advanced bool
			if r.IntN(4) == 0 {
				got, advanced, _ = v.InputIdle(ch, r.IntN(2) == 0)
			} else {
				got, advanced = v.InputWatermark(ch, r.Int64N(1000))
			}
			if got < last || advanced != (got > last) {
				t.Fatalf("output went from %d to %d, advanced %v", last, got, advanced)
			}
			for i, c := range v.channels {
				if c.aligned && (c.idle || c.wm < got) {
					t.Fatalf("channel %d aligned at %+v below output %d", i, c, got)
				}
			}
			last = got
		}
	}
}

func TestNewValveRefusesNoChannels(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	NewValve(0)
}
