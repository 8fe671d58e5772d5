//go:build linux

package fdscan

import "golang.org/x/sys/unix"

// One stat that cannot block. Every stat of what a process holds (a
// descriptor, its working and root directories, its program) goes
// through its link in proc, which the kernel follows without a lookup
// on the file's own file system, and is a statx(2) with
// AT_STATX_DONT_SYNC: FUSE, NFS, CIFS and Ceph then answer from the
// attributes the kernel holds, without asking a server or daemon that
// may never answer. On local file systems the flag changes nothing.
// Package pathlookup stats the names users give with the same flags.
const StatxNoBlock = unix.AT_STATX_DONT_SYNC | unix.AT_NO_AUTOMOUNT

// statxMask is what the scan needs of a stat.
const statxMask = unix.STATX_TYPE | unix.STATX_MODE | unix.STATX_NLINK | unix.STATX_INO | unix.STATX_SIZE

// statFromStatx fills in what the scan reads of a Stat_t.
func statFromStatx(stx *unix.Statx_t, st *unix.Stat_t) {
	*st = unix.Stat_t{
		Dev:  unix.Mkdev(stx.Dev_major, stx.Dev_minor),
		Rdev: unix.Mkdev(stx.Rdev_major, stx.Rdev_minor),
		Ino:  stx.Ino,
		Mode: uint32(stx.Mode),
		Size: int64(stx.Size),
		Uid:  stx.Uid,
		Gid:  stx.Gid,
	}
	setNlink(&st.Nlink, stx.Nlink)
}

// setNlink sets a Stat_t's link count, whose type differs by
// architecture.
func setNlink[T uint32 | uint64](dst *T, n uint32) { *dst = T(n) }
