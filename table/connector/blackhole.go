package connector

import (
	ds "github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/stream"
	"github.com/runnel/runnel/table/data"
)

// blackhole is Flink's blackhole connector: a sink that drops every row,
// of any change kind, for measuring a query without the cost of its
// output. It takes no options.
type blackhole struct{}

func init() { Register("blackhole", blackhole{}) }

func (blackhole) Validate(t Table) error { return newOptions("blackhole", t).check() }

func (blackhole) AcceptsChanges() bool { return true }

func (blackhole) Sink(in *stream.DataStream[data.Row], t Table, name string) error {
	if err := (blackhole{}).Validate(t); err != nil {
		return err
	}
	stream.SinkTo(in, ds.NewDiscardSink[data.Row](), name)
	return nil
}
