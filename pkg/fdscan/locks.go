//go:build linux

package fdscan

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

type lockKey struct {
	pid int
	dev uint64
	ino uint64
}

// lockChar returns lsof's lock character for a file a process holds a
// lock on, reading /proc/locks once a listing, on first use.
func (s *Scanner) lockChar(pid int, dev, ino uint64) byte {
	l := s.listing()
	l.locksOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join(s.root, "locks"))
		if err == nil {
			l.locks = parseLocks(b)
		}
	})
	return l.locks[lockKey{pid, dev, ino}]
}

// parseLocks parses /proc/locks into lsof's lock characters by process,
// device and inode: 'R' and 'W' for read and write locks on the whole
// file, 'r' and 'w' on part of it. Waiting requests ("->") and open file
// description locks (which belong to no process) are left out.
func parseLocks(b []byte) map[lockKey]byte {
	locks := map[lockKey]byte{}
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		// N: CLASS MODE TYPE PID MAJ:MIN:INO START END
		f := bytes.Fields(line)
		if len(f) < 8 || bytes.Equal(f[1], []byte("->")) {
			continue
		}
		class, typ := string(f[1]), string(f[3])
		if class != "POSIX" && class != "FLOCK" {
			continue
		}
		pid, err := strconv.Atoi(string(f[4]))
		if err != nil || pid <= 0 {
			continue
		}
		id := bytes.Split(f[5], []byte(":"))
		if len(id) != 3 {
			continue
		}
		major, err1 := strconv.ParseUint(string(id[0]), 16, 32)
		minor, err2 := strconv.ParseUint(string(id[1]), 16, 32)
		ino, err3 := strconv.ParseUint(string(id[2]), 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		whole := string(f[6]) == "0" && string(f[7]) == "EOF"
		var c byte
		switch typ {
		case "READ":
			c = 'r'
		case "WRITE":
			c = 'w'
		default:
			continue
		}
		if whole {
			c -= 'a' - 'A'
		}
		k := lockKey{pid, unix.Mkdev(uint32(major), uint32(minor)), ino}
		if _, ok := locks[k]; !ok {
			locks[k] = c
		}
	}
	return locks
}
