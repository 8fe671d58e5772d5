//go:build linux

package fdscan

import "io/fs"

// Kind says which of a process's references to a file an entry is.
type Kind uint8

// The kinds of entry, in the order lsof lists them for one process.
const (
	KindCWD  Kind = iota // current working directory
	KindRoot             // root directory
	KindText             // program text (/proc/PID/exe)
	KindMem              // a memory-mapped file
	KindDel              // a memory-mapped file that has been deleted
	KindFD               // a file descriptor
	KindNoFD             // the descriptor directory could not be read
)

// Type is the kind of object a file is.
type Type uint8

// File types. TypeUnknown is used when the entry could not be inspected.
const (
	TypeUnknown Type = iota
	TypeReg
	TypeDir
	TypeChr
	TypeBlk
	TypeFIFO
	TypeLink
	TypeSock
	TypeAnon   // an anonymous inode (eventfd, epoll, timerfd, pidfd, ...)
	TypeMQueue // a POSIX message queue: a file of an mqueue file system we have mounted
)

// Mode is the access mode of a file descriptor.
type Mode uint8

// Access modes, as lsof shows them after the fd number.
const (
	ModeNone      Mode = 0
	ModeRead      Mode = 'r'
	ModeWrite     Mode = 'w'
	ModeReadWrite Mode = 'u'
)

// File is one open file of a process.
type File struct {
	Kind Kind
	FD   int // the descriptor number when Kind is KindFD, else -1

	// Link is what the kernel's symbolic link in /proc says the file is:
	// a path, "pipe:[N]", "socket:[N]", "anon_inode:[eventfd]" and so on.
	// For mapped files it is the path from /proc/PID/maps.
	Link string
	// Err is set when the entry could not be inspected: its Op is the
	// operation that failed ("opendir", "readlink" or "stat"), its Path
	// what it was tried on (the entry in the proc root, or a mapped
	// file's path) and its Err the errno. A mapped file whose stat
	// failed still has the device and inode the maps name.
	Err *fs.PathError

	Type Type
	Mode Mode
	// Writable says a descriptor is open for writing, as psmisc tells
	// it: from the open flags where fdinfo was read, else from the write
	// permission of its link in proc. An O_PATH descriptor is not,
	// though its Mode is ModeReadWrite.
	Writable bool
	Lock     byte // lsof's lock character, or 0 when not locked
	// TTYIndex is a descriptor's tty-index from fdinfo, which a pty
	// master has: the number of its slave. -1 when it has none.
	TTYIndex int32
	Dev      uint64
	Rdev     uint64
	Inode    uint64
	Size     int64
	NLink    uint64
	HasPos   bool // Pos is known: from fdinfo, or 0 for pipes and sockets
	Pos      int64
	HasFlags bool   // Flags and MntID come from fdinfo
	Flags    uint32 // open flags from fdinfo, in octal there
	MntID    int

	// PathDev and PathInode are set for a mapped file whose path now
	// names another file than the one mapped (its device and inode, from
	// /proc/PID/maps, are in Dev and Inode).
	PathDev   uint64
	PathInode uint64

	// Details of anonymous inodes, from fdinfo.
	EventfdID int   // eventfd-id, or -1
	EpollTFDs []int // descriptors an epoll instance watches
	PidfdPID  int   // the process a pidfd refers to, or 0
	// Exempt is set for a file on a path Options.Exempt names: it was not
	// stat'ed, and nothing but its link (and, mapped, its device and
	// inode from the maps) is known.
	Exempt bool
}

// Process is one process, or one task of a process, and the files it
// holds open.
type Process struct {
	PID int
	// TID is the task ID of a task other than the process's main one, and
	// 0 for the process itself; TaskCommand is then the task's name.
	TID         int
	TaskCommand string
	// Dir is the directory the entry was read from, relative to the proc
	// root: "PID" or "PID/task/TID".
	Dir  string
	PPID int
	PGID int
	// StartTime is when the process started, in clock ticks after boot
	// (stat's starttime): with the PID it names the process for good,
	// since no other can hold the PID at that time.
	StartTime uint64
	// ProcessID is the inode of the process's pidfd in pidfs (Linux
	// 6.9 and later), which no other process has before a reboot: read
	// only when Options.ProcessIDs asks, 0 when it could not be. Unlike
	// StartTime, in clock ticks, it tells apart two processes that had
	// the same PID within one tick.
	ProcessID uint64
	UID       uint32
	Command   string
	// NetNS is the inode of the process's network namespace, read only
	// when it holds a socket or Options.NetNS asks (0 otherwise, or when
	// it cannot be read).
	NetNS uint64
	// Cgroup is the text of the process's cgroup file, read only when
	// Options.Cgroup asks: what ContainerOf reads a container from.
	Cgroup string
	// FDLimit is the soft limit on open descriptors (RLIMIT_NOFILE),
	// Unlimited for none, read only when Options.FDLimits asks; 0 when
	// it was not read.
	FDLimit uint64
	Files   []File

	fdStart   int  // index in Files of the first descriptor entry
	ownFiles  bool // Files is this entry's own, not its process's
	netNSRead bool // NetNS was read, or tried: it is not read again
	threads   int  // num_threads of stat, 0 when unknown
}

// vanished reports whether f could not be read because its process or
// descriptor is gone.
func (f *File) vanished() bool {
	return f.Err != nil && vanished(f.Err.Err)
}
