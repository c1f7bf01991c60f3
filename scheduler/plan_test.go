package scheduler

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/runnel/runnel/jobgraph"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestPlanString(t *testing.T) {
	tests := []struct {
		name  string
		graph func() *jobgraph.JobGraph
	}{
		{"linear", linear},
		{"wordcount", wordCount},
		{"two-groups", twoGroups},
		{"fan-out", fanOut},
		{"union", union},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Chain(tt.graph())
			if err != nil {
				t.Fatal(err)
			}
			got := p.String()
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("Plan.String() differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
			}
		})
	}
}
