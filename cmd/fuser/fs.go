//go:build linux

package main

import (
	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/pathlookup"
)

// fileID is what fuser compares files by: device and inode, with the
// type, and the device a block device stands for.
type fileID struct {
	dev, ino, rdev uint64
	mode           uint32
	mountRoot      bool   // the root of a mount, in whichever mount namespace
	mntID          uint64 // the mount it is on; 0 when unknown
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
	// helpers are the PIDs of the processes that made the lookups,
	// which are neither listed nor signalled.
	helpers() []int
}

// liveFS is the machine's file system. Its lookups are made by a
// helper process with a deadline (pathlookup.Lookup), so that a file system
// that stopped answering (a stuck FUSE daemon, a lost NFS server) costs
// a message, never a process that cannot exit.
type liveFS struct {
	lookup *pathlookup.Lookup
}

func (l liveFS) stat(path string) (fileID, error) {
	st, err := l.lookup.Stat(path)
	if err != nil {
		return fileID{}, err
	}
	return fileID{dev: st.Dev, rdev: st.Rdev, ino: st.Ino, mode: st.Mode, mountRoot: st.MountRoot, mntID: st.MntID}, nil
}

func (l liveFS) readlink(path string) (string, error) { return l.lookup.Readlink(path) }

func (l liveFS) helpers() []int { return l.lookup.Helpers() }

// getwd asks the kernel, not $PWD, as getcwd(3) does.
func (liveFS) getwd() (string, error) { return unix.Getwd() }
