//go:build linux

package main

import (
	"errors"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/pathlookup"
	"github.com/openfiles/openfiles/pkg/render"
)

// nameSpace is what kind of thing a name names.
type nameSpace uint8

const (
	spaceFile nameSpace = iota
	spaceTCP
	spaceUDP
)

// name is one NAME argument and the processes found using it.
type name struct {
	text  string // as printed: the expanded path, or PORT.../tcp
	space nameSpace
	id    fileID // a file's identity, when ok
	ok    bool
	// removed is set by -M on a name that is not a mount point: it is
	// still searched for, as psmisc does, but neither shown nor signalled.
	removed bool
	procs   []*match
}

// addName resolves a name argument as psmisc does: a /tcp, /udp or /file
// suffix after a first slash that does not start the word chooses the
// name space, and otherwise -n's does.
func (f *fuser) addName(arg string) (int, bool) {
	n := &name{space: f.space}
	text := arg
	if i := strings.IndexByte(arg, '/'); i > 0 {
		switch arg[i+1:] {
		case "tcp":
			n.space, text = spaceTCP, arg[:i]
		case "udp":
			n.space, text = spaceUDP, arg[:i]
		case "file":
			n.space, text = spaceFile, arg[:i]
		}
	}
	if (f.mounts || f.isMountPoint) && n.space != spaceFile {
		return f.usage("You can only use files with mountpoint options")
	}
	switch n.space {
	case spaceTCP:
		n.text = text + "/tcp"
		f.parseInet(n)
	case spaceUDP:
		n.text = text + "/udp"
		f.parseInet(n)
	default:
		n.text = text
		if f.parseFile(n) && f.mounts {
			dev := n.id.dev
			if n.id.isBlock() {
				dev = n.id.rdev
			}
			f.files.AddFS(dev, n)
		}
	}
	f.names = append(f.names, n)
	return 0, false
}

// parseFile finds the file a name is: its path expanded as psmisc
// expands it, then stat'ed. It reports false, after psmisc's message,
// when the file cannot be found.
func (f *fuser) parseFile(n *name) bool {
	p, ok, err := expandPath(f.e.lookup, n.text)
	if ok {
		n.text = p
	}
	var id fileID
	if err == nil {
		// A name whose expansion did not answer is not looked up again.
		id, err = f.stat(n.text)
	}
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			f.out.errorf("Specified filename %s does not exist.\n", n.text)
		} else {
			f.out.errorf("Cannot stat %s: %s\n", n.text, errText(err))
		}
		return false
	}
	n.id, n.ok = id, true
	f.files.Add(id.dev, id.ino, n)
	if id.isSocket() {
		f.needUnix = true
	}
	return true
}

// maxSymlinks is MAXSYMLINKS of the C library on Linux.
const maxSymlinks = 20

// expandPath makes path absolute as psmisc's expandpath does: against
// the working directory, with "." and ".." removed by their text and
// symbolic links followed, but no stat. It reports false where psmisc's
// gives up (a component that cannot be read as a link for any reason
// but not being one, a loop, a path too long), and the name is then
// kept as given. Where a file system on the way does not answer, it
// returns ErrNotResponding.
func expandPath(lookup *pathlookup.Lookup, path string) (string, bool, error) {
	if path == "" {
		return "", false, nil
	}
	var cur []byte
	if path[0] == '/' {
		cur = []byte{'/'}
	} else {
		wd, err := lookup.Getwd()
		if err != nil {
			return "", false, nil
		}
		cur = []byte(wd)
	}
	// pop removes the last component, keeping the slash before it.
	pop := func() {
		for len(cur) > 1 {
			cur = cur[:len(cur)-1]
			if cur[len(cur)-1] == '/' {
				break
			}
		}
	}
	deep := maxSymlinks
	rest := path
	for rest != "" {
		rest = strings.TrimLeft(rest, "/")
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		comp := rest[:end]
		rest = rest[end:]
		switch comp {
		case "":
			rest = ""
		case ".":
		case "..":
			if len(cur) > 1 {
				pop()
			}
		default:
			if cur[len(cur)-1] != '/' {
				cur = append(cur, '/')
			}
			if len(cur)+len(comp) > unix.PathMax {
				return "", false, nil
			}
			cur = append(cur, comp...)
			if deep < 0 {
				return "", false, nil
			}
			deep--
			if magicLink(string(cur)) {
				// Its text is no path of ours: it is kept, and
				// the lookup goes through it, into the other
				// process's mount namespace where it leads.
				continue
			}
			link, err := lookup.Readlink(string(cur))
			if err != nil {
				deep = maxSymlinks
				if errors.Is(err, unix.EINVAL) {
					continue // not a link
				}
				if errors.Is(err, pathlookup.ErrNotResponding) {
					return "", false, err
				}
				return "", false, nil
			}
			if len(link)+len(rest) > unix.PathMax {
				return "", false, nil
			}
			rest = link + rest
			if strings.HasPrefix(link, "/") {
				cur = cur[:1]
			} else if len(cur) > 1 {
				pop()
			}
		}
	}
	if len(cur) > 1 && cur[len(cur)-1] == '/' {
		cur = cur[:len(cur)-1]
	}
	return string(cur), true, nil
}

// magicLink reports whether path is one of proc's links to what a
// process has (its root, working directory, program, a descriptor, a
// mapped file): a lookup through one leads where the process sees it,
// in its own mount namespace, and its text ("/" for a root in another
// namespace) is no path of ours. psmisc follows the text, so that
// "fuser -m /proc/PID/root/mnt" names our /mnt, not the process's.
func magicLink(path string) bool {
	rest, ok := strings.CutPrefix(path, "/proc/")
	if !ok {
		return false
	}
	pid, rest, _ := strings.Cut(rest, "/")
	if pid != "self" && pid != "thread-self" && !allDigits(pid) {
		return false
	}
	if task, ok := strings.CutPrefix(rest, "task/"); ok {
		tid, r, _ := strings.Cut(task, "/")
		if !allDigits(tid) {
			return false
		}
		rest = r
	}
	switch dir, name, _ := strings.Cut(rest, "/"); dir {
	case "root", "cwd", "exe":
		return name == ""
	case "fd", "map_files":
		return name != "" && !strings.Contains(name, "/")
	}
	return false
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// checkMountPoints is -M: a file name that is not a mount point, its
// trailing slashes cut, is reported and taken off the list.
func (f *fuser) checkMountPoints() {
	points := map[string]bool{}
	for _, m := range f.mountTable().List() {
		points[m.Point] = true
	}
	for _, n := range f.names {
		if n.space != spaceFile {
			continue
		}
		if len(n.text) > 1 {
			n.text = strings.TrimRight(n.text, "/")
			if n.text == "" {
				n.text = "/"
			}
		}
		if n.text == "" || !points[n.text] {
			f.out.errorf("Specified filename %s is not a mountpoint.\n", n.text)
			n.removed = true
		}
	}
}

// errText is the C library's text for the error number err carries,
// which psmisc prints with its messages however deep the number lies.
func errText(err error) string {
	var errno unix.Errno
	if errors.As(err, &errno) {
		err = errno
	}
	return render.Strerror(err)
}
