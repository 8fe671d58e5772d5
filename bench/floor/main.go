// Command floor makes only the system calls a search of every process
// cannot do without, on every core, and nothing else: it lists /proc,
// and for each process lists its fd directory and, for each descriptor,
// reads its link (-mode links: what a port search needs) or stats what
// it points to (-mode stats: what a file search needs, with a stat of
// the working directory, root and program and a read of the maps of
// each process, as psmisc's file search makes too). Its time is a floor
// under any fuser's, ours or psmisc's; bench/compare runs it beside
// psmisc fuser to show how low a ratio can go.
//
// It uses the 64-bit stat system call directly, as pkg/fdscan does.
//
//go:build linux && (amd64 || arm64)

package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	mode := flag.String("mode", "links", "links or stats")
	workers := flag.Int("workers", runtime.NumCPU(), "processes read at once")
	flag.Parse()
	if *mode != "links" && *mode != "stats" {
		fmt.Fprintln(os.Stderr, "floor: -mode is links or stats")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*workers + 1)
	pids, err := pids()
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	var next atomic.Int64
	var total atomic.Int64
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ents := make([]byte, 32<<10)
			link := make([]byte, unix.PathMax)
			var name []byte
			var st unix.Stat_t
			n := 0
			for {
				i := int(next.Add(1) - 1)
				if i >= len(pids) {
					break
				}
				proc := "/proc/" + strconv.Itoa(pids[i])
				if *mode == "stats" {
					for _, name := range []string{"/cwd", "/root", "/exe"} {
						_ = unix.Stat(proc+name, &st)
					}
					if m, err := unix.Open(proc+"/maps", unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
						for {
							if k, err := unix.Read(m, ents); k <= 0 || err != nil {
								break
							}
						}
						unix.Close(m)
					}
				}
				dir, err := unix.Open(proc+"/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
				if err != nil {
					continue
				}
				for _, fd := range fds(dir, ents) {
					name = append(strconv.AppendInt(name[:0], int64(fd), 10), 0)
					p := uintptr(unsafe.Pointer(&name[0]))
					if *mode == "links" {
						unix.RawSyscall6(unix.SYS_READLINKAT, uintptr(dir), p, uintptr(unsafe.Pointer(&link[0])), uintptr(len(link)), 0, 0)
					} else {
						unix.Syscall6(unix.SYS_NEWFSTATAT, uintptr(dir), p, uintptr(unsafe.Pointer(&st)), 0, 0, 0)
					}
					n++
				}
				unix.Close(dir)
			}
			total.Add(int64(n))
		}()
	}
	wg.Wait()
	fmt.Println(total.Load(), "descriptors")
}

// pids lists the processes under /proc.
func pids() ([]int, error) {
	f, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil {
			out = append(out, pid)
		}
	}
	return out, nil
}

// fds lists the descriptor numbers in an open fd directory.
func fds(dir int, buf []byte) []int {
	var out []int
	for {
		r, _, errno := unix.RawSyscall(unix.SYS_GETDENTS64, uintptr(dir), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		if errno != 0 || r == 0 {
			return out
		}
		b := buf[:r]
		for len(b) >= 19 {
			reclen := int(b[16]) | int(b[17])<<8
			if reclen == 0 || reclen > len(b) {
				break
			}
			fd, ok := 0, b[19] != 0
			for _, c := range b[19:reclen] {
				if c == 0 {
					break
				}
				if c < '0' || c > '9' {
					ok = false
					break
				}
				fd = fd*10 + int(c-'0')
			}
			if ok {
				out = append(out, fd)
			}
			b = b[reclen:]
		}
	}
}
