//go:build linux

package render

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"golang.org/x/sys/unix"
)

// TestFileColumns checks each column of one row per kind and type of
// file against lsof 4.95's row for the same file (lsof -p PID +L).
func TestFileColumns(t *testing.T) {
	type cols struct {
		fd, mode, lock, typ, device, sizeOff, nlink, node, name string
	}
	for _, tc := range []struct {
		desc string
		p    *fdscan.Process
		f    fdscan.File
		want cols
	}{
		// holder  17830 root  cwd       DIR  254,0     4096     8 5310126 /work/wt14r
		{"cwd", holderProc, cwdFile, cols{"cwd", " ", " ", "DIR", "254,0", "4096", "8", "5310126", "/work/wt14r"}},
		{"rtd", holderProc, rtdFile, cols{"rtd", " ", " ", "DIR", "254,0", "4096", "21", "2", "/"}},
		{"txt", holderProc, txtFile, cols{"txt", " ", " ", "REG", "254,0", "2654217", "1", "9983887", "/tmp/rt14/holder"}},
		// A deleted mapping has neither size nor link count.
		{"DEL", holderProc, delFile, cols{"DEL", " ", " ", "REG", "254,0", "", "", "9983904", "/tmp/rt14/h/mapped-deleted"}},
		{"mem", holderProc, memFile, cols{"mem", " ", " ", "REG", "254,0", "12345", "1", "9983903", "/tmp/rt14/h/mapped"}},
		// Devices and pipes show an offset, regular files a size.
		{"FIFO", holderProc, fifoFile, cols{"0", "r", " ", "FIFO", "254,0", "0t0", "1", "9983883", "/tmp/rt14/hin"}},
		{"REG rw", holderProc, readwriteFile, cols{"9", "u", " ", "REG", "254,0", "12345", "1", "9983896", "/tmp/rt14/h/readwrite"}},
		{"CHR null", holderProc, nullFile, cols{"10", "r", " ", "CHR", "1,3", "0t0", "1", "3", "/dev/null"}},
		{"DIR fd", holderProc, dirFile, cols{"12", "r", " ", "DIR", "254,0", "4096", "2", "9983881", "/tmp/rt14/h"}},
		{"CHR zero", holderProc, zeroFile, cols{"14", "u", " ", "CHR", "1,5", "0t0", "1", "4", "/dev/zero"}},
		{"pipe", holderProc, pipeFile, cols{"16", "r", " ", "FIFO", "0,15", "0t0", "1", "198127", "pipe"}},
		{"deleted", holderProc, deletedFile, cols{"18", "r", " ", "REG", "254,0", "77", "0", "9983900", "/tmp/rt14/h/deleted (deleted)"}},
		{"flock", holderProc, flockedFile, cols{"19", "u", "W", "REG", "254,0", "12345", "1", "9983905", "/tmp/rt14/h/flocked"}},
		{"read lock", holderProc, readlockedFile, cols{"20", "r", "r", "REG", "254,0", "12345", "1", "9983906", "/tmp/rt14/h/readlocked"}},
		{"epoll", holderProc, epollFile, cols{"6", "u", " ", "a_inode", "0,16", "0", "1", "1038", "[eventpoll:7]"}},
		{"eventfd", holderProc, eventfdFile, cols{"7", "u", " ", "a_inode", "0,16", "0", "1", "1038", "[eventfd:1]"}},
		{"idle epoll", holderProc, idleEpollFile, cols{"23", "u", " ", "a_inode", "0,16", "0", "1", "1038", "[eventpoll]"}},
		{"inotify", holderProc, inotifyFile, cols{"24", "r", " ", "a_inode", "0,16", "0", "1", "1038", "inotify"}},
		{"timerfd", holderProc, timerfdFile, cols{"25", "u", " ", "a_inode", "0,16", "0", "1", "1038", "[timerfd]"}},
		{"pidfd", holderProc, pidfdFile, cols{"27", "u", " ", "a_inode", "0,5", "0", "1", "82735", "[pidfd:17830]"}},
		{"memfd", holderProc, memfdFile, cols{"28", "u", " ", "REG", "0,1", "99", "0", "53", "/memfd:holder-memfd (deleted)"}},
		{"fd >= 10000", holderProc, highFile, cols{"*042", "u", " ", "REG", "254,0", "12345", "1", "9983896", "/tmp/rt14/h/readwrite"}},
		// holder  17830 root  cwd   unknown                      /proc/17830/cwd (readlink: Permission denied)
		{"cwd denied", holderProc, deniedCWD, cols{"cwd", " ", " ", "unknown", "", "", "", "", "/proc/17830/cwd (readlink: Permission denied)"}},
		{"rtd denied", holderProc, deniedRoot, cols{"rtd", " ", " ", "unknown", "", "", "", "", "/proc/17830/root (readlink: Permission denied)"}},
		{"txt denied", holderProc, deniedText, cols{"txt", " ", " ", "unknown", "", "", "", "", "/proc/17830/exe (readlink: Permission denied)"}},
		// holder  17830 root NOFD                                /proc/17830/fd (opendir: Permission denied)
		{"NOFD", holderProc, deniedFDs, cols{"NOFD", " ", " ", "", "", "", "", "", "/proc/17830/fd (opendir: Permission denied)"}},
		// process_a   1 root    3   unknown                      /proc/1/fd/3 (readlink: Permission denied)
		{"fd denied", &fdscan.Process{PID: 1, Dir: "1"}, deniedFD, cols{"3", " ", " ", "unknown", "", "", "", "", "/proc/1/fd/3 (readlink: Permission denied)"}},
		// kthreadd   2 root  txt   unknown                      /proc/2/exe
		{"kernel thread", &fdscan.Process{PID: 2, Dir: "2"}, kernelText, cols{"txt", " ", " ", "unknown", "", "", "", "", "/proc/2/exe"}},
		// A task's entries are named under its own directory.
		{"task fd denied", &fdscan.Process{PID: 1, TID: 7, Dir: "1/task/7"}, failedFile(fdscan.KindFD, 3, "readlink", "/proc/1/task/7/fd/3", unix.EACCES), cols{"3", " ", " ", "unknown", "", "", "", "", "/proc/1/task/7/fd/3 (readlink: Permission denied)"}},
	} {
		f := tc.f
		got := cols{
			FD(&f), string(Mode(&f)), string(Lock(&f)), Type(&f), Device(&f),
			string(appendSizeOff(nil, &f, SizeOffAuto, defaultOffsetDigits)), NLink(&f), Node(&f), Name(&join.Entry{Process: tc.p, File: &f}),
		}
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.desc, got, tc.want)
		}
	}
}

// TestNameForms covers the names lsof gives files beyond the common
// ones: stat failures, mapped files whose path names another file now,
// sockets not in the tables, and links of no known kind.
func TestNameForms(t *testing.T) {
	p := &fdscan.Process{PID: 42, Dir: "42"}
	for _, tc := range []struct {
		desc string
		f    fdscan.File
		want string
	}{
		{"stat failed", with(failedFile(fdscan.KindFD, 4, "stat", "/proc/42/fd/4", unix.EACCES), func(f *fdscan.File) { f.Link = "/mnt/secret" }),
			"/mnt/secret (stat: Permission denied)"},
		{"stat of a mapping failed", with(failedFile(fdscan.KindMem, -1, "stat", "/lib/x.so", unix.ENOENT), func(f *fdscan.File) { f.Link = "/lib/x.so" }),
			"/lib/x.so (stat: No such file or directory)"},
		{"readlink of an fd vanished", failedFile(fdscan.KindFD, 9, "readlink", "/proc/42/fd/9", unix.ENOENT),
			"/proc/42/fd/9 (readlink: No such file or directory)"},
		{"cwd vanished", failedFile(fdscan.KindCWD, -1, "readlink", "/proc/42/cwd", unix.ENOENT),
			"/proc/42/cwd (readlink: No such file or directory)"},
		{"mapping replaced", fdscan.File{Kind: fdscan.KindMem, FD: -1, Link: "/usr/lib/libc.so.6", Dev: rootDev, Inode: 100,
			PathDev: unix.Mkdev(254, 1), PathInode: 200}, "/usr/lib/libc.so.6 (path dev=254,1, inode=200)"},
		{"socket of unknown protocol", fdscan.File{Kind: fdscan.KindFD, FD: 3, Type: fdscan.TypeSock, Link: "socket:[99]"},
			"can't identify protocol"},
		{"signalfd", fdscan.File{Kind: fdscan.KindFD, FD: 3, Type: fdscan.TypeAnon, Link: "anon_inode:[signalfd]", EventfdID: -1},
			"[signalfd]"},
		{"eventfd without an id", fdscan.File{Kind: fdscan.KindFD, FD: 3, Type: fdscan.TypeAnon, Link: "anon_inode:[eventfd]", EventfdID: -1},
			"[eventfd]"},
		{"eventfd 0", fdscan.File{Kind: fdscan.KindFD, FD: 3, Type: fdscan.TypeAnon, Link: "anon_inode:[eventfd]"},
			"[eventfd:0]"},
		{"pidfd of unknown process", fdscan.File{Kind: fdscan.KindFD, FD: 3, Type: fdscan.TypeAnon, Link: "anon_inode:[pidfd]"},
			"[pidfd]"},
		{"anon without detail", fdscan.File{Kind: fdscan.KindFD, FD: 3, Type: fdscan.TypeAnon, Link: "anon_inode:[io_uring]"},
			"[io_uring]"},
		{"net namespace", fdscan.File{Kind: fdscan.KindFD, FD: 3, Type: fdscan.TypeReg, Link: "net:[4026531840]"}, "net"},
		{"deleted fd", deletedFile, "/tmp/rt14/h/deleted (deleted)"},
	} {
		if got := Name(&join.Entry{Process: p, File: &tc.f}); got != tc.want {
			t.Errorf("%s: Name = %q, want %q", tc.desc, got, tc.want)
		}
	}
	// A socket of another namespace is in none of our tables: the join
	// stage asked the kernel for its protocol's name.
	sock := fdscan.File{Kind: fdscan.KindFD, FD: 3, Type: fdscan.TypeSock, Link: "socket:[99]"}
	if got, want := Name(&join.Entry{Process: p, File: &sock, Protocol: "TCP"}), "protocol: TCP"; got != want {
		t.Errorf("socket of another namespace: Name = %q, want %q", got, want)
	}
	// lsof's notes and -E's ends follow the name.
	if got, want := Name(&join.Entry{Process: p, File: &sock, Note: "-X specified"}), "can't identify protocol (-X specified)"; got != want {
		t.Errorf("socket skipped by -X: Name = %q, want %q", got, want)
	}
	pipe := fdscan.File{Kind: fdscan.KindFD, FD: 4, Type: fdscan.TypeFIFO, Link: "pipe:[77]"}
	if got, want := Name(&join.Entry{Process: p, File: &pipe, Endpoints: "8214,pipe,4w"}), "pipe 8214,pipe,4w"; got != want {
		t.Errorf("pipe with -E: Name = %q, want %q", got, want)
	}
	// The proc root is whatever the entry was read from.
	fixture := failedFile(fdscan.KindCWD, -1, "readlink", "/fixture/proc/42/cwd", unix.EACCES)
	if got, want := Name(&join.Entry{Process: p, File: &fixture}), "/fixture/proc/42/cwd (readlink: Permission denied)"; got != want {
		t.Errorf("Name under another proc root = %q, want %q", got, want)
	}
}

// TestEpollName checks the watched descriptors lsof names: the first 32
// fdinfo lists, sorted, with "..." when there are 32 or more. lsof showed
// an epoll instance of 40 eventfds as
// [eventpoll:6,7,8,...,46...], with 32 numbers.
func TestEpollName(t *testing.T) {
	var forty []int
	for fd := 45; fd > 5; fd-- { // fdinfo's order is not numeric
		forty = append(forty, fd)
	}
	var firstSorted []string
	for fd := 14; fd <= 45; fd++ {
		firstSorted = append(firstSorted, strconv.Itoa(fd))
	}
	exactly32 := forty[:32]
	for _, tc := range []struct {
		tfds []int
		want string
	}{
		{[]int{7}, "[eventpoll:7]"},
		{[]int{30, 5, 6}, "[eventpoll:5,6,30]"},
		{forty[:31], "[eventpoll:" + strings.Join(firstSorted[1:], ",") + "]"},
		{exactly32, "[eventpoll:" + strings.Join(firstSorted, ",") + "...]"},
		{forty, "[eventpoll:" + strings.Join(firstSorted, ",") + "...]"},
	} {
		f := fdscan.File{Kind: fdscan.KindFD, FD: 5, Type: fdscan.TypeAnon, Link: "anon_inode:[eventpoll]", EpollTFDs: tc.tfds}
		orig := append([]int(nil), tc.tfds...)
		if got := Name(&join.Entry{Process: holderProc, File: &f}); got != tc.want {
			t.Errorf("epoll watching %v:\n got %q\nwant %q", tc.tfds, got, tc.want)
		}
		if !slices.Equal(orig, f.EpollTFDs) {
			t.Errorf("Name reordered the record's targets: %v, was %v", f.EpollTFDs, orig)
		}
	}
}

func TestFDNumbers(t *testing.T) {
	for _, tc := range []struct {
		fd   int
		want string
	}{
		{0, "0"}, {9999, "9999"}, {10000, "*000"}, {10042, "*042"}, {12345, "*345"}, {1000999, "*999"},
	} {
		f := fdscan.File{Kind: fdscan.KindFD, FD: tc.fd}
		if got := FD(&f); got != tc.want {
			t.Errorf("FD(%d) = %q, want %q", tc.fd, got, tc.want)
		}
	}
}

func TestModeAndLock(t *testing.T) {
	for _, tc := range []struct {
		desc       string
		f          fdscan.File
		mode, lock byte
	}{
		{"none", fdscan.File{}, ' ', ' '},
		{"read", fdscan.File{Mode: fdscan.ModeRead}, 'r', ' '},
		{"write, whole-file write lock", fdscan.File{Mode: fdscan.ModeWrite, Lock: 'W'}, 'w', 'W'},
		{"no mode but a lock", fdscan.File{Lock: 'R'}, '-', 'R'},
		{"unreadable, with a mode", with(failedFile(fdscan.KindFD, 3, "stat", "/proc/1/fd/3", unix.EACCES), func(f *fdscan.File) { f.Mode = fdscan.ModeRead }), ' ', ' '},
		{"unreadable, locked", with(failedFile(fdscan.KindFD, 3, "stat", "/proc/1/fd/3", unix.EACCES), func(f *fdscan.File) { f.Mode, f.Lock = fdscan.ModeRead, 'w' }), '-', 'w'},
	} {
		if got := Mode(&tc.f); got != tc.mode {
			t.Errorf("%s: Mode = %q, want %q", tc.desc, got, tc.mode)
		}
		if got := Lock(&tc.f); got != tc.lock {
			t.Errorf("%s: Lock = %q, want %q", tc.desc, got, tc.lock)
		}
	}
}

func TestTypeNames(t *testing.T) {
	for _, tc := range []struct {
		f    fdscan.File
		want string
	}{
		{fdscan.File{Type: fdscan.TypeReg}, "REG"},
		{fdscan.File{Type: fdscan.TypeDir}, "DIR"},
		{fdscan.File{Type: fdscan.TypeChr}, "CHR"},
		{fdscan.File{Type: fdscan.TypeBlk}, "BLK"},
		{fdscan.File{Type: fdscan.TypeFIFO}, "FIFO"},
		{fdscan.File{Type: fdscan.TypeLink}, "LINK"},
		{fdscan.File{Type: fdscan.TypeSock}, "sock"},
		{fdscan.File{Type: fdscan.TypeAnon}, "a_inode"},
		{fdscan.File{Type: fdscan.TypeUnknown}, "unknown"},
		{with(failedFile(fdscan.KindFD, 3, "stat", "/proc/1/fd/3", unix.EACCES), func(f *fdscan.File) { f.Type = fdscan.TypeReg }), "unknown"},
		{with(failedFile(fdscan.KindMem, -1, "stat", "/lib/x.so", unix.EACCES), func(f *fdscan.File) { f.Type = fdscan.TypeReg }), "REG"},
		{failedFile(fdscan.KindNoFD, -1, "opendir", "/proc/1/fd", unix.EACCES), ""},
	} {
		if got := Type(&tc.f); got != tc.want {
			t.Errorf("Type(%+v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

// TestDevices: a block device shows the device it is, like a character
// device; a mapped file whose stat failed keeps the maps' device and
// inode.
func TestDevices(t *testing.T) {
	// sleep   28424 root    0r   BLK    7,0      0t0   93 /dev/loop0
	blk := fdscan.File{Kind: fdscan.KindFD, Type: fdscan.TypeBlk, Dev: devtmpfs, Rdev: unix.Mkdev(7, 0), Inode: 93, HasPos: true}
	if got, want := Device(&blk)+" "+string(appendSizeOff(nil, &blk, SizeOffAuto, 8))+" "+Node(&blk), "7,0 0t0 93"; got != want {
		t.Errorf("BLK Device = %q, want %q", got, want)
	}
	mem := with(failedFile(fdscan.KindMem, -1, "stat", "/lib/x.so", unix.EACCES), func(f *fdscan.File) { f.Type, f.Dev, f.Inode = fdscan.TypeReg, rootDev, 77 })
	if got, want := Device(&mem)+" "+Node(&mem), "254,0 77"; got != want {
		t.Errorf("unstat'ed mapping: Device Node = %q, want %q", got, want)
	}
	big := fdscan.File{Type: fdscan.TypeReg, Dev: unix.Mkdev(4095, 1048575)}
	if got, want := Device(&big), "4095,1048575"; got != want {
		t.Errorf("largest device: %q, want %q", got, want)
	}
}

func TestStrerror(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{unix.EACCES, "Permission denied"},
		{unix.ENOENT, "No such file or directory"},
		{unix.ESRCH, "No such process"},
		{errors.New("already lower"), "Already lower"},
		{errors.New("Capital"), "Capital"},
		{errors.New(""), ""},
		{errors.New("42 things"), "42 things"},
	} {
		if got := Strerror(tc.err); got != tc.want {
			t.Errorf("Strerror(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
