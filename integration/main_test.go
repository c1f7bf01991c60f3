package integration

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// binary is the runnel binary the multi-process tests start; empty under
// -short, where they skip.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		if !testing.Short() {
			dir, err := os.MkdirTemp("", "runnel-bin-")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer os.RemoveAll(dir)
			if binary, err = BuildBinary(dir); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

// needBinary skips multi-process tests under -short.
func needBinary(t testing.TB) {
	if binary == "" {
		t.Skip("multi-process test; skipped under -short")
	}
}
