//go:build linux

package main

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
	"github.com/openfiles/openfiles/pkg/render"
	"github.com/openfiles/openfiles/pkg/selector"
)

// Access bits, psmisc's: how a process uses a name.
const (
	accessCWD    = render.AccessCWD
	accessExe    = render.AccessExe
	accessFile   = render.AccessFile
	accessRoot   = render.AccessRoot
	accessMmap   = render.AccessMmap
	accessFileWr = render.AccessFileWr
)

// Kinds of match: a process, or the kernel using a name as a mount
// point, an NFS export or swap space (shown only with -v).
type procType uint8

const (
	procNormal procType = iota
	procMount
	procKnfsd
	procSwap
)

// match is one process (or kernel use) found for a name.
type match struct {
	pid     int
	start   uint64 // the process's start time, which -k checks before signalling
	id      uint64 // its pidfs identity, which -k checks too; 0 when unknown
	netns   uint64 // its network namespace, where it holds a socket; 0 when unknown
	uid     uint32
	access  render.FuserAccess
	kind    procType
	command string // as psmisc shows it; "" when it could not be read
	// signalled is set when -k signalled the process for this name (or,
	// with --dry-run, would have).
	signalled bool
}

// procInfo is what psmisc records of a process on its first match.
type procInfo struct {
	pid     int
	start   uint64
	id      uint64
	netns   uint64
	uid     uint32
	command string
	read    bool
}

// matcher adds the matches of one process to the names.
type matcher struct {
	f       *fuser
	info    procInfo
	command func() string // reads the command name when first needed
	owner   uint32        // the owner of /proc/PID, which psmisc shows as the user
	matched bool
}

func (m *matcher) add(n *name, access render.FuserAccess) {
	m.matched = true
	if k := len(n.procs); k > 0 {
		if last := n.procs[k-1]; last.pid == m.info.pid && last.kind == procNormal {
			last.access |= access
			return
		}
	}
	if !m.info.read {
		m.info.read = true
		m.info.uid = m.owner
		m.info.command = m.command()
	}
	n.procs = append(n.procs, &match{pid: m.info.pid, start: m.info.start, id: m.info.id, netns: m.info.netns, uid: m.info.uid, access: access, command: m.info.command})
}

// file matches one reference of a process to a file by its device and
// inode against the names.
func (m *matcher) file(dev, ino uint64, access render.FuserAccess) {
	for n := range m.f.files.Match(dev, ino) {
		m.add(n, access)
	}
}

// unixSockets maps the inode of each unix socket bound to a path to the
// path's own device and inode, as psmisc's fill_unix_cache does, so that
// a socket's path names the sockets bound to it, and the file system
// holding it, for -m, counts them. The kernel's own word, from sock_diag,
// is used where it can be had: the device and inode of the bound file,
// never a path read from the table, which a socket's owner can forge.
func (f *fuser) unixSockets() map[uint64]selector.FileID {
	m := map[uint64]selector.FileID{}
	// The kernel gives a bound file's inode in 32 bits: the names'
	// longer ones are found by their low bits.
	long := map[selector.FileID]selector.FileID{}
	for _, k := range f.files.IDs() {
		if k.Ino > math.MaxUint32 {
			long[selector.FileID{Dev: k.Dev, Ino: k.Ino & math.MaxUint32}] = k
		}
	}
	err := netsock.ReadUnix(f.e.netDir, f.e.ownNetDir, false, func(u *netsock.Socket) {
		if u.Checked {
			if u.BoundIno != 0 {
				k := selector.FileID{Dev: u.BoundDev, Ino: u.BoundIno}
				if full, ok := long[k]; ok {
					k = full
				}
				m[u.Inode] = k
			}
			return
		}
		if u.Path == "" {
			return
		}
		// psmisc reads the path as one word, and stats an abstract
		// name without its '@', relative to the working directory.
		p, _, _ := strings.Cut(u.Path, " ")
		p = strings.TrimPrefix(p, "@")
		if id, err := f.stat(p); err == nil {
			m[u.Inode] = selector.FileID{Dev: id.dev, Ino: id.ino}
		}
	})
	if err != nil {
		f.out.errorf("Cannot open /proc/net/unix: %s\n", errText(err))
	}
	return m
}

// netDevice returns the device of socket inodes, as psmisc finds it:
// from a socket of its own.
func (f *fuser) netDevice() uint64 {
	if f.e.netDev != 0 {
		return f.e.netDev
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		f.out.errorf("Cannot open a network socket.\n")
		return ^uint64(0)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.out.errorf("Cannot find socket's device number.\n")
		return ^uint64(0)
	}
	return st.Dev
}

// processMatcher matches the files of a process read by pkg/fdscan: its
// working and root directories, program text, mapped files and
// descriptors, as psmisc's scan_procs, check_dir and check_map do. keep
// tells the scanner, from an entry's probe alone, which entries may
// match; match then decides on the kept ones of each process, in PID
// order.
type processMatcher struct {
	f      *fuser
	netdev uint64
	probe  fdscan.Probe               // ProbeSockets or ProbeStat
	unix   map[uint64]selector.FileID // nil when no name needs it
}

// keep is the scanner's Options.Keep. It is called from several
// goroutines at once, and only reads what search built before the scan.
func (pm *processMatcher) keep(_ *fdscan.Process, fl *fdscan.File) bool {
	f := pm.f
	if fl.Err != nil {
		// psmisc tells of the descriptors it cannot stat, and passes
		// over the other entries that fail.
		// A person is told, in one line, of the processes whose
		// descriptors could not be listed at all.
		return (fl.Kind == fdscan.KindFD || fl.Kind == fdscan.KindNoFD && f.e.stderrTTY) && reportable(fl.Err)
	}
	switch fl.Kind {
	case fdscan.KindCWD, fdscan.KindRoot, fdscan.KindText, fdscan.KindMem, fdscan.KindDel:
		return f.files.Has(fl.Dev, fl.Inode)
	case fdscan.KindFD:
		if _, ok := f.sockets[fl.Inode]; ok && (pm.probe == fdscan.ProbeSockets || fl.Dev == pm.netdev) {
			return true
		}
		if pm.probe == fdscan.ProbeSockets {
			return false
		}
		// A name, or on the file system of one for -m.
		return f.files.Has(pm.unixPath(fl.Dev, fl.Inode))
	}
	return false
}

// unixPath returns, for a unix socket bound to a path, the device and
// inode of the path, and otherwise dev and ino.
func (pm *processMatcher) unixPath(dev, ino uint64) (uint64, uint64) {
	if dev == pm.netdev && pm.unix != nil {
		if t, ok := pm.unix[ino]; ok {
			return t.Dev, t.Ino
		}
	}
	return dev, ino
}

// reportable says whether psmisc would tell of a descriptor it cannot
// stat: not when it was closed meanwhile.
func reportable(err error) bool {
	return !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOTDIR)
}

func (pm *processMatcher) match(p *fdscan.Process) bool {
	m := &matcher{f: pm.f, info: procInfo{pid: p.PID, start: p.StartTime, id: p.ProcessID, netns: p.NetNS}, owner: p.UID}
	m.command = func() string { return commandName(p.Command) }
	for i := range p.Files {
		fl := &p.Files[i]
		switch fl.Kind {
		case fdscan.KindCWD:
			if fl.Err == nil {
				m.file(fl.Dev, fl.Inode, accessCWD)
			}
		case fdscan.KindRoot:
			if fl.Err == nil {
				m.file(fl.Dev, fl.Inode, accessRoot)
			}
		case fdscan.KindText:
			if fl.Err == nil {
				m.file(fl.Dev, fl.Inode, accessExe)
			}
		case fdscan.KindMem, fdscan.KindDel:
			m.file(fl.Dev, fl.Inode, accessMmap)
		case fdscan.KindFD:
			pm.descriptor(m, p, fl)
		case fdscan.KindNoFD:
			if f := pm.f; f.e.stderrTTY && reportable(fl.Err) {
				f.uninspected.Note(p.PID, fl)
			}
		}
	}
	return m.matched
}

func (pm *processMatcher) descriptor(m *matcher, p *fdscan.Process, fl *fdscan.File) {
	f := pm.f
	// The probe's own failure leaves nothing to match: that is psmisc's
	// failed stat. A later failure leaves what the probe learnt.
	probeOp := "stat"
	if pm.probe == fdscan.ProbeSockets {
		probeOp = "readlink"
	}
	if fl.Err != nil && fl.Err.Op == probeOp {
		switch {
		case !reportable(fl.Err):
		case f.e.stderrTTY:
			// A person reads stderr: one line for all, at the end.
			f.uninspected.Note(p.PID, fl)
		default:
			f.out.errorf("Cannot stat file %s/%d/fd/%d: %s\n", f.e.procRoot, p.PID, fl.FD, errText(fl.Err))
		}
		return
	}
	access := accessFile
	if fl.Writable {
		access |= accessFileWr
	}
	if pm.probe == fdscan.ProbeSockets || fl.Dev == pm.netdev {
		for _, n := range f.sockets[fl.Inode] {
			m.add(n, access)
		}
		if pm.probe == fdscan.ProbeSockets {
			return
		}
	}
	dev, ino := pm.unixPath(fl.Dev, fl.Inode)
	for _, n := range f.files.FS(dev) {
		// Beyond a block device, psmisc also wants the descriptor's
		// path to start with the name, except for sockets.
		if !n.id.isBlock() && fl.Type != fdscan.TypeSock && !strings.HasPrefix(fl.Link, n.text) {
			continue
		}
		m.add(n, access)
	}
	for _, n := range f.files.File(dev, ino) {
		m.add(n, access)
	}
}

// commBufLen is psmisc's COMM_LEN: how long a command name may grow with
// its escapes (not the kernel's 15-byte limit on the name itself, which
// is lsof's commLen).
const commBufLen = 64

// commandName is the command as psmisc shows it: the name in
// /proc/PID/stat up to its first ')' and at most 100 bytes, with
// unprintable bytes in octal as psmisc writes them (a byte past 127 is
// a negative char to it), cut at 64 bytes. It is "" when there is no
// name, which psmisc shows as ???.
func commandName(comm string) string {
	if i := strings.IndexByte(comm, ')'); i >= 0 {
		comm = comm[:i]
	}
	if len(comm) > 100 {
		comm = comm[:100]
	}
	var b []byte
	for i := 0; i < len(comm) && len(b) < commBufLen; i++ {
		c := comm[i]
		switch {
		case c >= 0x20 && c < 0x7f:
			b = append(b, c)
		case len(b) < commBufLen-4:
			// "\\%03o" of a char, which is signed.
			o := strconv.FormatUint(uint64(uint32(int32(int8(c)))), 8)
			b = append(b, '\\')
			for k := len(o); k < 3; k++ {
				b = append(b, '0')
			}
			b = append(b, o...)
		}
	}
	return string(b)
}

// specials adds the kernel's uses of the names, as psmisc's scan_knfsd,
// scan_mounts and scan_swaps do: a name (or, with -m, its file system)
// that is an NFS export, holds a mount point, or is swap space. Each
// kind is listed once per name, before the processes, the last found
// first.
func (f *fuser) specials() {
	if f.files.Empty() {
		return // only ports were named: no path of the kernel's can match
	}
	exports, _ := fdscan.ExportPaths(f.e.exports)
	for _, p := range exports {
		f.specialPath(p, procKnfsd)
	}
	for _, m := range f.mountTable().List() {
		f.specialPath(m.Point, procMount)
	}
	swaps, _ := fdscan.SwapPaths(f.e.swaps)
	for _, p := range swaps {
		f.specialPath(p, procSwap)
	}
}

// specialPath adds kernel use kind of path to the names it is, or whose
// file system holds it with -m.
func (f *fuser) specialPath(p string, kind procType) {
	id, err := f.stat(p)
	if err != nil {
		return
	}
	for n := range f.files.Match(id.dev, id.ino) {
		addSpecial(n, kind, p)
	}
}

func addSpecial(n *name, kind procType, command string) {
	for _, m := range n.procs {
		if m.kind == kind {
			return
		}
	}
	n.procs = append([]*match{{kind: kind, command: command}}, n.procs...)
}
