//go:build !amd64 && !arm64

package fdscan

import "golang.org/x/sys/unix"

// Elsewhere unix.Stat_t may need converting from what the kernel
// writes, which unix.Fstatat does.

// procLstatat stats a link in proc itself, not what it points to.
func (r *reader) procLstatat(dirfd int, name string, st *unix.Stat_t) error {
	return unix.Fstatat(dirfd, name, st, unix.AT_SYMLINK_NOFOLLOW)
}

// statLink stats what link name, relative to dirfd, points to, in the
// way that cannot block (statx.go).
func (r *reader) statLink(dirfd int, name string, st *unix.Stat_t) error {
	var stx unix.Statx_t
	if err := unix.Statx(dirfd, name, statxFlags, statxMask, &stx); err != nil {
		return err
	}
	statFromStatx(&stx, st)
	return nil
}
