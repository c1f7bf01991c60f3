package coordinator

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/raft"
)

type changeKind uint8

const (
	addVoter changeKind = iota
	addNonvoter
	removeServer
)

func (k changeKind) String() string {
	return [...]string{"add voter", "add non-voter", "remove"}[k]
}

// change is one Raft configuration change the leader will make.
type change struct {
	kind changeKind
	name string
	addr string
}

// membershipPlan holds what the leader remembers between reconciles: since
// when each server has been failed or missing from gossip. A new leader
// starts with an empty plan, so the grace period restarts with it; that
// only ever delays a removal.
type membershipPlan struct {
	self      string
	maxVoters int
	reclaim   time.Duration
	gone      map[string]time.Time
}

func newMembershipPlan(self string, maxVoters int, reclaim time.Duration) *membershipPlan {
	return &membershipPlan{self: self, maxVoters: maxVoters, reclaim: reclaim, gone: map[string]time.Time{}}
}

// next returns the configuration changes that bring servers in line with
// members at time now: removals of servers gone for longer than the
// reclaim period first (never one that would leave the voters without a
// healthy majority), then promotions of non-voters and additions of new
// nodes while voters are below the cap, then address updates.
func (p *membershipPlan) next(servers []raft.Server, members []Member, now time.Time) []change {
	byName := make(map[string]Member, len(members))
	for _, m := range members {
		byName[m.Name] = m
	}
	inConfig := make(map[string]bool, len(servers))
	voters, healthyVoters := 0, 0
	for _, s := range servers {
		name := string(s.ID)
		inConfig[name] = true
		m, known := byName[name]
		up := name == p.self || (known && m.State == StateAlive)
		if s.Suffrage == raft.Voter {
			voters++
			if up {
				healthyVoters++
			}
		}
		if up {
			delete(p.gone, name)
		} else if _, ok := p.gone[name]; !ok {
			p.gone[name] = now
		}
	}
	for name := range p.gone {
		if !inConfig[name] {
			delete(p.gone, name)
		}
	}

	var changes []change
	sorted := slices.Clone(servers)
	slices.SortFunc(sorted, func(a, b raft.Server) int { return cmp.Compare(a.ID, b.ID) })
	for _, s := range sorted {
		name := string(s.ID)
		since, gone := p.gone[name]
		if !gone || now.Sub(since) < p.reclaim {
			continue
		}
		if s.Suffrage == raft.Voter {
			// After the removal the voters are voters-1, of which
			// healthyVoters are up; they must stay a majority.
			if healthyVoters*2 <= voters-1 {
				continue
			}
			voters--
		}
		changes = append(changes, change{kind: removeServer, name: name})
	}

	for _, s := range sorted {
		m, ok := byName[string(s.ID)]
		if !ok || m.State != StateAlive || string(s.ID) == p.self {
			continue
		}
		switch {
		case s.Suffrage != raft.Voter && voters < p.maxVoters:
			voters++
			changes = append(changes, change{kind: addVoter, name: m.Name, addr: m.RPCAddr})
		case string(s.Address) != m.RPCAddr:
			kind := addVoter
			if s.Suffrage != raft.Voter {
				kind = addNonvoter
			}
			changes = append(changes, change{kind: kind, name: m.Name, addr: m.RPCAddr})
		}
	}

	newcomers := slices.Clone(members)
	slices.SortFunc(newcomers, func(a, b Member) int { return cmp.Compare(a.Name, b.Name) })
	for _, m := range newcomers {
		if inConfig[m.Name] || m.State != StateAlive || m.RPCAddr == "" {
			continue
		}
		kind := addNonvoter
		if voters < p.maxVoters {
			kind = addVoter
			voters++
		}
		changes = append(changes, change{kind: kind, name: m.Name, addr: m.RPCAddr})
	}
	return changes
}

// reconcileRaft applies the plan's changes one by one; Raft allows one
// configuration change in flight at a time.
func (c *Coordinator) reconcileRaft(servers []raft.Server, members []Member) error {
	for _, ch := range c.plan.next(servers, members, time.Now()) {
		var f raft.IndexFuture
		id, addr := raft.ServerID(ch.name), raft.ServerAddress(ch.addr)
		switch ch.kind {
		case addVoter:
			f = c.raft.AddVoter(id, addr, 0, c.cfg.ApplyTimeout)
		case addNonvoter:
			f = c.raft.AddNonvoter(id, addr, 0, c.cfg.ApplyTimeout)
		case removeServer:
			f = c.raft.RemoveServer(id, 0, c.cfg.ApplyTimeout)
		}
		if err := f.Error(); err != nil {
			return fmt.Errorf("%s %s: %w", ch.kind, ch.name, err)
		}
		c.log.Info("raft membership changed", "change", ch.kind.String(), "node", ch.name, "addr", ch.addr)
		if ch.kind == removeServer {
			if _, err := c.raftApply(DeleteNodeType, DeleteNodeRequest{Name: ch.name}); err != nil {
				return err
			}
		}
	}
	return nil
}
