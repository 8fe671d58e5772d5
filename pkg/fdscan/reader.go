//go:build linux

package fdscan

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
)

var errESRCH = unix.ESRCH

// reader holds one worker's buffers, reused across processes so that the
// per-entry work allocates little beyond the records it returns.
type reader struct {
	s    *Scanner
	buf  []byte // file contents: stat, status, fdinfo, maps
	link []byte // readlink results
	// paths caches the stats of mapped files' paths for one scan.
	paths map[string]pathStat
	ents  []byte // directory entries
	fds   []int

	// walk is the scan's walk of the kernel's tables, nil when it reads
	// proc; recs are the descriptors it gave of the process being
	// read, when ok.
	walk *kiter.Walk[kiter.Record]
	recs []kiter.Record
	ok   bool
	// mapsWalk is the scan's walk of the kernel's mappings, nil when it
	// reads proc's maps; vmas are those it gave of the process being
	// read, when vmasOK.
	mapsWalk *mapsWalk
	vmas     []kiter.Mapping
	vmasOK   bool
	wanted   []int // indexes in vmas, for eachKernelMapped
	// tasks is the scan's walk of the kernel's processes, nil when it
	// reads proc; task is what it says of the process being read, nil
	// where it said nothing or may be of another process with its PID.
	tasks *kiter.TaskWalk
	task  *kiter.Task
	// links is what reading the process's cwd, root or exe link told
	// of proc's access check: linksUnknown before one is read.
	links linkAccess
}

// linkAccess is whether proc lets us read a process's links: the kernel
// checks it (ptrace's read access) for each link, where its walk shows
// every process's descriptors.
type linkAccess uint8

const (
	linksUnknown linkAccess = iota
	linksAllowed
	linksDenied
)

// noteLink records what reading a link of the process told of access.
func (r *reader) noteLink(err error) {
	switch {
	case err == nil:
		r.links = linksAllowed
	case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM):
		r.links = linksDenied
	}
}

func newReader(s *Scanner) *reader {
	return &reader{
		s:    s,
		buf:  make([]byte, 64<<10),
		link: make([]byte, unix.PathMax+64),
		ents: make([]byte, 16<<10),
	}
}

// process reads one process and, when the scanner lists tasks, each of
// its other tasks. It returns nil when the process does not exist, is a
// zombie, or vanished before its identity could be read.
func (r *reader) process(pid int) []*Process {
	if r.walk != nil {
		// Taken first, whatever becomes of the process: the walk holds
		// no more than a bounded number.
		r.recs, r.ok = r.walk.Take(pid)
		defer func() { r.walk.GiveBack(r.recs); r.recs = nil }()
	}
	if r.mapsWalk != nil {
		r.vmas, r.vmasOK = r.mapsWalk.walk.Take(pid)
		defer func() { r.mapsWalk.walk.GiveBack(r.vmas); r.vmas = nil }()
	}
	rel := strconv.Itoa(pid)
	p := r.entity(pid, 0, rel, nil)
	if p == nil {
		return nil
	}
	list := []*Process{p}
	// A process with one thread has no other task to list.
	if !r.s.tasks || p.threads == 1 {
		return list
	}
	tids := r.taskIDs(rel)
	for _, tid := range tids {
		if tid == pid {
			continue
		}
		t := r.entity(pid, tid, rel+"/task/"+strconv.Itoa(tid), p)
		if t == nil {
			continue
		}
		t.TID, t.TaskCommand, t.Command = tid, t.Command, p.Command
		list = append(list, t)
	}
	return list
}

// taskIDs lists a process's tasks in ascending order.
func (r *reader) taskIDs(rel string) []int {
	fd, err := unix.Open(filepath.Join(r.s.root, rel, "task"), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	return r.numbers(fd, nil)
}

// shares reports whether task tid of process pid shares resource kind
// with it. Most threads share everything, and their entries are then
// the process's, not read again; when kcmp cannot tell (no permission, no
// kernel support) the task is read in full.
func (r *reader) shares(main *Process, tid, kind int) bool {
	if main == nil {
		return false
	}
	same, err := r.s.kernel.Kcmp(main.PID, tid, kind)
	return err == nil && same
}

// entity reads a process, or task tid of it, from its directory rel
// under the proc root, or returns nil when it is gone or a zombie. For a
// task, main is its process, whose entries it reuses where they share.
func (r *reader) entity(pid, tid int, rel string, main *Process) *Process {
	r.links = linksUnknown
	r.task = nil
	if main == nil && r.tasks != nil {
		r.task = r.tasks.Of(pid)
	}
	pidfd := -1
	if r.s.processIDs && main == nil {
		// Opened first: if the process is alive once read, it held
		// the PID all along, and what was read is its.
		if fd, err := r.s.kernel.PidfdOpen(pid); err == nil {
			pidfd = fd
			defer unix.Close(pidfd)
		}
	}
	dirfd, err := unix.Open(filepath.Join(r.s.root, rel), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(dirfd)
	p := r.entityAt(dirfd, tid, main, &Process{PID: pid, Dir: rel})
	if p == nil {
		return nil
	}
	if pidfd >= 0 && unix.PidfdSendSignal(pidfd, 0, nil, 0) == nil {
		p.ProcessID, _ = PidfdID(pidfd)
	}
	switch {
	case main != nil:
		// A task is in its process's namespaces and cgroup, as far as
		// a listing shows them.
		if r.s.netNSAll && p.NetNS == 0 {
			p.NetNS = main.NetNS
		}
		p.Cgroup, p.FDLimit = main.Cgroup, main.FDLimit
	default:
		if r.s.netNSAll {
			r.readNetNS(dirfd, p)
		}
		if r.s.cgroup {
			if b, err := r.readRecord(dirfd, "cgroup"); err == nil {
				p.Cgroup = string(b)
			}
		}
		if r.s.fdLimits {
			// Read through the directory the scan opened: the limit is
			// that process's, whoever has its PID by now.
			if b, err := r.readRecord(dirfd, "limits"); err == nil {
				p.FDLimit, _, _ = parseFDLimit(b)
			}
		}
	}
	return p
}

// entityAt is entity, reading from the open directory dirfd into p.
func (r *reader) entityAt(dirfd, tid int, main *Process, p *Process) *Process {
	if r.s.probe != ProbeFull {
		return r.probed(dirfd, p)
	}
	if !r.readStat(dirfd, p) || !r.readOwner(dirfd, p) {
		return nil
	}
	if r.task != nil && p.StartTime >= r.tasks.Start {
		r.task = nil // another process may have had the PID
	}
	fs, vm, files := r.shares(main, tid, KcmpFS), r.shares(main, tid, KcmpVM), r.shares(main, tid, KcmpFiles)
	own, ownOK := r.threadTable(dirfd, tid, main, p, files)
	defer r.walk.GiveBack(own)
	files = files || ownOK && len(own) == 0
	if fs && vm && files {
		// The usual thread: its entries are its process's, not copied.
		p.Files, p.fdStart, p.NetNS = main.Files, main.fdStart, main.NetNS
		return p
	}
	p.Files, p.ownFiles = r.s.files(), true
	if fs {
		p.Files = append(p.Files, main.Files[:2]...)
	} else {
		p.Files = append(p.Files,
			r.special(dirfd, p, "cwd", KindCWD),
			r.special(dirfd, p, "root", KindRoot))
		// Every live process has a working and a root directory; when
		// they are gone, so is the process, and it is left out as if
		// never seen.
		if p.Files[0].vanished() || p.Files[1].vanished() {
			return nil
		}
	}
	if vm {
		p.Files = append(p.Files, main.Files[2:main.fdStart]...)
	} else {
		exe := r.special(dirfd, p, "exe", KindText)
		p.Files = append(p.Files, exe)
		r.maps(dirfd, p, exe.Dev, exe.Inode, exe.Err == nil)
	}
	p.fdStart = len(p.Files)
	if files {
		p.Files = append(p.Files, main.Files[main.fdStart:]...)
		p.NetNS = main.NetNS
		return p
	}
	switch {
	case main != nil && ownOK && r.kernelEntriesOf(dirfd, p, own):
	case main == nil && r.ok && p.StartTime < r.walk.Start && r.kernelEntries(dirfd, p):
	default:
		r.fdEntries(dirfd, p)
	}
	for i := range p.Files {
		if p.Files[i].Type == TypeSock {
			r.readNetNS(dirfd, p)
			break
		}
	}
	return p
}

// probed reads a process with a probe: its entries first, each kept one
// in full, then, if it has any or no Keep decides, its identity.
func (r *reader) probed(dirfd int, p *Process) *Process {
	p.Files, p.ownFiles = r.s.files(), true
	mapStart, kmaps := 0, false // where the mappings' entries start; whether the kernel's walk gave them
	specials := false           // whether cwd, root, exe and the mappings were probed
	switch r.s.probe {
	case ProbeSockets:
		r.readNetNS(dirfd, p)
	case ProbeLinks:
	default:
		specials = true
		r.probeSpecials(dirfd, p)
		mapStart = len(p.Files)
		kmaps = r.probeMaps(dirfd, p)
	}
	p.fdStart = len(p.Files)
	// The process's start time is read after its entries, and only if
	// one is kept: where they came from the kernel's walk and it
	// started since, they are read again from proc.
	kernel := r.kernelEntries(dirfd, p)
	if !kernel {
		r.fdEntries(dirfd, p)
	}
	if r.s.keep != nil && len(p.Files) == 0 {
		return nil
	}
	if !r.readStat(dirfd, p) || !r.readOwner(dirfd, p) {
		return nil
	}
	switch {
	case r.task != nil && p.StartTime >= r.tasks.Start:
		// What the walks said may be of another process that had the
		// PID: all is read again from proc.
		r.task = nil
		p.Files = p.Files[:0]
		if p.netNSRead {
			p.netNSRead = false
			r.readNetNS(dirfd, p)
		}
		if specials {
			r.probeSpecials(dirfd, p)
			r.procMaps(dirfd, p)
		}
		p.fdStart = len(p.Files)
		r.fdEntries(dirfd, p)
	case kmaps && p.StartTime >= r.mapsWalk.walk.Start:
		// Another process than the one walked may have its PID now.
		p.Files = p.Files[:mapStart]
		r.procMaps(dirfd, p)
		p.fdStart = len(p.Files)
		r.fdEntries(dirfd, p)
	case kernel && p.StartTime >= r.walk.Start:
		p.Files = p.Files[:p.fdStart]
		r.fdEntries(dirfd, p)
	}
	if r.s.keep != nil && len(p.Files) == 0 {
		return nil
	}
	if r.s.probe == ProbeStat {
		for i := range p.Files {
			if p.Files[i].Type == TypeSock {
				r.readNetNS(dirfd, p)
				break
			}
		}
	}
	return p
}

// keep asks Options.Keep about an entry.
func (r *reader) keep(p *Process, f *File) bool {
	return r.s.keep == nil || r.s.keep(p, f)
}

// probeSpecials adds p's cwd, root and exe where they are kept.
func (r *reader) probeSpecials(dirfd int, p *Process) {
	for _, sp := range [...]struct {
		name string
		kind Kind
	}{{"cwd", KindCWD}, {"root", KindRoot}, {"exe", KindText}} {
		if f, ok := r.probeSpecial(dirfd, sp.name, sp.kind, p); ok {
			p.Files = append(p.Files, f)
		}
	}
}

// probeSpecial stats cwd, root or exe and, when it is kept, reads its
// link. The stat is the kernel's walk's where it has one to trust, and
// proc lets us read the process's links: proc's stat of a link checks
// that, where the walk does not.
func (r *reader) probeSpecial(dirfd int, name string, kind Kind, p *Process) (File, bool) {
	f := File{Kind: kind, FD: -1, EventfdID: -1}
	if tf := r.taskFile(kind); tf != nil && r.linksReadable(dirfd) {
		f.setTaskFile(tf)
	} else {
		st, err := r.s.kernel.StatAt(dirfd, name)
		r.noteLink(err)
		if err != nil {
			f.Err = r.failure(p, "stat", name, err)
			return f, !vanished(err) && r.keep(p, &f)
		}
		f.setStat(&st)
	}
	if !r.keep(p, &f) {
		return f, false
	}
	link, err := r.readlink(dirfd, name)
	if err != nil {
		f.Err = r.failure(p, "readlink", name, err)
	}
	f.Link = link
	return f, true
}

// probeMaps offers each mapped file, by the device and inode in the
// maps, and reads the kept ones in full.
func (r *reader) probeMaps(dirfd int, p *Process) (fromKernel bool) {
	if r.eachKernelMapped(dirfd, 0, nil, r.keepMapping(p), r.appendMapped(dirfd, p)) {
		return true
	}
	r.procMaps(dirfd, p)
	return false
}

// procMaps is probeMaps from proc's maps.
func (r *reader) procMaps(dirfd int, p *Process) {
	keep, add := r.keepMapping(p), r.appendMapped(dirfd, p)
	r.eachMapped(dirfd, nil, func(m Mapping, rng []byte) {
		if keep(m) {
			add(m, rng)
		}
	})
}

// keepMapping returns what asks Keep about a mapped file of p, by its
// device and inode: the path is found only for those kept.
func (r *reader) keepMapping(p *Process) func(Mapping) bool {
	return func(m Mapping) bool {
		f := File{Kind: KindMem, FD: -1, EventfdID: -1, Dev: m.Dev, Inode: m.Inode, Type: TypeReg}
		return r.keep(p, &f)
	}
}

// readNetNS sets p.NetNS from the ns/net link of its directory dirfd,
// unless it has been read, for p or by Scanner.NetNS.
func (r *reader) readNetNS(dirfd int, p *Process) {
	if p.netNSRead {
		return
	}
	p.netNSRead = true
	// Only a process's own link is known: a task of it (Dir
	// PID/task/TID) can be in another namespace.
	if ns, ok := r.s.cur.netNS.Load(p.PID); ok && strings.IndexByte(p.Dir, '/') < 0 {
		p.NetNS = ns.(uint64)
		return
	}
	// The kernel's walk gives the process's (r.task is never a
	// task's), where proc lets us read its links, as its ns/net link.
	if r.task != nil && r.task.NetNS != 0 && r.linksReadable(dirfd) {
		p.NetNS = r.task.NetNS
		return
	}
	p.NetNS = r.netNS(dirfd)
}

// netNS returns the inode of the network namespace from the ns/net link
// ("net:[4026531840]"), or 0 when it cannot be read.
func (r *reader) netNS(dirfd int) uint64 {
	link, err := r.readlink(dirfd, "ns/net")
	if err != nil {
		return 0
	}
	n, _ := netNSInode(link)
	return n
}

// readFile reads a small file relative to dirfd into the worker's buffer,
// growing it as needed.
func (r *reader) readFile(dirfd int, name string) ([]byte, error) {
	return r.readProcFile(dirfd, name, false)
}

// readRecord is readFile for a file proc makes as one record (stat,
// fdinfo, cgroup, limits: single_open's files), which a read gets whole
// if the buffer has room: a read that returns less than asked was at the
// end, and the read that would return 0 is not made. A file of many
// records (maps) may come short of the buffer before its end.
func (r *reader) readRecord(dirfd int, name string) ([]byte, error) {
	return r.readProcFile(dirfd, name, true)
}

func (r *reader) readProcFile(dirfd int, name string, oneRecord bool) ([]byte, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	n := 0
	for {
		if n == len(r.buf) {
			r.buf = slices.Grow(r.buf[:n], len(r.buf))[:2*len(r.buf)]
		}
		m, err := unix.Read(fd, r.buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m == 0 || oneRecord && n == 0 && m < len(r.buf) {
			return r.buf[:n+m], nil
		}
		n += m
	}
}

// readStat takes the command, parent and process group from stat. The
// command is between the first '(' and the last ')', since it may itself
// hold parentheses and blanks.
func (r *reader) readStat(dirfd int, p *Process) bool {
	b, err := r.readRecord(dirfd, "stat")
	if err != nil {
		return false
	}
	lparen := bytes.IndexByte(b, '(')
	rparen := bytes.LastIndexByte(b, ')')
	if lparen < 0 || rparen < lparen {
		return false
	}
	p.Command = string(b[lparen+1 : rparen])
	rest := b[rparen+1:]
	if len(rest) > 1 && rest[1] == 'Z' {
		return false // lsof leaves zombies out
	}
	// Fields after the command: state ppid pgrp ..., num_threads the
	// 18th, starttime the 20th.
	var f [20][]byte
	for i := range f {
		rest = bytes.TrimLeft(rest, " ")
		end := bytes.IndexByte(rest, ' ')
		if end < 0 {
			if i < 3 {
				return false
			}
			break
		}
		f[i], rest = rest[:end], rest[end:]
	}
	p.PPID, _ = strconv.Atoi(string(f[1]))
	p.PGID, _ = strconv.Atoi(string(f[2]))
	p.threads, _ = strconv.Atoi(string(f[17]))
	p.StartTime, _ = strconv.ParseUint(string(f[19]), 10, 64)
	return true
}

// readOwner takes the process's user, as lsof does, from the owner of
// its directory: its effective user ID, or root when it may not be
// dumped (a set-user-ID program, say).
func (r *reader) readOwner(dirfd int, p *Process) bool {
	st, err := r.s.kernel.Fstat(dirfd)
	if err != nil {
		return false
	}
	p.UID = st.Uid
	return true
}

// firstUint parses the first unsigned decimal number in b after blanks,
// returning it and the rest of b.
func firstUint(b []byte) (uint64, []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	var v uint64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + uint64(b[i]-'0')
	}
	return v, b[i:]
}

// readlink reads a link relative to dirfd.
func (r *reader) readlink(dirfd int, name string) (string, error) {
	b, err := r.readlinkBytes(dirfd, name)
	return string(b), err
}

// readlinkBytes is readlink into the worker's buffer, valid until its
// next use: no copy is made of links that are looked at and dropped.
func (r *reader) readlinkBytes(dirfd int, name string) ([]byte, error) {
	for {
		n, err := r.s.kernel.ReadlinkAt(dirfd, name, r.link)
		if err != nil {
			return nil, err
		}
		if n < len(r.link) {
			return r.link[:n], nil
		}
		r.link = make([]byte, 2*len(r.link))
	}
}

// failure is the error of op on the entry name of p's directory: it
// names the entry by its path under the proc root, as the commands show
// an entry they could not read.
func (r *reader) failure(p *Process, op, name string, err error) *fs.PathError {
	return &fs.PathError{Op: op, Path: r.s.root + "/" + p.Dir + "/" + name, Err: err}
}

// special reads cwd, root or exe.
func (r *reader) special(dirfd int, p *Process, name string, kind Kind) File {
	f := File{Kind: kind, FD: -1, EventfdID: -1}
	link, err := r.readlink(dirfd, name)
	r.noteLink(err)
	if err != nil {
		f.Err = r.failure(p, "readlink", name, err)
		return f
	}
	f.Link = link
	if r.exempted(link) {
		f.Exempt = true
		return f
	}
	if tf := r.taskFile(kind); tf != nil {
		f.setTaskFile(tf)
		return f
	}
	st, err := r.s.kernel.StatAt(dirfd, name)
	if err != nil {
		f.Err = r.failure(p, "stat", name, err)
		return f
	}
	f.setStat(&st)
	return f
}

// taskFile returns what the kernel's walk of processes says of the
// process's cwd, root or exe (kind), where it is what a stat of it
// would report: on a mount of ours of a file system whose inodes hold
// what stat reports (trusted's rule). Otherwise it returns nil, and
// the link is stat'ed.
func (r *reader) taskFile(kind Kind) *kiter.TaskFile {
	if r.task == nil {
		return nil
	}
	var tf *kiter.TaskFile
	switch kind {
	case KindCWD:
		tf = &r.task.Files[kiter.TaskCWD]
	case KindRoot:
		tf = &r.task.Files[kiter.TaskRoot]
	case KindText:
		tf = &r.task.Files[kiter.TaskExe]
	default:
		return nil
	}
	if !tf.OK || !r.plainOn(tf.MountID, tf.Dev) {
		return nil
	}
	return tf
}

func (f *File) setTaskFile(tf *kiter.TaskFile) {
	f.Dev, f.Rdev, f.Inode, f.Size, f.NLink = tf.Dev, tf.Rdev, tf.Ino, tf.Size, uint64(tf.Nlink)
	f.setType(tf.Mode)
}

// exempted reports whether the file at link is not to be stat'ed.
func (r *reader) exempted(link string) bool {
	return r.s.exempt != nil && strings.HasPrefix(link, "/") && r.s.exempt(link)
}

func (f *File) setStat(st *unix.Stat_t) {
	f.Dev, f.Rdev, f.Inode, f.Size, f.NLink = st.Dev, st.Rdev, st.Ino, st.Size, uint64(st.Nlink)
	f.setType(st.Mode)
}

// setType sets f's type from its mode, as a stat reports it.
func (f *File) setType(mode uint32) {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		f.Type = TypeReg
	case unix.S_IFDIR:
		f.Type = TypeDir
	case unix.S_IFCHR:
		f.Type = TypeChr
	case unix.S_IFBLK:
		f.Type = TypeBlk
	case unix.S_IFIFO:
		f.Type = TypeFIFO
	case unix.S_IFLNK:
		f.Type = TypeLink
	case unix.S_IFSOCK:
		f.Type = TypeSock
	}
	// Only a link into the anonymous inode file system, with no file type
	// in its mode, is an anonymous inode: lsof's rule.
	if mode&unix.S_IFMT == 0 && strings.HasPrefix(f.Link, "anon_inode:") {
		f.Type = TypeAnon
	}
}
