package connector

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/operator"
)

// runStage runs the p readers of a source, restored from restored when it
// is not nil, polling subtask s polls(s) times (to the end when
// negative), and then snapshots each for checkpoint id. It returns the
// records they emitted and the snapshots, by subtask.
func runStage[T any](t *testing.T, source operator.Source[T], p int, restored *operator.Restored, id int64, polls func(s int) int) ([][]T, [][]byte) {
	t.Helper()
	emitted := make([][]T, p)
	snaps := make([][]byte, p)
	for s := range p {
		ctx := testContext(s, p)
		r, err := source.NewReader(ctx)
		if err != nil {
			t.Fatalf("subtask %d: NewReader: %v", s, err)
		}
		cp := r.(operator.Checkpointed)
		if restored != nil {
			if err := cp.RestoreState(*restored); err != nil {
				t.Fatalf("subtask %d: RestoreState: %v", s, err)
			}
		}
		if err := r.Open(ctx); err != nil {
			t.Fatalf("subtask %d: Open: %v", s, err)
		}
		c := &sliceCollector[T]{}
		n := polls(s)
		for k := 0; n < 0 || k < n; k++ {
			status, err := r.PollNext(c)
			if err != nil {
				t.Fatalf("subtask %d: PollNext: %v", s, err)
			}
			if status == operator.EndOfInput {
				break
			}
			if k > maxPolls {
				t.Fatalf("subtask %d: no end of input after %d polls", s, maxPolls)
			}
		}
		snap, err := cp.SnapshotState(id)
		if err != nil {
			t.Fatalf("subtask %d: SnapshotState: %v", s, err)
		}
		if err := r.Close(); err != nil {
			t.Fatalf("subtask %d: Close: %v", s, err)
		}
		emitted[s], snaps[s] = c.records, snap.Operator
	}
	return emitted, snaps
}

// rescaleStages are the parallelisms a job runs at, one after the other,
// each restored from the last one's checkpoint: the same parallelism,
// up, down, and several changes in a row.
var rescaleStages = [][]int{{1, 1}, {3, 3}, {3, 2}, {2, 3}, {1, 4}, {4, 1}, {3, 5, 2, 1}, {2, 7, 7, 3}}

// testRescaleExactlyOnce runs a bounded source through stages, each
// stopping its subtasks after a few polls (a different number per
// subtask, none for some) and restoring the next from their snapshots;
// the last stage reads to the end. Every record must come out exactly
// once over all stages: a restored reader resumes right after the last
// record emitted before the snapshot, whatever the parallelism.
func testRescaleExactlyOnce[T comparable](t *testing.T, newSource func() operator.Source[T], want []T) {
	t.Helper()
	for _, stages := range rescaleStages {
		t.Run(fmt.Sprint(stages), func(t *testing.T) {
			var all [][]T
			var restored *operator.Restored
			for i, p := range stages {
				polls := func(s int) int { return (s + i) % 3 }
				if i == len(stages)-1 {
					polls = func(int) int { return -1 }
				}
				id := int64(i + 1)
				emitted, snaps := runStage(t, newSource(), p, restored, id, polls)
				all = append(all, emitted...)
				restored = &operator.Restored{CheckpointID: id, Operator: snaps}
			}
			checkSameRecords(t, all, want)
		})
	}
}

func TestSequenceSourceRescaleExactlyOnce(t *testing.T) {
	testRescaleExactlyOnce(t, func() operator.Source[int64] { return NewSequenceSource(-20, 9999) }, int64Range(-20, 9999))
}

func TestDataGenRescaleExactlyOnce(t *testing.T) {
	var want []int64
	for i := range int64(12345) {
		want = append(want, square(i))
	}
	testRescaleExactlyOnce(t, func() operator.Source[int64] { return NewDataGen(12345, 0, square) }, want)
}

func TestFileSourceRescaleExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for f := range 4 {
		var b strings.Builder
		for i := range 2000 * f {
			line := fmt.Sprintf("file %d line %d", f, i)
			b.WriteString(line + "\n")
			want = append(want, line)
		}
		writeFile(t, filepath.Join(dir, fmt.Sprintf("in-%d.txt", f)), b.String())
	}
	// Small splits, so that readers stop inside splits and hold several.
	testRescaleExactlyOnce(t, func() operator.Source[string] {
		return &fileSource{path: dir, minSplitSize: 4096, maxLineLen: 1 << 20}
	}, want)
}

// TestFileSourceResumesAtNextLine checks the offset itself: a reader
// restored from a snapshot taken after a poll emits, first, the line
// after the last one emitted.
func TestFileSourceResumesAtNextLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "line %d\r\n", i)
	}
	writeFile(t, path, b.String())
	source := NewFileSource(path)
	emitted, snaps := runStage(t, source, 1, nil, 1, func(int) int { return 1 })
	last := emitted[0][len(emitted[0])-1]
	restored := &operator.Restored{CheckpointID: 1, Operator: snaps}
	next, _ := runStage(t, source, 1, restored, 2, func(int) int { return 1 })
	var n int
	fmt.Sscanf(last, "line %d", &n)
	if want := fmt.Sprintf("line %d", n+1); next[0][0] != want {
		t.Errorf("after %q the restored reader emitted %q first, want %q", last, next[0][0], want)
	}
}

// TestDataGenUnboundedRescale restores an unbounded generator at a
// higher parallelism: the new subtasks share the remaining indices
// without repeating any, and each subtask's indices ascend.
func TestDataGenUnboundedRescale(t *testing.T) {
	identity := func(i int64) int64 { return i }
	source := NewDataGen(-1, 0, identity)
	before, snaps := runStage(t, source, 2, nil, 1, func(s int) int { return s + 1 })
	after, _ := runStage(t, source, 5, &operator.Restored{CheckpointID: 1, Operator: snaps}, 2, func(int) int { return 2 })
	seen := map[int64]bool{}
	for _, records := range append(before, after...) {
		if !slices.IsSorted(records) {
			t.Errorf("a subtask's indices do not ascend: %v...", records[:min(10, len(records))])
		}
		for _, i := range records {
			if seen[i] {
				t.Fatalf("index %d generated twice", i)
			}
			seen[i] = true
		}
	}
	for s, records := range after {
		if len(records) != 2*maxBatchRecords {
			t.Errorf("restored subtask %d generated %d records in two polls, want %d", s, len(records), 2*maxBatchRecords)
		}
	}
	// Everything below the smallest index still to come was generated.
	lowest := int64(-1)
	for _, records := range after {
		if lowest < 0 || records[0] < lowest {
			lowest = records[0]
		}
	}
	for i := range lowest {
		if !seen[i] {
			t.Fatalf("index %d skipped", i)
		}
	}
}

// TestSplitProgressions: the pieces generate the same indices as what
// was cut, and a cut that would overflow int64 is not made.
func TestSplitProgressions(t *testing.T) {
	below := func(ps []progression, n int64) []int64 {
		var out []int64
		for _, p := range ps {
			for i := p.Next; i < n; i += p.Step {
				out = append(out, i)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, tt := range []struct {
		all        []progression
		p          int
		wantPieces int
	}{
		{[]progression{{Next: 3, Step: 2}}, 4, 4},
		{[]progression{{Next: 0, Step: 3}, {Next: 7, Step: 3}}, 5, 6},
		{[]progression{{Next: 0, Step: 3}, {Next: 1, Step: 3}, {Next: 2, Step: 3}}, 2, 3},
	} {
		pieces := splitProgressions(tt.all, tt.p)
		if len(pieces) != tt.wantPieces {
			t.Errorf("%v over %d subtasks: %d pieces, want %d", tt.all, tt.p, len(pieces), tt.wantPieces)
		}
		if got, want := below(pieces, 1000), below(tt.all, 1000); !slices.Equal(got, want) {
			t.Errorf("%v over %d subtasks: pieces %v generate other indices", tt.all, tt.p, pieces)
		}
	}
	huge := []progression{{Next: math.MaxInt64 - 5, Step: 1 << 40}}
	if got := splitProgressions(huge, 4); !slices.Equal(got, huge) {
		t.Errorf("a cut that overflows was made: %v", got)
	}
}

// corruptStates are states every source must refuse with an error.
func corruptStates(t *testing.T, version byte, invalid any) map[string][]byte {
	t.Helper()
	bad, err := MarshalState(version, invalid)
	if err != nil {
		t.Fatal(err)
	}
	good, err := MarshalState(version, struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"wrong version":  {version + 1, 0x80},
		"not msgpack":    {version, 0xc1},
		"truncated":      bad[:len(bad)-1],
		"trailing bytes": append(good, 0),
		"invalid values": bad,
	}
}

func TestSourceRestoreRejectsCorruptState(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in.txt"), "a\nb\n")
	for _, tt := range []struct {
		name    string
		reader  func() operator.Checkpointed
		version byte
		invalid any
	}{
		{"sequence", func() operator.Checkpointed { return newTestReader(t, NewSequenceSource(1, 10)) },
			sequenceStateVersion, sequenceState{Ranges: []seqRange{{First: 5, Last: 4}}}},
		{"datagen", func() operator.Checkpointed { return newTestReader(t, NewDataGen(10, 0, square)) },
			dataGenStateVersion, dataGenState{Progressions: []progression{{Next: 1, Step: 0}}}},
		{"file", func() operator.Checkpointed { return newTestReader(t, NewFileSource(dir)) },
			fileSourceStateVersion, fileSourceState{Splits: []splitPosition{{Path: "in.txt", Start: 4, End: 8, Pos: 2}}}},
	} {
		for name, b := range corruptStates(t, tt.version, tt.invalid) {
			// The corrupt state sits beside a good one of another subtask.
			good, err := tt.reader().SnapshotState(1)
			if err != nil {
				t.Fatal(err)
			}
			err = tt.reader().RestoreState(operator.Restored{CheckpointID: 1, Operator: [][]byte{good.Operator, b}})
			if err == nil || !strings.Contains(err.Error(), "old subtask 1") {
				t.Errorf("%s, %s: RestoreState = %v, want an error naming old subtask 1", tt.name, name, err)
			}
		}
		// Random bytes never panic.
		rng := rand.New(rand.NewPCG(1, 2))
		for range 2000 {
			b := make([]byte, 1+rng.IntN(40))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			b[0] = tt.version
			_ = tt.reader().RestoreState(operator.Restored{CheckpointID: 1, Operator: [][]byte{b}})
		}
	}
}

func newTestReader[T any](t *testing.T, source operator.Source[T]) operator.Checkpointed {
	t.Helper()
	r, err := source.NewReader(testContext(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	return r.(operator.Checkpointed)
}

// TestSourceRestoreOfFinishedSubtasks: an old subtask without state (it
// had finished) leaves nothing to read, and the others' positions still
// count.
func TestSourceRestoreOfFinishedSubtasks(t *testing.T) {
	source := NewSequenceSource(1, 100)
	_, snaps := runStage(t, source, 2, nil, 1, func(int) int { return 0 })
	snaps[0] = nil
	got, _ := runStage(t, source, 3, &operator.Restored{CheckpointID: 1, Operator: snaps}, 2, func(int) int { return -1 })
	checkSameRecords(t, got, int64Range(51, 100))
}
