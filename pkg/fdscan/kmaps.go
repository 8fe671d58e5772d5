//go:build linux

package fdscan

import (
	"bytes"
	"slices"
	"strconv"
	"sync"

	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
)

// mapsWalk is one scan's walk of the kernel's mappings, and the paths
// learned of them. The kernel gives no mapping's path (kiter.Mapping),
// only what stands for it in the walk: the first process to map a file
// through a dentry has its path read from its /proc/PID/maps, and every
// other mapping of it takes the path from here.
type mapsWalk struct {
	walk  *kiter.Walk[kiter.Mapping]
	paths sync.Map // kiter.PathKey → string, "" for a mapping maps leaves out
}

// eachKernelMapped calls fn, as eachMapped does from proc, once for each
// file the kernel's walk gave as mapped into the process in directory
// dirfd, in order, but those in seen; want, when set, is asked first of
// each by device and inode, and fn called with those it wants: only
// their paths are looked for. It reports false, having called fn for
// none, where the walk cannot serve: it did not reach the process, the
// process started (start, its start time, 0 for not known yet) since
// the walk began, proc would not let us read its maps, or its maps, read
// for a path not yet known, no longer show the mappings the walk gave.
func (r *reader) eachKernelMapped(dirfd int, start uint64, seen []devIno, want func(Mapping) bool, fn func(m Mapping, rng []byte)) bool {
	if r.mapsWalk == nil || !r.vmasOK || start >= r.mapsWalk.walk.Start || !r.linksReadable(dirfd) {
		return false
	}
	// The mappings to call fn with, their paths found first: a first
	// one unknown has them all read from the maps.
	r.wanted = r.wanted[:0]
	learnt := false
	for i := range r.vmas {
		m := &r.vmas[i]
		if m.Ino == 0 || slices.Contains(seen, devIno{m.Dev, m.Ino}) {
			continue
		}
		seen = append(seen, devIno{m.Dev, m.Ino})
		if want != nil && !want(Mapping{Dev: m.Dev, Inode: m.Ino}) {
			continue
		}
		if _, ok := r.mapsWalk.paths.Load(m.Name); !ok && !learnt {
			if !r.learnPaths(dirfd) {
				return false
			}
			learnt = true
		}
		r.wanted = append(r.wanted, i)
	}
	var rng []byte
	for _, i := range r.wanted {
		m := &r.vmas[i]
		v, _ := r.mapsWalk.paths.Load(m.Name)
		path := v.(string)
		if path == "" {
			continue // not a file's path: the maps' entries leave it out
		}
		// The name of the mapping in map_files.
		rng = strconv.AppendUint(rng[:0], m.Start, 16)
		rng = append(rng, '-')
		rng = strconv.AppendUint(rng, m.End, 16)
		fn(Mapping{Dev: m.Dev, Inode: m.Ino, Path: path}, rng)
	}
	return true
}

// learnPaths reads the maps of the process in directory dirfd and learns
// the path of each of the walk's mappings of it from the line that
// starts at its address and maps its file. It reports false where one is
// left unknown: the process mapped or unmapped it since.
func (r *reader) learnPaths(dirfd int) bool {
	b, err := r.readFile(dirfd, "maps")
	if err != nil {
		return false
	}
	left := len(r.vmas)
	for len(b) > 0 && left > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		rng, dev, ino, path, ok := splitMapsLine(line)
		if !ok {
			continue
		}
		lo, _, _ := bytes.Cut(rng, []byte("-"))
		start, err := strconv.ParseUint(string(lo), 16, 64)
		if err != nil {
			continue
		}
		for i := range r.vmas {
			m := &r.vmas[i]
			if m.Start != start || m.Dev != dev || m.Ino != ino {
				continue
			}
			if len(path) == 0 || path[0] != '/' {
				// Not a file's path (anon_inode:...): the maps'
				// entries leave it out.
				path = nil
			}
			r.mapsWalk.paths.LoadOrStore(m.Name, string(path))
			left--
		}
	}
	for i := range r.vmas {
		if _, ok := r.mapsWalk.paths.Load(r.vmas[i].Name); !ok {
			return false
		}
	}
	return true
}
