package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openfiles/openfiles/internal/deadfs"
	"github.com/openfiles/openfiles/internal/livetest"
)

// runBounded runs our lsof and fails the test if it has not finished
// within limit: hanging is the failure under test.
func runBounded(t *testing.T, limit time.Duration, bin string, args ...string) livetest.Result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("lsof %v did not finish within %v: it hangs on the dead mount", args, limit)
	}
	return livetest.Result{Stdout: out.String(), Stderr: errb.String(), Code: cmd.ProcessState.ExitCode()}
}

// TestLiveDeadMount mounts a FUSE file system of the test's own, has a
// process it started hold a file there and work in it, then makes the
// file system stop answering. lsof 4.95 would hang forever; ours must
// list everything within the -S bound and show the entries it could not
// reach.
func TestLiveDeadMount(t *testing.T) {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skipf("no /dev/fuse on this machine, so no FUSE mount to test with: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting a FUSE file system directly needs root")
	}
	ours := livetest.Build(t, "./cmd/lsof")
	other := livetest.StartHolder(t) // a process on healthy file systems
	mnt := t.TempDir()
	d, err := deadfs.Mount(mnt)
	if err != nil {
		t.Skipf("cannot mount a FUSE file system here: %v", err)
	}
	t.Cleanup(func() { _ = d.Unmount() })
	held, err := os.Open(filepath.Join(mnt, "held"))
	if err != nil {
		t.Fatal(err)
	}
	sleep := exec.Command("sleep", "600")
	sleep.Stdin, sleep.Dir = held, mnt
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	held.Close()
	t.Cleanup(func() { _ = sleep.Process.Kill(); _ = sleep.Wait() })
	pid := strconv.Itoa(sleep.Process.Pid)

	d.Hang()
	const note = "(stat: File system not responding)"
	for _, args := range [][]string{
		{"-S", "2", "-p", pid},
		{"-S", "2"},
		{"-S", "2", "-a", "-p", pid, "-d", "0"},
	} {
		got := runBounded(t, 30*time.Second, ours, args...)
		rows := 0
		for _, l := range livetest.Lines(got.Stdout) {
			if strings.Contains(l, " "+pid+" ") && strings.Contains(l, note) {
				rows++
			}
		}
		if rows == 0 {
			t.Errorf("lsof %v: no row of the holder says %q\n%s%s", args, note, got.Stdout, got.Stderr)
		}
		if len(args) == 2 && !strings.Contains(got.Stdout, " "+strconv.Itoa(other.PID)+" ") {
			t.Errorf("lsof %v left out the processes on healthy file systems", args)
		}
	}
	// A file argument on the dead mount: a message, not a hang.
	got := runBounded(t, 30*time.Second, ours, "-S", "2", filepath.Join(mnt, "held"))
	if got.Code != 1 || !strings.Contains(got.Stderr, "status error on "+filepath.Join(mnt, "held")+": File system not responding") {
		t.Errorf("file argument on the dead mount: exit %d, stderr %q", got.Code, got.Stderr)
	}

	// fuser too: a name on the dead mount gets a message, and a search
	// for another file finds its holder though some descriptors it
	// stats lie on the dead mount.
	fuser := livetest.Build(t, "./cmd/fuser")
	got = runBounded(t, 30*time.Second, fuser, filepath.Join(mnt, "held"))
	if got.Code != 1 || !strings.Contains(got.Stderr, "Cannot stat "+filepath.Join(mnt, "held")+": File system not responding") {
		t.Errorf("fuser on the dead mount: exit %d, stderr %q", got.Code, got.Stderr)
	}
	got = runBounded(t, 30*time.Second, fuser, filepath.Join(other.Dir, "readonly"))
	if got.Code != 0 || !strings.Contains(got.Stdout, strconv.Itoa(other.PID)) {
		t.Errorf("fuser of a healthy file beside a dead mount: exit %d, stdout %q, stderr %q", got.Code, got.Stdout, got.Stderr)
	}
}
