//go:build linux

package fdscantest

import (
	"errors"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/pathlookup"
)

func TestNames(t *testing.T) {
	dir := StatEntry{Stat: unix.Stat_t{Mode: unix.S_IFDIR | 0o755, Dev: 8, Ino: 2}}
	file := StatEntry{Stat: unix.Stat_t{Mode: unix.S_IFREG | 0o644, Dev: 8, Ino: 10, Size: 5}}
	table := StatTable{
		"/": dir, "/srv": dir, "/srv/a": file, "/srv/b": file,
		"/srv/b/c": file, "/secret": {Err: unix.EACCES},
	}
	l := &pathlookup.Lookup{FS: table.Names("/srv", map[string]uint64{"/": 21})}
	for _, tc := range []struct {
		path string
		ino  uint64
		root bool
		err  error
	}{
		{"/", 2, true, nil},
		{"a", 10, false, nil},
		{"/srv/a", 10, false, nil},
		{"/nonexistent", 0, false, unix.ENOENT},
		{"/secret", 0, false, unix.EACCES},
	} {
		st, err := l.Stat(tc.path)
		if !errors.Is(err, tc.err) || st.Ino != tc.ino || st.MountRoot != tc.root {
			t.Errorf("Stat(%q) = inode %d, mount root %v, %v; want %d, %v, %v", tc.path, st.Ino, st.MountRoot, err, tc.ino, tc.root, tc.err)
		}
		if _, err := l.Readlink(tc.path); tc.err == nil && !errors.Is(err, unix.EINVAL) || tc.err != nil && !errors.Is(err, tc.err) {
			t.Errorf("Readlink(%q): %v, want no link", tc.path, err)
		}
	}
	if p, err := l.EvalSymlinks("a"); p != "/srv/a" || err != nil {
		t.Errorf("EvalSymlinks(a) = %q, %v; want /srv/a", p, err)
	}
	if wd, err := l.Getwd(); wd != "/srv" || err != nil {
		t.Errorf("Getwd() = %q, %v; want /srv", wd, err)
	}
	ents, err := l.ReadDir("/srv")
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	if err != nil || !slices.Equal(names, []string{"a", "b"}) {
		t.Errorf("ReadDir(/srv) = %q, %v; want [a b]", names, err)
	}
	if _, err := l.ReadDir("/srv/a"); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("ReadDir(/srv/a): %v, want ENOTDIR", err)
	}
	if h := l.Helpers(); len(h) != 0 {
		t.Errorf("a Lookup on a fixture started helpers %v", h)
	}
}
