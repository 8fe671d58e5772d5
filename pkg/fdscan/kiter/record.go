//go:build linux

package kiter

import (
	"encoding/binary"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Record is one open file of one process, as the kernel holds it.
//
// The fields are the kernel's own: what fstat of /proc/PID/fd/FD, the
// descriptor's fdinfo and its link report, except where a file system's
// getattr reports something else than the inode (overlayfs reports the
// layer's device, btrfs a subvolume's; pidfs hides the type of a pidfd,
// whose inode says S_IFREG).
type Record struct {
	PID     int    // the process, numbered as the reader's PID namespace numbers it
	TID     int    // the task whose table holds it: PID, or a thread with a table of its own
	FD      int    // the descriptor number
	Dev     uint64 // the file system's device, as st_dev
	Ino     uint64 // the inode number, as st_ino
	Rdev    uint64 // the device a device file stands for, as st_rdev
	Mode    uint32 // type and permission bits, as st_mode
	Nlink   uint32 // the link count, as st_nlink
	Size    int64  // the size, as st_size
	Pos     int64  // the file position, as fdinfo's pos
	Flags   uint32 // the open flags, as fdinfo's flags (O_CLOEXEC included)
	MountID int    // the mount, as fdinfo's mnt_id and mountinfo's first field
	Path    string // what readlink of /proc/PID/fd/FD returns
	PathErr error  // why Path is empty (a syscall.Errno), nil when it is not
	// PidfdPID is, for a pidfd, the process it refers to as its fdinfo's
	// Pid says it, where the walk could tell: a live process's leader
	// numbered in the reader's namespace. 0 says to read fdinfo.
	PidfdPID int
}

// recordSize is the length of struct record in bpf/kiter.c, which
// precedes each record's path in the iterator's output.
const recordSize = int(unsafe.Sizeof(kiterRecord{}))

// name says where a record's path is: enum name_kind in bpf/kiter.c, and
// the path's number in the walk where it has one.
type name struct {
	kind uint16
	id   uint32
}

const (
	namePath   = iota // the path follows the record (or PathErr says why not)
	nameNew           // the path follows and is number id
	nameSame          // the path numbered id, given earlier in the walk
	nameSocket        // "socket:[ino]"
	namePipe          // "pipe:[ino]"
)

// decode fills r and n from one record's header in b, which holds at
// least recordSize bytes, and returns the length of the path that
// follows. The layout is struct record's, in the host's byte order: the
// program runs in this kernel.
func decode(b []byte, r *Record, n *name) (pathLen int) {
	e := binary.NativeEndian
	r.Ino = e.Uint64(b[0:])
	r.Size = int64(e.Uint64(b[8:]))
	r.Pos = int64(e.Uint64(b[16:]))
	r.PID = int(e.Uint32(b[24:]))
	r.FD = int(e.Uint32(b[28:]))
	r.Dev = userDev(e.Uint32(b[32:]))
	r.Rdev = userDev(e.Uint32(b[36:]))
	r.Flags = e.Uint32(b[40:])
	r.Nlink = e.Uint32(b[44:])
	r.MountID = int(int32(e.Uint32(b[48:])))
	r.Mode = uint32(e.Uint16(b[52:]))
	pathLen = int(e.Uint16(b[54:]))
	r.PathErr = nil
	if errno := int16(e.Uint16(b[56:])); errno < 0 {
		r.PathErr = syscall.Errno(-errno)
	}
	n.kind, n.id = e.Uint16(b[58:]), e.Uint32(b[60:])
	r.TID = int(e.Uint32(b[64:]))
	r.PidfdPID = int(e.Uint32(b[68:]))
	return pathLen
}

// userDev converts the kernel's dev_t (12 bits of major, 20 of minor) to
// the one stat returns.
func userDev(k uint32) uint64 {
	return unix.Mkdev(k>>20, k&(1<<20-1))
}

// kernelDev converts a dev_t as stat returns it to the kernel's, and
// reports false for one the kernel cannot hold (no file can be on it).
func kernelDev(d uint64) (uint32, bool) {
	major, minor := unix.Major(d), unix.Minor(d)
	if major >= 1<<12 || minor >= 1<<20 {
		return 0, false
	}
	return major<<20 | minor, true
}

// Mapping is one file mapped into one process, as the kernel holds it:
// what a run of lines of /proc/PID/maps naming one file says, but the
// path.
type Mapping struct {
	PID        int    // the process, numbered as the reader's PID namespace numbers it
	Start, End uint64 // the run's first mapping's addresses, as map_files names it
	Dev        uint64 // the file system's device, as the maps show it
	Ino        uint64 // the inode number
	// Name stands for the path the maps show: mappings with the same
	// Name, in one walk, have the same path. (It is the kernel's
	// dentry and mount of the file: bpf_d_path cannot be given a
	// mapping's file.)
	Name PathKey
}

// PathKey stands for a mapped file's path within one walk.
type PathKey struct{ Dentry, Mount uint64 }

// vmaRecordSize is the length of struct vma_record in bpf/kiter.c.
const vmaRecordSize = int(unsafe.Sizeof(kiterVmaRecord{}))

// decodeVMA fills m from one vma_record in b, which holds at least
// vmaRecordSize bytes; no path follows.
func decodeVMA(b []byte, m *Mapping) (pathLen int) {
	e := binary.NativeEndian
	m.Ino = e.Uint64(b[0:])
	m.Start = e.Uint64(b[8:])
	m.End = e.Uint64(b[16:])
	m.Name = PathKey{e.Uint64(b[24:]), e.Uint64(b[32:])}
	m.PID = int(e.Uint32(b[40:]))
	m.Dev = userDev(e.Uint32(b[44:]))
	return 0
}
