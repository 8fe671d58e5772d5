//go:build linux

package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/internal/livetest"
)

// socketTypes are the TYPE values of socket rows, which the socket issue
// makes identical; the core compares every other row.
var socketTypes = []string{"sock", "IPv4", "IPv6", "unix", "netlink", "raw", "raw6", "pack", "ax25", "inet"}

// nonSocket returns the rows (header first) whose TYPE is not a socket's,
// with runs of blanks folded.
func nonSocket(out string) []string {
	var rows []string
	for i, l := range livetest.Lines(out) {
		l = livetest.Fold(l)
		f := strings.Fields(l)
		if i > 0 && len(f) > 4 && slices.Contains(socketTypes, f[4]) {
			continue
		}
		rows = append(rows, l)
	}
	return rows
}

// TestLiveHolder lists a process holding one file of every kind with our
// lsof and /usr/bin/lsof and requires the same rows, stderr and status.
func TestLiveHolder(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h := livetest.StartHolder(t)
	pid := strconv.Itoa(h.PID)
	for _, locale := range []string{"C.UTF-8", "C"} {
		for _, args := range [][]string{{"-p", pid}, {"-n", "-P", "-p", pid}, {"-p" + pid + ",999999999"}} {
			name := locale + " " + strings.Join(args, " ")
			t.Run(name, func(t *testing.T) {
				env := []string{"LC_ALL=" + locale}
				want := livetest.Run(t, env, ref, args...)
				got := livetest.Run(t, env, ours, args...)
				if got.Code != want.Code {
					t.Errorf("exit status %d, lsof's %d", got.Code, want.Code)
				}
				if got.Stderr != want.Stderr {
					t.Errorf("stderr:\n%s\nlsof's:\n%s", got.Stderr, want.Stderr)
				}
				g, w := nonSocket(got.Stdout), nonSocket(want.Stdout)
				if !slices.Equal(g, w) {
					t.Errorf("rows differ\nours:\n%s\nlsof's:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
				}
				if len(g) == len(livetest.Lines(got.Stdout)) && got.Stdout != want.Stdout {
					t.Errorf("with no socket rows the output must be byte for byte lsof's\nours:\n%s\nlsof's:\n%s", got.Stdout, want.Stdout)
				}
				checkKinds(t, livetest.Fold(got.Stdout), locale)
			})
		}
	}
}

// checkKinds makes sure the comparison covered every kind of file the
// holder opens, so that it cannot pass on an empty listing.
func checkKinds(t *testing.T, out, locale string) {
	t.Helper()
	nonASCII := "non-ascii-äöü"
	if locale == "C" {
		nonASCII = `non-ascii-\xc3\xa4\xc3\xb6\xc3\xbc`
	}
	for _, want := range []string{
		" cwd ", " rtd ", " txt ", " DEL ", " mem ",
		"r REG", "w REG", "u REG", " DIR ", "/dev/null", "/dev/zero", " FIFO ", " pipe",
		"/deleted (deleted)", "uW ", "rr ", "[eventfd:", "[eventpoll", " inotify",
		"[timerfd]", "[signalfd]", "[pidfd:", "/memfd:holder-memfd (deleted)",
		"/with space", `/with\nnewline`, "/with^[escape", nonASCII, "*042u",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("listing has no %q", want)
		}
	}
}

// TestLiveFullListing runs a full listing: it must succeed, list the
// holder, and print nothing on stderr that lsof does not print too.
func TestLiveFullListing(t *testing.T) {
	ref := livetest.Reference(t, "/usr/bin/lsof")
	ours := livetest.Build(t, "./cmd/lsof")
	h := livetest.StartHolder(t)
	got := livetest.Run(t, nil, ours)
	if got.Code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", got.Code, got.Stderr)
	}
	want := livetest.Run(t, nil, ref)
	for _, l := range livetest.Lines(got.Stderr) {
		if !strings.Contains(want.Stderr, l) {
			t.Errorf("stderr line lsof does not print: %q", l)
		}
	}
	prefix := "holder " + strconv.Itoa(h.PID) + " "
	var ourRows, refRows []string
	for _, l := range nonSocket(got.Stdout) {
		if strings.HasPrefix(l, prefix) {
			ourRows = append(ourRows, l)
		}
	}
	for _, l := range nonSocket(want.Stdout) {
		// lsof's full listing adds rows for each thread, with a TID.
		if strings.HasPrefix(l, prefix) {
			refRows = append(refRows, l)
		}
	}
	if len(ourRows) < 30 {
		t.Fatalf("full listing shows %d rows of the holder, want at least 30", len(ourRows))
	}
	if !slices.Equal(ourRows, refRows) {
		t.Errorf("holder rows differ\nours:\n%s\nlsof's:\n%s", strings.Join(ourRows, "\n"), strings.Join(refRows, "\n"))
	}
}

// TestLiveChurn lists everything while processes of the test's own come
// and go as fast as they can: each listing must succeed and say nothing
// on stderr about entries that vanished.
func TestLiveChurn(t *testing.T) {
	ours := livetest.Build(t, "./cmd/lsof")
	for range 2 {
		livetest.StartShell(t, "while :; do /bin/true; done")
	}
	for i := range 10 {
		got := livetest.Run(t, nil, ours)
		if got.Code != 0 || got.Stderr != "" {
			t.Fatalf("listing %d: exit status %d, stderr %q", i, got.Code, got.Stderr)
		}
		if !strings.Contains(got.Stdout, " cwd ") {
			t.Fatalf("listing %d shows no cwd row", i)
		}
	}
}
