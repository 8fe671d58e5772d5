//go:build linux

package kiter

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fromProcLinks reads what proc says of pid's cwd, root and exe, as a
// Task: stat of each link's target, and its mount as fdinfo gives it of
// the target opened through the link. A link that cannot be followed
// (a kernel thread's exe) has no OK file.
func fromProcLinks(t *testing.T, pid int) Task {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid)
	task := Task{PID: pid}
	for i, name := range []string{"cwd", "root", "exe"} {
		fd, err := unix.Open(dir+"/"+name, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		var st unix.Stat_t
		err = unix.Fstat(fd, &st)
		info, ierr := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
		unix.Close(fd)
		if err != nil || ierr != nil {
			t.Fatalf("%s/%s: %v %v", dir, name, err, ierr)
		}
		f := TaskFile{Dev: st.Dev, Ino: st.Ino, Rdev: st.Rdev, Size: st.Size, Mode: st.Mode, Nlink: uint32(st.Nlink), MountID: -1, OK: true}
		for line := range strings.Lines(string(info)) {
			if v, ok := strings.CutPrefix(line, "mnt_id:"); ok {
				f.MountID, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		task.Files[i] = f
	}
	if link, err := os.Readlink(dir + "/ns/net"); err == nil {
		ino, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(link, "net:["), "]"), 10, 64)
		task.NetNS = ino
	}
	return task
}

// TestLiveTasks checks the processes' walk against proc: the fixture's,
// whose working directory is a fresh one, and this test's own, field by
// field; that it reports each process once, in PID order, with no
// thread; and that a kernel thread has directories but no program.
func TestLiveTasks(t *testing.T) {
	it := openForTest(t, nil)
	h, dir, _ := startFixture(t)
	got := map[int]Task{}
	last := 0
	if err := it.Tasks(func(task Task) error {
		if task.PID <= last {
			t.Errorf("process %d after %d", task.PID, last)
		}
		last = task.PID
		got[task.PID] = task
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	self := os.Getpid()
	for _, pid := range []int{h.PID, self} {
		want := fromProcLinks(t, pid)
		if got[pid] != want {
			t.Errorf("process %d:\nproc   %+v\nkernel %+v", pid, want, got[pid])
		}
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		t.Fatal(err)
	}
	if cwd := got[h.PID].Files[TaskCWD]; cwd.Ino != st.Ino || cwd.Dev != st.Dev {
		t.Errorf("fixture's cwd %+v, want %s (dev %d ino %d)", cwd, dir, st.Dev, st.Ino)
	}
	// Threads of this test (the Go runtime's) are not processes.
	tids, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tids {
		if tid, _ := strconv.Atoi(e.Name()); tid != self {
			if _, ok := got[tid]; ok {
				t.Errorf("thread %d reported as a process", tid)
			}
		}
	}
	// kthreadd, PID 2 where this is the first PID namespace.
	if comm, err := os.ReadFile("/proc/2/comm"); err == nil && string(comm) == "kthreadd\n" {
		k := got[2]
		if !k.Files[TaskCWD].OK || !k.Files[TaskRoot].OK || k.Files[TaskExe].OK {
			t.Errorf("kthreadd: %+v, want directories and no program", k)
		}
	}
}
