package integration

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
)

type divisorRule struct {
	Name    string
	Divisor int64
}

var (
	divisorRules = []divisorRule{{"fizz", 3}, {"buzz", 5}, {"bazz", 7}}
	ruleState    = state.MapStateDescriptor[string, int64]{Name: "rules"}
)

// ruleMatcher names the rules each number meets once it has all of them;
// numbers that come earlier wait in keyed state. At its end each subtask
// reports how many rules it has.
type ruleMatcher struct {
	subtask int
	store   *state.OperatorStore
	waiting *state.ListState[int64, state.VoidNamespace, int64]
}

func (m *ruleMatcher) InitializeState(store *state.OperatorStore) error {
	m.store = store
	return nil
}

func (m *ruleMatcher) Open(ctx *stream.KeyedRuntimeContext[int64]) error {
	m.subtask = ctx.Subtask
	var err error
	m.waiting, err = state.GetListState[state.VoidNamespace](ctx.State, state.ListStateDescriptor[int64]{Name: "waiting"})
	return err
}

func (m *ruleMatcher) ProcessElement(v int64, ctx *stream.KeyedReadOnlyBroadcastContext[int64], out operator.Collector[string]) error {
	rules, err := stream.GetReadOnlyBroadcastState(ctx, ruleState)
	if err != nil {
		return err
	}
	if rules.Len() < len(divisorRules) {
		m.waiting.Add(v)
		return nil
	}
	match(v, rules, out)
	return nil
}

func match(v int64, rules state.ReadOnlyBroadcastState[string, int64], out operator.Collector[string]) {
	for name, d := range rules.Entries() {
		if v%d == 0 {
			out.Collect(fmt.Sprintf("%d %s", v, name))
		}
	}
}

func (m *ruleMatcher) ProcessBroadcastElement(r divisorRule, ctx *stream.KeyedBroadcastContext[int64], out operator.Collector[string]) error {
	rules, err := stream.GetBroadcastState(ctx, ruleState)
	if err != nil {
		return err
	}
	rules.Put(r.Name, r.Divisor)
	if rules.Len() < len(divisorRules) {
		return nil
	}
	return stream.ApplyToKeyedState(ctx, m.waiting, func(_ int64, w *state.ListState[int64, state.VoidNamespace, int64]) error {
		for v := range w.Get() {
			match(v, rules.ReadOnly(), out)
		}
		w.Clear()
		return nil
	})
}

func (m *ruleMatcher) EndInput(out operator.Collector[string]) error {
	rules, err := state.GetBroadcastState(m.store, ruleState)
	if err != nil {
		return err
	}
	out.Collect(fmt.Sprintf("subtask %d has %d rules", m.subtask, rules.Len()))
	return nil
}

const broadcastNumbers = 600

func init() {
	// it-broadcast broadcasts divisorRules to a keyed stream of numbers
	// and writes the rules each number meets to the output folder.
	stream.RegisterJob("it-broadcast", func(env *stream.Env, args stream.Args) error {
		out, err := args.Required("output")
		if err != nil {
			return err
		}
		rules := stream.FromSource(env, connector.NewDataGen(int64(len(divisorRules)), 0, func(i int64) divisorRule {
			return divisorRules[i]
		}), "rules").SetParallelism(1)
		numbers := stream.FromSource(env, connector.NewSequenceSource(1, broadcastNumbers), "numbers")
		keyed := stream.KeyBy(numbers, func(v int64) int64 { return v % 10 })
		matched := stream.KeyedBroadcastProcess(stream.ConnectKeyedBroadcast(keyed, stream.BroadcastState(rules, ruleState)), &ruleMatcher{})
		stream.SinkTo(matched, connector.NewLineFileSink(out), "out")
		return nil
	})
}

// TestBroadcastStateAcrossNodes runs it-broadcast at parallelism 3 on 3
// nodes: every subtask gets every rule, and every number meets its rules
// once, whether it came before or after them.
func TestBroadcastStateAcrossNodes(t *testing.T) {
	const parallelism = 3
	c := NewCluster(t, 3, nil)
	out := filepath.Join(t.TempDir(), "out")
	addr := followersOf(c)[0].HTTPAddr()
	id := SubmitJob(t, addr, "it-broadcast", parallelism, map[string]string{"output": out})
	WaitForJobStatus(t, addr, id, coordinator.JobFinished, 60*time.Second)

	var want []string
	for i := range parallelism {
		want = append(want, fmt.Sprintf("subtask %d has %d rules", i, len(divisorRules)))
	}
	for v := int64(1); v <= broadcastNumbers; v++ {
		for _, r := range divisorRules {
			if v%r.Divisor == 0 {
				want = append(want, fmt.Sprintf("%d %s", v, r.Name))
			}
		}
	}
	slices.Sort(want)
	if got := readLines(t, out); !slices.Equal(got, want) {
		t.Fatalf("%d lines, want %d; got %q", len(got), len(want), got)
	}
}
