//go:build linux && (amd64 || arm64)

package fdscan

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Where unix.Stat_t is what newfstatat(2) writes, the stats take the
// name from a buffer on the stack; LstatAt is raw (see sys.go).

// LstatAt stats a link in proc itself, not what it points to.
func (liveKernel) LstatAt(dirfd int, name string) (unix.Stat_t, error) {
	var st unix.Stat_t
	var b [cnameLen]byte
	p, err := cname(&b, name)
	if err != nil {
		return st, err
	}
	_, _, errno := unix.RawSyscall6(unix.SYS_NEWFSTATAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(&st)), unix.AT_SYMLINK_NOFOLLOW, 0, 0)
	if errno != 0 {
		return st, errno
	}
	return st, nil
}

// StatAt stats what link name, relative to dirfd, points to, in the
// way that cannot block (statx.go). It goes through the scheduler: on a
// file system that ignores AT_STATX_DONT_SYNC it may still wait.
func (liveKernel) StatAt(dirfd int, name string) (unix.Stat_t, error) {
	var st unix.Stat_t
	var b [cnameLen]byte
	p, err := cname(&b, name)
	if err != nil {
		return st, err
	}
	var stx unix.Statx_t
	_, _, errno := unix.Syscall6(unix.SYS_STATX, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		StatxNoBlock, statxMask, uintptr(unsafe.Pointer(&stx)), 0)
	if errno != 0 {
		return st, errno
	}
	statFromStatx(&stx, &st)
	return st, nil
}
