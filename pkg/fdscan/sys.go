//go:build linux

package fdscan

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The scan makes a few system calls per descriptor, half a million in a
// big listing, so their wrappers matter.
//
// Those on proc's own entries (reading a descriptor's link, listing an
// fd directory, the link's own mode) never reach the file system a link
// points into and return at once. They are made raw, without telling the
// Go scheduler: it would otherwise take a worker's P away each time one
// lasted over 20 µs, and hand it back through another thread. A stat
// that follows a link may reach any file system and may block, and goes
// through the scheduler as usual.
//
// Names are passed NUL-terminated from a buffer on the stack (cname):
// unix's wrappers copy a string into a new allocation on every call.

// ReadlinkAt is readlinkat(2) of a link in proc, made raw.
func (liveKernel) ReadlinkAt(dirfd int, name string, buf []byte) (int, error) {
	var b [cnameLen]byte
	p, err := cname(&b, name)
	if err != nil {
		return 0, err
	}
	n, _, errno := unix.RawSyscall6(unix.SYS_READLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// procGetdents reads entries of a proc directory.
func procGetdents(fd int, buf []byte) (int, error) {
	n, _, errno := unix.RawSyscall(unix.SYS_GETDENTS64, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
