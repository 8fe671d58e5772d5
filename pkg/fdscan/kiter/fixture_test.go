//go:build linux

package kiter

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/openfiles/openfiles/internal/unshared"
	"golang.org/x/sys/unix"
)

// The test binary doubles as the processes the live tests list, chosen
// by an environment variable: a holder of known files, and a probe that
// tries Open (run as nobody).
const (
	fixtureEnv = "KITER_TEST_FIXTURE"
	probeEnv   = "KITER_TEST_PROBE"
)

func TestMain(m *testing.M) {
	switch {
	case os.Getenv(fixtureEnv) != "":
		if err := holdFiles(os.Args[1], os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "fixture:", err)
			os.Exit(1)
		}
		fmt.Println("ready")
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	case os.Getenv(probeEnv) != "":
		os.Exit(probeOpen())
	}
	os.Exit(m.Run())
}

// probeOpen tries Open and prints what came of it on stdout: "ok", or
// "permission" or "other" and the error. Its exit status is 0 when Open
// worked, 1 when it failed.
func probeOpen() int {
	it, err := Open()
	if err == nil {
		it.Close()
		fmt.Println("ok")
		return 0
	}
	var e *Error
	switch {
	case !errors.As(err, &e):
		fmt.Println("unwrapped", err)
	case errors.Is(err, os.ErrPermission) && !errors.Is(err, errors.ErrUnsupported):
		fmt.Println("permission", err)
	default:
		fmt.Println("other", err)
	}
	return 1
}

// mappedFiles is how many files the fixture maps.
const mappedFiles = 1000

// kept stops the garbage collector from closing what the fixture holds.
var kept []any

// holdFiles opens one file of each kind the live test checks: in dir (a
// disk file system) a regular file read-write at an offset, one appended
// to, a file with two links, a deleted file and the directory itself; a
// file in shm (a tmpfs); its own status file in proc; a pipe, a unix
// socket pair, a TCP listener and /dev/null; and it maps mappedFiles
// files and holds each open twice. It also gives one thread a descriptor
// table of its own holding one more file, which /proc/PID/fd does not
// show.
func holdFiles(dir, shm string) error {
	data := make([]byte, 12345)
	create := func(name string, size int) (string, error) {
		p := filepath.Join(dir, name)
		return p, os.WriteFile(p, data[:size], 0o640)
	}
	open := func(path string, flags int) (int, error) {
		fd, err := unix.Open(path, flags, 0)
		if err != nil {
			return -1, fmt.Errorf("open %s: %w", path, err)
		}
		return fd, nil
	}
	p, err := create("readwrite", 12345)
	if err != nil {
		return err
	}
	fd, err := open(p, unix.O_RDWR|unix.O_CLOEXEC)
	if err != nil {
		return err
	}
	if _, err := unix.Seek(fd, 4321, io.SeekStart); err != nil {
		return err
	}
	if p, err = create("append", 10); err != nil {
		return err
	}
	// Without O_CLOEXEC: the flag comes from the descriptor table.
	if _, err := open(p, unix.O_WRONLY|unix.O_APPEND); err != nil {
		return err
	}
	if p, err = create("linked", 99); err != nil {
		return err
	}
	if err := os.Link(p, p+"-2"); err != nil {
		return err
	}
	if _, err := open(p, unix.O_RDONLY|unix.O_CLOEXEC); err != nil {
		return err
	}
	if p, err = create("deleted", 77); err != nil {
		return err
	}
	if _, err := open(p, unix.O_RDONLY|unix.O_CLOEXEC); err != nil {
		return err
	}
	if err := os.Remove(p); err != nil {
		return err
	}
	if _, err := open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC); err != nil {
		return err
	}
	tp := filepath.Join(shm, "on-tmpfs")
	if err := os.WriteFile(tp, data[:555], 0o600); err != nil {
		return err
	}
	if _, err := open(tp, unix.O_RDONLY|unix.O_NOATIME|unix.O_CLOEXEC); err != nil {
		return err
	}
	if _, err := open("/dev/null", unix.O_WRONLY|unix.O_CLOEXEC); err != nil {
		return err
	}
	// On proc, a file system a search reports every file of.
	if _, err := open("/proc/self/status", unix.O_RDONLY|unix.O_CLOEXEC); err != nil {
		return err
	}
	var pipe [2]int
	if err := unix.Pipe2(pipe[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return err
	}
	if _, err := unix.Write(pipe[1], data[:3]); err != nil {
		return err
	}
	if _, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	kept = append(kept, ln)

	// Files mapped, each also open twice: more than one read of the
	// iterator's seq buffer (eight pages) holds, so that both walks run
	// across the end of one. The first descriptors of all come first:
	// each carries its path, which the second ones then name by number,
	// so a read's end falls on a record that numbers a path.
	var paths []string
	for i := range mappedFiles {
		p, err := create(fmt.Sprintf("mapped-%d", i), 1)
		if err != nil {
			return err
		}
		fd, err := open(p, unix.O_RDONLY|unix.O_CLOEXEC)
		if err != nil {
			return err
		}
		if _, err := unix.Mmap(fd, 0, 1, unix.PROT_READ, unix.MAP_SHARED); err != nil {
			return err
		}
		paths = append(paths, p)
	}
	for _, p := range paths {
		if _, err := open(p, unix.O_RDONLY|unix.O_CLOEXEC); err != nil {
			return err
		}
	}

	// A thread with a table of its own, holding one more file.
	return unshared.Thread(func() error {
		p, err := create("thread-only", 1)
		if err == nil {
			_, err = open(p, unix.O_RDONLY|unix.O_CLOEXEC)
		}
		return err
	})
}
