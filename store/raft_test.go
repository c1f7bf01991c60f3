package store

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

func TestOpenRaftPersists(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenRaft(dir, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	if has, err := s.HasState(); err != nil || has {
		t.Fatalf("fresh store: HasState = %v, %v; want false", has, err)
	}
	if err := s.Log.StoreLog(&raft.Log{Index: 1, Term: 1, Type: raft.LogCommand, Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Stable.SetUint64([]byte("CurrentTerm"), 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = OpenRaft(dir, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if has, err := s.HasState(); err != nil || !has {
		t.Fatalf("reopened store: HasState = %v, %v; want true", has, err)
	}
	var l raft.Log
	if err := s.Log.GetLog(1, &l); err != nil || string(l.Data) != "x" {
		t.Fatalf("GetLog(1) = %q, %v", l.Data, err)
	}
}

func TestOpenRaftLockedDataDir(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenRaft(dir, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = OpenRaft(dir, hclog.NewNullLogger())
	if err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("second open: err = %v; want a locked error", err)
	}
}
