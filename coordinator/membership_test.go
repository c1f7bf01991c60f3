package coordinator

import (
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func voter(name string) raft.Server {
	return raft.Server{ID: raft.ServerID(name), Address: raft.ServerAddress(name + ":6123"), Suffrage: raft.Voter}
}

func nonvoter(name string) raft.Server {
	s := voter(name)
	s.Suffrage = raft.Nonvoter
	return s
}

func member(name string, st MemberState) Member {
	return Member{Node: Node{Name: name, RPCAddr: name + ":6123"}, State: st}
}

func TestMembershipPlan(t *testing.T) {
	t0 := time.Unix(1000, 0)
	reclaim := time.Minute
	cases := []struct {
		name      string
		maxVoters int
		servers   []raft.Server
		members   []Member
		goneSince map[string]time.Time
		want      []change
	}{
		{
			name:      "new nodes become voters up to the cap, then non-voters",
			maxVoters: 3,
			servers:   []raft.Server{voter("n1")},
			members:   []Member{member("n1", StateAlive), member("n4", StateAlive), member("n2", StateAlive), member("n3", StateAlive)},
			want: []change{
				{addVoter, "n2", "n2:6123"}, {addVoter, "n3", "n3:6123"}, {addNonvoter, "n4", "n4:6123"},
			},
		},
		{
			name:      "dead and departed newcomers are not added",
			maxVoters: 5,
			servers:   []raft.Server{voter("n1")},
			members:   []Member{member("n1", StateAlive), member("n2", StateLeft), member("n3", StateDead)},
		},
		{
			name:      "a dead voter within the grace period stays",
			maxVoters: 5,
			servers:   []raft.Server{voter("n1"), voter("n2"), voter("n3")},
			members:   []Member{member("n1", StateAlive), member("n2", StateAlive), member("n3", StateDead)},
			goneSince: map[string]time.Time{"n3": t0.Add(-30 * time.Second)},
		},
		{
			name:      "a dead voter past the grace period is removed and a non-voter promoted",
			maxVoters: 3,
			servers:   []raft.Server{voter("n1"), voter("n2"), voter("n3"), nonvoter("n4")},
			members:   []Member{member("n1", StateAlive), member("n2", StateAlive), member("n3", StateLeft), member("n4", StateAlive)},
			goneSince: map[string]time.Time{"n3": t0.Add(-2 * time.Minute)},
			want:      []change{{removeServer, "n3", ""}, {addVoter, "n4", "n4:6123"}},
		},
		{
			name:      "a server gossip does not know at all counts as gone",
			maxVoters: 5,
			servers:   []raft.Server{voter("n1"), voter("n2"), voter("n3")},
			members:   []Member{member("n1", StateAlive), member("n2", StateAlive)},
			goneSince: map[string]time.Time{"n3": t0.Add(-2 * time.Minute)},
			want:      []change{{removeServer, "n3", ""}},
		},
		{
			name:      "several dead voters go while a healthy majority remains",
			maxVoters: 5,
			servers:   []raft.Server{voter("n1"), voter("n2"), voter("n3"), voter("n4"), voter("n5")},
			members:   []Member{member("n1", StateAlive), member("n2", StateAlive), member("n3", StateAlive), member("n4", StateDead), member("n5", StateDead)},
			goneSince: map[string]time.Time{"n4": t0.Add(-time.Hour), "n5": t0.Add(-time.Hour)},
			want:      []change{{removeServer, "n4", ""}, {removeServer, "n5", ""}},
		},
		{
			// A leader that has not yet noticed it lost its quorum must not
			// shrink the configuration to one it can win alone.
			name:      "no removal when the healthy voters are no majority",
			maxVoters: 5,
			servers:   []raft.Server{voter("n1"), voter("n2"), voter("n3"), voter("n4"), voter("n5")},
			members:   []Member{member("n1", StateAlive), member("n2", StateAlive), member("n3", StateDead), member("n4", StateDead), member("n5", StateDead)},
			goneSince: map[string]time.Time{"n3": t0.Add(-time.Hour), "n4": t0.Add(-time.Hour), "n5": t0.Add(-time.Hour)},
		},
		{
			name:      "a node back on a new address is updated in place",
			maxVoters: 5,
			servers:   []raft.Server{voter("n1"), voter("n2")},
			members:   []Member{member("n1", StateAlive), {Node: Node{Name: "n2", RPCAddr: "n2:7000"}, State: StateAlive}},
			want:      []change{{addVoter, "n2", "n2:7000"}},
		},
		{
			name:      "the leader never plans a change to itself",
			maxVoters: 5,
			servers:   []raft.Server{voter("n1")},
			members:   []Member{{Node: Node{Name: "n1", RPCAddr: "elsewhere:1"}, State: StateLeft}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newMembershipPlan("n1", tc.maxVoters, reclaim)
			for name, since := range tc.goneSince {
				p.gone[name] = since
			}
			got := p.next(tc.servers, tc.members, t0)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("changes = %v; want %v", got, tc.want)
			}
		})
	}
}

func TestMembershipPlanGraceClock(t *testing.T) {
	p := newMembershipPlan("n1", 5, time.Minute)
	servers := []raft.Server{voter("n1"), voter("n2"), voter("n3")}
	down := []Member{member("n1", StateAlive), member("n2", StateAlive), member("n3", StateDead)}
	t0 := time.Unix(1000, 0)
	if got := p.next(servers, down, t0); got != nil {
		t.Fatalf("first sight of a dead node: %v", got)
	}
	up := []Member{member("n1", StateAlive), member("n2", StateAlive), member("n3", StateAlive)}
	p.next(servers, up, t0.Add(30*time.Second))
	if got := p.next(servers, down, t0.Add(61*time.Second)); got != nil {
		t.Fatalf("a node that came back must restart its grace period: %v", got)
	}
	got := p.next(servers, down, t0.Add(122*time.Second))
	if want := []change{{removeServer, "n3", ""}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after the grace period: %v; want %v", got, want)
	}
}
