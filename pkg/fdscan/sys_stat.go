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

// fstatat stats what name, relative to dirfd, is or points to.
func (r *reader) fstatat(dirfd int, name string, st *unix.Stat_t) error {
	p := r.cname(name)
	_, _, errno := unix.Syscall6(unix.SYS_NEWFSTATAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(st)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
