package main

import (
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// fileID is what fuser compares files by: device and inode, with the
// type, and the device a block device stands for.
type fileID struct {
	dev, ino, rdev uint64
	mode           uint32
}

func (f fileID) isBlock() bool  { return f.mode&unix.S_IFMT == unix.S_IFBLK }
func (f fileID) isSocket() bool { return f.mode&unix.S_IFMT == unix.S_IFSOCK }

// fileSystem is how names are resolved: on the live system, or on a
// fixture's stat table in tests.
type fileSystem interface {
	// stat follows symbolic links, as psmisc's statx does, without
	// triggering an automount.
	stat(path string) (fileID, error)
	readlink(path string) (string, error)
	getwd() (string, error)
}

// liveFS is the machine's file system. guard, when set, bounds stats on
// file systems that may not answer (a stuck FUSE daemon, a lost NFS
// server).
type liveFS struct {
	guard *fdscan.Scanner
}

func (l liveFS) stat(path string) (fileID, error) {
	do := func() (fileID, error) {
		var st unix.Statx_t
		err := unix.Statx(unix.AT_FDCWD, path, unix.AT_NO_AUTOMOUNT|unix.AT_STATX_DONT_SYNC,
			unix.STATX_TYPE|unix.STATX_INO, &st)
		if err != nil {
			return fileID{}, err
		}
		return fileID{
			dev:  unix.Mkdev(st.Dev_major, st.Dev_minor),
			rdev: unix.Mkdev(st.Rdev_major, st.Rdev_minor),
			ino:  st.Ino, mode: uint32(st.Mode),
		}, nil
	}
	if l.guard == nil {
		return do()
	}
	return fdscan.Guarded(l.guard, path, do)
}

func (l liveFS) readlink(path string) (string, error) {
	do := func() (string, error) {
		buf := make([]byte, unix.PathMax)
		n, err := unix.Readlink(path, buf)
		if err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	if l.guard == nil {
		return do()
	}
	return fdscan.Guarded(l.guard, path, do)
}

// getwd asks the kernel, not $PWD, as getcwd(3) does.
func (liveFS) getwd() (string, error) { return unix.Getwd() }

// fixtureFS resolves names in a stat table keyed by absolute path, with
// no symbolic links.
type fixtureFS struct {
	names fdscan.StatTable
	wd    string
}

func (f fixtureFS) stat(path string) (fileID, error) {
	if !strings.HasPrefix(path, "/") {
		path = filepath.Join(f.wd, path)
	}
	e, ok := f.names[path]
	if !ok {
		return fileID{}, unix.ENOENT
	}
	if e.Err != nil {
		return fileID{}, e.Err
	}
	return fileID{dev: e.Stat.Dev, rdev: e.Stat.Rdev, ino: e.Stat.Ino, mode: e.Stat.Mode}, nil
}

func (f fixtureFS) readlink(path string) (string, error) {
	if _, err := f.stat(path); err != nil {
		return "", err
	}
	return "", unix.EINVAL
}

func (f fixtureFS) getwd() (string, error) { return f.wd, nil }
