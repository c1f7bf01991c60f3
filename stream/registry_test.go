package stream

import (
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/jobgraph"
)

func pipeline(env *Env, args Args) error {
	in, err := args.Required("input")
	if err != nil {
		return err
	}
	SinkTo(FromSource(env, strs(in), "in"), &collectSink[string]{}, "out")
	return nil
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	for _, name := range []string{"b", "a", "c.1"} {
		if err := r.Register(name, pipeline); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Register("a", pipeline); err == nil || !strings.Contains(err.Error(), `job "a": already registered`) {
		t.Errorf("duplicate: %v", err)
	}
	if err := r.Register("bad name", pipeline); err == nil {
		t.Error("bad name accepted")
	}
	if err := r.Register("d", nil); err == nil {
		t.Error("nil build accepted")
	}
	if _, ok := r.Lookup("a"); !ok {
		t.Error("Lookup(a) failed")
	}
	if _, ok := r.Lookup("x"); ok {
		t.Error("Lookup(x) succeeded")
	}
	var names []string
	r.Walk(func(name string) { names = append(names, name) })
	if strings.Join(names, ",") != "a,b,c.1" {
		t.Errorf("Walk: %v", names)
	}

	_, err := r.Build(jobgraph.Spec{Job: "x"})
	if err == nil || err.Error() != `unknown job "x"; known: a, b, c.1` {
		t.Errorf("unknown job: %v", err)
	}
	if _, err := NewRegistry().Build(jobgraph.Spec{Job: "x"}); err == nil || err.Error() != `unknown job "x"; known: (none)` {
		t.Errorf("unknown job in empty registry: %v", err)
	}
	if _, err := r.Build(jobgraph.Spec{Job: "a"}); err == nil || err.Error() != `job "a": argument "input": required` {
		t.Errorf("missing argument: %v", err)
	}
	if _, err := r.Build(jobgraph.Spec{Job: "a", Parallelism: -1}); err == nil {
		t.Error("invalid spec accepted")
	}
	p, err := r.Build(jobgraph.Spec{Job: "a", Args: map[string]string{"input": "x"}, Parallelism: 3})
	if err != nil {
		t.Fatal(err)
	}
	g := p.Graph()
	if g.Name != "a" || g.Vertices[0].Parallelism != 3 {
		t.Errorf("graph %+v", g)
	}
}

func TestRegisterJobPanicsOnDuplicate(t *testing.T) {
	saved := Default
	Default = NewRegistry()
	t.Cleanup(func() { Default = saved })

	RegisterJob("job", pipeline)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `job "job": already registered`) {
			t.Errorf("recovered %v", r)
		}
	}()
	RegisterJob("job", pipeline)
}

func TestArgs(t *testing.T) {
	a := Args{"s": "v", "empty": "", "n": "42", "bad": "4x", "d": "1m30s"}
	if a.Get("s", "def") != "v" || a.Get("missing", "def") != "def" || a.Get("empty", "def") != "" {
		t.Error("Get")
	}
	if v, err := a.Required("s"); v != "v" || err != nil {
		t.Errorf("Required(s) = %q, %v", v, err)
	}
	if _, err := a.Required("empty"); err == nil || err.Error() != `argument "empty": required` {
		t.Errorf("Required(empty): %v", err)
	}
	if n, err := a.Int("n", 1); n != 42 || err != nil {
		t.Errorf("Int(n) = %d, %v", n, err)
	}
	if n, err := a.Int("missing", 7); n != 7 || err != nil {
		t.Errorf("Int(missing) = %d, %v", n, err)
	}
	if _, err := a.Int("bad", 1); err == nil || err.Error() != `argument "bad": "4x" is not an integer` {
		t.Errorf("Int(bad): %v", err)
	}
	if d, err := a.Duration("d", 0); d != 90*time.Second || err != nil {
		t.Errorf("Duration(d) = %v, %v", d, err)
	}
	if d, err := a.Duration("missing", time.Second); d != time.Second || err != nil {
		t.Errorf("Duration(missing) = %v, %v", d, err)
	}
	if _, err := a.Duration("bad", 0); err == nil || !strings.HasPrefix(err.Error(), `argument "bad": "4x" is not a duration`) {
		t.Errorf("Duration(bad): %v", err)
	}
	var none Args
	if none.Get("x", "d") != "d" {
		t.Error("nil Args")
	}
}
