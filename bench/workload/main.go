// Command workload starts N processes that each hold about M open files
// of mixed kinds, for benchmarks: regular files read, written and both,
// directories, pipes, unix socket pairs, a TCP listener on loopback, UDP
// sockets, deleted files and mapped files. It prints "ready" once every
// process holds its files, and ends them all, by the PIDs it started,
// when its standard input closes.
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
	child := flag.String("child", "", "internal: hold files in this directory")
	flag.Parse()
	if *child != "" {
		if err := hold(*child, *files); err != nil {
			fmt.Fprintln(os.Stderr, "workload child:", err)
			os.Exit(1)
		}
		fmt.Println("ready")
		_, _ = io.Copy(io.Discard, os.Stdin)
		return
	}
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
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var cmds []*exec.Cmd
	var stdins []io.Closer
	defer func() {
		for _, c := range stdins {
			c.Close()
		}
		for _, c := range cmds {
			_ = c.Wait()
		}
	}()
	for range procs {
		c := exec.Command(self, "-files", strconv.Itoa(files), "-child", dir)
		in, err := c.StdinPipe()
		if err != nil {
			return err
		}
		out, err := c.StdoutPipe()
		if err != nil {
			return err
		}
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			return err
		}
		cmds, stdins = append(cmds, c), append(stdins, in)
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || line != "ready\n" {
			return fmt.Errorf("child %d not ready: %q %v", c.Process.Pid, line, err)
		}
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

var kept []any

// hold opens about n files of mixed kinds.
func hold(dir string, n int) error {
	opened := 3 // stdin, stdout, stderr
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	kept = append(kept, ln)
	opened++
	for i := 0; opened < n; i++ {
		f := filepath.Join(dir, "f"+strconv.Itoa(i%64))
		var err error
		switch i % 10 {
		case 0, 1, 2:
			_, err = unix.Open(f, unix.O_RDONLY, 0)
			opened++
		case 3:
			_, err = unix.Open(f, unix.O_WRONLY, 0)
			opened++
		case 4:
			_, err = unix.Open(f, unix.O_RDWR, 0)
			opened++
		case 5:
			_, err = unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
			opened++
		case 6:
			var p [2]int
			err = unix.Pipe(p[:])
			opened += 2
		case 7:
			_, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
			opened += 2
		case 8:
			var c net.PacketConn
			if c, err = net.ListenPacket("udp4", "127.0.0.1:0"); err == nil {
				kept = append(kept, c)
			}
			opened++
		case 9:
			d := filepath.Join(dir, fmt.Sprintf("del-%d-%d", os.Getpid(), i))
			if err = os.WriteFile(d, []byte("x"), 0o644); err == nil {
				if _, err = unix.Open(d, unix.O_RDONLY, 0); err == nil {
					err = os.Remove(d)
				}
			}
			opened++
			if i%20 == 9 {
				var fd int
				if fd, err = unix.Open(f, unix.O_RDONLY, 0); err == nil {
					var m []byte
					if m, err = unix.Mmap(fd, 0, 4096, unix.PROT_READ, unix.MAP_SHARED); err == nil {
						kept = append(kept, m)
					}
					unix.Close(fd)
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
