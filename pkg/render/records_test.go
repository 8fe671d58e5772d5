//go:build linux

package render

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"github.com/openfiles/openfiles/pkg/netsock"
	"golang.org/x/sys/unix"
)

// The records below are built by hand after what the scanner reported for
// internal/holder and internal/sockholder, and the expected texts in the
// tests are the rows /usr/bin/lsof 4.95 printed for those same files
// (holder as PID 17830, sockholder as PID 17832), so that a test checks
// lsof's format rather than restating ours.

var (
	holderProc = &fdscan.Process{PID: 17830, Dir: "17830", PPID: 1, PGID: 17761, UID: 0, Command: "holder"}
	sockProc   = &fdscan.Process{PID: 17832, Dir: "17832", PPID: 1, PGID: 17761, UID: 0, Command: "sockholder"}
)

var (
	rootDev  = unix.Mkdev(254, 0)
	anonDev  = unix.Mkdev(0, 16)
	pipeDev  = unix.Mkdev(0, 15)
	devtmpfs = unix.Mkdev(0, 6)
	sockDev  = unix.Mkdev(0, 9)
)

// fdFile is a descriptor entry as the scanner makes it.
func fdFile(fd int, mode fdscan.Mode, t fdscan.Type, link string) fdscan.File {
	return fdscan.File{Kind: fdscan.KindFD, FD: fd, Mode: mode, Type: t, Link: link, EventfdID: -1, NLink: 1, HasPos: true}
}

// special is a cwd, rtd or txt entry.
func special(k fdscan.Kind, t fdscan.Type, link string, ino uint64, size int64, nlink uint64) fdscan.File {
	return fdscan.File{Kind: k, FD: -1, Type: t, Link: link, Dev: rootDev, Inode: ino, Size: size, NLink: nlink, EventfdID: -1}
}

func with(f fdscan.File, edit func(*fdscan.File)) fdscan.File {
	edit(&f)
	return f
}

var (
	cwdFile = special(fdscan.KindCWD, fdscan.TypeDir, "/work/wt14r", 5310126, 4096, 8)
	rtdFile = special(fdscan.KindRoot, fdscan.TypeDir, "/", 2, 4096, 21)
	txtFile = special(fdscan.KindText, fdscan.TypeReg, "/tmp/rt14/holder", 9983887, 2654217, 1)
	delFile = fdscan.File{Kind: fdscan.KindDel, FD: -1, Type: fdscan.TypeReg, Link: "/tmp/rt14/h/mapped-deleted",
		Dev: rootDev, Inode: 9983904, EventfdID: -1}
	memFile = special(fdscan.KindMem, fdscan.TypeReg, "/tmp/rt14/h/mapped", 9983903, 12345, 1)

	fifoFile = with(fdFile(0, fdscan.ModeRead, fdscan.TypeFIFO, "/tmp/rt14/hin"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.HasFlags, f.Flags = rootDev, 9983883, true, 0o100000
	})
	epollFile = with(fdFile(6, fdscan.ModeReadWrite, fdscan.TypeAnon, "anon_inode:[eventpoll]"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.EpollTFDs, f.HasFlags, f.Flags = anonDev, 1038, []int{7}, true, 0o2000002
	})
	eventfdFile = with(fdFile(7, fdscan.ModeReadWrite, fdscan.TypeAnon, "anon_inode:[eventfd]"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.EventfdID, f.HasFlags, f.Flags = anonDev, 1038, 1, true, 0o2004002
	})
	readwriteFile = with(fdFile(9, fdscan.ModeReadWrite, fdscan.TypeReg, "/tmp/rt14/h/readwrite"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.Size, f.Pos, f.HasFlags, f.Flags = rootDev, 9983896, 12345, 4321, true, 0o2100002
	})
	nullFile = with(fdFile(10, fdscan.ModeRead, fdscan.TypeChr, "/dev/null"), func(f *fdscan.File) {
		f.Dev, f.Rdev, f.Inode, f.HasFlags, f.Flags = devtmpfs, unix.Mkdev(1, 3), 3, true, 0o100000
	})
	dirFile = with(fdFile(12, fdscan.ModeRead, fdscan.TypeDir, "/tmp/rt14/h"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.Size, f.NLink, f.HasFlags, f.Flags = rootDev, 9983881, 4096, 2, true, 0o2300000
	})
	zeroFile = with(fdFile(14, fdscan.ModeReadWrite, fdscan.TypeChr, "/dev/zero"), func(f *fdscan.File) {
		f.Dev, f.Rdev, f.Inode, f.HasFlags, f.Flags = devtmpfs, unix.Mkdev(1, 5), 4, true, 0o2100002
	})
	pipeFile = with(fdFile(16, fdscan.ModeRead, fdscan.TypeFIFO, "pipe:[198127]"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.HasFlags, f.Flags = pipeDev, 198127, true, 0o2000000
	})
	deletedFile = with(fdFile(18, fdscan.ModeRead, fdscan.TypeReg, "/tmp/rt14/h/deleted (deleted)"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.Size, f.NLink, f.HasFlags, f.Flags = rootDev, 9983900, 77, 0, true, 0o2100000
	})
	flockedFile = with(fdFile(19, fdscan.ModeReadWrite, fdscan.TypeReg, "/tmp/rt14/h/flocked"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.Size, f.Lock, f.HasFlags, f.Flags = rootDev, 9983905, 12345, 'W', true, 0o2100002
	})
	readlockedFile = with(fdFile(20, fdscan.ModeRead, fdscan.TypeReg, "/tmp/rt14/h/readlocked"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.Size, f.Lock, f.HasFlags, f.Flags = rootDev, 9983906, 12345, 'r', true, 0o2100000
	})
	idleEpollFile = with(fdFile(23, fdscan.ModeReadWrite, fdscan.TypeAnon, "anon_inode:[eventpoll]"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.HasFlags, f.Flags = anonDev, 1038, true, 0o2000002
	})
	inotifyFile = with(fdFile(24, fdscan.ModeRead, fdscan.TypeAnon, "anon_inode:inotify"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.HasFlags, f.Flags = anonDev, 1038, true, 0o2000000
	})
	timerfdFile = with(fdFile(25, fdscan.ModeReadWrite, fdscan.TypeAnon, "anon_inode:[timerfd]"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.HasFlags, f.Flags = anonDev, 1038, true, 0o2000002
	})
	pidfdFile = with(fdFile(27, fdscan.ModeReadWrite, fdscan.TypeAnon, "anon_inode:[pidfd]"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.PidfdPID, f.HasFlags, f.Flags = unix.Mkdev(0, 5), 82735, 17830, true, 0o2000002
	})
	memfdFile = with(fdFile(28, fdscan.ModeReadWrite, fdscan.TypeReg, "/memfd:holder-memfd (deleted)"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.Size, f.NLink, f.HasFlags, f.Flags = unix.Mkdev(0, 1), 53, 99, 0, true, 0o2100002
	})
	newlineFile = with(fdFile(31, fdscan.ModeRead, fdscan.TypeReg, "/tmp/rt14/h/with\nnewline"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.Size, f.HasFlags, f.Flags = rootDev, 9983909, 5, true, 0o2100000
	})
	nonASCIIFile = with(fdFile(33, fdscan.ModeRead, fdscan.TypeReg, "/tmp/rt14/h/non-ascii-äöü"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.Size, f.HasFlags, f.Flags = rootDev, 9983911, 5, true, 0o2100000
	})
	highFile = with(fdFile(10042, fdscan.ModeReadWrite, fdscan.TypeReg, "/tmp/rt14/h/readwrite"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.Size, f.HasFlags, f.Flags = rootDev, 9983896, 12345, true, 0o2100002
	})
)

// Entries that could not be read, as lsof 4.95 showed them for holder
// listed by an unprivileged user, for PID 1 here (whose descriptors even
// root may not read) and for kthreadd (PID 2), which has no program.
var (
	deniedCWD  = failedFile(fdscan.KindCWD, -1, "readlink", "/proc/17830/cwd", unix.EACCES)
	deniedRoot = failedFile(fdscan.KindRoot, -1, "readlink", "/proc/17830/root", unix.EACCES)
	deniedText = failedFile(fdscan.KindText, -1, "readlink", "/proc/17830/exe", unix.EACCES)
	deniedFDs  = failedFile(fdscan.KindNoFD, -1, "opendir", "/proc/17830/fd", unix.EACCES)
	deniedFD   = failedFile(fdscan.KindFD, 3, "readlink", "/proc/1/fd/3", unix.EACCES)
	kernelText = failedFile(fdscan.KindText, -1, "readlink", "/proc/2/exe", unix.ENOENT)
)

// sockFile is a socket descriptor of sockholder: socket:[ino] in the
// sockfs, with its offset 0. Go's net package opens sockets
// non-blocking; the ones from fd 31 on sockholder makes with bare
// system calls.
func sockFile(fd int, ino uint64) fdscan.File {
	flags := uint32(0o2004002)
	if fd >= 31 {
		flags = 0o2000002
	}
	return with(fdFile(fd, fdscan.ModeReadWrite, fdscan.TypeSock, "socket:["+strconv.FormatUint(ino, 10)+"]"), func(f *fdscan.File) {
		f.Dev, f.Inode, f.HasFlags, f.Flags = sockDev, ino, true, flags
	})
}

// fixtureNamer names hosts and ports from fixture files only, never
// asking DNS: 127.0.0.1 is localhost, as in this machine's /etc/hosts,
// and 8080/tcp is http-alt, as in its /etc/services.
func fixtureNamer(t *testing.T) *netsock.Namer {
	t.Helper()
	dir := t.TempDir()
	hosts := filepath.Join(dir, "hosts")
	services := filepath.Join(dir, "services")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n127.0.0.1 vm\n2001:db8::5 six.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(services, []byte("http-alt\t8080/tcp\twebcache\t# WWW caching service\ndomain\t53/udp\nssh\t22/tcp\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &netsock.Namer{HostsFile: hosts, ServicesFile: services}
}

// numericNamer is lsof's -n -P.
func numericNamer() *netsock.Namer { return &netsock.Namer{NoHosts: true, NoPorts: true} }

var rootUsers = fdscan.Users{0: "root"}

// entryOf is the entry of file f of process p and socket s (nil for
// none), named as the join stage names it, through n.
func entryOf(p *fdscan.Process, f *fdscan.File, s *netsock.Socket, n *netsock.Namer) *join.Entry {
	e := &join.Entry{Process: p, File: f, Socket: s}
	(&join.Joiner{Users: rootUsers, Names: n, RawHosts: true}).Name(e)
	return e
}

// failedFile is an entry the scanner could not read: op on path failed
// with err.
func failedFile(kind fdscan.Kind, fd int, op, path string, err error) fdscan.File {
	return fdscan.File{Kind: kind, FD: fd, EventfdID: -1, Err: &fs.PathError{Op: op, Path: path, Err: err}}
}
