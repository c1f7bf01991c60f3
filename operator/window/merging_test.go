package window

import (
	"errors"
	"fmt"
	"testing"
)

// mergeCall records one MergeFunc call.
type mergeCall struct {
	result, stateResult TimeWindow
	merged, mergedState []TimeWindow
}

func (c mergeCall) String() string {
	return fmt.Sprintf("%v←%v state %v←%v", c.result, c.merged, c.stateResult, c.mergedState)
}

// recorder returns a MergeFunc that appends to calls.
func recorder(calls *[]mergeCall) MergeFunc {
	return func(result TimeWindow, merged []TimeWindow, stateResult TimeWindow, mergedState []TimeWindow) error {
		*calls = append(*calls, mergeCall{result, stateResult, merged, mergedState})
		return nil
	}
}

func TestMergingWindowSet(t *testing.T) {
	type step struct {
		add   TimeWindow
		want  TimeWindow
		calls string // the MergeFunc calls, as mergeCall.String
		set   string // Persist afterwards
	}
	steps := []step{
		{TimeWindow{0, 10}, TimeWindow{0, 10}, "[]", "[{[0, 10) [0, 10)}]"},
		{TimeWindow{15, 25}, TimeWindow{15, 25}, "[]", "[{[0, 10) [0, 10)} {[15, 25) [15, 25)}]"},
		// [8, 18) bridges both sessions: all three merge; the earliest
		// session's state window keeps the state, [15, 25)'s merges in.
		{TimeWindow{8, 18}, TimeWindow{0, 25}, "[[0, 25)←[[0, 10) [15, 25)] state [0, 10)←[[15, 25)]]", "[{[0, 25) [0, 10)}]"},
		// Inside the session: no change, nothing to merge.
		{TimeWindow{3, 13}, TimeWindow{0, 25}, "[]", "[{[0, 25) [0, 10)}]"},
		// Touching extends it: the window changes, no state moves.
		{TimeWindow{25, 35}, TimeWindow{0, 35}, "[[0, 35)←[[0, 25)] state [0, 10)←[]]", "[{[0, 35) [0, 10)}]"},
		{TimeWindow{-20, -10}, TimeWindow{-20, -10}, "[]", "[{[-20, -10) [-20, -10)} {[0, 35) [0, 10)}]"},
		// One apart: separate sessions.
		{TimeWindow{-31, -21}, TimeWindow{-31, -21}, "[]", "[{[-31, -21) [-31, -21)} {[-20, -10) [-20, -10)} {[0, 35) [0, 10)}]"},
		// Bridging an earlier session into the merged one: the state of
		// the merged one moves into the earlier one's state window.
		{TimeWindow{-12, 2}, TimeWindow{-20, 35}, "[[-20, 35)←[[-20, -10) [0, 35)] state [-20, -10)←[[0, 10)]]", "[{[-31, -21) [-31, -21)} {[-20, 35) [-20, -10)}]"},
	}
	s := NewMergingWindowSet()
	for i, st := range steps {
		var calls []mergeCall
		got, err := s.AddWindow(st.add, recorder(&calls))
		if err != nil {
			t.Fatal(err)
		}
		if got != st.want || fmt.Sprint(calls) != st.calls || fmt.Sprint(s.Persist()) != st.set {
			t.Fatalf("step %d, add %v:\n got %v calls %v set %v\nwant %v calls %v set %v",
				i, st.add, got, calls, s.Persist(), st.want, st.calls, st.set)
		}
		sw, ok := s.GetStateWindow(got)
		if !ok || sw != stateWindowIn(s.Persist(), got) {
			t.Fatalf("step %d: GetStateWindow(%v) = %v, %v", i, got, sw, ok)
		}
	}

	if _, ok := s.GetStateWindow(TimeWindow{0, 35}); ok {
		t.Fatal("a merged-away window still has a state window")
	}
	if err := s.RetireWindow(TimeWindow{-20, 35}); err != nil {
		t.Fatal(err)
	}
	if err := s.RetireWindow(TimeWindow{-20, 35}); err == nil {
		t.Fatal("retired a window twice")
	}
	if err := s.RetireWindow(TimeWindow{0, 10}); err == nil {
		t.Fatal("retired a state window that is not in flight")
	}
	if _, ok := s.GetStateWindow(TimeWindow{-20, 35}); ok {
		t.Fatal("a retired window still has a state window")
	}
	// After retiring, a new element starts a fresh session.
	var calls []mergeCall
	if got, err := s.AddWindow(TimeWindow{0, 10}, recorder(&calls)); err != nil || got != (TimeWindow{0, 10}) || len(calls) != 0 {
		t.Fatalf("add after retire: %v %v %v", got, err, calls)
	}
	if got := fmt.Sprint(s.Persist()); got != "[{[-31, -21) [-31, -21)} {[0, 10) [0, 10)}]" {
		t.Fatalf("set after retire: %s", got)
	}
}

func stateWindowIn(pairs []WindowPair, w TimeWindow) TimeWindow {
	for _, p := range pairs {
		if p.Window == w {
			return p.StateWindow
		}
	}
	return TimeWindow{}
}

func TestMergingWindowSetRestore(t *testing.T) {
	s := NewMergingWindowSet()
	for _, w := range []TimeWindow{{0, 10}, {15, 25}, {8, 18}, {40, 50}} {
		if _, err := s.AddWindow(w, recorder(new([]mergeCall))); err != nil {
			t.Fatal(err)
		}
	}
	saved := s.Persist()
	r := RestoreMergingWindowSet(saved)
	if fmt.Sprint(r.Persist()) != fmt.Sprint(saved) {
		t.Fatalf("restored %v, saved %v", r.Persist(), saved)
	}
	// Both go on alike.
	var a, b []mergeCall
	wa, _ := s.AddWindow(TimeWindow{24, 41}, recorder(&a))
	wb, _ := r.AddWindow(TimeWindow{24, 41}, recorder(&b))
	if wa != wb || fmt.Sprint(a) != fmt.Sprint(b) || fmt.Sprint(s.Persist()) != fmt.Sprint(r.Persist()) {
		t.Fatalf("diverged: %v %v / %v %v", wa, a, wb, b)
	}
	if got := fmt.Sprint(r.Persist()); got != "[{[0, 50) [0, 10)}]" {
		t.Fatalf("after restore and merge: %s", got)
	}
}

// Adding a window already in flight keeps its state window (Flink would
// map it to itself).
func TestMergingWindowSetAddInFlight(t *testing.T) {
	s := RestoreMergingWindowSet([]WindowPair{{Window: TimeWindow{0, 25}, StateWindow: TimeWindow{0, 10}}})
	var calls []mergeCall
	got, err := s.AddWindow(TimeWindow{0, 25}, recorder(&calls))
	if err != nil || got != (TimeWindow{0, 25}) || len(calls) != 0 {
		t.Fatalf("got %v %v %v", got, err, calls)
	}
	if sw, _ := s.GetStateWindow(got); sw != (TimeWindow{0, 10}) {
		t.Fatalf("state window became %v", sw)
	}
}

func TestMergingWindowSetMergeError(t *testing.T) {
	s := NewMergingWindowSet()
	boom := errors.New("boom")
	fail := func(TimeWindow, []TimeWindow, TimeWindow, []TimeWindow) error { return boom }
	if _, err := s.AddWindow(TimeWindow{0, 10}, fail); err != nil {
		t.Fatalf("no merge, yet %v", err)
	}
	if _, err := s.AddWindow(TimeWindow{5, 15}, fail); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the merge function's error", err)
	}
}
