package state

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/quick"
	"time"

	"github.com/runnel/runnel/jobgraph"
)

func TestKeyOutsideRange(t *testing.T) {
	r := jobgraph.Range(testMaxP, 4, 1)
	b := NewBackend(hashString, testMaxP, r, nil)
	v := must(GetValueState[VoidNamespace](b, ValueStateDescriptor[int64]{Name: "v", Default: -1}))
	if _, ok := v.Value(); ok || !errors.Is(b.Err(), errNoCurrentKey) {
		t.Fatalf("access before any key: Err = %v", b.Err())
	}

	b = NewBackend(hashString, testMaxP, r, nil)
	v = must(GetValueState[VoidNamespace](b, ValueStateDescriptor[int64]{Name: "v", Default: -1}))
	var in, out string
	for i := 0; in == "" || out == ""; i++ {
		k := fmt.Sprint("key", i)
		if r.Contains(b.keyGroup(k)) {
			in = k
		} else {
			out = k
		}
	}
	err := b.SetCurrentKey(out)
	if err == nil || b.Err() != err || b.CurrentKeyGroup() != -1 {
		t.Fatalf("SetCurrentKey(%q) outside %v: %v, Err %v", out, r, err, b.Err())
	}
	v.Update(7)
	v.Clear()
	if got, ok := v.Value(); ok || got != -1 {
		t.Fatalf("Value of a key outside the range = %d, %v", got, ok)
	}
	if n := stored(&v.cells.(*cells[string, VoidNamespace, int64, noStamp]).t); n != 0 {
		t.Fatalf("a key outside the range stored %d entries", n)
	}

	setKey(t, b, in)
	v.Update(7)
	if got, ok := v.Value(); !ok || got != 7 {
		t.Fatalf("Value after the key came back into range = %d, %v", got, ok)
	}
	if b.Err() != err {
		t.Fatalf("Err = %v, want the first error %v", b.Err(), err)
	}
}

// Every key belongs to exactly one subtask's backend, the one the
// routing (jobgraph.OperatorIndex of its key group) picks.
func TestEveryKeyHasExactlyOneBackend(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	prop := func(keys []string) bool {
		maxP := []int{1, 7, 128, 1000, jobgraph.MaxKeyGroups}[rng.IntN(5)]
		p := 1 + rng.IntN(min(maxP, 300))
		backends := make([]*Backend[string], p)
		for i := range backends {
			backends[i] = NewBackend(hashString, maxP, jobgraph.Range(maxP, p, i), nil)
		}
		for _, k := range keys {
			owner := jobgraph.OperatorIndex(jobgraph.KeyGroup(hashString(k), maxP), maxP, p)
			for i, b := range backends {
				if (b.SetCurrentKey(k) == nil) != (i == owner) {
					t.Logf("key %q, max parallelism %d, parallelism %d: backend %d accepts: %v", k, maxP, p, i, i != owner)
					return false
				}
			}
		}
		return true
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 300}); err != nil {
		t.Fatal(err)
	}
}

func TestNewBackendRejectsBadRanges(t *testing.T) {
	for _, r := range []jobgraph.KeyGroupRange{{Start: -1, End: 3}, {Start: 0, End: testMaxP}, {Start: 5, End: 4}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewBackend with range %v did not panic", r)
				}
			}()
			NewBackend(hashString, testMaxP, r, nil)
		}()
	}
}

func TestRegistration(t *testing.T) {
	b := newTestBackend(nil)
	v1 := must(GetValueState[VoidNamespace](b, ValueStateDescriptor[int64]{Name: "a"}))
	v2 := must(GetValueState[VoidNamespace](b, ValueStateDescriptor[int64]{Name: "a"}))
	if v1 != v2 {
		t.Fatal("the same name gave two states")
	}
	sum := func(a, b int64) int64 { return a + b }
	for name, get := range map[string]func() error{
		"other kind": func() error {
			_, err := GetReducingState[VoidNamespace](b, ReducingStateDescriptor[int64]{Name: "a", Reduce: sum})
			return err
		},
		"other value type": func() error {
			_, err := GetValueState[VoidNamespace](b, ValueStateDescriptor[string]{Name: "a"})
			return err
		},
		"other namespace type": func() error {
			_, err := GetValueState[window](b, ValueStateDescriptor[int64]{Name: "a"})
			return err
		},
		"other TTL": func() error {
			_, err := GetValueState[VoidNamespace](b, ValueStateDescriptor[int64]{Name: "a", TTL: TTLConfig{TTL: time.Second}})
			return err
		},
		"no name": func() error {
			_, err := GetListState[VoidNamespace](b, ListStateDescriptor[int64]{})
			return err
		},
		"negative TTL": func() error {
			_, err := GetListState[VoidNamespace](b, ListStateDescriptor[int64]{Name: "l", TTL: TTLConfig{TTL: -1}})
			return err
		},
		"no reduce function": func() error {
			_, err := GetReducingState[VoidNamespace](b, ReducingStateDescriptor[int64]{Name: "r"})
			return err
		},
		"no aggregate function": func() error {
			_, err := GetAggregatingState[VoidNamespace](b, AggregatingStateDescriptor[int64, avgAcc, float64]{Name: "g"})
			return err
		},
	} {
		if err := get(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestKeysInNamespace(t *testing.T) {
	b := newTestBackend(nil)
	v := must(GetValueState[window](b, ValueStateDescriptor[int64]{Name: "v"}))
	w1, w2 := window{0, 10}, window{10, 20}
	var want []string
	for i := range 100 {
		k := fmt.Sprint("k", i)
		setKey(t, b, k)
		v.SetNamespace(w1)
		v.Update(int64(i))
		if i%3 == 0 {
			v.SetNamespace(w2)
			v.Update(int64(i))
			want = append(want, k)
		}
	}
	// Clearing while ranging, as a cleanup timer would.
	var got []string
	for k := range Keys(v, w2) {
		got = append(got, k)
		setKey(t, b, k)
		v.SetNamespace(w2)
		v.Clear()
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Keys(w2) = %v, want %v", got, want)
	}
	if n := len(slices.Collect(Keys(v, w2))); n != 0 {
		t.Fatalf("%d keys left in w2 after clearing", n)
	}
	if n := len(slices.Collect(Keys(v, w1))); n != 100 {
		t.Fatalf("%d keys in w1, want 100", n)
	}
}

func TestErrorNamesKey(t *testing.T) {
	b := NewBackend(hashInt64, testMaxP, jobgraph.KeyGroupRange{Start: 0, End: 0}, nil)
	for k := int64(0); ; k++ {
		if err := b.SetCurrentKey(k); err != nil {
			if !strings.Contains(err.Error(), fmt.Sprint("key ", k, " ")) {
				t.Fatalf("error does not name the key: %v", err)
			}
			return
		}
	}
}

var (
	_ MergingState[string, window] = (*ListState[string, window, int64])(nil)
	_ MergingState[string, window] = (*ReducingState[string, window, int64])(nil)
	_ MergingState[string, window] = (*AggregatingState[string, window, int64, avgAcc, float64])(nil)
	_ KeyedState[string, window]   = (*ValueState[string, window, int64])(nil)
	_ KeyedState[string, window]   = (*MapState[string, window, string, int64])(nil)
)
