package main

import (
	"testing"

	"go.uber.org/goleak"
)

// Every command, including interrupted streams and conformance runs, must
// leave no goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
