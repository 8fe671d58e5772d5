//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
)

// TestLiveNotRoot runs ours and /usr/bin/fuser as nobody, on a file held
// by a process of nobody's and on one held by a process of root's: what
// each shows of the other user's processes must be the same.
func TestLiveNotRoot(t *testing.T) {
	asNobody := livetest.AsNobody(t)
	ref := livetest.Reference(t, "/usr/bin/fuser")
	ours := livetest.Build(t, "./cmd/fuser")
	root := livetest.StartHolder(t)
	dir := livetest.OpenDir(t)
	own, _ := livetest.Start(t, livetest.Build(t, "./internal/holder"), dir, asNobody, dir)
	for _, args := range [][]string{
		{filepath.Join(dir, "readonly")},
		{"-v", filepath.Join(dir, "readonly")},
		{"-u", filepath.Join(dir, "readwrite")},
		{filepath.Join(root.Dir, "readonly")},
		{"-v", filepath.Join(root.Dir, "readonly")},
	} {
		run := func(bin string) livetest.Result {
			cmd := exec.Command(asNobody[0], append(append(asNobody[1:], bin), args...)...)
			cmd.Dir = os.TempDir()
			cmd.Env = append(os.Environ(), "LC_ALL=C")
			return livetest.RunCmd(t, cmd)
		}
		got, want := run(ours), run(ref)
		if args[0] == filepath.Join(dir, "readonly") && !strings.Contains(got.Stdout, strconv.Itoa(own.PID)) {
			t.Errorf("as nobody, fuser %v does not find nobody's own holder %d: %q", args, own.PID, got.Stdout)
		}
		if got != want {
			t.Errorf("as nobody, fuser %v:\n%q %q %d\npsmisc's:\n%q %q %d", args, got.Stdout, got.Stderr, got.Code, want.Stdout, want.Stderr, want.Code)
		}
	}
}
