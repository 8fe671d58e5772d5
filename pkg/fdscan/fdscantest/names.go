//go:build linux

package fdscantest

import (
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/pathlookup"
)

// Names returns a pathlookup.FS that looks the names a user gives up in
// t, whose keys are then absolute paths, as a pathlookup.Lookup with it
// for its FS does: a relative path is taken against wd, a path missing
// from t does not exist (an absolute one is taken as it is written), and
// nothing in t is a symbolic link.
// mountRoots are the paths that are mount points, with their mount IDs
// (statx's STATX_ATTR_MOUNT_ROOT and stx_mnt_id); the other paths' mount
// is unknown.
func (t StatTable) Names(wd string, mountRoots map[string]uint64) pathlookup.FS {
	return tableNames{t: t, wd: wd, mountRoots: mountRoots}
}

type tableNames struct {
	t          StatTable
	wd         string
	mountRoots map[string]uint64
}

func (n tableNames) abs(path string) string {
	if !strings.HasPrefix(path, "/") {
		return filepath.Join(n.wd, path)
	}
	return path
}

func (n tableNames) Stat(path string) (pathlookup.Stat, error) {
	path = n.abs(path)
	e, ok := n.t[path]
	if !ok {
		return pathlookup.Stat{}, unix.ENOENT
	}
	if e.Err != nil {
		return pathlookup.Stat{}, e.Err
	}
	id, root := n.mountRoots[path]
	return pathlookup.Stat{
		Dev: e.Stat.Dev, Ino: e.Stat.Ino, Rdev: e.Stat.Rdev, Mode: e.Stat.Mode,
		Size: e.Stat.Size, NLink: uint64(e.Stat.Nlink), MntID: id, MountRoot: root,
	}, nil
}

// Lstat is Stat: there are no links to follow.
func (n tableNames) Lstat(path string) (pathlookup.Stat, error) { return n.Stat(path) }

// Readlink fails as readlink(2) of a file that is no link does.
func (n tableNames) Readlink(path string) (string, error) {
	if _, err := n.Stat(path); err != nil {
		return "", err
	}
	return "", unix.EINVAL
}

// EvalSymlinks returns path made absolute, once it exists.
func (n tableNames) EvalSymlinks(path string) (string, error) {
	if _, err := n.Stat(path); err != nil {
		return "", err
	}
	return n.abs(path), nil
}

// ReadDir lists the paths of t directly under dir, in the order of their
// names.
func (n tableNames) ReadDir(dir string) ([]pathlookup.DirEntry, error) {
	dir = n.abs(dir)
	st, err := n.Stat(dir)
	if err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil, unix.ENOTDIR
	}
	var ents []pathlookup.DirEntry
	for p := range n.t {
		if p != dir && filepath.Dir(p) == dir {
			e := pathlookup.DirEntry{Name: filepath.Base(p)}
			e.Stat, e.Err = n.Stat(p)
			ents = append(ents, e)
		}
	}
	slices.SortFunc(ents, func(a, b pathlookup.DirEntry) int { return strings.Compare(a.Name, b.Name) })
	return ents, nil
}

func (n tableNames) Getwd() (string, error) { return n.wd, nil }
