//go:build linux

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openfiles/openfiles/internal/livetest"
)

// deadWait is the -S the dead-mount tests give, and deadLimit the time
// within which each run must have exited and been reaped.
const (
	deadWait  = "2"
	deadLimit = 4 * time.Second
)

// rowsOf returns the lines of a listing of process pid.
func rowsOf(out string, pid int) []string {
	var rows []string
	for _, l := range livetest.Lines(out) {
		f := strings.Fields(l)
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			rows = append(rows, l)
		}
	}
	return rows
}

func hasFD(rows []string, fd string) bool {
	for _, r := range rows {
		f := strings.Fields(r)
		if len(f) > 3 && f[3] == fd {
			return true
		}
	}
	return false
}

// TestLiveDeadMount makes a FUSE daemon of the test's own stop answering
// and ignore interrupts, with two processes working on its mount, one
// holding a file there, and runs every kind of query beside it: each
// run must exit and be reaped within -S + 2 s, name the holders where
// they can be found without asking the daemon, and list everything
// else. lsof 4.95 hangs in most of these. The mount is in our own mount
// namespace, and again only in another one, reached through
// /proc/PID/root.
func TestLiveDeadMount(t *testing.T) {
	// In a PID namespace, with its own mount table: lsof 4.95, run by
	// other tests, is not to see the dead mount and warn of it.
	if !livetest.InPIDNamespace(t) {
		return
	}
	livetest.EachMountNamespace(t, testDeadMount)
}

func testDeadMount(t *testing.T, fs *livetest.StallFS) {
	ours := livetest.Build(t, "./cmd/lsof")
	healthy := livetest.StartHolder(t)
	sock, _ := livetest.StartSockHolder(t)
	parent := filepath.Dir(fs.Dir) // the daemon works here, beside the mount point
	fs.Stall(t)

	run := func(args ...string) livetest.Result {
		t.Helper()
		return livetest.RunBounded(t, deadLimit, ours, append([]string{"-S", deadWait}, args...)...)
	}
	wantHolders := func(args []string, got livetest.Result, pids ...int) {
		t.Helper()
		for _, pid := range pids {
			if len(rowsOf(got.Stdout, pid)) == 0 {
				t.Errorf("lsof %q did not list process %d, which works on the mount\nstdout:\n%sstderr:\n%s", args, pid, got.Stdout, got.Stderr)
			}
		}
	}

	// The holders' own listing: their cwd and the held file, with the
	// attributes the kernel holds.
	args := []string{"-p", strconv.Itoa(fs.Holder)}
	got := run(args...)
	rows := rowsOf(got.Stdout, fs.Holder)
	if got.Code != 0 || !hasFD(rows, "cwd") || !hasFD(rows, "0r") {
		t.Errorf("lsof %q: exit %d, want the cwd and 0r rows of the holder:\n%s%s", args, got.Code, got.Stdout, got.Stderr)
	}
	args = []string{"-p", strconv.Itoa(fs.Holder2)}
	got = run(args...)
	if rows := rowsOf(got.Stdout, fs.Holder2); got.Code != 0 || !hasFD(rows, "cwd") {
		t.Errorf("lsof %q: exit %d, want the cwd row of the holder in sub:\n%s%s", args, got.Code, got.Stdout, got.Stderr)
	}

	// Everything, with the processes on healthy file systems.
	got = run()
	wantHolders(nil, got, fs.Holder, fs.Holder2, healthy.PID, sock.PID)
	if strings.Contains(got.Stdout, "not responding") {
		t.Errorf("a full listing shows entries as not responding; the kernel's attributes are there to show")
	}

	// The mount point stands for its file system, found without asking
	// the daemon; +d and +D cannot read it, say so, and search the whole
	// file system of the mount it is the root of.
	for _, args := range [][]string{{fs.Dir}, {"+D", fs.Dir}, {"+d", fs.Dir}} {
		got := run(args...)
		wantHolders(args, got, fs.Holder, fs.Holder2)
		if got.Code != 0 {
			t.Errorf("lsof %q: exit %d, want 0", args, got.Code)
		}
		if args[0] != fs.Dir && !strings.Contains(got.Stderr, "can't read directory "+fs.Dir+": File system not responding") {
			t.Errorf("lsof %q did not say the mount does not answer: %q", args, got.Stderr)
		}
	}

	// +D of the directory holding the mount point: complete, the mount
	// point passed by (another file system), the daemon's cwd listed.
	args = []string{"+D", parent}
	got = run(args...)
	wantHolders(args, got, fs.DaemonPID())

	// Names that need the daemon to answer: a message, and the exit
	// status of a name not found.
	for _, name := range []string{filepath.Join(fs.Dir, "held"), fs.Link} {
		got := run(name)
		if got.Code != 1 || !strings.Contains(got.Stderr, "lsof: status error on "+name+": File system not responding") {
			t.Errorf("lsof %s: exit %d, stderr %q; want 1 and a status error saying the file system does not respond", name, got.Code, got.Stderr)
		}
	}

	// Sockets need nothing of the mount.
	got = run("-i")
	wantHolders([]string{"-i"}, got, sock.PID)
}

// TestLiveDeadMountRepeat runs lsof -r across a daemon that stalls and
// then answers again: every listing comes, with the holder's rows, and
// none shows an entry as not responding once it answers.
func TestLiveDeadMountRepeat(t *testing.T) {
	if !livetest.InPIDNamespace(t) {
		return
	}
	ours := livetest.Build(t, "./cmd/lsof")
	fs := livetest.MountStallFS(t, false)
	next := startRepeat(t, ours, "-S", deadWait, "-r", "1", "-p", strconv.Itoa(fs.Holder))
	check := func(when string) {
		t.Helper()
		listing := next()
		if rows := rowsOf(listing, fs.Holder); !hasFD(rows, "0r") || strings.Contains(listing, "not responding") {
			t.Errorf("lsof -r, %s: want the holder's 0r row and nothing not responding:\n%s", when, listing)
		}
	}
	check("before the stall")
	fs.Stall(t)
	check("while stalled")
	check("while stalled, again")
	fs.Answer(t)
	next() // may have begun before
	check("after it answers again")
}

// TestLiveRepeatLocks takes a lock between the listings of lsof -r: the
// listings after it show it, as lsof 4.95's do.
func TestLiveRepeatLocks(t *testing.T) {
	ours := livetest.Build(t, "./cmd/lsof")
	if _, err := exec.LookPath("flock"); err != nil {
		t.Fatalf("flock(1), from util-linux, is needed: %v", err)
	}
	file := filepath.Join(t.TempDir(), "locked")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	sleeper := livetest.StartShell(t, "exec sleep 600 <"+file)
	next := startRepeat(t, ours, "-r", "1", file)
	if first := next(); len(rowsOf(first, sleeper.Process.Pid)) == 0 {
		t.Fatalf("the first listing does not show the process holding %s:\n%s", file, first)
	}
	locker := exec.Command("flock", "-x", file, "sleep", "600")
	if err := locker.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = locker.Process.Kill(); _ = locker.Wait() })
	for i := 0; ; i++ {
		listing := next()
		rows := rowsOf(listing, locker.Process.Pid)
		if len(rows) > 0 && strings.Contains(rows[0], "W ") {
			return
		}
		if i == 3 {
			t.Fatalf("the lock flock took never shows in lsof -r's listings; the last:\n%s", listing)
		}
	}
}

// startRepeat starts lsof with a repeat option and returns a function
// that returns its next listing, failing the test when none comes within
// a few seconds. lsof is ended, by its own PID, when the test ends.
func startRepeat(t *testing.T, bin string, args ...string) func() string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	listings := make(chan string)
	go func() {
		defer close(listings)
		sc := bufio.NewScanner(stdout)
		var b strings.Builder
		for sc.Scan() {
			if sc.Text() == "=======" {
				listings <- b.String()
				b.Reset()
				continue
			}
			b.WriteString(sc.Text() + "\n")
		}
	}()
	return func() string {
		t.Helper()
		select {
		case l, ok := <-listings:
			if !ok {
				t.Fatalf("lsof %q ended", args)
			}
			return l
		case <-time.After(6 * time.Second):
			t.Fatalf("lsof %q gave no listing within 6 s", args)
		}
		return ""
	}
}
