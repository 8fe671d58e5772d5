//go:build linux

package fdscan

import (
	"bytes"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// fdEntries adds an entry for each open descriptor, in numeric order.
func (r *reader) fdEntries(dirfd int, p *Process) {
	fdDir, err := r.s.kernel.OpenDirAt(dirfd, "fd")
	if err != nil {
		f := File{Kind: KindNoFD, FD: -1, EventfdID: -1, Err: r.failure(p, "opendir", "fd", err)}
		if !vanished(err) && (r.s.probe == ProbeFull || r.keep(p, &f)) {
			p.Files = append(p.Files, f)
		}
		return
	}
	defer unix.Close(fdDir)
	r.fds = r.numbers(fdDir, r.fds[:0])
	if r.s.probe == ProbeFull {
		// Every descriptor is kept. With a probe, most are not, and the
		// one slot in use is all the room needed.
		p.Files = slices.Grow(p.Files, len(r.fds))
	}
	// The fdinfo directory is opened when a first entry needs it: with a
	// probe, most processes have none.
	info := &lazyDir{parent: dirfd, name: "fdinfo", fd: -2}
	defer info.close()
	for _, fd := range r.fds {
		// The entry is read in place, in a slot that is dropped again
		// when it is not kept: a File is large, and one made elsewhere
		// would be allocated for each descriptor.
		p.Files = append(p.Files, File{Kind: KindFD, FD: fd, EventfdID: -1, TTYIndex: -1})
		if !r.fdEntry(fdDir, info, fdName(fd), p, &p.Files[len(p.Files)-1]) {
			p.Files = p.Files[:len(p.Files)-1]
		}
	}
}

// fdNames are the names of the lower descriptor numbers, made once: most
// descriptors of most processes are among them.
var fdNames = func() (names [1024]string) {
	for i := range names {
		names[i] = strconv.Itoa(i)
	}
	return names
}()

// fdName returns the name of descriptor fd in an fd directory.
func fdName(fd int) string {
	if fd >= 0 && fd < len(fdNames) {
		return fdNames[fd]
	}
	return strconv.Itoa(fd)
}

// numbers appends to dst the names in the open directory fd that are
// decimal numbers, and returns dst sorted.
func (r *reader) numbers(fd int, dst []int) []int {
	for {
		n, err := procGetdents(fd, r.ents)
		if err != nil || n <= 0 {
			break
		}
		dst = appendDirentNumbers(dst, r.ents[:n])
	}
	slices.Sort(dst)
	return dst
}

// appendDirentNumbers appends the names in a getdents buffer that are
// decimal numbers.
func appendDirentNumbers(fds []int, buf []byte) []int {
	for len(buf) > 0 {
		// struct linux_dirent64: ino u64, off u64, reclen u16, type u8, name.
		if len(buf) < 19 {
			break
		}
		reclen := int(buf[16]) | int(buf[17])<<8
		if reclen == 0 || reclen > len(buf) {
			break
		}
		name := buf[19:reclen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		n, ok := 0, len(name) > 0
		for _, c := range name {
			if c < '0' || c > '9' {
				ok = false
				break
			}
			n = n*10 + int(c-'0')
		}
		if ok {
			fds = append(fds, n)
		}
		buf = buf[reclen:]
	}
	return fds
}

// lazyDir opens a directory of a process's, its fdinfo or fd, on first
// use.
type lazyDir struct {
	parent int
	name   string
	fd     int // -2 before the first use, -1 when it failed
}

func (d *lazyDir) get() int {
	if d.fd == -2 {
		fd, err := unix.Openat(d.parent, d.name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			fd = -1
		}
		d.fd = fd
	}
	return d.fd
}

func (d *lazyDir) close() {
	if d.fd >= 0 {
		unix.Close(d.fd)
	}
}

// fdEntry reads descriptor name of p into f, which holds its number. It
// reports false when the entry is not kept: the descriptor was closed
// while it was read, or Keep rejected it.
func (r *reader) fdEntry(fdDir int, info *lazyDir, name string, p *Process, f *File) bool {
	pid := p.PID
	if r.s.probe == ProbeStat {
		st, err := r.s.kernel.StatAt(fdDir, name)
		if err != nil {
			if vanished(err) {
				return false
			}
			f.Err = r.failure(p, "stat", "fd/"+name, err)
			return r.keep(p, f)
		}
		f.setStat(&st)
		if !r.keep(p, f) {
			return false // decided on the stat alone
		}
	}
	lb, err := r.readlinkBytes(fdDir, name)
	if err != nil {
		if vanished(err) {
			return false
		}
		f.Err = r.failure(p, "readlink", "fd/"+name, err)
		// A link too long to read (ENAMETOOLONG) still has its fdinfo:
		// lsof shows its flags, not its mode, which comes from the link.
		if r.s.fdinfo && !r.fdinfo(info, name, f) {
			return false
		}
		// With a probe, Keep decides on unreadable entries too.
		return r.s.probe == ProbeFull || r.keep(p, f)
	}
	if r.s.probe == ProbeSockets {
		// Only sockets are kept: the text of other links is not copied.
		ino, ok := linkInode(string(lb), "socket:[")
		if !ok {
			return false
		}
		f.Inode, f.Type = ino, TypeSock
	}
	link := string(lb)
	f.Link = link
	if r.s.probe == ProbeStat && f.Type == TypeUnknown && strings.HasPrefix(link, "anon_inode:") {
		// Stat'ed before its link was known: an anonymous inode.
		f.Type = TypeAnon
	}
	if (r.s.probe == ProbeSockets || r.s.probe == ProbeLinks) && !r.keep(p, f) {
		return false
	}
	if r.exempted(link) {
		// No system call that could reach its file system: only fdinfo,
		// for the position and flags. lsof shows no access mode.
		f.Exempt = true
		if r.s.fdinfo && !r.fdinfo(info, name, f) {
			return false
		}
		f.Mode = ModeNone
		return r.s.probe == ProbeFull || r.keep(p, f)
	}
	pseudo := r.s.probe != ProbeStat && r.pseudoStat(link, f)
	if r.s.probe != ProbeStat && !pseudo {
		if st, err := r.s.kernel.StatAt(fdDir, name); err != nil {
			if vanished(err) {
				return false
			}
			f.Err = r.failure(p, "stat", "fd/"+name, err)
		} else {
			f.setStat(&st)
			r.s.pseudoDevs.learn(link, st.Dev)
			if f.Type == TypeReg && r.s.cur.mounts.IsMQueue(f.Dev) {
				f.Type = TypeMQueue
			}
		}
	}
	switch {
	case pseudo && f.Type == TypeSock && !r.s.fdinfo:
		// A socket is always open for reading and writing, at offset 0.
		f.Mode, f.Writable, f.Pos, f.HasPos = ModeReadWrite, true, 0, true
	case r.s.fdinfo || f.Err != nil || needsFdinfo(f):
		if !r.fdinfo(info, name, f) {
			return false
		}
	default:
		// The access mode is in the link's permissions, as lsof reads it.
		if lst, err := r.s.kernel.LstatAt(fdDir, name); err != nil {
			if vanished(err) {
				return false
			}
		} else {
			f.Mode, f.Writable = linkMode(lst.Mode), lst.Mode&unix.S_IWUSR != 0
		}
		if f.Type == TypeFIFO || f.Type == TypeSock || f.Type == TypeChr { // the device is /dev/null
			f.Pos, f.HasPos = 0, true
		}
	}
	if f.HasFlags {
		f.setAccess(f.Flags)
	}
	if f.Err == nil {
		f.Lock = r.s.lockChar(pid, f.Dev, f.Inode)
	}
	return true
}

// pseudoDevs holds the devices of the socket and pipe file systems, each
// a single superblock, learned from the first socket and pipe stat'ed.
type pseudoDevs struct {
	sock, pipe atomic.Uint64 // device+1; 0 while unknown
}

func (d *pseudoDevs) learn(link string, dev uint64) {
	switch {
	case strings.HasPrefix(link, "socket:["):
		d.sock.Store(dev + 1)
	case strings.HasPrefix(link, "pipe:["):
		d.pipe.Store(dev + 1)
	}
}

// pseudoStat fills in what a stat would tell of a socket or a pipe, from
// its link text ("socket:[N]", "pipe:[N]") and the device learned from
// an earlier one: the inode is N, the size 0, one link. It reports false
// when it cannot, and the descriptor must be stat'ed.
func (r *reader) pseudoStat(link string, f *File) bool {
	var dev uint64
	var typ Type
	ino, ok := linkInode(link, "socket:[")
	if ok {
		dev, typ = r.s.pseudoDevs.sock.Load(), TypeSock
	} else if ino, ok = linkInode(link, "pipe:["); ok {
		dev, typ = r.s.pseudoDevs.pipe.Load(), TypeFIFO
	}
	if !ok || dev == 0 {
		return false
	}
	f.Type, f.Dev, f.Inode, f.Size, f.NLink = typ, dev-1, ino, 0, 1
	return true
}

// fdinfo reads a descriptor's fdinfo into f. It reports false when the
// descriptor was closed meanwhile.
func (r *reader) fdinfo(info *lazyDir, name string, f *File) bool {
	infoDir := info.get()
	if infoDir < 0 {
		return true
	}
	b, err := r.readRecord(infoDir, name)
	switch {
	case err == nil:
		parseFdinfo(b, f)
	case vanished(err):
		return false
	}
	return true
}

// needsFdinfo reports whether descriptor f needs its fdinfo for lsof's
// listing: a device's offset, an anonymous inode's details. Regular
// files, directories and links show a size; pipes and sockets are always
// at offset 0, and so is /dev/null, which the kernel keeps there
// (null_lseek sets it to 0, reads and writes leave it), though most
// processes hold it.
func needsFdinfo(f *File) bool {
	switch f.Type {
	case TypeReg, TypeDir, TypeFIFO, TypeSock, TypeLink, TypeMQueue:
		return false
	case TypeChr:
		return f.Rdev != devNull
	}
	return true
}

// devNull is the device number of /dev/null.
var devNull = unix.Mkdev(1, 3)

// linkMode is lsof's access mode from the permissions of a /proc fd
// link: read, write, or anything else (both, or neither for O_PATH) u.
func linkMode(m uint32) Mode {
	switch m & (unix.S_IRUSR | unix.S_IWUSR) {
	case unix.S_IRUSR:
		return ModeRead
	case unix.S_IWUSR:
		return ModeWrite
	}
	return ModeReadWrite
}

// linkInode returns N of a link prefix + "N]", such as "socket:[N]".
func linkInode(link, prefix string) (uint64, bool) {
	s, ok := strings.CutPrefix(link, prefix)
	if !ok || len(s) < 2 || s[len(s)-1] != ']' {
		return 0, false
	}
	n, err := strconv.ParseUint(s[:len(s)-1], 10, 64)
	return n, err == nil
}

// setAccess sets f's access mode and whether it is open for writing
// from its open flags.
func (f *File) setAccess(flags uint32) {
	f.Mode = modeOf(flags)
	acc := flags & unix.O_ACCMODE
	f.Writable = flags&unix.O_PATH == 0 && (acc == unix.O_WRONLY || acc == unix.O_RDWR)
}

// modeOf derives the access mode from open flags. An O_PATH descriptor
// has no access mode of its own; the kernel shows its link as readable
// and writable, and so does lsof.
func modeOf(flags uint32) Mode {
	if flags&unix.O_PATH != 0 {
		return ModeReadWrite
	}
	switch flags & unix.O_ACCMODE {
	case unix.O_RDONLY:
		return ModeRead
	case unix.O_WRONLY:
		return ModeWrite
	default:
		return ModeReadWrite
	}
}

// SocketProtocol returns the protocol name of socket descriptor f of
// process p (system.sockprotoname: "TCP", "UNIX-STREAM", ...), for
// sockets no socket table knows; "" when it cannot be read.
func (s *Scanner) SocketProtocol(p *Process, f *File) string {
	path := filepath.Join(s.root, p.Dir, "fd", strconv.Itoa(f.FD))
	buf := make([]byte, 64)
	n, err := s.kernel.Getxattr(path, "system.sockprotoname", buf)
	if err != nil || n <= 0 {
		return ""
	}
	return strings.TrimRight(string(buf[:n]), "\x00")
}

// parseFdinfo takes the fields lsof uses from /proc/PID/fdinfo/N.
func parseFdinfo(b []byte, f *File) {
	for len(b) > 0 {
		var line []byte
		line, b, _ = bytes.Cut(b, []byte("\n"))
		key, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch string(key) {
		case "pos":
			v, _ := firstUint(val)
			f.Pos, f.HasPos = int64(v), true
		case "flags":
			val = bytes.TrimSpace(val)
			v, _ := strconv.ParseUint(string(val), 8, 32)
			f.Flags, f.HasFlags = uint32(v), true
		case "mnt_id":
			v, _ := firstUint(val)
			f.MntID = int(v)
		case "eventfd-id":
			v, _ := firstUint(val)
			f.EventfdID = int(v)
		case "tty-index":
			if v, _ := firstUint(val); v <= math.MaxInt32 {
				f.TTYIndex = int32(v)
			}
		case "tfd":
			v, _ := firstUint(val)
			f.EpollTFDs = append(f.EpollTFDs, int(v))
		case "Pid":
			v, _ := firstUint(val)
			f.PidfdPID = int(v)
		}
	}
}
