//go:build linux

// Command workload starts N processes that each hold about M open files
// of mixed kinds, for benchmarks: regular files read, written and both,
// directories, pipes, unix socket pairs, a TCP listener on loopback, UDP
// sockets and deleted files. The files are opened here and handed to each
// child, a plain sleep(1), as inherited descriptors, so the children are
// small single-threaded processes, as most are. Each child also maps a
// copy of a system library (through LD_PRELOAD) besides its own, and half
// the copies are deleted once mapped. It prints "ready" once every child
// runs with its mapping, and ends them all, by the PIDs it started, when
// its standard input closes.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	procs := flag.Int("procs", 1000, "processes to start")
	files := flag.Int("files", 160, "open files per process")
	flag.Parse()
	if err := run(*procs, *files); err != nil {
		fmt.Fprintln(os.Stderr, "workload:", err)
		os.Exit(1)
	}
}

func run(procs, files int) error {
	dir, err := os.MkdirTemp("", "workload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for i := range 64 {
		if err := os.WriteFile(filepath.Join(dir, "f"+strconv.Itoa(i)), make([]byte, 4096), 0o644); err != nil {
			return err
		}
	}
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil && lim.Cur < uint64(files)+64 {
		lim.Cur = min(lim.Max, uint64(files)+64)
		_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &lim)
	}
	var cmds []*exec.Cmd
	defer func() {
		for _, c := range cmds {
			_ = c.Process.Kill() // our own children, by PID
			_ = c.Wait()
		}
	}()
	libs, err := libraryCopies(dir, 8)
	if err != nil {
		return err
	}
	for i := range procs {
		held, err := open(dir, i, files-3)
		if err != nil {
			return err
		}
		c := exec.Command("sleep", "1000000")
		c.ExtraFiles = held
		if len(libs) > 0 {
			c.Env = append(os.Environ(), "LD_PRELOAD="+libs[i%len(libs)])
		}
		err = c.Start()
		for _, f := range held {
			f.Close()
		}
		if err != nil {
			return err
		}
		cmds = append(cmds, c)
	}
	if err := deleteMapped(cmds, libs); err != nil {
		return err
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
	return nil
}

// open opens n files of mixed kinds for child number child.
func open(dir string, child, n int) ([]*os.File, error) {
	var held []*os.File
	add := func(fds ...int) {
		for _, fd := range fds {
			held = append(held, os.NewFile(uintptr(fd), ""))
		}
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	lf, err := ln.(*net.TCPListener).File()
	ln.Close()
	if err != nil {
		return nil, err
	}
	held = append(held, lf)
	for i := 0; len(held) < n; i++ {
		f := filepath.Join(dir, "f"+strconv.Itoa(i%64))
		var fd int
		var err error
		switch i % 10 {
		case 0, 1, 2:
			fd, err = unix.Open(f, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			add(fd)
		case 3:
			fd, err = unix.Open(f, unix.O_WRONLY|unix.O_CLOEXEC, 0)
			add(fd)
		case 4:
			fd, err = unix.Open(f, unix.O_RDWR|unix.O_CLOEXEC, 0)
			add(fd)
		case 5:
			fd, err = unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			add(fd)
		case 6:
			var p [2]int
			err = unix.Pipe2(p[:], unix.O_CLOEXEC)
			add(p[0], p[1])
		case 7:
			var p [2]int
			p, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			add(p[0], p[1])
		case 8:
			fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
			if err == nil {
				err = unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
				add(fd)
			}
		case 9:
			d := filepath.Join(dir, fmt.Sprintf("del-%d-%d", child, i))
			if err = os.WriteFile(d, []byte("x"), 0o644); err == nil {
				if fd, err = unix.Open(d, unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
					add(fd)
					err = os.Remove(d)
				}
			}
		}
		if err != nil {
			for _, h := range held {
				h.Close()
			}
			return nil, err
		}
	}
	return held, nil
}

// libraryCopies copies a small system library into dir n times, for the
// children to map, or returns none when the system has none to copy.
func libraryCopies(dir string, n int) ([]string, error) {
	var lib []byte
	for _, pattern := range []string{"/lib/*/libm.so.6", "/usr/lib/*/libm.so.6", "/lib64/libm.so.6", "/usr/lib64/libm.so.6"} {
		matches, _ := filepath.Glob(pattern)
		if len(matches) > 0 {
			b, err := os.ReadFile(matches[0])
			if err == nil {
				lib = b
				break
			}
		}
	}
	if lib == nil {
		fmt.Fprintln(os.Stderr, "workload: no libm.so.6 to copy: the children map no file of ours")
		return nil, nil
	}
	var copies []string
	for i := range n {
		path := filepath.Join(dir, "mapped-"+strconv.Itoa(i)+".so")
		if err := os.WriteFile(path, lib, 0o644); err != nil {
			return nil, err
		}
		copies = append(copies, path)
	}
	return copies, nil
}

// deleteMapped waits until each child has mapped its library copy, then
// deletes every other copy, so that half the children map a deleted file.
func deleteMapped(cmds []*exec.Cmd, libs []string) error {
	if len(libs) == 0 {
		return nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for i, c := range cmds {
		want := []byte(libs[i%len(libs)])
		for {
			maps, err := os.ReadFile("/proc/" + strconv.Itoa(c.Process.Pid) + "/maps")
			if err != nil {
				return err
			}
			if bytes.Contains(maps, want) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("child %d did not map %s", c.Process.Pid, want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	for i := 1; i < len(libs); i += 2 {
		if err := os.Remove(libs[i]); err != nil {
			return err
		}
	}
	return nil
}
