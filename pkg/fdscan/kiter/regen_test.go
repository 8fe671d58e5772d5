//go:build linux

package kiter

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedUpToDate compiles bpf/kiter.c again with the go:generate
// line of gen.go into a temporary directory and fails when an object or
// binding differs from the committed one: the committed files are what
// `go build` uses, so they must be what the sources say. Without clang the
// test fails in CI (.ci/run installs it) and is skipped elsewhere.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerating takes seconds")
	}
	for _, prog := range []string{"clang", "llvm-strip"} {
		if _, err := exec.LookPath(prog); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed: .ci/run installs it (apt-get install clang llvm libbpf-dev)", prog)
			}
			t.Skipf("%s is not installed (apt-get install clang llvm libbpf-dev)", prog)
		}
	}
	args := generateArgs(t)
	out := t.TempDir()
	cmd := exec.Command("go", append(append([]string{"tool"}, args[:1]...), append([]string{"-output-dir", out}, args[1:]...)...)...)
	cmd.Env = append(os.Environ(), "GOPACKAGE=kiter")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, b)
	}
	made, err := filepath.Glob(filepath.Join(out, "*"))
	if err != nil || len(made) == 0 {
		t.Fatalf("bpf2go wrote nothing into %s (%v)", out, err)
	}
	var names []string
	for _, path := range made {
		name := filepath.Base(path)
		names = append(names, name)
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%s is generated but not committed: %v (run go generate ./pkg/fdscan/kiter)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("committed %s (%d bytes) differs from what bpf/kiter.c compiles to (%d bytes): run go generate ./pkg/fdscan/kiter and commit", name, len(got), len(want))
		}
	}
	committed, _ := filepath.Glob("kiter_bpfe*")
	if strings.Join(committed, " ") != strings.Join(names, " ") {
		t.Errorf("committed generated files %v, bpf2go makes %v", committed, names)
	}
}

// generateArgs returns the words of gen.go's go:generate line after
// "go tool", with -cflags' double-quoted value as one word.
func generateArgs(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("gen.go")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "//go:generate go tool "
	for line := range strings.Lines(string(src)) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), prefix)
		if !ok {
			continue
		}
		var words []string
		for i, part := range strings.Split(rest, `"`) {
			if i%2 == 1 {
				words = append(words, part)
			} else {
				words = append(words, strings.Fields(part)...)
			}
		}
		return words
	}
	t.Fatalf("gen.go has no line starting %q", prefix)
	return nil
}
