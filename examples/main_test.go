package examples

import (
	"testing"

	"go.uber.org/goleak"
)

// The jobs the tests run in process must leave no goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
