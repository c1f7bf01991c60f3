// Package integration holds runnel's tests across real nodes: in-process
// clusters of node.Node on loopback ports, clusters of node processes
// started from the built binary, and fault injection. The helpers live in
// this file and its siblings; the tests in *_test.go.
package integration

import (
	"testing"
	"time"
)

// WaitForResult polls test every 50 ms until it reports true, and fails t
// with the last error if timeout passes first.
func WaitForResult(t testing.TB, timeout time.Duration, test func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for {
		var ok bool
		ok, err = test()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("condition not met within %s: %v", timeout, err)
}

// AssertUntil checks that test keeps holding for the whole duration,
// failing t at the first violation.
func AssertUntil(t testing.TB, duration time.Duration, test func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(duration)
	for time.Now().Before(deadline) {
		if ok, err := test(); !ok {
			t.Fatalf("condition broke: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
