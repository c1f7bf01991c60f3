package stream

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
)

// countUntilProgram is keyBy → KeyedProcess(countUntil) → sink at the
// given parallelism.
func countUntilProgram(t *testing.T, parallelism int) *program {
	return mustBuild(t, parallelism, func(env *Env) error {
		src := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "readings")
		counts := KeyedProcess(KeyBy(src, func(r reading) string { return r.Key }), &countUntil{})
		SinkTo(counts.Rebalance(), &collectSink[string]{log: &eventLog{}}, "out").SetParallelism(1)
		return nil
	})
}

// countUntilChain builds subtask index of the KeyedProcess vertex,
// restoring from states.
func countUntilChain(t *testing.T, p *program, index int, states map[string]operator.Restored) (operator.Chain, *fakeWriter) {
	t.Helper()
	w := newFakeWriter(1)
	c, err := p.NewChain(operator.ChainSpec{
		Vertices: ids(1),
		Context:  operator.Context{JobName: "test", TaskName: "task", Subtask: index},
		Outputs:  map[jobgraph.EdgeID]operator.RecordWriter{1: w},
		Restore:  states,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	return c, w
}

// owner is the subtask of p's KeyedProcess vertex that owns key.
func owner(p *program, key string) int {
	v := p.graph.Vertices[1]
	kg := jobgraph.KeyGroup(KeyHash(key), v.MaxParallelism)
	for i := range v.Parallelism {
		if jobgraph.Range(v.MaxParallelism, v.Parallelism, i).Contains(kg) {
			return i
		}
	}
	return -1
}

// TestKeyedStateAndTimersSurviveRescaling counts keys in two subtasks,
// snapshots both, and restores the key groups into one subtask and into
// three: every key keeps its count and its pending timer.
func TestKeyedStateAndTimersSurviveRescaling(t *testing.T) {
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	before := countUntilProgram(t, 2)
	var chains []operator.Chain
	for i := range 2 {
		c, _ := countUntilChain(t, before, i, nil)
		chains = append(chains, c)
	}
	for i, k := range keys {
		for range i + 1 { // key i is seen i+1 times; its timer is at 100+i+10
			pushReading(t, chains[owner(before, k)], k, 0, int64(100+i))
		}
	}
	id := before.graph.OperatorIDs()[1]
	groups := map[int][]byte{}
	for _, c := range chains {
		snap, err := c.SnapshotState(7)
		if err != nil {
			t.Fatal(err)
		}
		for kg, b := range snap[id].KeyGroups {
			groups[kg] = b
		}
	}
	for _, parallelism := range []int{1, 3} {
		after := countUntilProgram(t, parallelism)
		var got []string
		for i := range parallelism {
			r := jobgraph.Range(after.graph.Vertices[1].MaxParallelism, parallelism, i)
			mine := map[int][]byte{}
			for kg := r.Start; kg <= r.End; kg++ {
				mine[kg] = groups[kg]
			}
			c, w := countUntilChain(t, after, i, map[string]operator.Restored{id: {CheckpointID: 7, Operator: make([][]byte, 2), KeyGroups: mine}})
			pushWatermark(t, c, 1000)
			got = append(got, decodeAll[string](t, w.emitted[0])...)
		}
		slices.Sort(got)
		want := []string{"a=1@110", "b=2@111", "c=3@112", "d=4@113", "e=5@114", "f=6@115", "g=7@116", "h=8@117"}
		if !slices.Equal(got, want) {
			t.Fatalf("at parallelism %d after restore: %v, want %v", parallelism, got, want)
		}
	}
}

// TestRestoreRefusesStateOfAStatelessOperator: state for an operator that
// keeps none means the job changed; it must not vanish silently.
func TestRestoreRefusesStateOfAStatelessOperator(t *testing.T) {
	p := countUntilProgram(t, 1)
	sinkID := p.graph.OperatorIDs()[2]
	_, err := p.NewChain(operator.ChainSpec{
		Vertices: ids(2),
		Context:  operator.Context{JobName: "test", TaskName: "task"},
		Restore:  map[string]operator.Restored{sinkID: {CheckpointID: 3, Operator: [][]byte{[]byte("x")}}},
	})
	if err == nil || !strings.Contains(err.Error(), "keeps none") {
		t.Fatalf("NewChain = %v, want a refusal", err)
	}
}

// BenchmarkSnapshotKeyedState snapshots a KeyedProcess subtask holding a
// count for each of 1 M keys, as a checkpoint's synchronous part does:
//
//	go test ./stream -run '^$' -bench SnapshotKeyedState -benchtime 3x
func BenchmarkSnapshotKeyedState(b *testing.B) {
	const keys = 1_000_000
	p := mustBuild(b, 1, func(env *Env) error {
		src := FromSource(env, &sliceSource[reading]{log: &eventLog{}}, "readings")
		counts := KeyedProcess(KeyBy(src, func(r reading) string { return r.Key }), &countUntil{})
		SinkTo(counts.Rebalance(), &collectSink[string]{log: &eventLog{}}, "out")
		return nil
	})
	c, err := p.NewChain(operator.ChainSpec{
		Vertices: ids(1),
		Context:  operator.Context{JobName: "bench", TaskName: "task"},
		Outputs:  map[jobgraph.EdgeID]operator.RecordWriter{1: newFakeWriter(1)},
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Open(); err != nil {
		b.Fatal(err)
	}
	codec := operator.CodecFor[reading]()
	var buf []byte
	for i := range keys {
		buf, _ = codec.Append(buf[:0], reading{Key: "k" + strconv.Itoa(i)})
		if err := c.PushRecord(0, int64(i), buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var size int
	for i := range b.N {
		snap, err := c.SnapshotState(int64(i + 1))
		if err != nil {
			b.Fatal(err)
		}
		size = 0
		for _, s := range snap {
			for _, kg := range s.KeyGroups {
				size += len(kg)
			}
		}
	}
	b.ReportMetric(float64(size)/keys, "bytes/key")
}

// seenList keeps every value it has seen in operator list state.
type seenList struct {
	seen *state.OperatorListState[int]
}

func (s *seenList) InitializeState(store *state.OperatorStore) error {
	var err error
	s.seen, err = state.GetOperatorListState(store, state.ListStateDescriptor[int]{Name: "seen"})
	return err
}

func (s *seenList) ProcessElement(v int, _ operator.Collector[int]) error {
	s.seen.Add(v)
	return nil
}

// TestOperatorStateSurvivesRescaling snapshots a Process function's list
// state in two subtasks and restores it into three: every element once.
func TestOperatorStateSurvivesRescaling(t *testing.T) {
	build := func(p int) *program {
		return mustBuild(t, p, func(env *Env) error {
			src := FromSource(env, &sliceSource[int]{log: &eventLog{}}, "numbers")
			SinkTo(Process[int, int](src.Rebalance(), &seenList{}), &collectSink[int]{log: &eventLog{}}, "out")
			return nil
		})
	}
	chainOf := func(p *program, index int, restore map[string]operator.Restored) operator.Chain {
		c, err := p.NewChain(operator.ChainSpec{
			Vertices: ids(1, 2),
			Context:  operator.Context{JobName: "test", TaskName: "task", Subtask: index},
			Restore:  restore,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Open(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	before := build(2)
	id := before.graph.OperatorIDs()[1]
	old := make([][]byte, 2)
	for i := range 2 {
		c := chainOf(before, i, nil)
		for v := range 5 {
			if err := c.PushRecord(0, operator.NoTimestamp, encode(t, 10*i+v)); err != nil {
				t.Fatal(err)
			}
		}
		snap, err := c.SnapshotState(1)
		if err != nil {
			t.Fatal(err)
		}
		old[i] = snap[id].Operator
	}
	after := build(3)
	var all []int
	for i := range 3 {
		c := chainOf(after, i, map[string]operator.Restored{id: {CheckpointID: 1, Operator: old}})
		fn := c.(*chain).ops[0].lc.(*processOp[int, int]).fn.(*seenList)
		all = append(all, slices.Collect(fn.seen.Get())...)
	}
	slices.Sort(all)
	if want := []int{0, 1, 2, 3, 4, 10, 11, 12, 13, 14}; !slices.Equal(all, want) {
		t.Fatalf("restored %v, want %v", all, want)
	}
}
