package connector

import (
	"testing"

	"go.uber.org/goleak"
)

// The conformance suite runs subtasks on goroutines; none may outlive a
// test.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
