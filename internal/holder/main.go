//go:build linux

// Command holder is a test fixture process: it opens one file of every kind
// lsof distinguishes, reports readiness, and keeps them open until its
// standard input closes. Tests start it, compare listings of its PID, and
// end it; it never touches anything outside the directory it is given.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/openfiles/openfiles/internal/unshared"
	"golang.org/x/sys/unix"
)

func main() {
	hold := hold
	switch {
	case len(os.Args) == 3 && os.Args[1] == "-flags":
		hold = holdFlags
		os.Args = os.Args[1:]
	case len(os.Args) == 3 && os.Args[1] == "-thread":
		hold = holdThread
		os.Args = os.Args[1:]
	case len(os.Args) != 2:
		fmt.Fprintln(os.Stderr, "usage: holder DIR | holder -flags DIR | holder -thread DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := hold(dir); err != nil {
		fmt.Fprintln(os.Stderr, "holder:", err)
		os.Exit(1)
	}
	// Readiness: the parent waits for this line before listing us.
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// kept stops the garbage collector from closing what we opened.
var kept []any

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func create(dir, name string, data []byte) string {
	p := filepath.Join(dir, name)
	must(os.WriteFile(p, data, 0o644))
	return p
}

func open(path string, flag int) int {
	fd, err := unix.Open(path, flag|unix.O_CLOEXEC, 0o644)
	if err != nil {
		panic(fmt.Errorf("open %s: %w", path, err))
	}
	return fd
}

func hold(dir string) error {
	data := make([]byte, 12345)
	open(create(dir, "readonly", data), unix.O_RDONLY)
	open(create(dir, "writeonly", nil), unix.O_WRONLY)
	rw := open(create(dir, "readwrite", data), unix.O_RDWR)
	if _, err := unix.Seek(rw, 4321, io.SeekStart); err != nil {
		return err
	}
	open(create(dir, "append", data[:10]), unix.O_WRONLY|unix.O_APPEND)
	open(dir, unix.O_RDONLY|unix.O_DIRECTORY)
	open("/dev/null", unix.O_RDONLY)
	open("/dev/zero", unix.O_RDWR)

	fifo := filepath.Join(dir, "fifo")
	must(unix.Mkfifo(fifo, 0o644))
	open(fifo, unix.O_RDWR)

	var p [2]int
	must(unix.Pipe2(p[:], unix.O_CLOEXEC))

	del := create(dir, "deleted", data[:77])
	open(del, unix.O_RDONLY)
	must(os.Remove(del))

	mapped := create(dir, "mapped", data)
	mfd := open(mapped, unix.O_RDONLY)
	m, err := unix.Mmap(mfd, 0, len(data), unix.PROT_READ, unix.MAP_SHARED)
	must(err)
	kept = append(kept, m)
	unix.Close(mfd)

	mdel := create(dir, "mapped-deleted", data)
	mfd = open(mdel, unix.O_RDONLY)
	m, err = unix.Mmap(mfd, 0, len(data), unix.PROT_READ, unix.MAP_SHARED)
	must(err)
	kept = append(kept, m)
	unix.Close(mfd)
	must(os.Remove(mdel))

	fl := open(create(dir, "flocked", data), unix.O_RDWR)
	must(unix.Flock(fl, unix.LOCK_EX))
	rl := open(create(dir, "readlocked", data), unix.O_RDONLY)
	must(unix.FcntlFlock(uintptr(rl), unix.F_SETLK, &unix.Flock_t{Type: unix.F_RDLCK, Whence: io.SeekStart, Start: 10, Len: 100}))
	wl := open(create(dir, "writelocked", data), unix.O_RDWR)
	must(unix.FcntlFlock(uintptr(wl), unix.F_SETLK, &unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: 0, Len: 0}))

	_, err = unix.Eventfd(3, unix.EFD_CLOEXEC)
	must(err)
	_, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	must(err)
	_, err = unix.InotifyInit1(unix.IN_CLOEXEC)
	must(err)
	_, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC)
	must(err)
	var set unix.Sigset_t
	set.Val[0] = 1 << (uint(syscall.SIGUSR2) - 1)
	_, err = unix.Signalfd(-1, &set, unix.SFD_CLOEXEC)
	must(err)
	_, err = unix.PidfdOpen(os.Getpid(), 0)
	must(err)
	memfd, err := unix.MemfdCreate("holder-memfd", unix.MFD_CLOEXEC)
	must(err)
	_, err = unix.Write(memfd, data[:99])
	must(err)

	// O_PATH: no access mode of its own.
	open(filepath.Join(dir, "readonly"), unix.O_PATH)
	// A descriptor number past 9999, which lsof shows as *NNN.
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil && lim.Cur > 10042 {
		must(unix.Dup3(rw, 10042, unix.O_CLOEXEC))
	}

	for _, name := range []string{"with space", "with\nnewline", "with\x1bescape", "non-ascii-äöü"} {
		open(create(dir, name, data[:5]), unix.O_RDONLY)
	}
	// /dev/null in every mode, one seeked: the kernel keeps its offset at
	// 0, which our lsof knows without reading fdinfo.
	dn := open("/dev/null", unix.O_WRONLY)
	if _, err := unix.Seek(dn, 99, io.SeekStart); err != nil {
		return err
	}
	open("/dev/null", unix.O_RDWR)
	open("/dev/null", unix.O_PATH)
	return nil
}

// holdFlags opens files in DIR with the open flags that stay in the
// kernel's record of an open file, each alone or with others, some
// without O_CLOEXEC.
func holdFlags(dir string) error {
	f := create(dir, "flags", make([]byte, 100))
	for _, flag := range []int{
		unix.O_RDONLY, unix.O_WRONLY | unix.O_APPEND, unix.O_RDWR | unix.O_SYNC, unix.O_RDONLY | unix.O_DSYNC,
		unix.O_RDONLY | unix.O_NONBLOCK, unix.O_RDWR | unix.O_ASYNC, unix.O_RDONLY | unix.O_NOATIME,
		unix.O_RDONLY | unix.O_NOFOLLOW, unix.O_PATH, unix.O_PATH | unix.O_NOFOLLOW,
	} {
		open(f, flag)
		fd, err := unix.Open(f, flag, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", f, err)
		}
		kept = append(kept, fd)
	}
	open(dir, unix.O_RDONLY|unix.O_DIRECTORY)
	// An unnamed temporary file, where the file system has them.
	if fd, err := unix.Open(dir, unix.O_RDWR|unix.O_TMPFILE|unix.O_CLOEXEC, 0o600); err == nil {
		kept = append(kept, fd)
	}
	return nil
}

// holdThread opens a file in DIR, then gives one thread, not the
// leader, a descriptor table of its own holding one more file: lsof
// lists that thread's table apart from its process's.
func holdThread(dir string) error {
	open(create(dir, "process-file", nil), unix.O_RDONLY)
	return unshared.Thread(func() error {
		open(create(dir, "thread-only", nil), unix.O_RDONLY)
		return nil
	})
}
