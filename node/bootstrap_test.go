package node

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/runnel/runnel/coordinator"
)

func gossipPeer(name string, expect int, st coordinator.MemberState) peer {
	return peer{Name: name, State: st, meta: meta{RPC: name + ":6123", BootstrapExpect: expect}}
}

func TestBootstrapServers(t *testing.T) {
	alive := coordinator.StateAlive
	cases := []struct {
		name    string
		expect  int
		peers   []peer
		want    []string
		wantErr string
	}{
		{
			name:    "too few nodes",
			expect:  3,
			peers:   []peer{gossipPeer("n1", 3, alive), gossipPeer("n2", 3, alive)},
			wantErr: "waiting for more nodes: 2 of 3",
		},
		{
			name:   "enough nodes, sorted by name",
			expect: 3,
			peers:  []peer{gossipPeer("n3", 3, alive), gossipPeer("n1", 3, alive), gossipPeer("n2", 3, alive)},
			want:   []string{"n1", "n2", "n3"},
		},
		{
			name:    "nodes without expect and dead nodes do not count",
			expect:  2,
			peers:   []peer{gossipPeer("n1", 2, alive), gossipPeer("n2", 0, alive), gossipPeer("n3", 2, coordinator.StateDead)},
			wantErr: "waiting for more nodes",
		},
		{
			name:    "a disagreeing expect blocks bootstrap",
			expect:  3,
			peers:   []peer{gossipPeer("n1", 3, alive), gossipPeer("n2", 5, alive), gossipPeer("n3", 3, alive)},
			wantErr: "give every node the same --bootstrap-expect",
		},
		{
			name:   "a single node cluster",
			expect: 1,
			peers:  []peer{gossipPeer("n1", 1, alive)},
			want:   []string{"n1"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			servers, err := bootstrapServers(tc.expect, tc.peers)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want %q", err, tc.wantErr)
				}
				if strings.Contains(tc.wantErr, "waiting") && !errors.Is(err, errNotEnoughServers) {
					t.Fatalf("err = %v; want errNotEnoughServers", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range servers {
				if s.Suffrage != raft.Voter || string(s.Address) != string(s.ID)+":6123" {
					t.Fatalf("server %+v", s)
				}
				got = append(got, string(s.ID))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("servers %v; want %v", got, tc.want)
			}
		})
	}
}
