package timer

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
)

// registration is a timer as the rescaling test registered it: its
// domain and its place in the registration order.
type registration struct {
	t    tm
	proc bool
	seq  int
}

func (r registration) keyGroup(maxP int) int { return jobgraph.KeyGroup(hashString(r.t.Key), maxP) }

// fillTimers registers in s, in order, the timers of keys s owns: two
// namespaces, times that collide within and across key groups, and
// duplicates. It returns what was registered, without the duplicates.
func fillTimers(s *Service[string, window], seq *int) []registration {
	var out []registration
	add := func(t tm, proc bool) {
		for _, r := range out {
			if r.t == t && r.proc == proc {
				return
			}
		}
		out = append(out, registration{t: t, proc: proc, seq: *seq})
		*seq++
	}
	for i := range 300 {
		k := fmt.Sprint("key-", i)
		if !s.groups.Contains(jobgraph.KeyGroup(hashString(k), s.maxP)) {
			continue
		}
		for _, t := range []tm{
			{int64(i % 40), k, window{0, 10}},
			{int64(i%40) + 100, k, window{10, 20}},
			{int64(i % 40), k, window{0, 10}}, // a duplicate
			{int64(i % 3), k, window{10, 20}}, // fires before the snapshot
		} {
			s.RegisterEventTimeTimer(t.Key, t.Namespace, t.Time)
			add(t, false)
		}
		p := tm{int64(1000 + i%7), k, window{}}
		s.RegisterProcessingTimeTimer(p.Key, p.Namespace, p.Time)
		add(p, true)
	}
	return out
}

// drain fires every timer of s, event time first.
func drain(t *testing.T, s *Service[string, window]) (event, proc []tm) {
	t.Helper()
	noErr(t, s, s.AdvanceWatermark(math.MaxInt64, collect(&event)))
	noErr(t, s, s.AdvanceProcessingTime(math.MaxInt64, collect(&proc)))
	return event, proc
}

// TestSnapshotRescale snapshots three subtasks' timers per key group and
// restores them into two, as rescaling from parallelism 3 to 2 does:
// every timer not fired before the snapshot fires once after, in the
// subtask that owns its key now, in time order and, among equal times,
// by key group and then registration order.
func TestSnapshotRescale(t *testing.T) {
	const maxP = 64
	snapshots := make(map[int][]byte)
	var regs []registration
	seq := 0
	for i := range 3 {
		s := NewService[string, window](hashString, maxP, jobgraph.Range(maxP, 3, i))
		regs = append(regs, fillTimers(s, &seq)...)
		var fired []tm
		noErr(t, s, s.AdvanceWatermark(2, collect(&fired)))
		if len(fired) == 0 {
			t.Fatal("nothing fired before the snapshot")
		}
		event, proc := s.NumEventTimeTimers(), s.NumProcessingTimeTimers()
		for kg := s.groups.Start; kg <= s.groups.End; kg++ {
			var buf bytes.Buffer
			if err := s.Snapshot(kg, &buf); err != nil {
				t.Fatal(err)
			}
			snapshots[kg] = buf.Bytes()
		}
		if s.NumEventTimeTimers() != event || s.NumProcessingTimeTimers() != proc {
			t.Fatal("a snapshot changed the timers")
		}
	}
	regs = slices.DeleteFunc(regs, func(r registration) bool { return !r.proc && r.t.Time <= 2 })

	for i := range 2 {
		s := NewService[string, window](hashString, maxP, jobgraph.Range(maxP, 2, i))
		// One stream of all its key groups, read through a reader that
		// cannot read bytes one by one: each restore must stop at the end
		// of its snapshot.
		var stream bytes.Buffer
		for kg := s.groups.Start; kg <= s.groups.End; kg++ {
			stream.Write(snapshots[kg])
		}
		r := struct{ io.Reader }{&stream}
		for kg := s.groups.Start; kg <= s.groups.End; kg++ {
			if err := s.Restore(kg, r); err != nil {
				t.Fatal(err)
			}
		}
		if stream.Len() != 0 {
			t.Fatalf("%d bytes left unread", stream.Len())
		}
		if s.CurrentWatermark() != math.MinInt64 {
			t.Fatal("the watermark was restored")
		}
		if next, ok := s.NextProcessingTime(); !ok || next < 1000 || next > 1006 {
			t.Fatalf("next processing time %d %v", next, ok)
		}
		var want []registration
		for _, r := range regs {
			if s.groups.Contains(r.keyGroup(maxP)) {
				want = append(want, r)
			}
		}
		slices.SortFunc(want, func(a, b registration) int {
			return cmp.Or(cmp.Compare(a.t.Time, b.t.Time), cmp.Compare(a.keyGroup(maxP), b.keyGroup(maxP)), cmp.Compare(a.seq, b.seq))
		})
		var wantEvent, wantProc []tm
		for _, r := range want {
			if r.proc {
				wantProc = append(wantProc, r.t)
			} else {
				wantEvent = append(wantEvent, r.t)
			}
		}
		event, proc := drain(t, s)
		if !slices.Equal(event, wantEvent) || !slices.Equal(proc, wantProc) {
			t.Fatalf("subtask %d fired\n%v\n%v\nwant\n%v\n%v", i, event, proc, wantEvent, wantProc)
		}
		regs = slices.DeleteFunc(regs, func(r registration) bool { return s.groups.Contains(r.keyGroup(maxP)) })
	}
	if len(regs) != 0 {
		t.Fatalf("%d timers without a subtask", len(regs))
	}
}

func TestSnapshotDeterministicRestoreIdempotent(t *testing.T) {
	s := newTestService()
	seq := 0
	fillTimers(s, &seq)
	var kg, most int
	for g := range testMaxP {
		if n := len(s.event.inGroup(g, s.group, testMaxP)) + len(s.proc.inGroup(g, s.group, testMaxP)); n > most {
			kg, most = g, n
		}
	}
	var a, b bytes.Buffer
	if err := s.Snapshot(kg, &a); err != nil {
		t.Fatal(err)
	}
	if err := s.Snapshot(kg, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two snapshots of the same timers differ")
	}
	r := newTestService()
	for range 2 {
		if err := r.Restore(kg, bytes.NewReader(a.Bytes())); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.NumEventTimeTimers() + r.NumProcessingTimeTimers(); n != most {
		t.Fatalf("%d timers after restoring the same snapshot twice, want %d", n, most)
	}
	var c bytes.Buffer
	if err := r.Snapshot(kg, &c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("the snapshot of a restored key group differs")
	}
	// An empty key group still writes its header and counts.
	var empty bytes.Buffer
	e := newTestService()
	if err := e.Snapshot(3, &empty); err != nil || !bytes.Equal(empty.Bytes(), []byte{snapshotVersion, 3, 0, 0}) {
		t.Fatalf("empty snapshot %v, %v", empty.Bytes(), err)
	}
	if err := e.Restore(3, &empty); err != nil || e.NumEventTimeTimers() != 0 {
		t.Fatal(err)
	}
}

func TestRestoreErrors(t *testing.T) {
	s := newTestService()
	k := "key-1"
	kg := jobgraph.KeyGroup(hashString(k), testMaxP)
	s.RegisterEventTimeTimer(k, window{0, 10}, 9)
	s.RegisterProcessingTimeTimer(k, window{0, 10}, 9)
	var buf bytes.Buffer
	if err := s.Snapshot(kg, &buf); err != nil {
		t.Fatal(err)
	}
	snap := buf.Bytes()
	other := (kg + 1) % testMaxP

	half := NewService[string, window](hashString, testMaxP, jobgraph.Range(testMaxP, 2, 1))
	if err := half.Snapshot(0, io.Discard); err == nil {
		t.Error("snapshot of a key group outside the range")
	}
	if err := half.Restore(0, bytes.NewReader(snap)); err == nil {
		t.Error("restore of a key group outside the range")
	}

	wrongVersion := slices.Clone(snap)
	wrongVersion[0] = 9
	movedKey := slices.Clone(snap)
	movedKey[1] = byte(other) // the header claims a group the key is not in
	hugeLength := binary.AppendUvarint([]byte{snapshotVersion, byte(kg), 1, 0}, 1<<50)
	for _, c := range []struct {
		name string
		kg   int
		data []byte
		want string
	}{
		{"another key group", other, snap, fmt.Sprintf("snapshot of key group %d", kg)},
		{"version", kg, wrongVersion, "version 9"},
		{"key of another group", other, movedKey, fmt.Sprintf("of key group %d", kg)},
		{"huge length", kg, append(hugeLength, "abc"...), io.ErrUnexpectedEOF.Error()},
		{"corrupt key", kg, []byte{snapshotVersion, byte(kg), 1, 0, 1, 0xc1, 0}, "decode"},
	} {
		err := newTestService().Restore(c.kg, bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	for n := range len(snap) {
		err := newTestService().Restore(kg, bytes.NewReader(snap[:n]))
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("restore of %d of %d bytes: %v", n, len(snap), err)
		}
	}
}
