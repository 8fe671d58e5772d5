//go:build linux

package pathlookup

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// answerLocally makes a lookup in our own process, where our mount
// namespace has no mount that may stall: each path is opened with
// openat2(RESOLVE_NO_MAGICLINKS), which keeps the lookup in our mount
// namespace, and the rest is asked of the open descriptor. It reports
// false when the path needs a magic link (such as /proc/PID/root/...),
// or openat2 is missing, and the helper must answer.
func answerLocally(op byte, path string) (lookupReply, bool, error) {
	var r lookupReply
	flags := uint64(unix.O_PATH | unix.O_CLOEXEC)
	switch op {
	case opLstat, opReadlink:
		flags |= unix.O_NOFOLLOW
	case opReadDir:
		flags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC
	}
	fd, err := openLocal(path, flags, op == opLstat || op == opReadlink)
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOSYS) {
		return r, false, nil
	}
	if err != nil {
		return r, true, err
	}
	defer unix.Close(fd)
	switch op {
	case opStat, opLstat:
		r.Stat, err = statxPath(fd, "", unix.AT_EMPTY_PATH)
	case opReadlink:
		var n int
		buf := make([]byte, unix.PathMax)
		if n, err = unix.Readlinkat(fd, "", buf); err == nil {
			r.Link = string(buf[:n])
		} else if errors.Is(err, unix.ENOENT) {
			err = unix.EINVAL // readlinkat(fd, "") of what is not a link
		}
	case opEval:
		// Where the kernel's lookup led is what the descriptor names.
		r.Link, err = os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	case opReadDir:
		r.Entries, err = readDirFD(fd, path)
	default:
		err = unix.EINVAL
	}
	return r, true, err
}

// openLocal opens path with flags, through no magic link. With itself,
// the last component is opened as it is, a link not followed, so that
// it may be a magic link itself (/proc/PID/root, say): its directory is
// opened through none, and the name is looked up in it.
func openLocal(path string, flags uint64, itself bool) (int, error) {
	how := &unix.OpenHow{Flags: flags, Resolve: unix.RESOLVE_NO_MAGICLINKS}
	dir, base := filepath.Split(path)
	if !itself || base == "" || base == "." || base == ".." {
		return unix.Openat2(unix.AT_FDCWD, path, how)
	}
	if dir == "" {
		dir = "."
	}
	dirfd, err := unix.Openat2(unix.AT_FDCWD, dir, &unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_MAGICLINKS})
	if err != nil {
		return -1, err
	}
	defer unix.Close(dirfd)
	return unix.Openat(dirfd, base, int(flags), 0)
}

// readDirFD lists and lstats the entries of the open directory fd.
func readDirFD(fd int, dir string) ([]helperEntry, error) {
	dup, err := unix.Dup(fd)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dup), dir)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	ents := make([]helperEntry, len(names))
	for i, name := range names {
		ents[i].Name = name
		st, err := statxPath(fd, name, unix.AT_SYMLINK_NOFOLLOW)
		ents[i].Stat, ents[i].Errno = st, errnoOf(err)
	}
	return ents, nil
}
