//go:build linux

package main

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openfiles/openfiles/internal/livetest"
)

// deadLimit is the time within which each run beside a dead mount must
// have exited and been reaped: fuser's lookup deadline, 5 s, and 2 s.
const deadLimit = 7 * time.Second

// TestLiveDeadMount makes a FUSE daemon of the test's own stop answering
// and ignore interrupts, with two processes working on its mount, one
// holding a file there, and runs fuser's kinds of query beside it: each
// must exit and be reaped within the deadline, and -m on the dead mount
// must find and signal its holders, as psmisc's does. It runs in a PID
// namespace of its own, so that -k can reach no process but the test's;
// the mount is in that namespace's mount namespace, and again only in
// another one, reached through /proc/PID/root.
func TestLiveDeadMount(t *testing.T) {
	if !livetest.InPIDNamespace(t) {
		return
	}
	livetest.EachMountNamespace(t, testDeadMount)
}

func pidsIn(stdout string) []int {
	var pids []int
	for _, w := range strings.Fields(stdout) {
		if n, err := strconv.Atoi(w); err == nil {
			pids = append(pids, n)
		}
	}
	return pids
}

func testDeadMount(t *testing.T, fs *livetest.StallFS) {
	ours := livetest.Build(t, "./cmd/fuser")
	healthy := livetest.StartHolder(t)
	sock, ports := livetest.StartSockHolder(t)
	fs.Stall(t)
	run := func(args ...string) livetest.Result {
		t.Helper()
		return livetest.RunBounded(t, deadLimit, ours, args...)
	}
	want := func(args []string, got livetest.Result, pids ...int) {
		t.Helper()
		for _, pid := range pids {
			if !slices.Contains(pidsIn(got.Stdout), pid) {
				t.Errorf("fuser %q did not name process %d\nstdout %q\nstderr %q", args, pid, got.Stdout, got.Stderr)
			}
		}
	}

	// Names that need the daemon to answer: psmisc's message, with the
	// cause.
	for _, name := range []string{filepath.Join(fs.Dir, "held"), fs.Link} {
		got := run(name)
		if got.Code != 1 || !strings.Contains(got.Stderr, "Cannot stat "+name+": File system not responding") {
			t.Errorf("fuser %s: exit %d, stderr %q; want 1 and that the file system does not respond", name, got.Code, got.Stderr)
		}
	}

	// Searches that stat what every process holds, the dead mount's
	// files among them: complete, from the kernel's attributes.
	got := run("/etc/hostname")
	if strings.Contains(got.Stderr, "not responding") {
		t.Errorf("fuser /etc/hostname: %q", got.Stderr)
	}
	args := []string{"-m", "/"}
	got = run(args...)
	want(args, got, healthy.PID, fs.Holder) // sleep's program is on /
	args = []string{ports["tcp4lo"] + "/tcp"}
	got = run(args...)
	want(args, got, sock.PID)

	// -m on the dead mount finds its holders, then -k signals them.
	args = []string{"-m", fs.Dir}
	got = run(args...)
	want(args, got, fs.Holder, fs.Holder2)
	if slices.Contains(pidsIn(got.Stdout), healthy.PID) {
		t.Errorf("fuser -m %s named process %d, which uses nothing on that mount: it searched another file system", fs.Dir, healthy.PID)
	}
	args = []string{"-k", "-m", fs.Dir}
	got = run(args...)
	want(args, got, fs.Holder, fs.Holder2)
	for _, pid := range []int{fs.Holder, fs.Holder2} {
		deadline := time.Now().Add(2 * time.Second)
		for state := livetest.ProcState(pid); state != "" && state != "Z"; state = livetest.ProcState(pid) {
			if time.Now().After(deadline) {
				t.Errorf("fuser -k -m %s: process %d is still running (state %s)", fs.Dir, pid, state)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
