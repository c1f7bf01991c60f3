package connector

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/runnel/runnel/operator"
)

// ckWriter is a checkpointing file sink writer under test.
type ckWriter struct {
	t  *testing.T
	w  operator.SinkWriter[string]
	cp operator.Checkpointed
	l  operator.CheckpointListener
}

// newCkWriter makes subtask s of p of a line file sink on dir for a job
// that checkpoints, restored from r when it is not nil, and opens it.
// Its Close runs at the end of the test, as a crashed writer's files stay
// until then.
func newCkWriter(t *testing.T, dir string, s, p int, r *operator.Restored) *ckWriter {
	t.Helper()
	ctx := testContext(s, p)
	ctx.Checkpointing = true
	w, err := NewLineFileSink(dir).NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := &ckWriter{t: t, w: w, cp: w.(operator.Checkpointed), l: w.(operator.CheckpointListener)}
	if r != nil {
		if err := c.cp.RestoreState(*r); err != nil {
			t.Fatalf("RestoreState: %v", err)
		}
	}
	if err := w.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return c
}

func (c *ckWriter) write(lines ...string) {
	c.t.Helper()
	for _, l := range lines {
		if err := c.w.Write(l); err != nil {
			c.t.Fatal(err)
		}
	}
}

func (c *ckWriter) snapshot(id int64) []byte {
	c.t.Helper()
	s, err := c.cp.SnapshotState(id)
	if err != nil {
		c.t.Fatalf("SnapshotState(%d): %v", id, err)
	}
	return s.Operator
}

func (c *ckWriter) complete(id int64) {
	c.t.Helper()
	if err := c.l.NotifyCheckpointComplete(id); err != nil {
		c.t.Fatalf("NotifyCheckpointComplete(%d): %v", id, err)
	}
}

// visibleLines is what a reader of dir sees, sorted.
func visibleLines(t *testing.T, dir string) []string {
	t.Helper()
	got := readBack(t, dir)
	slices.Sort(got)
	return got
}

func checkVisible(t *testing.T, dir string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := visibleLines(t, dir); !slices.Equal(got, want) {
		t.Errorf("visible lines %q, want %q", got, want)
	}
}

// hiddenNames lists the hidden files of dir.
func hiddenNames(t *testing.T, dir string) []string {
	t.Helper()
	var hidden []string
	for _, name := range listDir(t, dir) {
		if strings.HasPrefix(name, ".") {
			hidden = append(hidden, name)
		}
	}
	return hidden
}

func TestFileSinkTwoPhaseCommit(t *testing.T) {
	dir := t.TempDir()
	w := newCkWriter(t, dir, 2, 4, nil)
	w.write("a", "b")
	hidden := hiddenNames(t, dir)
	if len(hidden) != 1 || !regexp.MustCompile(`^\.part-2-[0-9a-f]{16}-0\.after-0\.inprogress$`).MatchString(hidden[0]) {
		t.Fatalf("while writing, dir holds %q, want one in-progress part of subtask 2", listDir(t, dir))
	}
	w.snapshot(1)
	checkVisible(t, dir) // pending: durable but hidden
	w.write("c")
	if got := hiddenNames(t, dir); len(got) != 2 || !slices.ContainsFunc(got, func(n string) bool { return strings.HasSuffix(n, "-1.after-1.inprogress") }) {
		t.Errorf("after a record past checkpoint 1, hidden files %q, want the pending part and part 1 after checkpoint 1", got)
	}
	w.complete(1)
	checkVisible(t, dir, "a", "b")
	visible := slices.DeleteFunc(listDir(t, dir), func(n string) bool { return strings.HasPrefix(n, ".") })
	if len(visible) != 1 || !regexp.MustCompile(`^part-2-[0-9a-f]{16}-0$`).MatchString(visible[0]) {
		t.Errorf("committed parts %q, want part-2-<token>-0", visible)
	}

	// An aborted checkpoint commits nothing; its part stays pending until
	// a later completion covers it.
	w.snapshot(2)
	if err := w.l.NotifyCheckpointAborted(2); err != nil {
		t.Fatal(err)
	}
	checkVisible(t, dir, "a", "b")
	w.write("d")
	w.snapshot(3)
	w.snapshot(4) // nothing written since 3: no empty part
	w.complete(4) // the notification of 3 was skipped
	checkVisible(t, dir, "a", "b", "c", "d")
	if got := hiddenNames(t, dir); len(got) != 0 {
		t.Errorf("after checkpoint 4 completed, hidden files %q remain", got)
	}
	if got := len(listDir(t, dir)); got != 3 {
		t.Errorf("%d parts, want 3 (checkpoints 1, 2, 3; none for 4)", got)
	}
}

func TestFileSinkEndInputOnlyFlushesWhenCheckpointing(t *testing.T) {
	dir := t.TempDir()
	w := newCkWriter(t, dir, 0, 1, nil)
	w.write("x", "y")
	if err := w.w.EndInput(); err != nil {
		t.Fatal(err)
	}
	checkVisible(t, dir)
	hidden := hiddenNames(t, dir)
	if len(hidden) != 1 {
		t.Fatalf("hidden files %q, want the in-progress part", hidden)
	}
	if data, err := os.ReadFile(filepath.Join(dir, hidden[0])); err != nil || string(data) != "x\ny\n" {
		t.Errorf("after EndInput the part holds %q (%v), want it flushed", data, err)
	}
	w.snapshot(9) // the final checkpoint
	w.complete(9)
	checkVisible(t, dir, "x", "y")
}

// TestFileSinkCloseKeepsPendingParts: a writer closed by a failure
// removes its in-progress part, which no checkpoint holds, and keeps its
// pending ones for a restore.
func TestFileSinkCloseKeepsPendingParts(t *testing.T) {
	dir := t.TempDir()
	w := newCkWriter(t, dir, 0, 1, nil)
	w.write("pending")
	w.snapshot(1)
	w.write("in progress")
	if err := w.w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := hiddenNames(t, dir); len(got) != 1 || !strings.Contains(got[0], ".after-0.") {
		t.Errorf("after Close, hidden files %q, want the pending part only", got)
	}
}

// TestFileSinkRestore crashes a writer with parts pending for checkpoints
// 1 and 2 and one in progress, and restores from checkpoint 1: its
// pending part is committed, the later ones removed. The restored writer
// crashes too, before any checkpoint, and the same restore runs again:
// committing twice is harmless, and its part goes as well.
func TestFileSinkRestore(t *testing.T) {
	dir := t.TempDir()
	old := newCkWriter(t, dir, 0, 1, nil)
	old.write("a", "b")
	state1 := old.snapshot(1)
	old.write("c")
	old.snapshot(2)
	old.write("d") // in progress at the crash

	restored := &operator.Restored{CheckpointID: 1, Operator: [][]byte{state1}}
	w := newCkWriter(t, dir, 0, 1, restored)
	checkVisible(t, dir, "a", "b")
	if got := hiddenNames(t, dir); len(got) != 0 {
		t.Errorf("after the restore, hidden files %q remain: parts after checkpoint 1 must go", got)
	}
	w.write("e")
	if err := w.w.EndInput(); err != nil {
		t.Fatal(err)
	}

	again := newCkWriter(t, dir, 0, 1, restored)
	checkVisible(t, dir, "a", "b")
	if got := hiddenNames(t, dir); len(got) != 0 {
		t.Errorf("after the second restore, hidden files %q remain", got)
	}
	again.write("f")
	again.snapshot(3)
	again.complete(3)
	checkVisible(t, dir, "a", "b", "f")
}

// TestFileSinkRestoreCommitsIdempotently restores from checkpoint 2 after
// checkpoint 1's completion committed one of its two pending parts.
func TestFileSinkRestoreCommitsIdempotently(t *testing.T) {
	dir := t.TempDir()
	o := newCkWriter(t, dir, 0, 1, nil)
	o.write("a")
	o.snapshot(1)
	o.write("b")
	state2 := o.snapshot(2)
	o.complete(1)
	newCkWriter(t, dir, 0, 1, &operator.Restored{CheckpointID: 2, Operator: [][]byte{state2}})
	checkVisible(t, dir, "a", "b")
}

// TestFileSinkRestoreRescaled restores three old subtasks into two: each
// old subtask's pending parts are committed once, every part written
// after the checkpoint goes, and a new subtask's restore never touches
// the part another new subtask is already writing.
func TestFileSinkRestoreRescaled(t *testing.T) {
	dir := t.TempDir()
	var states [][]byte
	var want []string
	for s := range 3 {
		w := newCkWriter(t, dir, s, 3, nil)
		line := func(what string) string { return what + " of " + string(rune('0'+s)) }
		w.write(line("committed"))
		w.snapshot(1)
		w.complete(1)
		w.write(line("pending"))
		states = append(states, w.snapshot(2))
		w.write(line("after"))
		want = append(want, line("committed"), line("pending"))
	}
	restored := &operator.Restored{CheckpointID: 2, Operator: states}
	first := newCkWriter(t, dir, 0, 2, restored)
	first.write("new of 0") // in progress while subtask 1 restores
	second := newCkWriter(t, dir, 1, 2, restored)
	second.write("new of 1")
	checkVisible(t, dir, want...)
	first.snapshot(3)
	second.snapshot(3)
	first.complete(3)
	second.complete(3)
	checkVisible(t, dir, append(want, "new of 0", "new of 1")...)
	if got := hiddenNames(t, dir); len(got) != 0 {
		t.Errorf("hidden files %q remain", got)
	}
}

func TestFileSinkRestoreOfLostPartFails(t *testing.T) {
	dir := t.TempDir()
	w := newCkWriter(t, dir, 0, 1, nil)
	w.write("a")
	state := w.snapshot(1)
	for _, name := range hiddenNames(t, dir) {
		os.Remove(filepath.Join(dir, name))
	}
	ctx := testContext(0, 1)
	ctx.Checkpointing = true
	nw, err := NewLineFileSink(dir).NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = nw.(operator.Checkpointed).RestoreState(operator.Restored{CheckpointID: 1, Operator: [][]byte{state}})
	if err == nil || !strings.Contains(err.Error(), "lost") {
		t.Errorf("RestoreState = %v, want an error: the pending part is lost", err)
	}
}

func TestFileSinkRestoreRejectsCorruptState(t *testing.T) {
	dir := t.TempDir()
	ctx := testContext(0, 1)
	ctx.Checkpointing = true
	bad := func(p pendingName) []byte {
		b, err := MarshalState(fileSinkStateVersion, fileSinkState{Pending: []pendingName{p}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, b := range map[string][]byte{
		"wrong version":   {fileSinkStateVersion + 1},
		"not msgpack":     {fileSinkStateVersion, 0xc1},
		"leaves folder":   bad(pendingName{Checkpoint: 1, Name: ".x", Final: "../x"}),
		"visible pending": bad(pendingName{Checkpoint: 1, Name: "x", Final: "y"}),
		"hidden final":    bad(pendingName{Checkpoint: 1, Name: ".x", Final: "_y"}),
		"later pending":   bad(pendingName{Checkpoint: 8, Name: ".x", Final: "y"}),
	} {
		w, err := NewLineFileSink(dir).NewWriter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = w.(operator.Checkpointed).RestoreState(operator.Restored{CheckpointID: 7, Operator: [][]byte{b}})
		if err == nil {
			t.Errorf("%s: RestoreState accepted it", name)
		}
	}
}

func TestFileSinkSnapshotRules(t *testing.T) {
	dir := t.TempDir()
	w := newCkWriter(t, dir, 0, 1, nil)
	w.snapshot(5)
	if _, err := w.cp.SnapshotState(5); err == nil {
		t.Error("a second snapshot for checkpoint 5 was accepted")
	}
	off, err := NewLineFileSink(dir).NewWriter(testContext(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := off.(operator.Checkpointed).SnapshotState(1); err == nil {
		t.Error("a writer of a job without checkpoints took a snapshot")
	}
}
