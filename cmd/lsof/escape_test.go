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

// TestLiveMessagesEscaped gives lsof names and option values holding
// terminal controls: every message shows them escaped as the table
// escapes names. Where lsof 4.95 escapes them too, ours must print what
// it prints; where it writes them raw (-i, -s, -x, option letters), ours
// must still escape them.
func TestLiveMessagesEscaped(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	const ctl = "\x1b[2J\a"
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string // in our first line of stderr
		same bool   // lsof 4.95's first line is the same
	}{
		{[]string{"/nonexist" + ctl}, "status error on /nonexist^[[2J^G: ", true},
		{[]string{"+D", dir + "/no" + ctl}, "can't stat(" + dir + "/no^[[2J^G)", true},
		{[]string{"+d", dir + "/no" + ctl}, "can't stat(" + dir + "/no^[[2J^G)", true},
		{[]string{"-u", "x" + ctl}, "can't get UID for x^[[2J^G", false},
		{[]string{"-p", "x" + ctl}, "illegal process ID: x^[[2J^G", false},
		{[]string{"-i", ":" + ctl}, "unknown service ^[[2J^G in: -i :^[[2J^G", false},
		{[]string{"-i", "x" + ctl}, "unknown protocol name (x^[[2J^G) in: -i x^[[2J^G", false},
		{[]string{"-s", "x" + ctl}, `unknown -s protocol: "x^[[2J^G"`, false},
		{[]string{"-x" + ctl}, "unknown cross-over option: ^[", false},
		{[]string{"-" + ctl}, "illegal option character: ^[", false},
		{[]string{"/nonexist\x7f\u0085"}, `status error on /nonexist\x7f\xc2\x85: `, false},
	} {
		got := livetest.Run(t, []string{"LC_ALL=C.UTF-8"}, ours, tc.args...)
		if c, ok := livetest.RawControl(got.Stderr); ok {
			t.Errorf("lsof %q: raw control %s on stderr: %q", tc.args, c, got.Stderr)
		}
		first, _, _ := strings.Cut(got.Stderr, "\n")
		if !strings.Contains(first, tc.want) || got.Code != 1 {
			t.Errorf("lsof %q: exit %d, stderr %q; want exit 1 and %q", tc.args, got.Code, first, tc.want)
		}
		if tc.same {
			want := livetest.Run(t, []string{"LC_ALL=C.UTF-8"}, ref, tc.args...)
			if wantFirst, _, _ := strings.Cut(want.Stderr, "\n"); first != wantFirst || got.Code != want.Code {
				t.Errorf("lsof %q: exit %d, stderr %q; lsof's %d, %q", tc.args, got.Code, first, want.Code, wantFirst)
			}
		}
	}
}

// TestLiveJSONControls lists a file whose name holds DEL and a C1
// control: --json escapes both, which encoding/json alone would not.
func TestLiveJSONControls(t *testing.T) {
	ours := livetest.Build(t, "./cmd/lsof")
	file := filepath.Join(t.TempDir(), "del\x7fnel\u0085csi\u009b")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(livetest.HoldOpen(t, file))
	got := livetest.Run(t, nil, ours, "--json", "-a", "-p", pid, "-d", "0")
	if c, ok := livetest.RawControl(got.Stdout); ok {
		t.Errorf("raw control %s in --json output: %q", c, got.Stdout)
	}
	if want := `del\u007fnel\u0085csi\u009b`; !strings.Contains(got.Stdout, want) {
		t.Errorf("--json output %q lacks the escaped name %q", got.Stdout, want)
	}
}
