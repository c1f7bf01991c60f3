package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/coordinator"
	"github.com/runnel/runnel/examples"
	"github.com/runnel/runnel/jobgraph"
	"github.com/runnel/runnel/node"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/state"
	"github.com/runnel/runnel/stream"
)

// counter numbers each key's records in keyed state: "key,value,n".
type counter struct {
	n *state.ValueState[string, state.VoidNamespace, int64]
}

func (c *counter) Open(ctx *stream.KeyedRuntimeContext[string]) error {
	var err error
	c.n, err = state.GetValueState[state.VoidNamespace](ctx.State, state.ValueStateDescriptor[int64]{Name: "n"})
	return err
}

func (c *counter) ProcessElement(v [2]string, ctx *stream.KeyedContext[string], out operator.Collector[string]) error {
	n, _ := c.n.Value()
	c.n.Update(n + 1)
	out.Collect(fmt.Sprintf("%s,%s,%d", v[0], v[1], n+1))
	return nil
}

func init() {
	// it-mixed: a bounded source (1..200) and a slow long one united,
	// counted per key, to the exactly-once file sink.
	stream.RegisterJob("it-mixed", func(env *stream.Env, args stream.Args) error {
		out, err := args.Required("output")
		if err != nil {
			return err
		}
		env.EnableCheckpointing(200 * time.Millisecond)
		env.SetRestartStrategy(jobgraph.RestartStrategy{Type: jobgraph.RestartFixedDelay, Attempts: 5, Delay: 100 * time.Millisecond})
		short := stream.Map(stream.FromSource(env, connector.NewSequenceSource(1, 200), "short").Name("short"),
			func(v int64) [2]string { return [2]string{fmt.Sprintf("a%d", v%10), fmt.Sprint(v)} })
		long := stream.Map(stream.FromSource(env, examples.NewSeqSource(4, 1_000_000, 400), "long").Name("long"),
			func(r examples.SeqRecord) [2]string { return [2]string{"b" + r.Key, fmt.Sprint(r.Seq)} })
		counted := stream.KeyedProcess(stream.KeyBy(stream.Union(short, long), func(v [2]string) string { return v[0] }), &counter{})
		stream.SinkTo(counted, connector.NewLineFileSink(out), "out")
		return nil
	})
}

// TestFinishedSourceIsNotRerun: a bounded source that finished while the
// job goes on is not run again by a restore from a later checkpoint: each
// of its records is in the output once.
func TestFinishedSourceIsNotRerun(t *testing.T) {
	c := NewCluster(t, 3, nil)
	leader := c.WaitForLeader()
	addr := leader.HTTPAddr()
	out := filepath.Join(t.TempDir(), "out")
	id := SubmitJob(t, addr, "it-mixed", 3, map[string]string{"output": out})
	WaitForResult(t, 30*time.Second, func() (bool, error) {
		d, err := GetJob(addr, id)
		if err != nil {
			return false, err
		}
		for _, v := range d.Vertices {
			if strings.Contains(v.Name, "short") {
				for _, s := range v.Subtasks {
					if s.Status != "FINISHED" {
						return false, fmt.Errorf("%s (%d) is %s", v.Name, s.Index, s.Status)
					}
				}
				return true, nil
			}
		}
		return false, fmt.Errorf("no short source in %+v", d.Vertices)
	})
	waitCheckpoint(t, addr, id)
	waitCheckpoint(t, addr, id)
	d, err := GetJob(addr, id)
	if err != nil {
		t.Fatal(err)
	}
	running := nodesRunning(d)
	victim := slices.IndexFunc(c.Nodes, func(n *node.Node) bool { return n != leader && slices.Contains(running, n.Name()) })
	if victim < 0 {
		t.Fatalf("no follower runs subtasks: %v", running)
	}
	c.StopNode(victim)
	WaitForResult(t, 30*time.Second, func() (bool, error) {
		d, err := GetJob(addr, id)
		if err != nil {
			return false, err
		}
		return d.Status == coordinator.JobRunning && d.Attempt > 1, fmt.Errorf("job %s, attempt %d", d.Status, d.Attempt)
	})
	waitCheckpoint(t, addr, id)
	waitCheckpoint(t, addr, id)
	seen := map[string]int{}
	files, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasPrefix(f.Name(), ".") || strings.HasPrefix(f.Name(), "_") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(data)) {
			if strings.HasPrefix(line, "a") {
				seen[strings.Split(line, ",")[1]]++
			}
		}
	}
	if len(seen) != 200 {
		t.Fatalf("%d of the bounded source's 200 records in the output", len(seen))
	}
	for v, n := range seen {
		if n != 1 {
			t.Fatalf("record %s of the bounded source is in the output %d times", v, n)
		}
	}
}
