//go:build linux

package main

import (
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan/fdscantest"
)

// fixtureFS resolves names in a stat table keyed by absolute path, with
// no symbolic links.
type fixtureFS struct {
	names fdscantest.StatTable
	wd    string
	// mountRoots are the paths that are mount points, with their
	// mount IDs (statx's STATX_ATTR_MOUNT_ROOT and stx_mnt_id).
	mountRoots map[string]uint64
}

func (f fixtureFS) stat(path string) (fileID, error) {
	if !strings.HasPrefix(path, "/") {
		path = filepath.Join(f.wd, path)
	}
	e, ok := f.names[path]
	if !ok {
		return fileID{}, unix.ENOENT
	}
	if e.Err != nil {
		return fileID{}, e.Err
	}
	id, root := f.mountRoots[path]
	return fileID{dev: e.Stat.Dev, rdev: e.Stat.Rdev, ino: e.Stat.Ino, mode: e.Stat.Mode, mountRoot: root, mntID: id}, nil
}

func (f fixtureFS) readlink(path string) (string, error) {
	if _, err := f.stat(path); err != nil {
		return "", err
	}
	return "", unix.EINVAL
}

func (f fixtureFS) getwd() (string, error) { return f.wd, nil }

func (fixtureFS) helpers() []int { return nil }
