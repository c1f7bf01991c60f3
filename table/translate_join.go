package table

import (
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
	"github.com/runnel/runnel/table/runtime"
)

// translateJoin makes the operator of a join: an interval, window or
// temporal join when the planner found one, else a regular join.
func translateJoin(n *Join, ins []*stream.DataStream[data.Row]) (*stream.DataStream[data.Row], error) {
	var cond func(data.Row) (bool, error)
	if n.Rest != nil {
		c, err := expr.CompilePredicate(n.Rest)
		if err != nil {
			return nil, err
		}
		cond = c
	}
	left, right := ins[0], ins[1]
	lt, rt := n.Left.Schema().Types(), n.Right.Schema().Types()
	switch {
	case n.Interval != nil:
		iv := n.Interval
		return runtime.IntervalJoin(left, right, runtime.IntervalJoinSpec{Type: n.Type, LeftKeys: n.LeftKeys, RightKeys: n.RightKeys,
			LeftTypes: lt, RightTypes: rt, LeftTime: iv.LeftTime, RightTime: iv.RightTime, Lower: iv.Lower, Upper: iv.Upper, Cond: cond}), nil
	case n.Window != nil:
		w := n.Window
		return runtime.WindowJoin(left, right, runtime.WindowJoinSpec{Type: n.Type, LeftKeys: n.LeftKeys, RightKeys: n.RightKeys,
			LeftTypes: lt, RightTypes: rt, LeftStart: w.LeftStart, LeftEnd: w.LeftEnd, RightStart: w.RightStart, RightEnd: w.RightEnd, Cond: cond}), nil
	case n.Temporal != nil:
		tb := n.Temporal
		return runtime.TemporalJoin(left, right, runtime.TemporalJoinSpec{Type: n.Type, LeftKeys: n.LeftKeys, RightKeys: n.RightKeys,
			LeftTypes: lt, RightTypes: rt, LeftTime: tb.LeftTime, RightTime: tb.RightTime, Cond: cond}), nil
	}
	return runtime.Join(left, right, runtime.JoinSpec{Type: n.Type, LeftKeys: n.LeftKeys, RightKeys: n.RightKeys,
		LeftTypes: lt, RightTypes: rt, Cond: cond, StateTTL: n.StateTTL}), nil
}
