//go:build linux

package fdscan

import (
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
)

// kernelEntries adds an entry for each descriptor the kernel's walk gave
// of process p, whose directory is dirfd, as fdEntries does from proc:
// the same File for each, so that a listing does not depend on the
// source. Where the kernel's fields may differ from what stat reports,
// the descriptor is read from proc instead. It reports false, having
// added nothing, where the walk gave nothing of p or proc would not let
// us read p's descriptors: then fdEntries reads them, or says why not.
func (r *reader) kernelEntries(dirfd int, p *Process) bool {
	return r.ok && r.kernelEntriesOf(dirfd, p, r.recs)
}

// kernelEntriesOf adds, as kernelEntries does, an entry for each of recs,
// the records of the descriptor table of p (a process, or a thread with
// a table of its own) in directory dirfd.
func (r *reader) kernelEntriesOf(dirfd int, p *Process, recs []kiter.Record) bool {
	if !r.linksReadable(dirfd) {
		return false
	}
	// Proc's fd directory has permissions of its own, which a
	// capability may override where ptrace's check does not, and the
	// other way round: it is opened, as fdEntries opens it, and read
	// from for the descriptors read from proc.
	fdDir, err := r.s.kernel.OpenDirAt(dirfd, "fd")
	if err != nil {
		return false
	}
	defer unix.Close(fdDir)
	if r.s.probe == ProbeFull {
		p.Files = slices.Grow(p.Files, len(recs))
	}
	info := &lazyDir{parent: dirfd, name: "fdinfo", fd: -2}
	defer info.close()
	for i := range recs {
		rec := &recs[i]
		p.Files = append(p.Files, File{Kind: KindFD, FD: rec.FD, EventfdID: -1, TTYIndex: -1})
		f := &p.Files[len(p.Files)-1]
		var kept bool
		if r.trusted(rec) {
			kept = r.kernelEntry(info, rec, p, f)
		} else {
			kept = r.fdEntry(fdDir, info, fdName(rec.FD), p, f)
		}
		if !kept {
			p.Files = p.Files[:len(p.Files)-1]
		}
	}
	return true
}

// trusted reports whether a record says what proc would: a socket, a
// pipe or an anonymous inode, or a file on a mount of ours whose
// file system reports its inodes' fields as they are (kiter.Plain: not
// overlayfs, which reports a layer's device, nor btrfs a subvolume's,
// nor proc or sysfs, which make up link counts and sizes, nor a network
// file system, which asks its server). The kernel's search reports every
// file of the others, for this to send to proc. A file the scan must not
// stat (Options.Exempt) is read from proc too, which does not stat it
// either.
func (r *reader) trusted(rec *kiter.Record) bool {
	if rec.PathErr != nil {
		return false
	}
	path := rec.Path
	if path == "" || path[0] != '/' {
		return strings.HasPrefix(path, "socket:[") || strings.HasPrefix(path, "pipe:[") ||
			strings.HasPrefix(path, "anon_inode:")
	}
	if r.exempted(path) {
		return false
	}
	return r.plainOn(rec.MountID, rec.Dev)
}

// plainOn reports whether a file of device dev on mount mountID is on a
// mount of ours of a file system in kiter.Plain.
func (r *reader) plainOn(mountID int, dev uint64) bool {
	m := r.s.cur.mounts.ByID(mountID)
	return m != nil && m.Dev == dev && kiter.IsPlain(m.FSType)
}

// kernelEntry fills f from record rec of process p, as fdEntry does from
// proc. It reports false when the entry is not kept: Keep rejected it,
// or the descriptor was closed before its fdinfo could be read.
func (r *reader) kernelEntry(info *lazyDir, rec *kiter.Record, p *Process, f *File) bool {
	if r.s.probe == ProbeSockets && !strings.HasPrefix(rec.Path, "socket:[") {
		return false
	}
	f.Link = rec.Path
	f.Dev, f.Rdev, f.Inode, f.Size, f.NLink = rec.Dev, rec.Rdev, rec.Ino, rec.Size, uint64(rec.Nlink)
	mode := rec.Mode
	if f.Link == "anon_inode:[pidfd]" {
		// A pidfd's inode, in pidfs, says S_IFREG; its stat shows no
		// type, as an anonymous inode's.
		mode &^= unix.S_IFMT
	}
	f.setType(mode)
	if f.Type == TypeReg && r.s.cur.mounts.IsMQueue(f.Dev) {
		f.Type = TypeMQueue
	}
	if !r.keep(p, f) {
		return false
	}
	r.s.pseudoDevs.learn(f.Link, f.Dev)
	// The access mode cannot change while the file is open: the
	// record's flags give it, whatever fdinfo says of the others.
	f.setAccess(rec.Flags)
	switch {
	case rec.PidfdPID > 0 && f.Link == "anon_inode:[pidfd]":
		// All a pidfd's fdinfo would add, the walk gave.
		f.PidfdPID = rec.PidfdPID
		f.Pos, f.HasPos = rec.Pos, true
		f.Flags, f.MntID, f.HasFlags = rec.Flags, rec.MountID, true
	case needsFdinfo(f) && (f.Type != TypeChr || f.Rdev == devPtmx):
		// Its details (an eventfd's ID, a pty master's tty index...)
		// are in fdinfo alone: read it, as proc's source does.
		if !r.fdinfo(info, fdName(rec.FD), f) {
			return false
		}
	case r.s.fdinfo || needsFdinfo(f):
		// Or all it has is in the record: a device's offset, which
		// proc's source reads from fdinfo with its flags and mount.
		f.Pos, f.HasPos = rec.Pos, true
		f.Flags, f.MntID, f.HasFlags = rec.Flags, rec.MountID, true
	case f.Type == TypeFIFO || f.Type == TypeSock || f.Type == TypeChr:
		// The device is /dev/null: always at offset 0, as are pipes
		// and sockets.
		f.Pos, f.HasPos = 0, true
	}
	f.Lock = r.s.lockChar(p.PID, f.Dev, f.Inode)
	return true
}

// linksReadable reports whether proc lets us read the links of the
// process in directory dirfd (ptrace's read access), which its cwd link
// tells where no other link of it was read yet.
func (r *reader) linksReadable(dirfd int) bool {
	if r.links == linksUnknown {
		_, err := r.readlinkBytes(dirfd, "cwd")
		r.noteLink(err)
	}
	return r.links != linksDenied
}

// devPtmx is the device number of /dev/ptmx, whose descriptors, pty
// masters, have their slave's index in fdinfo.
var devPtmx = unix.Mkdev(5, 2)

// threadTable returns, for thread tid of process main (p, in directory
// dirfd), whose table kcmp could not say it shares (files false), what
// the kernel's walk says of it: the records of a table of its own, or
// none where it shares its process's, which the walk skips. None is
// told from a table of its own that is empty by the thread's fd
// directory, which then lists its process's descriptors: where it lists
// none, there is nothing to share, and ok is false for fdEntries to say
// so. It reports false where the walk cannot tell: it is filtered by a
// search, did not reach the thread or let its records go, or the thread
// started since it began; and where proc denies the thread's links,
// whose entries then say so each by its own path, not its process's.
func (r *reader) threadTable(dirfd, tid int, main, p *Process, files bool) (recs []kiter.Record, ok bool) {
	if main == nil || files || r.walk == nil || r.s.search != nil || p.StartTime >= r.walk.Start || !r.linksReadable(dirfd) {
		return nil, false
	}
	recs, ok = r.walk.TakeTask(tid)
	if ok && len(recs) == 0 && !r.listsAny(dirfd) {
		return nil, false
	}
	return recs, ok
}

// listsAny reports whether the fd directory in dirfd lists a descriptor.
func (r *reader) listsAny(dirfd int) bool {
	fd, err := r.s.kernel.OpenDirAt(dirfd, "fd")
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return len(r.numbers(fd, r.fds[:0])) > 0
}
