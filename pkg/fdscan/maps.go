//go:build linux

package fdscan

import (
	"bytes"
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Mapping is one file-backed line of /proc/PID/maps.
type Mapping struct {
	Dev   uint64
	Inode uint64
	Path  string
}

// deletedSuffix is what the kernel appends to the path of a mapping whose
// file has been unlinked.
const deletedSuffix = " (deleted)"

// parseMapsLine parses one line of /proc/PID/maps, with the path left in
// line, so that the lines of a file already seen cost no copy; rng is the
// line's address range, the name of the mapping in map_files. It reports
// false for lines that map no file (anonymous memory, [heap], [stack] and
// the like, whose inode is 0, and files that have no path, such as
// anonymous inodes) and for malformed lines.
func parseMapsLine(line []byte) (rng []byte, dev, ino uint64, path []byte, ok bool) {
	rng, dev, ino, path, ok = splitMapsLine(line)
	if !ok || len(path) == 0 || path[0] != '/' {
		return nil, dev, ino, nil, false
	}
	return rng, dev, ino, path, true
}

// splitMapsLine parses a line of maps that maps a file, whatever its
// path says: false for a line of no file (inode 0) or malformed.
func splitMapsLine(line []byte) (rng []byte, dev, ino uint64, path []byte, ok bool) {
	// start-end perms offset dev inode [path]
	rest := line
	var field []byte
	for i := 0; i < 5; i++ {
		rest = bytes.TrimLeft(rest, " ")
		end := bytes.IndexByte(rest, ' ')
		if end < 0 {
			end = len(rest)
		}
		field, rest = rest[:end], rest[end:]
		switch i {
		case 0:
			rng = field
		case 3:
			major, minor, ok := bytes.Cut(field, []byte(":"))
			a, err1 := strconv.ParseUint(string(major), 16, 32)
			b, err2 := strconv.ParseUint(string(minor), 16, 32)
			if !ok || err1 != nil || err2 != nil {
				return nil, dev, ino, nil, false
			}
			dev = unix.Mkdev(uint32(a), uint32(b))
		case 4:
			n, err := strconv.ParseUint(string(field), 10, 64)
			if err != nil || n == 0 {
				return nil, dev, ino, nil, false
			}
			ino = n
		}
	}
	return rng, dev, ino, bytes.TrimLeft(rest, " "), true
}

// maps adds a mem (or DEL) entry for each file mapped into the process,
// once per file, in the order of the maps, leaving out the program text.
func (r *reader) maps(dirfd int, p *Process, exeDev, exeIno uint64, haveExe bool) {
	var exe []devIno
	if haveExe {
		exe = []devIno{{exeDev, exeIno}}
	}
	add := r.appendMapped(dirfd, p)
	if !r.eachKernelMapped(dirfd, p.StartTime, exe, nil, add) {
		r.eachMapped(dirfd, exe, add)
	}
}

// appendMapped returns what adds the entry of a file mapped into p, whose
// directory is dirfd, to its files.
func (r *reader) appendMapped(dirfd int, p *Process) func(m Mapping, rng []byte) {
	return func(m Mapping, rng []byte) { p.Files = append(p.Files, r.mapped(dirfd, m, rng)) }
}

type devIno struct{ dev, ino uint64 }

// eachMapped calls fn once for each file mapped into the process, in the
// order of its maps, leaving out the files already in seen, to which it
// appends (a process maps few files: a slice beats a map). A path is
// copied only the first time the maps name its file.
func (r *reader) eachMapped(dirfd int, seen []devIno, fn func(m Mapping, rng []byte)) {
	b, err := r.readFile(dirfd, "maps")
	if err != nil {
		return
	}
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		rng, dev, ino, path, ok := parseMapsLine(line)
		if !ok || slices.Contains(seen, devIno{dev, ino}) {
			continue
		}
		seen = append(seen, devIno{dev, ino})
		fn(Mapping{Dev: dev, Inode: ino, Path: string(path)}, rng)
	}
}

// mapped makes the entry of one mapped file, whose address range in the
// maps is rng. Its path is stat'ed to learn the size; when that fails,
// or the path now names another file, the entry keeps the device and
// inode of the maps and says so, or is a DEL entry when the kernel
// marked the mapping deleted.
//
// The path is looked up in our own mount namespace. Where its text runs
// through a mount that may stall, the lookup could wait for ever, so
// the mapping itself is stat'ed instead, through its map_files link, in
// the way that cannot block; that needs root, and without it the entry
// is left unstat'ed.
func (r *reader) mapped(dirfd int, m Mapping, rng []byte) File {
	f := File{Kind: KindMem, FD: -1, EventfdID: -1, Link: m.Path, Dev: m.Dev, Inode: m.Inode, Type: TypeReg}
	path, deleted := strings.CutSuffix(m.Path, deletedSuffix)
	if deleted {
		f.Link = path
	}
	if r.exempted(path) {
		f.Exempt = true
		if deleted {
			f.Kind = KindDel
		}
		return f
	}
	var st unix.Stat_t
	var err error
	switch {
	case r.s.listing().mounts.Crosses(path):
		if st, err = r.s.kernel.StatAt(dirfd, "map_files/"+mapFilesName(rng)); err != nil {
			err = ErrNotLookedUp
		}
	default:
		st, err = r.statPath(path)
	}
	switch {
	case deleted && (err != nil || st.Dev != m.Dev || st.Ino != m.Inode):
		f.Kind = KindDel
	case err != nil:
		f.Err = &fs.PathError{Op: "stat", Path: path, Err: err}
	case st.Dev != m.Dev || st.Ino != m.Inode:
		f.PathDev, f.PathInode = st.Dev, st.Ino
	default:
		f.setStat(&st)
	}
	return f
}

// mapFilesName is the name in map_files of the mapping whose address
// range is rng, as the maps or kernelMaps give it: the maps pad each
// address to eight digits, map_files does not.
func mapFilesName(rng []byte) string {
	lo, hi, _ := bytes.Cut(rng, []byte("-"))
	trim := func(b []byte) string {
		if t := bytes.TrimLeft(b, "0"); len(t) > 0 {
			return string(t)
		}
		return "0"
	}
	return trim(lo) + "-" + trim(hi)
}

// ErrNotLookedUp is the error of a mapped file that was not stat'ed: its
// path runs through a mount that may stall, and its map_files link could
// not be read (that needs root).
var ErrNotLookedUp = errors.New("not looked up: on a file system that may not answer")

// pathStat is the outcome of a stat of a path.
type pathStat struct {
	st  unix.Stat_t
	err error
}

// statPath stats a path, once per scan and worker: the same libraries are
// mapped by most processes, and their paths are looked up in our own
// mount namespace whichever process maps them.
func (r *reader) statPath(path string) (unix.Stat_t, error) {
	if c, ok := r.paths[path]; ok {
		return c.st, c.err
	}
	var c pathStat
	c.st, c.err = r.s.kernel.Stat(path)
	if r.paths == nil {
		r.paths = map[string]pathStat{}
	}
	r.paths[path] = c
	return c.st, c.err
}
