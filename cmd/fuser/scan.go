package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/internal/fdlinks"
	"github.com/openfiles/openfiles/pkg/fdscan"
)

// signalChunk is how many processes have a pidfd open at once while
// they are read for -k.
const signalChunk = 256

// search finds the processes using the names: the sockets matching the
// PORT/tcp and PORT/udp names first, then every process, then the
// kernel's own uses. Like psmisc it reads no process at all when no name
// came to anything to look for. It reports false, after the message,
// when /proc cannot be read.
func (f *fuser) search() bool {
	var netdev uint64
	if f.hasConns() || f.needUnix || len(f.devices) > 0 {
		netdev = f.netDevice()
	}
	if f.hasConns() {
		f.findSockets(netdev)
	}
	if len(f.inodes) == 0 && len(f.devices) == 0 {
		return true
	}
	sc, err := fdscan.New(fdscan.Options{Root: f.e.procRoot, Stats: f.e.stats, Workers: f.e.workers})
	var pids []int
	if err == nil {
		pids, err = sc.PIDs()
	}
	if err != nil {
		f.out.errorf("Cannot open /proc directory: %s\n", strerror(err))
		return false
	}
	if i := indexOf(pids, f.e.self); i >= 0 {
		pids = append(pids[:i:i], pids[i+1:]...) // never ourselves
	}
	f.targets.byPID = map[int]*target{}
	if f.onlySockets() {
		if f.e.trace != nil {
			f.e.trace.linkSearch = true
		}
		f.scanLinks(pids, netdev)
		return true
	}
	if f.e.trace != nil {
		f.e.trace.fullScan = true
	}
	pm := &processMatcher{f: f, netdev: netdev}
	if f.needUnix || len(f.devices) > 0 {
		pm.unix = f.unixSockets()
	}
	found := map[int]bool{}
	visit := func(p *fdscan.Process) error {
		if pm.match(p) {
			found[p.PID] = true
		}
		return nil
	}
	if !f.kill {
		_ = sc.Scan(pids, visit)
	} else {
		// A pidfd is opened before the process is read, so that the
		// process signalled is the one read, or none.
		for len(pids) > 0 {
			chunk := pids[:min(len(pids), signalChunk)]
			pids = pids[len(chunk):]
			for _, pid := range chunk {
				f.targets.open(pid)
			}
			_ = sc.Scan(chunk, visit)
			for _, pid := range chunk {
				if !found[pid] {
					f.targets.drop(pid)
				}
			}
		}
	}
	f.specials()
	return true
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func (f *fuser) hasConns() bool {
	for _, c := range f.conns {
		if len(c) > 0 {
			return true
		}
	}
	return false
}

// onlySockets reports whether every name is a PORT/tcp or PORT/udp one,
// so that only socket descriptors can match and their links say which.
// Fixture trees always take the full scan, which honours their stat
// tables.
func (f *fuser) onlySockets() bool {
	if f.e.stats != nil || len(f.devices) > 0 {
		return false
	}
	for _, n := range f.names {
		if n.space == spaceFile && n.ok {
			return false
		}
	}
	return true
}

// scanLinks is the search for socket names: the inodes of the matching
// sockets are known from the tables, so each descriptor is matched by
// the text of its link, socket:[INODE], with one readlink and no stat.
// Errors are reported as psmisc reports its failed stats.
func (f *fuser) scanLinks(pids []int, netdev uint64) {
	r := fdlinks.NewReader(f.e.procRoot)
	for _, pid := range pids {
		if f.kill {
			f.targets.open(pid)
		}
		m := &matcher{f: f, info: procInfo{pid: pid}}
		m.command = func() string { return commandName(readComm(f.e.procRoot, pid)) }
		_ = r.Links(pid, func(fd int, link []byte, err error) {
			if err != nil {
				if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOTDIR) {
					f.out.errorf("Cannot stat file %s/%d/fd/%d: %s\n", f.e.procRoot, pid, fd, strerror(err))
				}
				return
			}
			ino, ok := fdlinks.SocketInode(link)
			if !ok {
				return
			}
			names := f.inodes[devIno{netdev, ino}]
			if len(names) == 0 {
				return
			}
			access := uint8(accessFile)
			if linkWritable(f.e.procRoot, pid, fd) {
				access |= accessFileWr
			}
			for _, n := range names {
				m.add(n, access)
			}
		})
		if f.kill && !m.matched {
			f.targets.drop(pid)
		}
	}
}

// readComm returns the command name from /proc/PID/stat: what lies
// between the first '(' and the last ')'.
func readComm(procRoot string, pid int) string {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return ""
	}
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return ""
	}
	return string(b[open+1 : end])
}
