//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
)

// TestLiveMessagesEscaped gives fuser names holding terminal controls,
// which psmisc writes to the terminal as they are: ours escapes them in
// every message and in the name lines, as lsof escapes names.
func TestLiveMessagesEscaped(t *testing.T) {
	b := buildBins(t)
	const ctl = "\x1b[2J\a"
	dir := t.TempDir()
	held := filepath.Join(dir, "held"+ctl)
	if err := os.WriteFile(held, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	livetest.HoldOpen(t, held)
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"/nonexist" + ctl}, "Specified filename /nonexist^[[2J^G does not exist.", 1},
		{[]string{"-m", "/nonexist" + ctl}, "Specified filename /nonexist^[[2J^G does not exist.", 1},
		{[]string{"-" + ctl}, "Invalid option ^[", 1},
		{[]string{"-QQ" + ctl, "x"}, "QQ^[[2J^G: unknown signal", 1},
		{[]string{held}, dir + "/held^[[2J^G:", 0},
		{[]string{"-v", held}, dir + "/held^[[2J^G:", 0},
		{[]string{"/nonexist\x7f\u0085"}, `/nonexist\x7f\xc2\x85 does not exist`, 1},
	} {
		got := livetest.Run(t, []string{"LC_ALL=C.UTF-8"}, b.ours, tc.args...)
		if c, ok := livetest.RawControl(got.Stderr + got.Stdout); ok {
			t.Errorf("fuser %q: raw control %s in the output: %q", tc.args, c, got.Stderr)
		}
		if !strings.Contains(got.Stderr, tc.want) || got.Code != tc.code {
			t.Errorf("fuser %q: exit %d, stderr %q; want exit %d and %q", tc.args, got.Code, got.Stderr, tc.code, tc.want)
		}
	}
	// The reference writes them raw, which is what this guards against.
	ref := livetest.Run(t, nil, b.ref, "/nonexist"+ctl)
	if _, ok := livetest.RawControl(ref.Stderr); !ok {
		t.Logf("psmisc fuser escaped the name too: %q", ref.Stderr)
	}
}

// TestLiveJSONControls names a file whose name holds DEL and C1
// controls: --json escapes them, which encoding/json alone would not.
func TestLiveJSONControls(t *testing.T) {
	b := buildBins(t)
	file := filepath.Join(t.TempDir(), "del\x7fnel\u0085csi\u009b")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	pid := livetest.HoldOpen(t, file)
	got := livetest.Run(t, nil, b.ours, "--json", file)
	if c, ok := livetest.RawControl(got.Stdout); ok {
		t.Errorf("raw control %s in --json output: %q", c, got.Stdout)
	}
	if want := `del\u007fnel\u0085csi\u009b`; !strings.Contains(got.Stdout, want) || !strings.Contains(got.Stdout, strconv.Itoa(pid)) {
		t.Errorf("--json output %q lacks the escaped name %q or the holder %d", got.Stdout, want, pid)
	}
}
