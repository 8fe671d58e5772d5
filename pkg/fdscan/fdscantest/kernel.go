//go:build linux

package fdscantest

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// Kernel is an fdscan.Kernel for a fixture proc tree: a directory of
// ordinary files and symbolic links laid out as proc is (testdata/proc/basic),
// whose links point at files this machine does not have. What the scanner
// reads of the tree's files, it reads from them; what a kernel would say of
// the objects behind the links, Kernel says from the tree and its
// StatTable:
//
//   - a stat of a link's target is the table's entry for the link
//     ("100/fd/3"), ENOENT without one, as for a descriptor closed meanwhile;
//   - a readlink or a directory open fails with the entry's error where the
//     table says so (readlink=1; "102/fd err=EACCES");
//   - a descriptor link's own mode has the permissions the kernel gives it
//     from the open file's access mode, read from the fdinfo flags;
//   - a process directory belongs to the effective user of its status
//     file's Uid line, not to whoever made the tree;
//   - a mapped file's path is stat'ed in the table by its absolute path;
//   - a task shares a resource with its process (kcmp) when what the tree
//     shows of it is the same: the cwd and root links (KcmpFS), the exe
//     link and the maps (KcmpVM), every descriptor's link, fdinfo and
//     table entry (KcmpFiles);
//   - a socket's system.sockprotoname is the entry's proto.
type Kernel struct {
	root  string // absolute, with no symbolic link in it
	stats StatTable
}

// NewKernel returns the Kernel of the fixture tree at root, whose stat
// results are in stats.
func NewKernel(root string, stats StatTable) (*Kernel, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, err
	}
	return &Kernel{root: abs, stats: stats}, nil
}

// Load returns the Kernel of the fixture tree at root, with the stat table
// beside it, root+".stat".
func Load(root string) (*Kernel, error) {
	stats, err := LoadStatTable(root + ".stat")
	if err != nil {
		return nil, err
	}
	return NewKernel(root, stats)
}

// Root returns the tree's directory, absolute.
func (k *Kernel) Root() string { return k.root }

// Options returns fdscan options that scan the tree with k.
func (k *Kernel) Options() fdscan.Options { return fdscan.Options{Root: k.root, Kernel: k} }

// key names name, relative to the open directory dirfd (or the working
// directory, for unix.AT_FDCWD), in the tree: "100/fd/3". It reports
// false for a path outside the tree.
func (k *Kernel) key(dirfd int, name string) (string, bool) {
	var dir string
	switch {
	case filepath.IsAbs(name):
	case dirfd == unix.AT_FDCWD:
		wd, err := os.Getwd()
		if err != nil {
			return "", false
		}
		dir = wd
	default:
		d, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(dirfd))
		if err != nil {
			return "", false
		}
		dir = d
	}
	rel, err := filepath.Rel(k.root, filepath.Join(dir, name))
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return rel, true
}

func (k *Kernel) entry(dirfd int, name string) (StatEntry, bool) {
	key, ok := k.key(dirfd, name)
	if !ok {
		return StatEntry{}, false
	}
	e, ok := k.stats[key]
	return e, ok
}

// OpenDirAt opens the tree's directory, unless the table says it fails.
func (k *Kernel) OpenDirAt(dirfd int, name string) (int, error) {
	if e, ok := k.entry(dirfd, name); ok && e.Err != nil {
		return -1, e.Err
	}
	return unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

// ReadlinkAt reads the tree's link, unless the table says it fails.
func (k *Kernel) ReadlinkAt(dirfd int, name string, buf []byte) (int, error) {
	if e, ok := k.entry(dirfd, name); ok && e.ReadlinkErr {
		return 0, e.Err
	}
	return unix.Readlinkat(dirfd, name, buf)
}

// StatAt returns the table's entry for the link: its target is not on
// this machine.
func (k *Kernel) StatAt(dirfd int, name string) (unix.Stat_t, error) {
	e, ok := k.entry(dirfd, name)
	if !ok {
		return unix.Stat_t{}, unix.ENOENT
	}
	return e.Stat, e.Err
}

// LstatAt stats the tree's link itself; a descriptor's link has the
// permissions the kernel gives it (fs/proc/fd.c): user read for an open
// file readable, user write for one writable, and execute with either.
func (k *Kernel) LstatAt(dirfd int, name string) (unix.Stat_t, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return st, err
	}
	key, ok := k.key(dirfd, name)
	dir, fd := filepath.Split(key)
	if !ok || filepath.Base(dir) != "fd" {
		return st, nil
	}
	info, err := os.ReadFile(filepath.Join(k.root, dir, "..", "fdinfo", fd))
	if err != nil {
		return st, nil
	}
	flags, ok := fdinfoFlags(info)
	if !ok {
		return st, nil
	}
	mode := uint32(unix.S_IFLNK)
	if flags&unix.O_PATH == 0 {
		switch flags & unix.O_ACCMODE {
		case unix.O_RDONLY:
			mode |= unix.S_IRUSR | unix.S_IXUSR
		case unix.O_WRONLY:
			mode |= unix.S_IWUSR | unix.S_IXUSR
		default:
			mode |= unix.S_IRUSR | unix.S_IWUSR | unix.S_IXUSR
		}
	}
	st.Mode = mode
	return st, nil
}

// fdinfoFlags returns the open flags of an fdinfo file.
func fdinfoFlags(info []byte) (uint32, bool) {
	for line := range bytes.Lines(info) {
		if v, ok := bytes.CutPrefix(line, []byte("flags:")); ok {
			n, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 32)
			return uint32(n), err == nil
		}
	}
	return 0, false
}

// Fstat stats the open file; a process's directory belongs to the
// effective user its status file names.
func (k *Kernel) Fstat(fd int) (unix.Stat_t, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return st, err
	}
	sfd, err := unix.Openat(fd, "status", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return st, nil
	}
	f := os.NewFile(uintptr(sfd), "status")
	defer f.Close()
	var buf [4096]byte
	n, _ := f.Read(buf[:])
	for line := range bytes.Lines(buf[:n]) {
		if v, ok := bytes.CutPrefix(line, []byte("Uid:")); ok {
			ids := bytes.Fields(v) // real, effective, saved, file system
			if len(ids) > 1 {
				if uid, err := strconv.ParseUint(string(ids[1]), 10, 32); err == nil {
					st.Uid = uint32(uid)
				}
			}
		}
	}
	return st, nil
}

// Stat returns the table's entry for the absolute path.
func (k *Kernel) Stat(path string) (unix.Stat_t, error) {
	e, ok := k.stats[path]
	if !ok {
		return unix.Stat_t{}, unix.ENOENT
	}
	return e.Stat, e.Err
}

// Kcmp compares what the tree shows of task pid2 of process pid1 with
// the process's.
func (k *Kernel) Kcmp(pid1, pid2, kind int) (bool, error) {
	if pid1 == pid2 {
		return true, nil
	}
	a := strconv.Itoa(pid1)
	b := a + "/task/" + strconv.Itoa(pid2)
	if _, err := os.Stat(filepath.Join(k.root, b)); err != nil {
		return false, unix.ESRCH
	}
	switch kind {
	case fdscan.KcmpFS:
		return k.sameLinks(a, b, "cwd", "root"), nil
	case fdscan.KcmpVM:
		return k.sameLinks(a, b, "exe") && k.sameFile(a, b, "maps"), nil
	case fdscan.KcmpFiles:
		fds, err := k.names(a, "fd")
		other, err2 := k.names(b, "fd")
		if err != nil || err2 != nil || !slices.Equal(fds, other) {
			return false, nil
		}
		for _, fd := range fds {
			if !k.sameLinks(a, b, "fd/"+fd) || !k.sameFile(a, b, "fdinfo/"+fd) {
				return false, nil
			}
		}
		return true, nil
	}
	return false, unix.EINVAL
}

// sameLinks reports whether the links names of directories a and b read
// the same, and have the same table entries.
func (k *Kernel) sameLinks(a, b string, names ...string) bool {
	for _, name := range names {
		la, errA := os.Readlink(filepath.Join(k.root, a, name))
		lb, errB := os.Readlink(filepath.Join(k.root, b, name))
		if la != lb || (errA == nil) != (errB == nil) || k.stats[a+"/"+name] != k.stats[b+"/"+name] {
			return false
		}
	}
	return true
}

// sameFile reports whether file name has the same contents in
// directories a and b.
func (k *Kernel) sameFile(a, b, name string) bool {
	fa, errA := os.ReadFile(filepath.Join(k.root, a, name))
	fb, errB := os.ReadFile(filepath.Join(k.root, b, name))
	return bytes.Equal(fa, fb) && (errA == nil) == (errB == nil)
}

// names lists directory dir of process directory rel.
func (k *Kernel) names(rel, dir string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(k.root, rel, dir))
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names, err
}

// Getxattr returns the table's proto as a socket's
// system.sockprotoname; ENODATA for anything else.
func (k *Kernel) Getxattr(path, attr string, dest []byte) (int, error) {
	e, ok := k.entry(unix.AT_FDCWD, path)
	if !ok || attr != "system.sockprotoname" || e.Proto == "" {
		return 0, unix.ENODATA
	}
	if len(dest) < len(e.Proto)+1 {
		return 0, unix.ERANGE
	}
	return copy(dest, e.Proto+"\x00"), nil
}

// PidfdOpen fails as on a kernel without pidfds: a fixture's processes
// are not this machine's, and no Process.ProcessID is read of them.
func (k *Kernel) PidfdOpen(int) (int, error) { return -1, unix.ENOSYS }
