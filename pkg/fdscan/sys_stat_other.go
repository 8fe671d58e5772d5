//go:build linux && !amd64 && !arm64

package fdscan

import "golang.org/x/sys/unix"

// Elsewhere unix.Stat_t may need converting from what the kernel
// writes, which unix.Fstatat does.

// LstatAt stats a link in proc itself, not what it points to.
func (liveKernel) LstatAt(dirfd int, name string) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	return st, err
}

// StatAt stats what link name, relative to dirfd, points to, in the
// way that cannot block (statx.go).
func (liveKernel) StatAt(dirfd int, name string) (unix.Stat_t, error) {
	var st unix.Stat_t
	var stx unix.Statx_t
	if err := unix.Statx(dirfd, name, StatxNoBlock, statxMask, &stx); err != nil {
		return st, err
	}
	statFromStatx(&stx, &st)
	return st, nil
}
