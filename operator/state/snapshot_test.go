package state

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
)

// states are the states the snapshot tests fill, one of each kind.
type states struct {
	value *ValueState[string, window, int64]
	list  *ListState[string, VoidNamespace, string]
	m     *MapState[string, VoidNamespace, string, int64]
	sum   *ReducingState[string, window, int64]
	avg   *AggregatingState[string, window, int64, avgAcc, float64]
	ttl   *ValueState[string, VoidNamespace, int64]
}

var w1, w2 = window{0, 10}, window{10, 20}

// registerStates registers the states of b. Restore is lazy: early picks
// which are registered before a restore, the rest after.
func registerStates(b *Backend[string], early bool) *states {
	s := &states{}
	if early {
		s.value = must(GetValueState[window](b, ValueStateDescriptor[int64]{Name: "value"}))
		s.list = must(GetListState[VoidNamespace](b, ListStateDescriptor[string]{Name: "list"}))
		s.ttl = must(GetValueState[VoidNamespace](b, ValueStateDescriptor[int64]{Name: "ttl", TTL: TTLConfig{TTL: ttl}}))
		return s
	}
	s.m = must(GetMapState[VoidNamespace](b, MapStateDescriptor[string, int64]{Name: "map"}))
	s.sum = must(GetReducingState[window](b, ReducingStateDescriptor[int64]{Name: "sum", Reduce: func(a, b int64) int64 { return a + b }}))
	s.avg = must(GetAggregatingState[window](b, avgDescriptor("avg")))
	return s
}

func (s *states) merge(o *states) *states {
	if s.value == nil {
		s.value, s.list, s.ttl = o.value, o.list, o.ttl
	} else {
		s.m, s.sum, s.avg = o.m, o.sum, o.avg
	}
	return s
}

const snapshotKeys = 500

func key(i int) string { return fmt.Sprint("key-", i) }

// fill writes key i's state if b owns it.
func fill(t testing.TB, b *Backend[string], s *states) {
	for i := range snapshotKeys {
		if !b.groups.Contains(b.keyGroup(key(i))) {
			continue
		}
		setKey(t, b, key(i))
		n := int64(i)
		s.value.SetNamespace(w1)
		s.value.Update(n)
		s.value.SetNamespace(w2)
		s.value.Update(-n)
		if i%4 != 0 { // some keys have no list
			s.list.Update([]string{fmt.Sprint(i), "x"})
		}
		s.m.PutAll(map[string]int64{"a": n, "b": 2 * n})
		s.sum.SetNamespace(w1)
		s.sum.Add(n)
		s.sum.Add(1)
		s.avg.SetNamespace(w1)
		s.avg.Add(n)
		s.avg.Add(n + 2)
		s.ttl.Update(n)
	}
	if b.Err() != nil {
		t.Fatal(b.Err())
	}
}

// check reads key i's state from the backend among bs that owns it.
func check(t *testing.T, bs []*Backend[string], ss []*states) {
	t.Helper()
	for i := range snapshotKeys {
		owners := 0
		for j, b := range bs {
			if !b.groups.Contains(b.keyGroup(key(i))) {
				continue
			}
			setKey(t, b, key(i))
			owners++
			s, n := ss[j], int64(i)
			s.value.SetNamespace(w1)
			v1, _ := s.value.Value()
			s.value.SetNamespace(w2)
			v2, _ := s.value.Value()
			var wantList []string
			if i%4 != 0 {
				wantList = []string{fmt.Sprint(i), "x"}
			}
			s.sum.SetNamespace(w1)
			sum, _ := s.sum.Get()
			s.avg.SetNamespace(w1)
			avg, _ := s.avg.Get()
			ttlValue, _ := s.ttl.Value()
			if v1 != n || v2 != -n || sum != n+1 || avg != float64(n+1) || ttlValue != n ||
				!slices.Equal(slices.Collect(s.list.Get()), wantList) ||
				!maps.Equal(maps.Collect(s.m.Entries()), map[string]int64{"a": n, "b": 2 * n}) {
				t.Fatalf("key %d: value %d %d, sum %d, avg %v, ttl %d, list %v, map %v", i, v1, v2, sum, avg, ttlValue,
					slices.Collect(s.list.Get()), maps.Collect(s.m.Entries()))
			}
		}
		if owners != 1 {
			t.Fatalf("key %d has %d owners", i, owners)
		}
	}
}

// snapshotAll writes the snapshots of every key group of b, in order, to
// one stream, as a checkpoint of the subtask would.
func snapshotAll(t *testing.T, b *Backend[string]) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	for kg := b.groups.Start; kg <= b.groups.End; kg++ {
		if err := b.Snapshot(kg, &buf); err != nil {
			t.Fatal(err)
		}
	}
	return &buf
}

// rescale restores the streams of the old subtasks into p new backends,
// each key group into the backend whose range holds it.
func rescale(t *testing.T, old []*Backend[string], streams []*bytes.Buffer, p int, clock *fakeClock) []*Backend[string] {
	t.Helper()
	bs := make([]*Backend[string], p)
	for i := range bs {
		bs[i] = NewBackend(hashString, testMaxP, jobgraph.Range(testMaxP, p, i), clock.now)
	}
	for i, o := range old {
		for kg := o.groups.Start; kg <= o.groups.End; kg++ {
			// Wrapped, so that Restore cannot use the buffer's ReadByte.
			r := struct{ io.Reader }{streams[i]}
			if err := bs[jobgraph.OperatorIndex(kg, testMaxP, p)].Restore(kg, r); err != nil {
				t.Fatal(err)
			}
		}
		if streams[i].Len() != 0 {
			t.Fatalf("%d bytes of subtask %d's snapshots left unread", streams[i].Len(), i)
		}
	}
	return bs
}

// State snapshotted by 3 subtasks is restored into 2, then those 2 are
// snapshotted before some of their states are registered (the restored
// records are snapshotted as they are) and restored into 1.
func TestSnapshotRestoreRescaled(t *testing.T) {
	clock := newFakeClock()
	old := make([]*Backend[string], 3)
	streams := make([]*bytes.Buffer, len(old))
	for i := range old {
		old[i] = NewBackend(hashString, testMaxP, jobgraph.Range(testMaxP, len(old), i), clock.now)
		fill(t, old[i], registerStates(old[i], true).merge(registerStates(old[i], false)))
		streams[i] = snapshotAll(t, old[i])
	}

	two := rescale(t, old, streams, 2, clock)
	early := make([]*states, len(two))
	for i, b := range two {
		early[i] = registerStates(b, true)
		streams[i] = snapshotAll(t, b)
	}
	one := rescale(t, two, streams[:2], 1, clock)
	ss := []*states{registerStates(one[0], true).merge(registerStates(one[0], false))}
	check(t, one, ss)

	for i, b := range two {
		early[i].merge(registerStates(b, false))
	}
	check(t, two, early)
}

func TestRestoreErrors(t *testing.T) {
	b := newTestBackend(nil)
	s := registerStates(b, true).merge(registerStates(b, false))
	fill(t, b, s)
	kg := b.keyGroup(key(0))
	var snap bytes.Buffer
	if err := b.Snapshot(kg, &snap); err != nil {
		t.Fatal(err)
	}
	good := snap.Bytes()

	registerValue := func(b *Backend[string]) error {
		_, err := GetValueState[window](b, ValueStateDescriptor[int64]{Name: "value"})
		return err
	}
	registerList := func(b *Backend[string]) error {
		_, err := GetListState[window](b, ListStateDescriptor[int64]{Name: "value"})
		return err
	}
	all := jobgraph.KeyGroupRange{Start: 0, End: testMaxP - 1}
	other := (kg + 1) % testMaxP
	tests := []struct {
		name          string
		groups        jobgraph.KeyGroupRange
		kg            int
		data          []byte
		before, after func(*Backend[string]) error // registrations around the restore
		otherHash     bool                         // puts the snapshot's keys into other key groups
		want          string
	}{
		{"key group outside range", jobgraph.KeyGroupRange{Start: other, End: other}, kg, good, nil, nil, false, "not in this subtask's key groups"},
		{"empty", all, kg, nil, nil, nil, false, "unexpected EOF"},
		{"version", all, kg, append([]byte{9}, good[1:]...), nil, nil, false, "version"},
		{"truncated", all, kg, good[:len(good)-1], nil, nil, false, "unexpected EOF"},
		{"snapshot of another key group", all, other, good, nil, nil, false, fmt.Sprint("restore key group ", other, " from a snapshot of key group ", kg)},
		{"keys of another key group", all, kg, good, registerValue, nil, true, fmt.Sprint("not ", kg)},
		{"keys of another key group, lazily", all, kg, good, nil, registerValue, true, fmt.Sprint("not ", kg)},
		{"state of another kind", all, kg, good, registerList, nil, false, "restored a value state, registered as a list state"},
		{"state of another kind, lazily", all, kg, good, nil, registerList, false, "restored a value state, registered as a list state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash := hashString
			if tt.otherHash {
				hash = func(k string) uint64 { return hashString(k) + 1 }
			}
			b := NewBackend(hash, testMaxP, tt.groups, nil)
			if tt.before != nil {
				if err := tt.before(b); err != nil {
					t.Fatal(err)
				}
			}
			err := b.Restore(tt.kg, bytes.NewReader(tt.data))
			if err == nil && tt.after != nil {
				err = tt.after(b)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

func TestSnapshotOutsideRange(t *testing.T) {
	b := NewBackend(hashString, testMaxP, jobgraph.Range(testMaxP, 2, 0), nil)
	if err := b.Snapshot(testMaxP-1, io.Discard); err == nil {
		t.Fatal("snapshot of a key group the backend does not own")
	}
}

// A corrupt snapshot fails the restore or the registration; it never
// panics.
func FuzzRestore(f *testing.F) {
	b := newTestBackend(nil)
	fill(f, b, registerStates(b, true).merge(registerStates(b, false)))
	kg := b.keyGroup(key(0))
	var snap bytes.Buffer
	if err := b.Snapshot(kg, &snap); err != nil {
		f.Fatal(err)
	}
	f.Add(snap.Bytes(), true)
	f.Add(snap.Bytes(), false)
	f.Fuzz(func(t *testing.T, data []byte, early bool) {
		b := newTestBackend(nil)
		if early {
			registerStates(b, true)
		}
		if b.Restore(kg, bytes.NewReader(data)) != nil {
			return
		}
		for _, register := range []func() error{
			func() error {
				_, err := GetValueState[window](b, ValueStateDescriptor[int64]{Name: "value"})
				return err
			},
			func() error {
				_, err := GetMapState[VoidNamespace](b, MapStateDescriptor[string, int64]{Name: "map"})
				return err
			},
			func() error { _, err := GetAggregatingState[window](b, avgDescriptor("avg")); return err },
		} {
			_ = register()
		}
	})
}
