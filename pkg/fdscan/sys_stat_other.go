//go:build !amd64 && !arm64

package fdscan

import "golang.org/x/sys/unix"

// Elsewhere unix.Stat_t may need converting from what the kernel
// writes, which unix.Fstatat does.

// procLstatat stats a link in proc itself, not what it points to.
func (r *reader) procLstatat(dirfd int, name string, st *unix.Stat_t) error {
	return unix.Fstatat(dirfd, name, st, unix.AT_SYMLINK_NOFOLLOW)
}

// fstatat stats what name, relative to dirfd, is or points to.
func (r *reader) fstatat(dirfd int, name string, st *unix.Stat_t) error {
	return unix.Fstatat(dirfd, name, st, 0)
}
