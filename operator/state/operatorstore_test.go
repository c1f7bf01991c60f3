package state

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

var (
	offsets  = ListStateDescriptor[int64]{Name: "offsets"}
	seen     = ListStateDescriptor[string]{Name: "seen"}
	rules    = MapStateDescriptor[string, int64]{Name: "rules"}
	badRules = MapStateDescriptor[string, string]{Name: "rules"}
)

// opStates are one of each kind of operator state.
type opStates struct {
	list  *OperatorListState[int64]
	union *OperatorListState[string]
	bc    *BroadcastState[string, int64]
}

func registerOpStates(t *testing.T, s *OperatorStore) opStates {
	t.Helper()
	return opStates{
		list:  must(GetOperatorListState(s, offsets)),
		union: must(GetUnionListState(s, seen)),
		bc:    must(GetBroadcastState(s, rules)),
	}
}

func snapshotOf(t *testing.T, s *OperatorStore) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := s.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func restored(t *testing.T, snap []byte) *OperatorStore {
	t.Helper()
	s := NewOperatorStore()
	if err := s.Restore(bytes.NewReader(snap)); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOperatorStoreRoundTrip(t *testing.T) {
	s := NewOperatorStore()
	st := registerOpStates(t, s)
	st.list.AddAll([]int64{3, 1, 2})
	st.union.Update([]string{"a", "b"})
	st.bc.PutAll(map[string]int64{"x": 1, "y": 2})
	snap := snapshotOf(t, s)

	// Registered before the restore: items arrive at once.
	eager := NewOperatorStore()
	got := registerOpStates(t, eager)
	if err := eager.Restore(bytes.NewReader(snap)); err != nil {
		t.Fatal(err)
	}
	checkOpStates(t, got, st)

	// Registered after: items wait for the types. A snapshot taken in
	// between writes them back as they were.
	lazy := restored(t, snap)
	again := restored(t, snapshotOf(t, lazy))
	checkOpStates(t, registerOpStates(t, again), st)
}

func checkOpStates(t *testing.T, got, want opStates) {
	t.Helper()
	if g, w := slices.Collect(got.list.Get()), slices.Collect(want.list.Get()); !slices.Equal(g, w) {
		t.Errorf("list %v, want %v", g, w)
	}
	if g, w := slices.Collect(got.union.Get()), slices.Collect(want.union.Get()); !slices.Equal(g, w) {
		t.Errorf("union list %v, want %v", g, w)
	}
	if g, w := maps.Collect(got.bc.Entries()), maps.Collect(want.bc.Entries()); !maps.Equal(g, w) {
		t.Errorf("broadcast %v, want %v", g, w)
	}
}

func TestOperatorStoreRestoreReadsNoFurther(t *testing.T) {
	a, b := NewOperatorStore(), NewOperatorStore()
	must(GetOperatorListState(a, offsets)).Add(1)
	must(GetOperatorListState(b, offsets)).Add(2)
	var stream bytes.Buffer
	for _, s := range []*OperatorStore{a, b} {
		if err := s.Snapshot(&stream); err != nil {
			t.Fatal(err)
		}
	}
	into := NewOperatorStore()
	for range 2 {
		if err := into.Restore(&stream); err != nil {
			t.Fatal(err)
		}
	}
	if got := slices.Collect(must(GetOperatorListState(into, offsets)).Get()); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("two restores gave %v, want [1 2]", got)
	}
}

func TestOperatorStoreRegistrationConflicts(t *testing.T) {
	s := NewOperatorStore()
	must(GetOperatorListState(s, offsets))
	must(GetBroadcastState(s, rules))
	for name, err := range map[string]error{
		"list as union":        second(GetUnionListState(s, offsets)),
		"list of other types":  second(GetOperatorListState(s, ListStateDescriptor[string]{Name: "offsets"})),
		"broadcast as list":    second(GetOperatorListState(s, ListStateDescriptor[string]{Name: "rules"})),
		"broadcast other type": second(GetBroadcastState(s, badRules)),
		"no name":              second(GetUnionListState(s, ListStateDescriptor[int]{})),
		"TTL":                  second(GetOperatorListState(s, ListStateDescriptor[int]{Name: "ttl", TTL: TTLConfig{TTL: ttl}})),
	} {
		if err == nil {
			t.Errorf("%s: registered", name)
		}
	}
	if l := must(GetOperatorListState(s, offsets)); l != must(GetOperatorListState(s, offsets)) {
		t.Error("the same name gave two lists")
	}
}

func second[T any](_ T, err error) error { return err }

// oldLists snapshots parallelism stores whose list and union list hold
// per elements each, numbered across subtasks, and returns them.
func oldLists(t *testing.T, parallelism, per int) [][]byte {
	t.Helper()
	var snaps [][]byte
	for i := range parallelism {
		s := NewOperatorStore()
		st := registerOpStates(t, s)
		for j := range per {
			n := i*per + j
			st.list.Add(int64(n))
			st.union.Add(fmt.Sprint(n))
		}
		st.bc.Put("subtask", int64(i))
		snaps = append(snaps, snapshotOf(t, s))
	}
	return snaps
}

func redistributed(t *testing.T, old [][]byte, parallelism int) []opStates {
	t.Helper()
	snaps, err := RedistributeOperatorState(old, parallelism)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != parallelism {
		t.Fatalf("%d snapshots for parallelism %d", len(snaps), parallelism)
	}
	var out []opStates
	for _, snap := range snaps {
		out = append(out, registerOpStates(t, restored(t, snap)))
	}
	return out
}

// TestSplitRedistribution: every element of a list state goes to exactly
// one new subtask, and the new subtasks' shares differ by at most one.
func TestSplitRedistribution(t *testing.T) {
	for _, tc := range []struct{ from, per, to int }{{3, 5, 2}, {2, 6, 5}, {2, 1, 5}, {4, 3, 4}} {
		t.Run(fmt.Sprintf("%d to %d", tc.from, tc.to), func(t *testing.T) {
			var all []int64
			sizes := map[int]bool{}
			for _, st := range redistributed(t, oldLists(t, tc.from, tc.per), tc.to) {
				mine := slices.Collect(st.list.Get())
				sizes[len(mine)] = true
				all = append(all, mine...)
			}
			slices.Sort(all)
			want := make([]int64, tc.from*tc.per)
			for i := range want {
				want[i] = int64(i)
			}
			if !slices.Equal(all, want) {
				t.Fatalf("elements %v, want each of %v once", all, want)
			}
			if len(sizes) > 2 {
				t.Fatalf("share sizes %v differ by more than one", slices.Sorted(maps.Keys(sizes)))
			}
		})
	}
}

func TestSameParallelismKeepsLists(t *testing.T) {
	for i, st := range redistributed(t, oldLists(t, 3, 4), 3) {
		want := []int64{int64(4 * i), int64(4*i + 1), int64(4*i + 2), int64(4*i + 3)}
		if got := slices.Collect(st.list.Get()); !slices.Equal(got, want) {
			t.Errorf("subtask %d restored %v, want %v", i, got, want)
		}
	}
}

func TestUnionRedistribution(t *testing.T) {
	for _, to := range []int{2, 5} {
		for i, st := range redistributed(t, oldLists(t, 3, 2), to) {
			got := slices.Collect(st.union.Get())
			if want := []string{"0", "1", "2", "3", "4", "5"}; !slices.Equal(got, want) {
				t.Errorf("to %d: subtask %d restored %v, want %v", to, i, got, want)
			}
		}
	}
}

// TestBroadcastRedistribution: each new subtask takes one old subtask's
// copy, new i the copy of old i modulo the old parallelism.
func TestBroadcastRedistribution(t *testing.T) {
	for _, tc := range []struct{ from, to int }{{2, 5}, {3, 2}} {
		for i, st := range redistributed(t, oldLists(t, tc.from, 1), tc.to) {
			got := maps.Collect(st.bc.Entries())
			if want := map[string]int64{"subtask": int64(i % tc.from)}; !maps.Equal(got, want) {
				t.Errorf("%d to %d: subtask %d restored %v, want %v", tc.from, tc.to, i, got, want)
			}
		}
	}
}

// TestBroadcastStateOnSomeSubtasks: an old subtask that never registered
// a broadcast state gives no copy; every new subtask still gets one.
func TestBroadcastStateOnSomeSubtasks(t *testing.T) {
	with, without := NewOperatorStore(), NewOperatorStore()
	must(GetBroadcastState(with, rules)).Put("r", 7)
	snaps, err := RedistributeOperatorState([][]byte{snapshotOf(t, without), snapshotOf(t, with)}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, snap := range snaps {
		if v, ok := must(GetBroadcastState(restored(t, snap), rules)).ReadOnly().Get("r"); !ok || v != 7 {
			t.Errorf("subtask %d: rule r = %d, %t", i, v, ok)
		}
	}
}

func TestRedistributionRejectsMixedModes(t *testing.T) {
	a, b := NewOperatorStore(), NewOperatorStore()
	must(GetOperatorListState(a, offsets))
	must(GetUnionListState(b, offsets))
	if _, err := RedistributeOperatorState([][]byte{snapshotOf(t, a), snapshotOf(t, b)}, 2); err == nil {
		t.Fatal("a list and a union list of one name were redistributed")
	}
	if _, err := RedistributeOperatorState(nil, 0); err == nil {
		t.Fatal("redistributed to parallelism 0")
	}
}

func TestRestoreIntoAnotherKind(t *testing.T) {
	s := NewOperatorStore()
	must(GetOperatorListState(s, offsets)).Add(1)
	snap := snapshotOf(t, s)

	eager := NewOperatorStore()
	must(GetUnionListState(eager, offsets))
	if err := eager.Restore(bytes.NewReader(snap)); err == nil {
		t.Error("a list restored into a registered union list")
	}
	if _, err := GetUnionListState(restored(t, snap), offsets); err == nil {
		t.Error("a restored list registered as a union list")
	}
	if _, err := GetOperatorListState(restored(t, snap), ListStateDescriptor[wrongType]{Name: "offsets"}); err == nil {
		t.Error("a list of int64 decoded as a list of structs")
	}
}

type wrongType struct{ A, B string }

// TestOperatorSnapshotCorruption: cut or altered snapshots give errors,
// never panics, from Restore, from registration and from the
// redistribution.
func TestOperatorSnapshotCorruption(t *testing.T) {
	s := NewOperatorStore()
	st := registerOpStates(t, s)
	st.list.AddAll([]int64{1, 2, 300000})
	st.union.Add("hello")
	st.bc.Put("k", 9)
	snap := snapshotOf(t, s)

	for n := range len(snap) {
		cut := snap[:n]
		if err := NewOperatorStore().Restore(bytes.NewReader(cut)); err == nil {
			t.Errorf("restore of %d of %d bytes succeeded", n, len(snap))
		}
		if _, err := RedistributeOperatorState([][]byte{cut}, 2); err == nil {
			t.Errorf("redistribution of %d of %d bytes succeeded", n, len(snap))
		}
	}
	for i := range snap {
		for _, b := range []byte{0x00, 0x7f, 0xff} {
			bad := slices.Clone(snap)
			bad[i] = b
			checkNoPanic(t, bad)
		}
	}
	for _, bad := range [][]byte{{2, 0}, {1, 1, 1, 'x', 9, 0}, append(slices.Clone(snap), 0)} {
		if _, err := RedistributeOperatorState([][]byte{bad}, 1); err == nil {
			t.Errorf("redistribution of % x succeeded", bad)
		}
	}
	if err := NewOperatorStore().Restore(bytes.NewReader([]byte{2, 0})); err == nil || !strings.Contains(err.Error(), "version") {
		t.Errorf("restore of version 2: %v", err)
	}
}

// checkNoPanic restores, registers and redistributes a snapshot whatever
// its bytes; a panic fails the test.
func checkNoPanic(t *testing.T, snap []byte) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("snapshot % x: panic: %v", snap, r)
		}
	}()
	s := NewOperatorStore()
	if s.Restore(bytes.NewReader(snap)) == nil {
		_, _ = GetOperatorListState(s, offsets)
		_, _ = GetUnionListState(s, seen)
		_, _ = GetBroadcastState(s, rules)
	}
	_, _ = RedistributeOperatorState([][]byte{snap, snap}, 3)
}
