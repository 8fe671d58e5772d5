//go:build linux

package main

import (
	"os"
	"testing"

	"github.com/openfiles/openfiles/pkg/pathlookup"
)

// TestMain lets the test binary serve as the lookup helper of the runs
// the tests make in-process, as the command's own main does.
func TestMain(m *testing.M) {
	pathlookup.Serve()
	os.Exit(m.Run())
}
