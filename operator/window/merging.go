package window

import (
	"fmt"
	"maps"
	"slices"
)

// MergeFunc is told of each merge so that the runtime can merge state and
// move timers (Flink's MergingWindowSet.MergeFunction): result replaces
// the in-flight windows merged (never the new window, which has no state
// yet); result's state now lives under stateResult, into which the state
// of mergedState must be merged. An error aborts AddWindow and leaves the
// set undefined, so the task must fail, as Flink's exception fails it.
type MergeFunc func(result TimeWindow, merged []TimeWindow, stateResult TimeWindow, mergedState []TimeWindow) error

// MergingWindowSet is one key's in-flight session windows, each mapped to
// its state window (Flink's MergingWindowSet). A session's state stays
// under the namespace of the window it started as: when sessions merge,
// the result keeps one of their state windows and only the others' state
// moves, instead of all state moving to a new namespace on every element
// that extends a session.
//
// In-flight windows never intersect each other: AddWindow merges them as
// soon as they do.
type MergingWindowSet struct {
	mapping map[TimeWindow]TimeWindow // in-flight window → state window
}

// WindowPair is an in-flight window and its state window, the form in
// which the set is checkpointed.
type WindowPair struct {
	Window, StateWindow TimeWindow
}

// NewMergingWindowSet returns an empty set.
func NewMergingWindowSet() *MergingWindowSet {
	return &MergingWindowSet{mapping: make(map[TimeWindow]TimeWindow)}
}

// RestoreMergingWindowSet rebuilds a set from what Persist returned.
func RestoreMergingWindowSet(pairs []WindowPair) *MergingWindowSet {
	s := NewMergingWindowSet()
	for _, p := range pairs {
		s.mapping[p.Window] = p.StateWindow
	}
	return s
}

// Persist returns the set as pairs, ordered by window so that equal sets
// persist alike.
func (s *MergingWindowSet) Persist() []WindowPair {
	pairs := make([]WindowPair, 0, len(s.mapping))
	for _, w := range slices.SortedFunc(maps.Keys(s.mapping), compareWindows) {
		pairs = append(pairs, WindowPair{Window: w, StateWindow: s.mapping[w]})
	}
	return pairs
}

// GetStateWindow is the state window of in-flight window w.
func (s *MergingWindowSet) GetStateWindow(w TimeWindow) (TimeWindow, bool) {
	sw, ok := s.mapping[w]
	return sw, ok
}

// RetireWindow removes w once it is purged or found late; it is an error
// if w is not in flight.
func (s *MergingWindowSet) RetireWindow(w TimeWindow) error {
	if _, ok := s.mapping[w]; !ok {
		return fmt.Errorf("window: %v is not in flight", w)
	}
	delete(s.mapping, w)
	return nil
}

// AddWindow adds a new element's window w and merges every in-flight
// window it intersects, transitively, calling fn for each merge that
// involves state. It returns the window w ended up in: w itself, or the
// merged window that now holds it.
//
// Unlike Flink's, adding a window that is already in flight returns it
// unchanged: Flink then maps it to itself as a state window, which loses
// its state when it is a merge result (impossible with a fixed gap, where
// merged windows are longer than new ones, but not in general).
func (s *MergingWindowSet) AddWindow(w TimeWindow, fn MergeFunc) (TimeWindow, error) {
	if _, ok := s.mapping[w]; ok {
		return w, nil
	}
	ws := slices.AppendSeq(make([]TimeWindow, 0, len(s.mapping)+1), maps.Keys(s.mapping))
	result, mergedNew := w, false
	for _, m := range mergeWindows(append(ws, w)) {
		merged := m.windows
		if i := slices.Index(merged, w); i >= 0 {
			merged = slices.Delete(merged, i, i+1)
			result, mergedNew = m.cover, true
		}
		// The result keeps the state window of one merged window (the
		// earliest; Flink takes any) and absorbs the others'.
		stateResult := s.mapping[merged[0]]
		var mergedState []TimeWindow
		for _, mw := range merged {
			if sw := s.mapping[mw]; sw != stateResult {
				mergedState = append(mergedState, sw)
			}
			delete(s.mapping, mw)
		}
		s.mapping[m.cover] = stateResult
		// w inside one in-flight window: nothing changed, no state to merge.
		if len(merged) == 1 && merged[0] == m.cover {
			continue
		}
		if err := fn(m.cover, merged, stateResult, mergedState); err != nil {
			return TimeWindow{}, err
		}
	}
	if !mergedNew {
		s.mapping[w] = w
	}
	return result, nil
}
