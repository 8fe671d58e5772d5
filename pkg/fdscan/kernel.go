//go:build linux

package fdscan

import (
	"runtime"
	"runtime/debug"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
)

// Kernel is what a Scanner asks of the kernel beyond the contents of
// proc's files and the names in its directories, which it reads itself:
// the answers a tree of ordinary files cannot give, because they come
// from the objects proc's links stand for.
//
// The zero Options use the running kernel. Package fdscantest answers
// from a fixture tree and its stat table instead, as net/http/httptest
// stands in for a network: the scanner runs the same code either way.
//
// A Kernel is called from several goroutines at once. Errors are the
// errno of the system call (unix.Errno), which the scanner tests with
// errors.Is: ENOENT and ESRCH mean the process or descriptor is gone.
type Kernel interface {
	// OpenDirAt opens directory name relative to dirfd, as
	// openat(2) with O_RDONLY|O_DIRECTORY|O_CLOEXEC does.
	OpenDirAt(dirfd int, name string) (int, error)
	// ReadlinkAt reads the link name relative to dirfd into buf and
	// returns its length, as readlinkat(2) does: a result as long as
	// buf may have been cut short.
	ReadlinkAt(dirfd int, name string, buf []byte) (int, error)
	// StatAt stats what the link name relative to dirfd points to, in
	// the way that cannot block (statx.go).
	StatAt(dirfd int, name string) (unix.Stat_t, error)
	// LstatAt stats the link name relative to dirfd itself, not what
	// it points to: the permissions of a descriptor's link are its
	// access mode.
	LstatAt(dirfd int, name string) (unix.Stat_t, error)
	// Fstat stats the open file fd: the owner of a process's
	// directory is the process's user.
	Fstat(fd int) (unix.Stat_t, error)
	// Stat stats path in our own mount namespace, following links: a
	// mapped file's path, as the maps name it.
	Stat(path string) (unix.Stat_t, error)
	// Kcmp reports whether tasks pid1 and pid2 share the resource
	// kind (KcmpVM, KcmpFiles or KcmpFS), as kcmp(2) does.
	Kcmp(pid1, pid2, kind int) (bool, error)
	// Getxattr reads the extended attribute attr of path into dest
	// and returns its length: a socket's system.sockprotoname.
	Getxattr(path, attr string, dest []byte) (int, error)
	// PidfdOpen opens a pidfd of process pid, as pidfd_open(2) does:
	// what Options.ProcessIDs pins a process's identity with.
	PidfdOpen(pid int) (int, error)
	// OpenFiles returns the kernel's tables of open files, for
	// SourceKernel to walk: every open file, or, when search is not
	// nil, those it names and those whose stat may show another device
	// or inode than the kernel holds (kiter.OpenWanted). An error says
	// that they cannot be read: the scan reads proc.
	OpenFiles(search *Search) (FileTable, error)
}

// FileTable is the kernel's tables of open files, one Record for each
// descriptor of each process, as Kernel.OpenFiles returns them.
type FileTable = kiter.Table

// Record is one open file of one process, as the kernel holds it.
type Record = kiter.Record

// The kcmp(2) resources a task may share with its process: where a
// thread shares them all, as most do, its entries are its process's and
// are not read again.
const (
	KcmpVM    = 1 // memory: program text and mappings
	KcmpFiles = 2 // descriptor table
	KcmpFS    = 3 // working and root directories
)

// liveKernel is the running kernel, asked with system calls.
type liveKernel struct{}

func (liveKernel) OpenDirAt(dirfd int, name string) (int, error) {
	return unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

func (liveKernel) Fstat(fd int) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Fstat(fd, &st)
	return st, err
}

func (liveKernel) Stat(path string) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Stat(path, &st)
	return st, err
}

func (liveKernel) Kcmp(pid1, pid2, kind int) (bool, error) {
	ret, _, errno := unix.Syscall6(unix.SYS_KCMP, uintptr(pid1), uintptr(pid2), uintptr(kind), 0, 0, 0)
	if errno != 0 {
		return false, errno
	}
	return ret == 0, nil
}

func (liveKernel) Getxattr(path, attr string, dest []byte) (int, error) {
	return unix.Getxattr(path, attr, dest)
}

func (liveKernel) PidfdOpen(pid int) (int, error) { return unix.PidfdOpen(pid, 0) }

// OpenFiles loads the BPF iterator. Loading parses the kernel's BTF into
// some 8 MB that are garbage once the programs are loaded, while little
// else is live yet: collected as it comes, from the runtime's 4 MB floor
// on, that garbage took seven of a full listing's fifteen collections.
// The collector waits until the load is done and then collects it in
// one, while the heap is small.
func (liveKernel) OpenFiles(search *Search) (FileTable, error) {
	old := debug.SetGCPercent(-1)
	defer func() {
		debug.SetGCPercent(old)
		runtime.GC()
	}()
	var it *kiter.Iter
	var err error
	if search == nil {
		it, err = kiter.Open()
	} else {
		it, err = kiter.OpenWanted(*search)
	}
	if err != nil {
		return nil, err // not a nil *Iter in an interface
	}
	return it, nil
}

// cnameLen bounds the names made NUL-terminated on the stack: those of
// proc's entries ("3", "cwd", "map_files/7f1c2a000000-7f1c2a028000") are
// all shorter.
const cnameLen = 64

// cname returns name NUL-terminated, in b when it fits: unix's wrappers
// copy every name into a new allocation, on each call.
func cname(b *[cnameLen]byte, name string) (*byte, error) {
	if len(name) < len(b) {
		copy(b[:], name)
		b[len(name)] = 0
		return &b[0], nil
	}
	return unix.BytePtrFromString(name)
}
