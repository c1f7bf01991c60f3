package scheduler

import (
	"fmt"
	"slices"
	"testing"

	"github.com/runnel/runnel/jobgraph"
)

var partitioners = []jobgraph.Partitioner{
	jobgraph.Forward, jobgraph.Rebalance, jobgraph.Rescale,
	jobgraph.Shuffle, jobgraph.Broadcast, jobgraph.Hash,
}

func TestChannels(t *testing.T) {
	tests := []struct {
		name                       string
		part                       jobgraph.Partitioner
		sender, senders, receivers int
		want                       []int
	}{
		{"forward sends to the same index", jobgraph.Forward, 2, 4, 4, []int{2}},
		{"rebalance sends to all", jobgraph.Rebalance, 0, 2, 3, []int{0, 1, 2}},
		{"shuffle sends to all", jobgraph.Shuffle, 1, 2, 3, []int{0, 1, 2}},
		{"broadcast sends to all", jobgraph.Broadcast, 1, 4, 2, []int{0, 1}},
		{"hash sends to all", jobgraph.Hash, 3, 4, 1, []int{0}},
		{"rescale at equal parallelism is one to one", jobgraph.Rescale, 1, 3, 3, []int{1}},
		{"rescale fans out evenly", jobgraph.Rescale, 1, 2, 4, []int{2, 3}},
		{"rescale fans out unevenly, first sender widest", jobgraph.Rescale, 0, 3, 4, []int{0, 1}},
		{"rescale fans out unevenly, last sender", jobgraph.Rescale, 2, 3, 4, []int{3}},
		{"rescale fans in", jobgraph.Rescale, 3, 4, 2, []int{1}},
		{"rescale fans in unevenly", jobgraph.Rescale, 1, 3, 2, []int{1}},
		{"sender out of range", jobgraph.Rebalance, 2, 2, 2, nil},
		{"negative sender", jobgraph.Forward, -1, 2, 2, nil},
		{"no receivers", jobgraph.Hash, 0, 1, 0, nil},
		{"unknown partitioner", jobgraph.Partitioner(99), 0, 1, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Channels(tt.part, tt.sender, tt.senders, tt.receivers); !slices.Equal(got, tt.want) {
				t.Errorf("Channels(%s, %d, %d, %d) = %v, want %v", tt.part, tt.sender, tt.senders, tt.receivers, got, tt.want)
			}
		})
	}
}

func TestSenders(t *testing.T) {
	tests := []struct {
		name                         string
		part                         jobgraph.Partitioner
		receiver, senders, receivers int
		want                         []int
	}{
		{"forward receives from the same index", jobgraph.Forward, 2, 4, 4, []int{2}},
		{"hash receives from all", jobgraph.Hash, 0, 3, 2, []int{0, 1, 2}},
		{"rescale fans in evenly", jobgraph.Rescale, 1, 4, 2, []int{2, 3}},
		{"rescale fans in unevenly", jobgraph.Rescale, 1, 3, 2, []int{1, 2}},
		{"rescale fans out", jobgraph.Rescale, 3, 2, 4, []int{1}},
		{"receiver out of range", jobgraph.Broadcast, 2, 2, 2, nil},
		{"unknown partitioner", jobgraph.Partitioner(99), 0, 1, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Senders(tt.part, tt.receiver, tt.senders, tt.receivers); !slices.Equal(got, tt.want) {
				t.Errorf("Senders(%s, %d, %d, %d) = %v, want %v", tt.part, tt.receiver, tt.senders, tt.receivers, got, tt.want)
			}
		})
	}
}

// TestChannelsSendersConsistent: receiver r is in Channels(s) iff s is in
// Senders(r), so a receiver waits for exactly the senders that write to it.
// Every subtask also talks to at least one peer, in ascending order.
func TestChannelsSendersConsistent(t *testing.T) {
	for _, part := range partitioners {
		for s := 1; s <= 8; s++ {
			for r := 1; r <= 8; r++ {
				t.Run(fmt.Sprintf("%s/%dto%d", part, s, r), func(t *testing.T) {
					in := make([][]int, r)
					for i := range s {
						ch := Channels(part, i, s, r)
						if len(ch) == 0 || !slices.IsSorted(ch) {
							t.Errorf("Channels(%d) = %v, want a non-empty ascending list", i, ch)
						}
						for _, j := range ch {
							if j < 0 || j >= r {
								t.Fatalf("Channels(%d) = %v, out of range", i, ch)
							}
							in[j] = append(in[j], i)
						}
					}
					for j := range r {
						if got := Senders(part, j, s, r); !slices.Equal(got, in[j]) {
							t.Errorf("Senders(%d) = %v, but senders %v list it in Channels", j, got, in[j])
						}
					}
				})
			}
		}
	}
}

// TestPointwiseMatchesFlink compares with a direct transcription of
// Flink's EdgeManagerBuildUtil.connectPointwise, so that rescale and
// forward wire subtasks exactly as Flink does.
func TestPointwiseMatchesFlink(t *testing.T) {
	for s := 1; s <= 16; s++ {
		for r := 1; r <= 16; r++ {
			want := make([][]int, s) // sender -> receivers
			switch {
			case s == r:
				for i := range s {
					want[i] = []int{i}
				}
			case s > r:
				for j := range r {
					for i := j * s / r; i < (j+1)*s/r; i++ {
						want[i] = append(want[i], j)
					}
				}
			default:
				for i := range s {
					for j := (i*r + s - 1) / s; j < ((i+1)*r+s-1)/s; j++ {
						want[i] = append(want[i], j)
					}
				}
			}
			for _, part := range []jobgraph.Partitioner{jobgraph.Forward, jobgraph.Rescale} {
				for i := range s {
					if got := Channels(part, i, s, r); !slices.Equal(got, want[i]) {
						t.Errorf("%s %d->%d: Channels(%d) = %v, Flink wires %v", part, s, r, i, got, want[i])
					}
				}
			}
		}
	}
}
