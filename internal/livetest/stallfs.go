//go:build linux

package livetest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// StallFS is a mounted stallfs (internal/stallfs): a FUSE file system
// whose daemon, a process of its own, can stop answering and ignore
// interrupts, as a dead daemon does.
type StallFS struct {
	h *Holder
	// Dir is where it is mounted, as our own process finds it: the
	// mount point, or a path into the other mount namespace through
	// /proc/PID/root.
	Dir string
	// Point is the mount point in the namespace it is mounted in.
	Point string
	// Holders work in Dir (one holding Dir/held open as its standard
	// input) and in Dir/sub.
	Holder, Holder2 int
	// Link is a symbolic link, on a healthy file system, to Dir/held.
	Link string
}

// MountStallFS mounts a stallfs with its two holders, in our mount
// namespace or, with otherNS, only in a new one. It skips the test where
// FUSE cannot be mounted. Everything is ended when the test ends: the
// daemon exits, which aborts the connection and frees every thread
// waiting on it, and the mount is detached.
func MountStallFS(t *testing.T, otherNS bool) *StallFS {
	t.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skipf("no /dev/fuse, so no FUSE mount to test with: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting a FUSE file system directly needs root")
	}
	bin := Build(t, "./internal/stallfs")
	point := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(point, 0o755); err != nil {
		t.Fatal(err)
	}
	var wrap []string
	if otherNS {
		wrap = []string{"unshare", "-m", "--propagation", "private"}
	} else {
		// Runs after the daemon has exited (cleanups run last first).
		t.Cleanup(func() {
			// EINVAL: the daemon took it down itself as it exited.
			if err := unix.Unmount(point, unix.MNT_DETACH); err != nil && err != unix.EINVAL {
				t.Errorf("unmount %s: %v: the dead mount stays for later tests", point, err)
			}
		})
	}
	h, words := Start(t, bin, filepath.Dir(point), wrap, point)
	s := &StallFS{h: h, Dir: point, Point: point}
	var err1, err2 error
	s.Holder, err1 = strconv.Atoi(words["holder"])
	s.Holder2, err2 = strconv.Atoi(words["holder2"])
	if err1 != nil || err2 != nil {
		t.Fatalf("stallfs said %v", words)
	}
	if otherNS {
		s.Dir = fmt.Sprintf("/proc/%d/root%s", s.Holder, point)
	}
	s.Link = filepath.Join(t.TempDir(), "into-mount")
	if err := os.Symlink(filepath.Join(s.Dir, "held"), s.Link); err != nil {
		t.Fatal(err)
	}
	return s
}

// Stall makes the daemon stop answering, and checks that it is as bad
// as a dead daemon: a process that stats a file there waits, and is not
// ended by SIGKILL.
func (s *StallFS) Stall(t *testing.T) {
	t.Helper()
	if _, err := s.h.In.Write([]byte("stall\n")); err != nil {
		t.Fatal(err)
	}
	probe := exec.Command("stat", filepath.Join(s.Dir, "held"))
	if err := probe.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = probe.Wait(); close(exited) }()
	time.Sleep(300 * time.Millisecond)
	_ = probe.Process.Kill()
	select {
	case <-exited:
		t.Fatal("stallfs is not stalled: a stat there returned, or SIGKILL ended the process waiting on it")
	case <-time.After(500 * time.Millisecond):
	}
	state := ProcState(probe.Process.Pid)
	if state != "D" {
		t.Fatalf("a stat on the stalled stallfs left its process in state %q, not D", state)
	}
}

// Answer makes the daemon answer again, the requests waiting included.
func (s *StallFS) Answer(t *testing.T) {
	t.Helper()
	if _, err := s.h.In.Write([]byte("answer\n")); err != nil {
		t.Fatal(err)
	}
}

// ProcState returns the state letter of process pid ("R", "S", "D",
// "Z"), or "" when it does not exist.
func ProcState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return ""
	}
	return s[i+2 : i+3]
}

// RunBounded runs a command and fails the test unless it has exited, and
// been reaped, within limit: a process that printed its answer but
// cannot exit hangs the shell that ran it just the same. It returns what
// the command printed. A command still running at the limit is killed,
// by its own PID, and its output is not waited for.
func RunBounded(t testing.TB, limit time.Duration, bin string, args ...string) Result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	reaped := make(chan struct{})
	go func() {
		// Wait reaps the process, then waits for its output pipes to
		// close: a child left behind holding them counts as a hang.
		_ = cmd.Wait()
		close(reaped)
	}()
	select {
	case <-reaped:
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		t.Fatalf("%s %q did not exit and close its output within %v (state %q); it printed:\n%s%s",
			filepath.Base(bin), args, limit, ProcState(cmd.Process.Pid), out.String(), errb.String())
	}
	t.Logf("%s %q: exit %d in %v", filepath.Base(bin), args, cmd.ProcessState.ExitCode(), time.Since(start).Round(time.Millisecond))
	return Result{Stdout: out.String(), Stderr: errb.String(), Code: cmd.ProcessState.ExitCode()}
}

// SyncBuffer is a buffer a process writes to while the test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *SyncBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *SyncBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// WaitFor polls until the buffer holds s, or the time is up.
func (l *SyncBuffer) WaitFor(s string, timeout time.Duration) bool {
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if strings.Contains(l.String(), s) {
			return true
		}
	}
	return false
}

// EachMountNamespace runs test once with a stallfs in our mount
// namespace and once with one only in another.
func EachMountNamespace(t *testing.T, test func(t *testing.T, fs *StallFS)) {
	for _, other := range []bool{false, true} {
		name := "our-namespace"
		if other {
			name = "other-namespace"
		}
		t.Run(name, func(t *testing.T) { test(t, MountStallFS(t, other)) })
	}
}

// DaemonPID returns the PID of the stallfs daemon.
func (s *StallFS) DaemonPID() int { return s.h.PID }
