//go:build linux

package fdscan

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// NetNS returns the inode of the network namespace of process pid, from
// its ns/net link, reading nothing else: it lets a caller learn which
// namespaces there are, and a member of each, before a scan. Scans of
// the same listing (until Refresh) take the process's namespace from
// what it read, failure included, rather than read the link again. It
// fails when the link cannot be read, as when the process is gone.
func (s *Scanner) NetNS(pid int) (uint64, error) {
	var buf [64]byte
	path := filepath.Join(s.root, strconv.Itoa(pid), "ns", "net")
	n, err := s.kernel.ReadlinkAt(unix.AT_FDCWD, path, buf[:])
	if err != nil {
		s.cur.netNS.Store(pid, uint64(0))
		return 0, fmt.Errorf("readlink %s: %w", path, err)
	}
	link := string(buf[:n])
	ino, ok := netNSInode(link)
	s.cur.netNS.Store(pid, ino)
	if !ok {
		return 0, fmt.Errorf("readlink %s: not a network namespace: %q", path, link)
	}
	return ino, nil
}

// netNSInode returns N of an ns/net link, "net:[N]".
func netNSInode(link string) (uint64, bool) {
	num, ok := strings.CutPrefix(link, "net:[")
	ino, err := strconv.ParseUint(strings.TrimSuffix(num, "]"), 10, 64)
	return ino, ok && err == nil
}

// Identity returns process pid with what its stat and owner say (command,
// parent, process group, user) and no files, as for walking a chain of
// parents. It fails when the process is gone or a zombie.
func (s *Scanner) Identity(pid int) (*Process, error) {
	rel := strconv.Itoa(pid)
	dir := filepath.Join(s.root, rel)
	dirfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	defer unix.Close(dirfd)
	r := &reader{s: s, buf: make([]byte, 4<<10)}
	p := &Process{PID: pid, Dir: rel}
	if !r.readStat(dirfd, p) || !r.readOwner(dirfd, p) {
		return nil, fmt.Errorf("read %s: %w", dir, unix.ESRCH)
	}
	return p, nil
}

// pidfsMagic is pidfs's f_type (PID_FS_MAGIC).
const pidfsMagic = 0x50494446

// PidfdID returns the identity of the process pidfd refers to: its
// inode in pidfs, unique to the process until reboot (Linux 6.9 and
// later). Before pidfs, pidfds share one anonymous inode, which tells
// nothing: then it reports false.
func PidfdID(pidfd int) (uint64, bool) {
	var fs unix.Statfs_t
	if err := unix.Fstatfs(pidfd, &fs); err != nil || fs.Type != pidfsMagic {
		return 0, false
	}
	var st unix.Stat_t
	if err := unix.Fstat(pidfd, &st); err != nil {
		return 0, false
	}
	return st.Ino, true
}
