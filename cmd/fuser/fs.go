//go:build linux

package main

import (
	"golang.org/x/sys/unix"
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

// stat looks path up, following symbolic links as psmisc's statx does,
// without triggering an automount. The lookup is the env's: on the
// machine, made by a helper process with a deadline, so that a file
// system that stopped answering (a stuck FUSE daemon, a lost NFS server)
// costs a message, never a process that cannot exit.
func (f *fuser) stat(path string) (fileID, error) {
	st, err := f.e.lookup.Stat(path)
	if err != nil {
		return fileID{}, err
	}
	return fileID{dev: st.Dev, rdev: st.Rdev, ino: st.Ino, mode: st.Mode, mountRoot: st.MountRoot, mntID: st.MntID}, nil
}
