//go:build amd64 || arm64

package fdscan

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Where unix.Stat_t is what newfstatat(2) writes, the stats take the
// name from the reader's buffer; procLstatat is raw (see sys.go).

// procLstatat stats a link in proc itself, not what it points to.
func (r *reader) procLstatat(dirfd int, name string, st *unix.Stat_t) error {
	p := r.cname(name)
	_, _, errno := unix.RawSyscall6(unix.SYS_NEWFSTATAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(st)), unix.AT_SYMLINK_NOFOLLOW, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// statLink stats what link name, relative to dirfd, points to, in the
// way that cannot block (statx.go). It goes through the scheduler: on a
// file system that ignores AT_STATX_DONT_SYNC it may still wait.
func (r *reader) statLink(dirfd int, name string, st *unix.Stat_t) error {
	p := r.cname(name)
	var stx unix.Statx_t
	_, _, errno := unix.Syscall6(unix.SYS_STATX, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		statxFlags, statxMask, uintptr(unsafe.Pointer(&stx)), 0)
	if errno != 0 {
		return errno
	}
	statFromStatx(&stx, st)
	return nil
}
