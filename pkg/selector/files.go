//go:build linux

package selector

import (
	"iter"
	"maps"
	"slices"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// FileID is a file as the scan sees it: its device and inode.
type FileID = fdscan.FileID

// Files is the set of files the names a user gave stand for: single
// files by device and inode, and whole file systems by device (lsof's
// mount points and +D mount roots, fuser's -m). Each key holds the
// values added under it, in the order they were added, so that a
// command can keep one per key (lsof) or every one (fuser). The zero
// value is an empty set, ready to use.
//
// A Files is built before the scan; once built, its reading methods
// may be called from several goroutines at once.
type Files[T any] struct {
	files map[FileID][]T
	fs    map[uint64][]T
	ids   []FileID // the keys of files, in the order first added
}

// Add adds v under the file dev, ino.
func (s *Files[T]) Add(dev, ino uint64, v T) {
	if s.files == nil {
		s.files = map[FileID][]T{}
	}
	k := FileID{Dev: dev, Ino: ino}
	if _, ok := s.files[k]; !ok {
		s.ids = append(s.ids, k)
	}
	s.files[k] = append(s.files[k], v)
}

// AddFS adds v under the whole file system dev: every file on it.
func (s *Files[T]) AddFS(dev uint64, v T) {
	if s.fs == nil {
		s.fs = map[uint64][]T{}
	}
	s.fs[dev] = append(s.fs[dev], v)
}

// Empty reports whether nothing was added.
func (s *Files[T]) Empty() bool { return len(s.files) == 0 && len(s.fs) == 0 }

// Has reports whether the file dev, ino is in the set, itself or by its
// file system: whether Match would yield anything.
func (s *Files[T]) Has(dev, ino uint64) bool {
	if _, ok := s.fs[dev]; ok {
		return true
	}
	_, ok := s.files[FileID{Dev: dev, Ino: ino}]
	return ok
}

// Match yields the values the file dev, ino matches: those added under
// it, then those added under its file system, each in the order added.
func (s *Files[T]) Match(dev, ino uint64) iter.Seq[T] {
	return func(yield func(T) bool) {
		for _, v := range s.files[FileID{Dev: dev, Ino: ino}] {
			if !yield(v) {
				return
			}
		}
		for _, v := range s.fs[dev] {
			if !yield(v) {
				return
			}
		}
	}
}

// File returns the values added under the file dev, ino itself, in the
// order added, for a caller that treats them apart from its file
// system's.
func (s *Files[T]) File(dev, ino uint64) []T { return s.files[FileID{Dev: dev, Ino: ino}] }

// FS returns the values added under the whole file system dev, in the
// order added.
func (s *Files[T]) FS(dev uint64) []T { return s.fs[dev] }

// IDs returns the single files of the set, in the order they were first
// added: what a filter that sees only devices and inodes (an in-kernel
// one, say) selects, unless WholeFS says file systems are wanted too.
func (s *Files[T]) IDs() []FileID { return slices.Clone(s.ids) }

// WholeFS reports whether any whole file system was added.
func (s *Files[T]) WholeFS() bool { return len(s.fs) > 0 }

// Devs returns the devices of the whole file systems of the set, in
// increasing order: what an in-kernel filter selects beside IDs.
func (s *Files[T]) Devs() []uint64 { return slices.Sorted(maps.Keys(s.fs)) }
