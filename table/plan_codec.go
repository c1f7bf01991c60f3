package table

import (
	"fmt"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
	"github.com/runnel/runnel/table/runtime"
)

// encodedNode is one plan node on the wire: its kind, its own fields and
// its inputs. A node per kind keeps the Go types plain; this envelope is
// the one place that knows them all.
type encodedNode struct {
	Kind   string             `msgpack:"k"`
	Body   msgpack.RawMessage `msgpack:"b"`
	Inputs []encodedNode      `msgpack:"i,omitempty"`
}

// The node bodies, without their inputs.
type (
	scanBody struct {
		Table  *CatalogTable `msgpack:"t"`
		Fields []int         `msgpack:"f"`
	}
	calcBody struct {
		Exprs []*expr.Expr `msgpack:"e"`
		Names []string     `msgpack:"n"`
		Cond  *expr.Expr   `msgpack:"c,omitempty"`
	}
	watermarkBody struct {
		Rowtime int        `msgpack:"r"`
		Delay   int64      `msgpack:"d"`
		Expr    *expr.Expr `msgpack:"e"`
	}
	windowBody struct {
		Spec    runtime.WindowSpec `msgpack:"w"`
		Keys    []int              `msgpack:"k,omitempty"`
		Aggs    []runtime.AggCall  `msgpack:"a,omitempty"`
		Names   []string           `msgpack:"n,omitempty"`
		IntKeys bool               `msgpack:"ik,omitempty"`
	}
	aggBody struct {
		Keys     []int             `msgpack:"k"`
		Aggs     []runtime.AggCall `msgpack:"a"`
		Names    []string          `msgpack:"n"`
		IntKeys  bool              `msgpack:"ik,omitempty"`
		StateTTL time.Duration     `msgpack:"ttl,omitempty"`
	}
	valuesBody struct {
		Columns data.Schema    `msgpack:"c"`
		Rows    [][]data.Value `msgpack:"r"`
	}
	sinkBody struct {
		Table *CatalogTable `msgpack:"t"`
	}
	joinBody struct {
		Type      runtime.JoinType `msgpack:"j"`
		Cond      *expr.Expr       `msgpack:"c"`
		LeftKeys  []int            `msgpack:"lk"`
		RightKeys []int            `msgpack:"rk"`
		Rest      *expr.Expr       `msgpack:"r,omitempty"`
		StateTTL  time.Duration    `msgpack:"ttl,omitempty"`
		Interval  *TimeInterval    `msgpack:"iv,omitempty"`
		Window    *WindowBounds    `msgpack:"w,omitempty"`
		Temporal  *TemporalBounds  `msgpack:"tj,omitempty"`
	}
	rankBody struct {
		PartitionBy []int             `msgpack:"p"`
		OrderBy     []runtime.SortKey `msgpack:"o"`
		N           int64             `msgpack:"n"`
		OutputRank  bool              `msgpack:"r,omitempty"`
		RankName    string            `msgpack:"rn,omitempty"`
		IntKeys     bool              `msgpack:"ik,omitempty"`
		StateTTL    time.Duration     `msgpack:"ttl,omitempty"`
	}
	overBody struct {
		PartitionBy []int             `msgpack:"p"`
		TimeCol     int               `msgpack:"t"`
		Rows        bool              `msgpack:"r,omitempty"`
		Preceding   int64             `msgpack:"pr"`
		Aggs        []runtime.AggCall `msgpack:"a"`
		Names       []string          `msgpack:"n"`
		IntKeys     bool              `msgpack:"ik,omitempty"`
		StateTTL    time.Duration     `msgpack:"ttl,omitempty"`
	}
	windowRankBody struct {
		PartitionBy []int              `msgpack:"p"`
		Start       int                `msgpack:"ws"`
		End         int                `msgpack:"we"`
		Spec        runtime.WindowSpec `msgpack:"w"`
		OrderBy     []runtime.SortKey  `msgpack:"o"`
		N           int64              `msgpack:"n"`
		OutputRank  bool               `msgpack:"r,omitempty"`
		RankName    string             `msgpack:"rn,omitempty"`
		IntKeys     bool               `msgpack:"ik,omitempty"`
	}
	dedupBody struct {
		Keys     []int         `msgpack:"k"`
		KeepLast bool          `msgpack:"l,omitempty"`
		TimeCol  int           `msgpack:"t"`
		IntKeys  bool          `msgpack:"ik,omitempty"`
		StateTTL time.Duration `msgpack:"ttl,omitempty"`
	}
)

// planVersion leads an encoded plan.
const planVersion = 1

// EncodePlan is the plan's bytes, for a job spec.
func EncodePlan(n Node) ([]byte, error) {
	e, err := encodeNode(n)
	if err != nil {
		return nil, err
	}
	b, err := msgpack.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return append([]byte{planVersion}, b...), nil
}

// DecodePlan reads a plan EncodePlan wrote.
func DecodePlan(b []byte) (Node, error) {
	if len(b) == 0 || b[0] != planVersion {
		return nil, fmt.Errorf("decode plan: unknown plan format")
	}
	var e encodedNode
	if err := msgpack.Unmarshal(b[1:], &e); err != nil {
		return nil, fmt.Errorf("decode plan: %w", err)
	}
	return decodeNode(e)
}

func encodeNode(n Node) (encodedNode, error) {
	var kind string
	var body any
	switch n := n.(type) {
	case *Scan:
		kind, body = "scan", scanBody{n.Table, n.Fields}
	case *Calc:
		kind, body = "calc", calcBody{n.Exprs, n.Names, n.Cond}
	case *WatermarkAssigner:
		kind, body = "watermark", watermarkBody{n.Rowtime, n.Delay, n.Expr}
	case *Values:
		kind, body = "values", valuesBody{n.Columns, n.Rows}
	case *Union:
		kind, body = "union", struct{}{}
	case *WindowTVF:
		kind, body = "window-tvf", windowBody{Spec: n.Spec}
	case *WindowAggregate:
		kind, body = "window-agg", windowBody{n.Spec, n.Keys, n.Aggs, n.Names, n.IntKeys}
	case *Aggregate:
		kind, body = "group-agg", aggBody{n.Keys, n.Aggs, n.Names, n.IntKeys, n.StateTTL}
	case *Join:
		kind, body = "join", joinBody{n.Type, n.Cond, n.LeftKeys, n.RightKeys, n.Rest, n.StateTTL, n.Interval, n.Window, n.Temporal}
	case *Rank:
		kind, body = "rank", rankBody{n.PartitionBy, n.OrderBy, n.N, n.OutputRank, n.RankName, n.IntKeys, n.StateTTL}
	case *OverAggregate:
		kind, body = "over", overBody{n.PartitionBy, n.TimeCol, n.Rows, n.Preceding, n.Aggs, n.Names, n.IntKeys, n.StateTTL}
	case *WindowRank:
		kind, body = "window-rank", windowRankBody{n.PartitionBy, n.WindowStart, n.WindowEnd, n.Spec, n.OrderBy, n.N, n.OutputRank, n.RankName, n.IntKeys}
	case *Deduplicate:
		kind, body = "dedup", dedupBody{n.Keys, n.KeepLast, n.TimeCol, n.IntKeys, n.StateTTL}
	case *Sink:
		kind, body = "sink", sinkBody{n.Table}
	case *Collect:
		kind, body = "collect", struct{}{}
	default:
		return encodedNode{}, fmt.Errorf("encode plan: %T cannot travel in a job spec", n)
	}
	b, err := msgpack.Marshal(body)
	if err != nil {
		return encodedNode{}, fmt.Errorf("encode %s: %w", kind, err)
	}
	e := encodedNode{Kind: kind, Body: b}
	for _, in := range n.Inputs() {
		ie, err := encodeNode(in)
		if err != nil {
			return encodedNode{}, err
		}
		e.Inputs = append(e.Inputs, ie)
	}
	return e, nil
}

func decodeNode(e encodedNode) (Node, error) {
	ins := make([]Node, len(e.Inputs))
	for i, ie := range e.Inputs {
		n, err := decodeNode(ie)
		if err != nil {
			return nil, err
		}
		ins[i] = n
	}
	want := 1 // inputs
	switch e.Kind {
	case "scan", "values":
		want = 0
	case "join":
		want = 2
	case "union":
		want = max(2, len(ins))
	}
	if len(ins) != want {
		return nil, fmt.Errorf("decode plan: %s with %d inputs", e.Kind, len(ins))
	}
	unmarshal := func(v any) error {
		if err := msgpack.Unmarshal(e.Body, v); err != nil {
			return fmt.Errorf("decode %s: %w", e.Kind, err)
		}
		return nil
	}
	switch e.Kind {
	case "scan":
		var b scanBody
		err := unmarshal(&b)
		return &Scan{Table: b.Table, Fields: b.Fields}, err
	case "calc":
		var b calcBody
		err := unmarshal(&b)
		return &Calc{Input: ins[0], Exprs: b.Exprs, Names: b.Names, Cond: b.Cond}, err
	case "watermark":
		var b watermarkBody
		err := unmarshal(&b)
		return &WatermarkAssigner{Input: ins[0], Rowtime: b.Rowtime, Delay: b.Delay, Expr: b.Expr}, err
	case "values":
		var b valuesBody
		err := unmarshal(&b)
		return &Values{Columns: b.Columns, Rows: b.Rows}, err
	case "union":
		return &Union{Ins: ins}, nil
	case "window-tvf":
		var b windowBody
		err := unmarshal(&b)
		return &WindowTVF{Input: ins[0], Spec: b.Spec}, err
	case "window-agg":
		var b windowBody
		err := unmarshal(&b)
		return &WindowAggregate{Input: ins[0], Spec: b.Spec, Keys: b.Keys, Aggs: b.Aggs, Names: b.Names, IntKeys: b.IntKeys}, err
	case "group-agg":
		var b aggBody
		err := unmarshal(&b)
		return &Aggregate{Input: ins[0], Keys: b.Keys, Aggs: b.Aggs, Names: b.Names, IntKeys: b.IntKeys, StateTTL: b.StateTTL}, err
	case "join":
		var b joinBody
		if err := unmarshal(&b); err != nil {
			return nil, err
		}
		j := &Join{Left: ins[0], Right: ins[1], Type: b.Type, Cond: b.Cond, LeftKeys: b.LeftKeys, RightKeys: b.RightKeys, Rest: b.Rest, StateTTL: b.StateTTL, Interval: b.Interval, Window: b.Window, Temporal: b.Temporal}
		if err := j.check(); err != nil {
			return nil, fmt.Errorf("decode plan: %w", err)
		}
		return j, nil
	case "rank":
		var b rankBody
		err := unmarshal(&b)
		return &Rank{Input: ins[0], PartitionBy: b.PartitionBy, OrderBy: b.OrderBy, N: b.N, OutputRank: b.OutputRank,
			RankName: b.RankName, IntKeys: b.IntKeys, StateTTL: b.StateTTL}, err
	case "over":
		var b overBody
		err := unmarshal(&b)
		return &OverAggregate{Input: ins[0], PartitionBy: b.PartitionBy, TimeCol: b.TimeCol, Rows: b.Rows, Preceding: b.Preceding,
			Aggs: b.Aggs, Names: b.Names, IntKeys: b.IntKeys, StateTTL: b.StateTTL}, err
	case "window-rank":
		var b windowRankBody
		err := unmarshal(&b)
		return &WindowRank{Input: ins[0], PartitionBy: b.PartitionBy, WindowStart: b.Start, WindowEnd: b.End, Spec: b.Spec,
			OrderBy: b.OrderBy, N: b.N, OutputRank: b.OutputRank, RankName: b.RankName, IntKeys: b.IntKeys}, err
	case "dedup":
		var b dedupBody
		err := unmarshal(&b)
		return &Deduplicate{Input: ins[0], Keys: b.Keys, KeepLast: b.KeepLast, TimeCol: b.TimeCol, IntKeys: b.IntKeys, StateTTL: b.StateTTL}, err
	case "sink":
		var b sinkBody
		err := unmarshal(&b)
		return &Sink{Input: ins[0], Table: b.Table}, err
	case "collect":
		return &Collect{Input: ins[0]}, nil
	}
	return nil, fmt.Errorf("decode plan: unknown node %q", e.Kind)
}
