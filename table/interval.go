package table

import (
	"fmt"
	"math"

	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
)

// TimeInterval is an interval join's time condition (Flink's
// IntervalJoinSpec.WindowBounds over rowtime): a left row at time l and
// a right row at time r of the same key match only when
// Lower <= r - l <= Upper, in milliseconds. Such a join keeps each row
// only until the watermark passes the times that could still match it,
// and emits inserts only.
type TimeInterval struct {
	LeftTime, RightTime int // the sides' rowtime columns
	Lower, Upper        int64
}

// findInterval looks among a join's conditions for bounds on the distance
// between the two sides' rowtime attributes: comparisons such as
// r.ts >= l.ts - INTERVAL '1' HOUR, and BETWEEN. When both a lower and an
// upper bound are found, it returns them and the conditions that remain;
// otherwise nil and conds as they were.
func findInterval(conds []*expr.Expr, left, right data.Schema) (*TimeInterval, []*expr.Expr) {
	lt, rt := left.RowtimeIndex(), right.RowtimeIndex()
	if lt < 0 || rt < 0 {
		return nil, conds
	}
	iv := &TimeInterval{LeftTime: lt, RightTime: rt, Lower: math.MinInt64, Upper: math.MaxInt64}
	rtJoined := left.Len() + rt
	var rest []*expr.Expr
	for _, c := range conds {
		if !iv.bound(c, lt, rtJoined) {
			rest = append(rest, c)
		}
	}
	if iv.Lower == math.MinInt64 || iv.Upper == math.MaxInt64 {
		return nil, conds
	}
	return iv, rest
}

// bound narrows iv by c if c compares the two rowtime columns (at l and r
// of the joined row), and reports whether it did.
func (iv *TimeInterval) bound(c *expr.Expr, l, r int) bool {
	if c.Op != expr.OpCall {
		return false
	}
	if c.Name == "BETWEEN" && len(c.Args) == 3 {
		lo, okLo := timeDistance(c.Args[1], c.Args[0], l, r) // x >= lo
		hi, okHi := timeDistance(c.Args[0], c.Args[2], l, r) // x <= hi
		if !okLo || !okHi {
			return false
		}
		iv.applyGE(lo)
		iv.applyGE(hi)
		return true
	}
	op := c.Name
	if len(c.Args) != 2 || (op != ">=" && op != ">" && op != "<=" && op != "<" && op != "=") {
		return false
	}
	// a op b becomes b - a flipped: a <= b is b - a >= 0.
	d, ok := timeDistance(c.Args[0], c.Args[1], l, r)
	if !ok {
		return false
	}
	switch op {
	case "<=":
		iv.applyGE(d)
	case "<": // b - a >= 1 in milliseconds
		d.c--
		iv.applyGE(d)
	case ">=":
		iv.applyGE(d.negate())
	case ">":
		d = d.negate()
		d.c--
		iv.applyGE(d)
	case "=":
		iv.applyGE(d)
		iv.applyGE(d.negate())
	}
	return true
}

// distance is the condition sign*(r - l) + c >= 0 between the rowtimes.
type distance struct {
	sign int64 // +1 or -1
	c    int64
}

func (d distance) negate() distance { return distance{-d.sign, -d.c} }

// applyGE narrows iv by sign*(r - l) + c >= 0.
func (iv *TimeInterval) applyGE(d distance) {
	if d.sign > 0 {
		iv.Lower = max(iv.Lower, -d.c) // r - l >= -c
	} else {
		iv.Upper = min(iv.Upper, d.c) // r - l <= c
	}
}

// timeDistance reads b - a as sign*(r - l) + c, where a and b are each a
// rowtime column plus or minus a constant day-time interval, one on each
// side.
func timeDistance(a, b *expr.Expr, l, r int) (distance, bool) {
	ca, oa, ok := timeOffset(a)
	if !ok {
		return distance{}, false
	}
	cb, ob, ok := timeOffset(b)
	if !ok {
		return distance{}, false
	}
	switch {
	case ca == l && cb == r: // (r + ob) - (l + oa)
		return distance{1, ob - oa}, true
	case ca == r && cb == l: // (l + ob) - (r + oa)
		return distance{-1, ob - oa}, true
	}
	return distance{}, false
}

// timeOffset reads e as a column plus a constant day-time interval in
// milliseconds: ts, ts - INTERVAL '1' HOUR, ts + INTERVAL '5' SECOND.
func timeOffset(e *expr.Expr) (col int, ms int64, ok bool) {
	if e.Op == expr.OpCol {
		return e.Index, 0, true
	}
	if e.Op != expr.OpCall || (e.Name != "+" && e.Name != "-") || len(e.Args) != 2 {
		return 0, 0, false
	}
	c, lit := e.Args[0], e.Args[1]
	if e.Name == "+" && c.Op == expr.OpLit {
		c, lit = lit, c
	}
	if c.Op != expr.OpCol || lit.Op != expr.OpLit || lit.Type.Kind != data.IntervalDayTime || lit.Lit.IsNull() {
		return 0, 0, false
	}
	ms = lit.Lit.Int64()
	if e.Name == "-" {
		ms = -ms
	}
	return c.Index, ms, true
}

// describe is the interval as Flink's EXPLAIN shows it: the bounds of the
// left time relative to the right (l - r), and the time columns.
func (iv *TimeInterval) describe() string {
	return fmt.Sprintf("isRowTime=true, leftLowerBound=%d, leftUpperBound=%d, leftTimeIndex=%d, rightTimeIndex=%d",
		-iv.Upper, -iv.Lower, iv.LeftTime, iv.RightTime)
}
