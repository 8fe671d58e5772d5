// Package golden compares test output with the golden files under
// testdata, and rewrites them when the tests run with -update.
package golden

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Check compares got with the golden file at path, or writes got there
// with -update. what names the output in a failure message.
func Check(t *testing.T, path, what, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./... -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s:\ngot:\n%s\nwant (%s):\n%s", what, got, path, want)
	}
}
