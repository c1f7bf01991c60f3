package jobgraph

// MaxKeyGroups is the largest max parallelism, as in Flink (2^15).
const MaxKeyGroups = 1 << 15

// DefaultMaxParallelism is Flink's default for an operator of the given
// parallelism: 1.5 × parallelism rounded up to a power of two, at least 128
// and at most MaxKeyGroups.
func DefaultMaxParallelism(parallelism int) int {
	n := parallelism + parallelism/2
	p := 1
	for p < n {
		p <<= 1
	}
	return min(max(p, 128), MaxKeyGroups)
}

// KeyGroup returns the key group of a key whose stable hash is h.
func KeyGroup(h uint64, maxParallelism int) int {
	return int(h % uint64(maxParallelism))
}

// OperatorIndex returns the subtask that owns key group kg, as Flink's
// KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup.
func OperatorIndex(kg, maxParallelism, parallelism int) int {
	return kg * parallelism / maxParallelism
}

// KeyGroupRange is the contiguous range [Start, End] of key groups one
// subtask owns.
type KeyGroupRange struct {
	Start, End int
}

// Range returns the key groups subtask index owns, as Flink's
// KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex.
func Range(maxParallelism, parallelism, index int) KeyGroupRange {
	start := (index*maxParallelism + parallelism - 1) / parallelism
	end := ((index+1)*maxParallelism - 1) / parallelism
	return KeyGroupRange{Start: start, End: end}
}

// Contains reports whether kg is in the range.
func (r KeyGroupRange) Contains(kg int) bool { return kg >= r.Start && kg <= r.End }
