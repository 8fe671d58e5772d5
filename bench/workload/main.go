// Command workload starts N processes that each hold about M open files
// of mixed kinds, for benchmarks: regular files read, written and both,
// directories, pipes, unix socket pairs, a TCP listener on loopback, UDP
// sockets and deleted files. The files are opened here and handed to each
// child, a plain sleep(1), as inherited descriptors, so the children are
// small single-threaded processes, as most are. It prints "ready" once
// every child runs, and ends them all, by the PIDs it started, when its
// standard input closes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

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
	for i := range procs {
		held, err := open(dir, i, files-3)
		if err != nil {
			return err
		}
		c := exec.Command("sleep", "1000000")
		c.ExtraFiles = held
		err = c.Start()
		for _, f := range held {
			f.Close()
		}
		if err != nil {
			return err
		}
		cmds = append(cmds, c)
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
