package stream

import (
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
)

type rule struct {
	Name string
	Min  int
}

var ruleState = state.MapStateDescriptor[string, int]{Name: "rules"}

// alerter applies every rule to every reading of its keys, as the
// broadcast state pattern does: readings that come before any rule wait
// in keyed state for the first one. A reading that meets "high" sets an
// event-time alarm 10 ms later. At the end it reports the rules it has.
type alerter struct {
	log     *eventLog
	store   *state.OperatorStore
	waiting *state.ListState[string, state.VoidNamespace, reading]
}

func (a *alerter) InitializeState(store *state.OperatorStore) error {
	a.log.add("initialize state")
	a.store = store
	return nil
}

func (a *alerter) Open(ctx *KeyedRuntimeContext[string]) error {
	a.log.add("open")
	var err error
	a.waiting, err = state.GetListState[state.VoidNamespace](ctx.State, state.ListStateDescriptor[reading]{Name: "waiting"})
	return err
}

func (a *alerter) ProcessElement(r reading, ctx *KeyedReadOnlyBroadcastContext[string], out operator.Collector[string]) error {
	rules, err := GetReadOnlyBroadcastState(ctx, ruleState)
	if err != nil {
		return err
	}
	if rules.Len() == 0 {
		a.waiting.Add(r)
		return nil
	}
	if applyRules(r, rules, out) {
		ts, _ := ctx.Timestamp()
		ctx.RegisterEventTimeTimer(ts + 10)
	}
	return nil
}

// applyRules emits "key:n>=rule" for each rule r meets and tells whether
// it met "high".
func applyRules(r reading, rules state.ReadOnlyBroadcastState[string, int], out operator.Collector[string]) bool {
	high := false
	for _, name := range ruleNames(rules.Entries()) {
		if lo, _ := rules.Get(name); r.N >= lo {
			out.Collect(fmt.Sprintf("%s:%d>=%s", r.Key, r.N, name))
			high = high || name == "high"
		}
	}
	return high
}

func ruleNames(rules iter.Seq2[string, int]) []string {
	var names []string
	for name := range rules {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func (a *alerter) ProcessBroadcastElement(r rule, ctx *KeyedBroadcastContext[string], out operator.Collector[string]) error {
	rules, err := GetBroadcastState(ctx, ruleState)
	if err != nil {
		return err
	}
	rules.Put(r.Name, r.Min)
	return ApplyToKeyedState(ctx, a.waiting, func(_ string, w *state.ListState[string, state.VoidNamespace, reading]) error {
		for r := range w.Get() {
			applyRules(r, rules.ReadOnly(), out)
		}
		w.Clear()
		return nil
	})
}

func (a *alerter) OnTimer(t int64, ctx *KeyedReadOnlyBroadcastContext[string], out operator.Collector[string]) error {
	rules, err := GetReadOnlyBroadcastState(ctx, ruleState)
	if err != nil {
		return err
	}
	out.Collect(fmt.Sprintf("%s:alarm@%d/%d rules", ctx.CurrentKey(), t, rules.Len()))
	return nil
}

func (a *alerter) EndInput(out operator.Collector[string]) error {
	rules, err := state.GetBroadcastState(a.store, ruleState)
	if err != nil {
		return err
	}
	out.Collect(fmt.Sprintf("rules %v", ruleNames(rules.Entries())))
	return nil
}

var (
	earlierReadings = []reading{{"k0", 5}, {"k1", 1}, {"k2", 9}, {"k3", 4}, {"k4", 8}, {"k5", 2}}
	laterReadings   = []reading{{"k0", 8}, {"k1", 3}, {"k2", 2}}
	testRules       = []rule{{"low", 3}, {"high", 8}}
)

// alertJob wires rules (vertex 0) broadcast into alerter over readings
// (vertex 1) keyed by key; the alerter is vertex 2, its first input edge
// 0 (readings), its second 1 (rules), its output edge 2.
func alertJob(log *eventLog) func(env *Env) error {
	return func(env *Env) error {
		rules := FromSource(env, &sliceSource[rule]{records: testRules, log: log}, "rules").SetParallelism(1)
		readings := FromSource(env, &sliceSource[reading]{log: log}, "readings")
		bc := BroadcastState(rules, ruleState)
		keyed := KeyBy(readings, func(r reading) string { return r.Key })
		alerts := KeyedBroadcastProcess(ConnectKeyedBroadcast(keyed, bc), &alerter{log: log})
		SinkTo(alerts.Rebalance(), &collectSink[string]{log: log}, "alerts").SetParallelism(1)
		return nil
	}
}

func TestBroadcastStateGraph(t *testing.T) {
	g := mustBuild(t, 3, alertJob(nil)).Graph()
	if v := g.Vertices[2]; v.Name != "Co-Process-Broadcast-Keyed" || v.Parallelism != 3 {
		t.Fatalf("vertex 2 = %+v", v)
	}
	ins := g.Inputs(2)
	if len(ins) != 2 || ins[0].Source != 1 || ins[0].Partitioner != jobgraph.Hash || ins[1].Source != 0 || ins[1].Partitioner != jobgraph.Broadcast {
		t.Fatalf("inputs %+v, want readings by hash and rules by broadcast", ins)
	}
}

// TestKeyedBroadcastEverySubtaskSeesTheRules runs the rules source and
// the three subtasks of the alerter: the source broadcasts, each subtask
// gets every rule, applies them to the readings of its own keys (those
// that came first when the first rule comes), and fires alarms.
func TestKeyedBroadcastEverySubtaskSeesTheRules(t *testing.T) {
	const parallelism = 3
	log := &eventLog{}
	p := mustBuild(t, parallelism, alertJob(log))

	w := newFakeWriter(parallelism)
	src := newChain(t, p, ids(0), map[jobgraph.EdgeID]operator.RecordWriter{1: w})
	if err := src.Open(); err != nil {
		t.Fatal(err)
	}
	drain(t, src)
	if len(w.broadcast) != len(testRules) || slices.ContainsFunc(w.emitted, func(r [][]byte) bool { return len(r) > 0 }) {
		t.Fatalf("rules source broadcast %d and emitted %v, want %d broadcast", len(w.broadcast), w.emitted, len(testRules))
	}

	maxP := p.Graph().Vertices[2].MaxParallelism
	owner := func(key string) int {
		return jobgraph.OperatorIndex(jobgraph.KeyGroup(KeyHash(key), maxP), maxP, parallelism)
	}
	var all []string
	for sub := range parallelism {
		out := newFakeWriter(1)
		c, err := p.NewChain(operator.ChainSpec{
			Vertices: ids(2),
			Context:  operator.Context{JobName: "test", Subtask: sub, Parallelism: parallelism},
			Outputs:  map[jobgraph.EdgeID]operator.RecordWriter{2: out},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Open(); err != nil {
			t.Fatal(err)
		}
		push := func(e jobgraph.EdgeID, ts int64, rec []byte) {
			t.Helper()
			if err := c.PushRecord(e, ts, rec); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range earlierReadings {
			if owner(r.Key) == sub {
				push(0, operator.NoTimestamp, encode(t, r))
			}
		}
		for _, r := range w.broadcast {
			push(1, operator.NoTimestamp, r)
		}
		for _, r := range laterReadings {
			if owner(r.Key) == sub {
				push(0, 100, encode(t, r))
			}
		}
		if err := c.PushWatermark(200); err != nil {
			t.Fatal(err)
		}
		if err := c.EndInput(); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		got := decodeAll[string](t, out.emitted[0])
		if len(got) == 0 || got[len(got)-1] != "rules [high low]" {
			t.Fatalf("subtask %d emitted %q, ending without both rules", sub, got)
		}
		all = append(all, got[:len(got)-1]...)
	}
	slices.Sort(all)
	want := []string{
		"k0:5>=low", "k2:9>=low", "k3:4>=low", "k4:8>=low", // waited for the first rule
		"k0:8>=high", "k0:8>=low", "k1:3>=low",
		"k0:alarm@110/2 rules",
	}
	slices.Sort(want)
	if !slices.Equal(all, want) {
		t.Fatalf("emitted %q, want %q", all, want)
	}
	events := log.get()
	if i := slices.Index(events, "initialize state"); i < 0 || events[i+1] != "open" {
		t.Fatalf("lifecycle %v: InitializeState does not come just before Open", events)
	}
}

// thresholdFilter keeps the numbers at or above the highest threshold
// broadcast so far.
type thresholdFilter struct {
	read, write state.MapStateDescriptor[string, int]
}

func (f *thresholdFilter) ProcessElement(n int, ctx *ReadOnlyBroadcastContext, out operator.Collector[int]) error {
	th, err := GetReadOnlyBroadcastState(ctx, f.read)
	if err != nil {
		return err
	}
	if min, ok := th.Get("min"); ok && n >= min {
		out.Collect(n)
	}
	return nil
}

func (f *thresholdFilter) ProcessBroadcastElement(n int, ctx *BroadcastContext, _ operator.Collector[int]) error {
	th, err := GetBroadcastState(ctx, f.write)
	if err != nil {
		return err
	}
	if old, ok := th.Get("min"); !ok || n > old {
		th.Put("min", n)
	}
	return nil
}

var thresholds = state.MapStateDescriptor[string, int]{Name: "thresholds"}

// thresholdChain builds numbers (vertex 0) and thresholds (vertex 1,
// broadcast with declared) into fn (vertex 2, input edges 0 and 1) and
// returns fn's open chain and the writer of its output.
func thresholdChain(t *testing.T, fn *thresholdFilter, declared state.BroadcastDescriptor) (operator.Chain, *fakeWriter) {
	t.Helper()
	p := mustBuild(t, 1, func(env *Env) error {
		nums := FromSource(env, &sliceSource[int]{}, "numbers")
		ths := FromSource(env, &sliceSource[int]{}, "thresholds")
		kept := BroadcastProcess(ConnectBroadcast(nums, BroadcastState(ths, declared)), fn)
		SinkTo(kept.Rebalance(), &collectSink[int]{}, "out")
		return nil
	})
	if v := p.Graph().Vertices[2]; v.Name != "Co-Process-Broadcast" {
		t.Fatalf("vertex 2 = %+v", v)
	}
	w := newFakeWriter(1)
	c := newChain(t, p, ids(2), map[jobgraph.EdgeID]operator.RecordWriter{2: w})
	if err := c.Open(); err != nil {
		t.Fatal(err)
	}
	return c, w
}

func TestBroadcastProcess(t *testing.T) {
	c, w := thresholdChain(t, &thresholdFilter{thresholds, thresholds}, thresholds)
	for _, in := range []struct {
		edge jobgraph.EdgeID
		v    int
	}{{0, 1}, {1, 5}, {0, 4}, {0, 7}, {1, 3}, {0, 5}, {1, 9}, {0, 8}, {0, 10}} {
		if err := c.PushRecord(in.edge, operator.NoTimestamp, encode(t, in.v)); err != nil {
			t.Fatal(err)
		}
	}
	if got := decodeAll[int](t, w.emitted[0]); !slices.Equal(got, []int{7, 5, 10}) {
		t.Fatalf("kept %v, want [7 5 10]", got)
	}
}

// TestBadBroadcastStateFailsTheJob: broadcast state is reached only by
// the descriptors the broadcast stream declared, with their types, and
// has no TTL.
func TestBadBroadcastStateFailsTheJob(t *testing.T) {
	for _, tc := range []struct {
		name     string
		use      state.MapStateDescriptor[string, int]
		declared state.BroadcastDescriptor
		want     string
	}{
		{"undeclared", state.MapStateDescriptor[string, int]{Name: "other"}, thresholds, "not a state of the broadcast stream"},
		{"other types", thresholds, state.MapStateDescriptor[string, string]{Name: "thresholds"}, "declared as"},
		{"TTL", state.MapStateDescriptor[string, int]{Name: "thresholds", TTL: state.TTLConfig{TTL: 1}}, thresholds, "TTL"},
	} {
		c, _ := thresholdChain(t, &thresholdFilter{read: thresholds, write: tc.use}, tc.declared)
		err := c.PushRecord(1, operator.NoTimestamp, encode(t, 1))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error about %q", tc.name, err, tc.want)
		}
	}
}

func TestBroadcastBuildErrors(t *testing.T) {
	nums := func(env *Env) *DataStream[int] { return FromSource(env, &sliceSource[int]{}, "numbers") }
	for name, build := range map[string]func(env *Env) error{
		"no descriptor": func(env *Env) error {
			BroadcastProcess(ConnectBroadcast(nums(env), BroadcastState(nums(env))), &thresholdFilter{})
			return nil
		},
		"two descriptors of one name": func(env *Env) error {
			BroadcastState(nums(env), thresholds, state.MapStateDescriptor[int, int]{Name: "thresholds"})
			return nil
		},
		"descriptor without a name": func(env *Env) error {
			BroadcastState(nums(env), state.MapStateDescriptor[int, int]{})
			return nil
		},
		"nil function": func(env *Env) error {
			BroadcastProcess[int, int, int](ConnectBroadcast(nums(env), BroadcastState(nums(env), thresholds)), nil)
			return nil
		},
		"nil keyed function": func(env *Env) error {
			ks := KeyBy(nums(env), func(n int) int { return n })
			KeyedBroadcastProcess[int, int, int, int](ConnectKeyedBroadcast(ks, BroadcastState(nums(env), thresholds)), nil)
			return nil
		},
		"nil key selector": func(env *Env) error {
			ks := KeyBy[reading, string](FromSource(env, &sliceSource[reading]{}, "readings"), nil)
			KeyedBroadcastProcess(ConnectKeyedBroadcast(ks, BroadcastState(FromSource(env, &sliceSource[rule]{}, "rules"), ruleState)), &alerter{})
			return nil
		},
	} {
		t.Run(name, func(t *testing.T) { buildErr(t, build) })
	}
}
