package stream

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
)

// bufferer keeps every record in an operator list state and emits the
// list's length with each.
type bufferer struct {
	log    *eventLog
	fail   error
	buffer *state.OperatorListState[int]
}

func (b *bufferer) InitializeState(store *state.OperatorStore) error {
	b.log.add("initialize state")
	if b.fail != nil {
		return b.fail
	}
	var err error
	b.buffer, err = state.GetOperatorListState(store, state.ListStateDescriptor[int]{Name: "buffer"})
	return err
}

func (b *bufferer) Open(*operator.Context) error {
	b.log.add("open")
	return nil
}

func (b *bufferer) ProcessElement(v int, out operator.Collector[int]) error {
	b.buffer.Add(v)
	out.Collect(b.buffer.Len())
	return nil
}

func (b *bufferer) ProcessElement1(v int, out operator.Collector[int]) error {
	return b.ProcessElement(v, out)
}

func (b *bufferer) ProcessElement2(v int, out operator.Collector[int]) error {
	return b.ProcessElement(-v, out)
}

// TestInitializeStateBeforeOpen: Process and CoProcess functions get an
// operator state store before Open; an error there fails the open.
func TestInitializeStateBeforeOpen(t *testing.T) {
	// Either job's function is vertex 1 with output edge outEdge.
	jobs := map[string]struct {
		build   func(fn *bufferer) func(env *Env) error
		outEdge jobgraph.EdgeID
	}{
		"Process": {outEdge: 1, build: func(fn *bufferer) func(env *Env) error {
			return func(env *Env) error {
				out := Process(FromSource(env, &sliceSource[int]{}, "in"), fn)
				SinkTo(out.Rebalance(), &collectSink[int]{}, "out")
				return nil
			}
		}},
		"CoProcess": {outEdge: 2, build: func(fn *bufferer) func(env *Env) error {
			return func(env *Env) error {
				in := FromSource(env, &sliceSource[int]{}, "in")
				out := CoProcess(Connect(in, in), fn)
				SinkTo(out.Rebalance(), &collectSink[int]{}, "out")
				return nil
			}
		}},
	}
	for name, job := range jobs {
		t.Run(name, func(t *testing.T) {
			log := &eventLog{}
			p := mustBuild(t, 1, job.build(&bufferer{log: log}))
			w := newFakeWriter(1)
			c := newChain(t, p, ids(1), map[jobgraph.EdgeID]operator.RecordWriter{job.outEdge: w})
			if err := c.Open(); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if err := c.PushRecord(0, operator.NoTimestamp, encode(t, 1)); err != nil {
					t.Fatal(err)
				}
			}
			if got := decodeAll[int](t, w.emitted[0]); !slices.Equal(got, []int{1, 2, 3}) {
				t.Fatalf("list lengths %v, want [1 2 3]", got)
			}
			if got := log.get(); !slices.Equal(got, []string{"initialize state", "open"}) {
				t.Fatalf("lifecycle %v", got)
			}

			errNoState := errors.New("no state today")
			p = mustBuild(t, 1, job.build(&bufferer{log: &eventLog{}, fail: errNoState}))
			err := newChain(t, p, ids(1), map[jobgraph.EdgeID]operator.RecordWriter{job.outEdge: w}).Open()
			if !errors.Is(err, errNoState) || !strings.Contains(err.Error(), "initialize state") {
				t.Fatalf("open after a failed InitializeState: %v", err)
			}
		})
	}
}
