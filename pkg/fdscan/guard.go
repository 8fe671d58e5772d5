package fdscan

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ErrNotResponding is the error of a stat that did not return within the
// scanner's StatTimeout: the file system (a stuck FUSE daemon, an NFS
// server that went away) is not answering.
var ErrNotResponding = errors.New("file system not responding")

// DefaultStatTimeout bounds a stat on a file system that may not answer.
const DefaultStatTimeout = 5 * time.Second

// riskyTypes are file systems whose stat can block for as long as a
// server or daemon does not answer.
var riskyTypes = []string{"fuse", "fuseblk", "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs", "lustre", "afs", "davfs", "ncpfs", "coda"}

func risky(fstype string) bool {
	for _, t := range riskyTypes {
		if fstype == t || strings.HasPrefix(fstype, t+".") {
			return true
		}
	}
	return false
}

// mount is one line of mountinfo.
type mount struct {
	id    int
	dev   uint64
	point string
	risky bool
}

// mountTable knows the mounts of the scanner's own mount namespace, so
// that stats on file systems that may not answer are made with a
// deadline and the others directly.
type mountTable struct {
	byID  map[int]*mount
	byDev map[uint64]*mount
	list  []*mount // by mount point, longest first
	any   bool     // some mount is risky
}

func readMountTable(path string) *mountTable {
	t := &mountTable{byID: map[int]*mount{}, byDev: map[uint64]*mount{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return t
	}
	for _, line := range strings.Split(string(b), "\n") {
		// ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPER
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 1 {
			continue
		}
		id, err := strconv.Atoi(f[0])
		maj, min, ok2 := strings.Cut(f[2], ":")
		a, err1 := strconv.ParseUint(maj, 10, 32)
		c, err2 := strconv.ParseUint(min, 10, 32)
		if err != nil || !ok2 || err1 != nil || err2 != nil {
			continue
		}
		m := &mount{id: id, dev: unix.Mkdev(uint32(a), uint32(c)), point: unescapeMount(f[4]), risky: risky(g[0])}
		t.byID[id], t.byDev[m.dev] = m, m
		t.list = append(t.list, m)
		t.any = t.any || m.risky
	}
	// Longest mount point first, so that the first prefix match is the
	// mount a path is on.
	for i := 1; i < len(t.list); i++ {
		for j := i; j > 0 && len(t.list[j].point) > len(t.list[j-1].point); j-- {
			t.list[j], t.list[j-1] = t.list[j-1], t.list[j]
		}
	}
	return t
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a blank).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// byPath returns the mount path is on, or nil.
func (t *mountTable) byPath(path string) *mount {
	for _, m := range t.list {
		if path == m.point || m.point == "/" || strings.HasPrefix(path, m.point+"/") {
			return m
		}
	}
	return nil
}

// guard makes stats that may block with a deadline, and remembers the
// mounts that did not answer, so that each costs the wait only once.
type guard struct {
	timeout time.Duration
	mu      sync.Mutex
	dead    map[int]bool // mount IDs
}

// stat runs do, a stat, with a deadline, on behalf of mount id.
func (g *guard) stat(id int, st *unix.Stat_t, do func(*unix.Stat_t) error) error {
	r, err := guarded(g, id, func() (unix.Stat_t, error) {
		var st unix.Stat_t
		err := do(&st)
		return st, err
	})
	if err == nil || !errors.Is(err, ErrNotResponding) {
		*st = r
	}
	return err
}

type result[T any] struct {
	v   T
	err error
}

// guarded runs do with the guard's deadline on behalf of mount id. Its
// result travels by channel: a call that never returns holds only its
// own goroutine, which ends with the program, and writes nothing the
// caller reads.
func guarded[T any](g *guard, id int, do func() (T, error)) (T, error) {
	var zero T
	g.mu.Lock()
	dead := g.dead[id]
	g.mu.Unlock()
	if dead {
		return zero, ErrNotResponding
	}
	done := make(chan result[T], 1)
	go func() {
		v, err := do()
		done <- result[T]{v, err}
	}()
	timer := time.NewTimer(g.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-timer.C:
		g.mu.Lock()
		if g.dead == nil {
			g.dead = map[int]bool{}
		}
		g.dead[id] = true
		g.mu.Unlock()
		return zero, ErrNotResponding
	}
}

// Guarded runs do, a call that touches the file system path is on (a
// stat, a statx), with the scanner's deadline when that file system may
// not answer, and directly otherwise. It returns ErrNotResponding when
// the deadline passes.
func Guarded[T any](s *Scanner, path string, do func() (T, error)) (T, error) {
	if id, ok := s.riskyID(0, absPath(path)); ok {
		return guarded(&s.guard, id, do)
	}
	return do()
}

// mounts returns the scanner's mount table, reading it on first use.
func (s *Scanner) mounts() *mountTable {
	s.mountsOnce.Do(func() {
		s.mountTab = readMountTable(filepath.Join(s.root, "self", "mountinfo"))
	})
	return s.mountTab
}

// unknownMount stands for a mount the table does not know (another
// mount namespace's): stats on it are guarded too.
const unknownMount = -1

// riskyID returns the mount ID to guard a stat under, and whether it
// needs guarding: mntID from fdinfo when known (0 when not), else the
// mount path is on.
func (s *Scanner) riskyID(mntID int, path string) (int, bool) {
	t := s.mounts()
	if !t.any || (path != "" && path[0] != '/') {
		// Pipes, sockets and anonymous inodes are no file system's.
		return 0, false
	}
	if mntID > 0 {
		m, ok := t.byID[mntID]
		if !ok {
			return unknownMount, true
		}
		return m.id, m.risky
	}
	if m := t.byPath(path); m != nil {
		return m.id, m.risky
	}
	return unknownMount, true
}

// riskyDev is riskyID for a device number, as the maps give it.
func (s *Scanner) riskyDev(dev uint64) (int, bool) {
	t := s.mounts()
	if !t.any {
		return 0, false
	}
	if m, ok := t.byDev[dev]; ok {
		return m.id, m.risky
	}
	return unknownMount, true
}

// StatPath stats path (following links) as the scanner stats files: with
// a deadline when it lies on a file system that may not answer. It
// returns ErrNotResponding when the deadline passes.
func (s *Scanner) StatPath(path string, st *unix.Stat_t) error {
	if id, ok := s.riskyID(0, absPath(path)); ok {
		return s.guard.stat(id, st, func(st *unix.Stat_t) error { return unix.Stat(path, st) })
	}
	return unix.Stat(path, st)
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
