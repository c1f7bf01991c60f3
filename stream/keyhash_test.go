package stream

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/runnel/runnel/jobgraph"
)

func TestKeyHashStable(t *testing.T) {
	// Pinned (and checked against an independent FNV-1a + fmix64): a
	// change here moves keys to other key groups, breaking state kept by
	// an older version.
	for _, tt := range []struct {
		name      string
		got, want uint64
	}{
		{"string", KeyHash("hello"), 0xe9c562c0fdb23244},
		{"int", KeyHash(42), 0x641dede4f0973e8c},
		{"bool", KeyHash(true), 0x0d7cea42b5057e4c},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: KeyHash = %#x, want %#x", tt.name, tt.got, tt.want)
		}
	}
}

type word string
type small int8

func TestKeyHashCanonical(t *testing.T) {
	if KeyHash(word("a")) != KeyHash("a") {
		t.Error("named string type hashes differently")
	}
	if h := KeyHash(int64(7)); KeyHash(7) != h || KeyHash(int32(7)) != h || KeyHash(uint8(7)) != h || KeyHash(small(7)) != h || KeyHash(uint64(7)) != h {
		t.Error("integers of one value hash differently by width")
	}
	if KeyHash(math.Copysign(0, -1)) != KeyHash(0.0) || KeyHash(float32(math.Copysign(0, -1))) != KeyHash(float32(0)) {
		t.Error("-0 and +0 are equal keys but hash differently")
	}
	if KeyHash(true) == KeyHash(false) || KeyHash("a") == KeyHash("b") || KeyHash(1.5) == KeyHash(2.5) {
		t.Error("different keys collide")
	}
	type pair struct {
		A string
		B int
	}
	if KeyHash(pair{"a", 1}) != KeyHash(pair{"a", 1}) || KeyHash(pair{"a", 1}) == KeyHash(pair{"a", 2}) {
		t.Error("struct keys")
	}
	var iface any = "x"
	if KeyHash(iface) != KeyHash[any]("x") {
		t.Error("interface keys")
	}
}

func TestKeyHashUnencodablePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "cannot hash key of type chan int") {
			t.Errorf("recovered %v", r)
		}
	}()
	KeyHash(make(chan int))
}

// Key groups are the hash modulo a power of two, so the low bits must be
// spread for strings and for sequential integers alike.
func TestKeyHashSpreadsOverKeyGroups(t *testing.T) {
	const groups, keys = 128, 12800
	for name, hash := range map[string]func(i int) uint64{
		"strings":  func(i int) uint64 { return KeyHash(fmt.Sprintf("key-%d", i)) },
		"integers": func(i int) uint64 { return KeyHash(i) },
	} {
		count := make([]int, groups)
		for i := range keys {
			count[jobgraph.KeyGroup(hash(i), groups)]++
		}
		for g, n := range count {
			if n < 50 || n > 150 { // mean 100
				t.Errorf("%s: key group %d has %d keys", name, g, n)
			}
		}
	}
}

func TestKeyHashDoesNotAllocate(t *testing.T) {
	s, w := "some key", word("w")
	if n := testing.AllocsPerRun(100, func() { KeyHash(s); KeyHash(w); KeyHash(12345); KeyHash(2.5) }); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}
