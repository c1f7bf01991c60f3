package jobgraph

import (
	"fmt"
	"testing"
)

func TestDefaultMaxParallelism(t *testing.T) {
	tests := []struct {
		name        string
		parallelism int
		want        int
	}{
		{"floor of 128 for parallelism 1", 1, 128},
		{"85 rounds 127 up to the floor", 85, 128},
		{"86 needs 129, rounds to 256", 86, 256},
		{"100 needs 150, rounds to 256", 100, 256},
		{"150 needs 225, rounds to 256", 150, 256},
		{"171 needs exactly 256", 171, 256},
		{"172 needs 258, rounds to 512", 172, 512},
		{"10000 needs 15000, rounds to 16384", 10000, 16384},
		{"21845 needs 32767, rounds to the cap", 21845, MaxKeyGroups},
		{"30000 is capped at 32768", 30000, MaxKeyGroups},
		{"MaxKeyGroups is capped", MaxKeyGroups, MaxKeyGroups},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultMaxParallelism(tt.parallelism); got != tt.want {
				t.Errorf("DefaultMaxParallelism(%d) = %d, want %d", tt.parallelism, got, tt.want)
			}
		})
	}
}

// TestKeyGroupRanges: the subtasks' ranges partition the key groups, and
// OperatorIndex routes each key group to the subtask whose range holds
// it. If they disagreed, a record would reach a subtask that has no state
// for its key.
func TestKeyGroupRanges(t *testing.T) {
	for _, maxP := range []int{1, 7, 128, 1000, MaxKeyGroups} {
		for p := 1; p <= min(maxP, 64); p++ {
			t.Run(fmt.Sprintf("max%d/p%d", maxP, p), func(t *testing.T) {
				owner := make([]int, maxP)
				for i := range owner {
					owner[i] = -1
				}
				for i := range p {
					r := Range(maxP, p, i)
					if r.Start > r.End {
						t.Errorf("subtask %d owns no key group: %+v", i, r)
					}
					if r.Start < 0 || r.End >= maxP {
						t.Fatalf("subtask %d range %+v outside [0, %d)", i, r, maxP)
					}
					for kg := r.Start; kg <= r.End; kg++ {
						if owner[kg] >= 0 {
							t.Fatalf("key group %d in ranges of subtasks %d and %d", kg, owner[kg], i)
						}
						owner[kg] = i
						if !r.Contains(kg) {
							t.Fatalf("range %+v does not contain %d", r, kg)
						}
					}
				}
				for kg, i := range owner {
					if i < 0 {
						t.Fatalf("key group %d in no range", kg)
					}
					if got := OperatorIndex(kg, maxP, p); got != i {
						t.Fatalf("OperatorIndex(%d) = %d, but subtask %d's range holds it", kg, got, i)
					}
				}
			})
		}
	}
}

func TestKeyGroup(t *testing.T) {
	tests := []struct {
		name string
		hash uint64
		maxP int
		want int
	}{
		{"zero hash", 0, 128, 0},
		{"below max", 127, 128, 127},
		{"wraps at max", 128, 128, 0},
		{"top bit set stays non-negative", 1 << 63, 1000, int((1 << 63) % 1000)},
		{"max uint64", ^uint64(0), 7, int(^uint64(0) % 7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KeyGroup(tt.hash, tt.maxP); got != tt.want {
				t.Errorf("KeyGroup(%d, %d) = %d, want %d", tt.hash, tt.maxP, got, tt.want)
			}
		})
	}
}

func TestRangeContains(t *testing.T) {
	r := KeyGroupRange{Start: 3, End: 5}
	for kg, want := range map[int]bool{2: false, 3: true, 5: true, 6: false} {
		if got := r.Contains(kg); got != want {
			t.Errorf("%+v.Contains(%d) = %v, want %v", r, kg, got, want)
		}
	}
}
