//go:build linux

package main

import (
	"errors"
	"io"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
	"github.com/openfiles/openfiles/pkg/pathlookup"
	"github.com/openfiles/openfiles/pkg/render"
	"github.com/openfiles/openfiles/pkg/selector"
)

// searchItem is a file lsof was asked about: by device and inode, or, for
// a mount point, every file on its file system.
type searchItem struct {
	dev, ino uint64
	wholeFS  bool   // match every file with st_dev == dev
	display  string // the NAME matched files show; "" to keep theirs
	arg      string // the name given, for -V
	found    bool
}

// fileSearch holds the file name arguments and +d/+D trees.
type fileSearch struct {
	given  bool // names or +d/+D were given: a selection, even if none can match
	failed bool // a name could not be stat'ed
	items  []*searchItem
	named  []*searchItem // those of the names given, in their order
	// wanted holds the items by file and file system. The first item
	// under a key is the one a match finds; later ones, duplicates, are
	// found through it.
	wanted selector.Files[*searchItem]
	esc    render.Escaper // for the names in messages
	// sockets are the items that are unix sockets' files, by their
	// path as given: lsof finds the sockets whose path is the same text.
	sockets map[string]*searchItem
}

func (s *fileSearch) active() bool { return s != nil && s.given }

// newFileSearch walks the +d/+D trees and stats the file arguments,
// looking paths up through lookup, never in our own process. A tree that
// cannot be walked is a usage error, as in lsof (dirsOK false). Each name
// that cannot be stat'ed gets lsof's message on stderr, unless -Q; usable
// reports whether any argument remains.
func newFileSearch(o *options, lookup *pathlookup.Lookup, mounts *fdscan.Mounts, stderr io.Writer, esc render.Escaper) (s *fileSearch, usable, dirsOK bool) {
	s = &fileSearch{
		given:   o.names != nil || o.dirs != nil,
		sockets: map[string]*searchItem{},
		esc:     esc,
	}
	dirsOK = true
	for _, d := range o.dirs {
		dirsOK = s.addTree(d, o.crossFS, lookup, stderr) && dirsOK
	}
	if !dirsOK {
		return s, false, false
	}
	usable = o.dirs != nil
	quiet := stderr
	if o.quiet {
		quiet = io.Discard
	}
	for _, name := range o.names {
		ok := s.addName(name, o.fileSys, lookup, mounts, quiet)
		usable = usable || ok
		s.failed = s.failed || !ok
	}
	return s, usable, true
}

// addSocket records item it, the unix socket file at path, for the
// sockets bound there.
func (s *fileSearch) addSocket(path string, it *searchItem) {
	if _, dup := s.sockets[path]; !dup {
		s.sockets[path] = it
	}
}

func (s *fileSearch) add(it *searchItem) {
	s.items = append(s.items, it)
	if it.wholeFS {
		s.wanted.AddFS(it.dev, it)
	} else {
		s.wanted.Add(it.dev, it.ino, it)
	}
}

// addName adds file name argument name, meant as mode says: with +f a
// name that is not a file system is an error, as is, then, a name that
// cannot be stat'ed; with -f a mount point is only its directory.
func (s *fileSearch) addName(name string, mode fileSysMode, lookup *pathlookup.Lookup, mounts *fdscan.Mounts, stderr io.Writer) bool {
	st, err := lookup.Stat(name)
	notFS := func() bool {
		s.esc.Fprintf(stderr, "lsof: not a file system: %s\n", name)
		return false
	}
	if err != nil {
		if mode == fileSysOnly {
			return notFS()
		}
		s.esc.Fprintf(stderr, "lsof: status error on %s: %s\n", name, render.Strerror(err))
		return false
	}
	display := name
	if len(display) > 1 {
		display = strings.TrimRight(display, "/")
	}
	if lst, err := lookup.Lstat(name); err == nil && lst.Mode&unix.S_IFMT == unix.S_IFLNK {
		if p, err := lookup.EvalSymlinks(name); err == nil {
			display = p
		}
	}
	named := func(it *searchItem) {
		it.arg = name
		s.named = append(s.named, it)
		s.add(it)
	}
	switch {
	case mode == fileSysFiles:
	case st.Mode&unix.S_IFMT == unix.S_IFDIR && isMountPoint(name, st, lookup):
		named(&searchItem{dev: st.Dev, wholeFS: true})
		return true
	case st.Mode&unix.S_IFMT == unix.S_IFBLK && mounts.HasDev(st.Rdev):
		named(&searchItem{dev: st.Rdev, wholeFS: true})
		return true
	case mode == fileSysOnly:
		return notFS()
	}
	it := &searchItem{dev: st.Dev, ino: st.Ino, display: display}
	named(it)
	if st.Mode&unix.S_IFMT == unix.S_IFSOCK {
		s.addSocket(display, it)
	}
	return true
}

// isMountPoint reports whether directory path (with stat st) is the root
// of a file system: its parent is on another device, or is itself.
func isMountPoint(path string, st pathlookup.Stat, lookup *pathlookup.Lookup) bool {
	parent, err := lookup.Stat(filepath.Join(path, ".."))
	if err != nil {
		return false
	}
	return parent.Dev != st.Dev || parent.Ino == st.Ino
}

// addTree adds a directory and the files in it (recursively for +D), not
// following symbolic links nor, unless cross, crossing into other file
// systems.
func (s *fileSearch) addTree(d dirArg, cross bool, lookup *pathlookup.Lookup, stderr io.Writer) bool {
	st, err := lookup.Stat(d.path)
	if err != nil {
		s.esc.Fprintf(stderr, "lsof: WARNING: can't stat(%s): %s\n", d.path, render.Strerror(err))
		return false
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		s.esc.Fprintf(stderr, "lsof: WARNING: not a directory: %s\n", d.path)
		return false
	}
	root := strings.TrimRight(d.path, "/")
	if root == "" {
		root = "/"
	}
	s.add(&searchItem{dev: st.Dev, ino: st.Ino, display: root})
	w := walker{s: s, lookup: lookup, stderr: stderr, dev: st.Dev, recurse: d.recurse, cross: cross}
	w.walk(root, st)
	return true
}

// walker walks a +d or +D tree.
type walker struct {
	s              *fileSearch
	lookup         *pathlookup.Lookup
	stderr         io.Writer
	dev            uint64 // the tree's file system
	recurse, cross bool
}

// walk adds the entries of directory dir, with stat st. A directory that
// does not answer is reported and left out, and the walk goes on with
// the rest; when it is the root of a mount, every file on that file
// system is under it, and they are searched for instead.
func (w *walker) walk(dir string, st pathlookup.Stat) {
	entries, err := w.lookup.ReadDir(dir)
	if errors.Is(err, pathlookup.ErrNotResponding) {
		w.s.esc.Fprintf(w.stderr, "lsof: WARNING: can't read directory %s: %s\n", dir, render.Strerror(err))
		if st.MountRoot {
			w.s.add(&searchItem{dev: st.Dev, wholeFS: true})
		}
		return
	}
	for _, e := range entries {
		if e.Err != nil || e.Stat.Mode&unix.S_IFMT == unix.S_IFLNK {
			continue
		}
		if e.Stat.Dev != w.dev && !w.cross {
			continue
		}
		path := filepath.Join(dir, e.Name)
		it := &searchItem{dev: e.Stat.Dev, ino: e.Stat.Ino, display: path}
		w.s.add(it)
		if e.Stat.Mode&unix.S_IFMT == unix.S_IFSOCK {
			w.s.addSocket(path, it)
		}
		if w.recurse && e.Stat.Mode&unix.S_IFMT == unix.S_IFDIR {
			w.walk(path, e.Stat)
		}
	}
}

// match returns the search item file f is, or nil.
func (s *fileSearch) match(f *fdscan.File) *searchItem {
	if f.Err != nil && f.Kind != fdscan.KindMem || f.Type == fdscan.TypeSock {
		return nil
	}
	for it := range s.wanted.Match(f.Dev, f.Inode) {
		return it
	}
	return nil
}

// matchSocket returns the search item that is the file unix socket sock
// is bound to, or nil. As lsof does, it compares the path the socket
// shows with the name given (or found under +d/+D): the same text.
func (s *fileSearch) matchSocket(sock *netsock.Socket) *searchItem {
	if len(s.sockets) == 0 || sock.Proto != netsock.ProtoUnix || sock.Path == "" {
		return nil
	}
	return s.sockets[sock.Path]
}

// missed reports whether a search item matched no open file.
func (s *fileSearch) missed() bool {
	if s == nil {
		return false
	}
	if s.failed {
		return true
	}
	for _, it := range s.items {
		if !it.found {
			// A duplicate item is found through its twin.
			if twin := s.twin(it); twin == nil || !twin.found {
				return true
			}
		}
	}
	return false
}

// twin returns the first item added under the key of item it, which is
// the one a match finds: it itself, or the item it duplicates.
func (s *fileSearch) twin(it *searchItem) *searchItem {
	items := s.wanted.File(it.dev, it.ino)
	if it.wholeFS {
		items = s.wanted.FS(it.dev)
	}
	if len(items) == 0 {
		return nil
	}
	return items[0]
}
