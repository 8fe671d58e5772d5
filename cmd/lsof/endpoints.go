//go:build linux

package main

import (
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"github.com/openfiles/openfiles/pkg/netsock"
	"github.com/openfiles/openfiles/pkg/render"
)

// endpoint is one open end of a pipe, socket, pty, eventfd or message
// queue, in the process holding it, for lsof's -E.
type endpoint struct {
	pid  int
	cmd  string // as COMMAND shows it
	fd   int
	mode byte
}

// endpointIndex holds the ends of every pipe, socket, pty, eventfd and
// message queue open on the system, in PID then descriptor order.
type endpointIndex struct {
	pipes, socks, mqueues map[uint64][]endpoint // by inode
	eventfds              map[int][]endpoint    // by eventfd-id
	// ptyMasters are the pty masters by the tty-index of their slave,
	// ptySlaves the slaves by their minor device number, which lsof
	// takes for the same.
	ptyMasters, ptySlaves map[uint32][]endpoint
	// inetPeers pairs the Internet sockets of each network namespace,
	// once it is asked about.
	inetPeers map[uint64]map[uint64]uint64
}

// endpointMode is what -E and +E ask for.
type endpointMode uint8

const (
	endpointsNone   endpointMode = iota
	endpointsShown               // -E: the other ends in NAME
	endpointsListed              // +E: and the files that are those ends listed too
)

// endSet says which files +E lists beyond the selection: the other ends
// of those listed.
type endSet struct {
	pipes, socks, mqueues map[uint64]bool // by inode
	eventfds              map[int]bool
	// ptyMasters are the slaves' minor numbers whose masters are ends,
	// ptySlaves the tty-indexes whose slaves are.
	ptyMasters, ptySlaves map[uint32]bool
}

func newEndSet() *endSet {
	return &endSet{pipes: map[uint64]bool{}, socks: map[uint64]bool{}, mqueues: map[uint64]bool{},
		eventfds: map[int]bool{}, ptyMasters: map[uint32]bool{}, ptySlaves: map[uint32]bool{}}
}

// has reports whether f, with its socket sock, is an end of a file
// listed.
func (s *endSet) has(f *fdscan.File, sock *netsock.Socket) bool {
	switch {
	case isPipe(f):
		return s.pipes[f.Inode]
	case sock != nil:
		return (sock.Proto == netsock.ProtoUnix || sock.Proto.Inet()) && s.socks[sock.Inode]
	case f.Type == fdscan.TypeMQueue:
		return s.mqueues[f.Inode]
	}
	if id, ok := eventfdID(f); ok {
		return s.eventfds[id]
	}
	if master, key, ok := ptyEnd(f); ok {
		return master && s.ptyMasters[key] || !master && s.ptySlaves[key]
	}
	return false
}

// endCollector is an output that keeps only what the files listed have
// at their other ends, for +E.
type endCollector struct {
	ends *endSet
	n    int
}

func (c *endCollector) add(e *join.Entry) error {
	f, sock := e.File, e.Socket
	c.n++
	s := c.ends
	switch {
	case isPipe(f):
		s.pipes[f.Inode] = true
	case sock != nil && (sock.Proto == netsock.ProtoUnix || sock.Proto.Inet()):
		s.socks[sock.Peer], s.socks[sock.Pending] = true, true
		delete(s.socks, 0)
	case f.Type == fdscan.TypeMQueue:
		s.mqueues[f.Inode] = true
	}
	if id, ok := eventfdID(f); ok {
		s.eventfds[id] = true
	}
	if master, key, ok := ptyEnd(f); ok {
		if master {
			s.ptySlaves[key] = true
		} else {
			s.ptyMasters[key] = true
		}
	}
	return nil
}

func (c *endCollector) finish() (int, error) { n := c.n; c.n = 0; return n, nil }
func (c *endCollector) marker(string) error  { return nil }

// isPipe reports whether f is an unnamed pipe.
func isPipe(f *fdscan.File) bool {
	return f.Err == nil && f.Type == fdscan.TypeFIFO && strings.HasPrefix(f.Link, "pipe:[")
}

// eventfdID returns the eventfd-id of f when it is an eventfd.
func eventfdID(f *fdscan.File) (int, bool) {
	return f.EventfdID, f.Err == nil && f.Type == fdscan.TypeAnon && f.EventfdID >= 0
}

// Device numbers lsof tells the ends of a pty by: the master clone
// device /dev/ptmx, and the majors of the Unix98 pty slaves.
const (
	ptmxMajor, ptmxMinor          = 5, 2
	ptySlaveMajor, ptySlaveMajors = 136, 8
)

// ptyEnd reports whether descriptor f is an end of a pty, as lsof tells
// one by its device number: a master (with the tty-index of its slave
// in key) or a slave (with its minor number in key).
func ptyEnd(f *fdscan.File) (master bool, key uint32, ok bool) {
	if f.Err != nil || f.Type != fdscan.TypeChr || f.Kind != fdscan.KindFD {
		return false, 0, false
	}
	switch major := unix.Major(f.Rdev); {
	case major == ptmxMajor && unix.Minor(f.Rdev) == ptmxMinor:
		return true, uint32(f.TTYIndex), f.TTYIndex >= 0
	case major >= ptySlaveMajor && major < ptySlaveMajor+ptySlaveMajors:
		return false, unix.Minor(f.Rdev), true
	}
	return false, 0, false
}

// scanEndpoints reads the pipe, socket, pty, eventfd and message queue
// descriptors of every process but those in skip into an index. Only -E
// asks for it: a listing without -E reads nothing more.
func scanEndpoints(so fdscan.Options, skip []int, cmdWidth int) (*endpointIndex, error) {
	so.Probe, so.Tasks = fdscan.ProbeLinks, false
	so.Keep = func(_ *fdscan.Process, f *fdscan.File) bool {
		// A path may be a pty or a message queue: its stat tells. Files
		// on a file system -e exempts are not stat'ed, and are no end.
		return f.Err == nil && (strings.HasPrefix(f.Link, "pipe:[") || strings.HasPrefix(f.Link, "socket:[") ||
			f.Link == "anon_inode:[eventfd]" || strings.HasPrefix(f.Link, "/"))
	}
	sc, err := fdscan.New(so)
	if err != nil {
		return nil, err
	}
	defer sc.Close()
	pids, err := sc.PIDs()
	if err != nil {
		return nil, err
	}
	pids = slices.DeleteFunc(pids, func(pid int) bool { return slices.Contains(skip, pid) })
	ix := &endpointIndex{pipes: map[uint64][]endpoint{}, socks: map[uint64][]endpoint{}, mqueues: map[uint64][]endpoint{},
		eventfds: map[int][]endpoint{}, ptyMasters: map[uint32][]endpoint{}, ptySlaves: map[uint32][]endpoint{}}
	err = sc.Scan(pids, func(p *fdscan.Process) error {
		cmd, _ := render.Command(p.Command, cmdWidth)
		for i := range p.Files {
			f := &p.Files[i]
			if f.Err != nil || f.Exempt {
				continue
			}
			e := endpoint{pid: p.PID, cmd: cmd, fd: f.FD, mode: render.Mode(f)}
			switch {
			case isPipe(f):
				ix.pipes[f.Inode] = append(ix.pipes[f.Inode], e)
			case f.Type == fdscan.TypeSock:
				ix.socks[f.Inode] = append(ix.socks[f.Inode], e)
			case f.Type == fdscan.TypeMQueue:
				ix.mqueues[f.Inode] = append(ix.mqueues[f.Inode], e)
			}
			if id, ok := eventfdID(f); ok {
				ix.eventfds[id] = append(ix.eventfds[id], e)
			}
			if master, key, ok := ptyEnd(f); ok && master {
				ix.ptyMasters[key] = append(ix.ptyMasters[key], e)
			} else if ok {
				ix.ptySlaves[key] = append(ix.ptySlaves[key], e)
			}
		}
		return nil
	})
	return ix, err
}

// fileEnds returns what lsof's -E appends to the NAME of f, a pipe, an
// eventfd, a pty or a message queue of process pid: its other ends,
// each as PID,COMMAND,FDmode; a pty master's begin with its slave's name.
func (ix *endpointIndex) fileEnds(pid int, f *fdscan.File) string {
	switch {
	case isPipe(f):
		return othersThan(nil, ix.pipes[f.Inode], pid, f.FD)
	case f.Type == fdscan.TypeMQueue:
		return othersThan(nil, ix.mqueues[f.Inode], pid, f.FD)
	}
	if id, ok := eventfdID(f); ok {
		return othersThan(nil, ix.eventfds[id], pid, f.FD)
	}
	master, key, ok := ptyEnd(f)
	switch {
	case !ok:
		return ""
	case !master:
		return othersThan(nil, ix.ptyMasters[key], -1, -1)
	case len(ix.ptySlaves[key]) == 0:
		return ""
	}
	b := strconv.AppendUint([]byte("->/dev/pts/"), uint64(key), 10)
	return othersThan(b, ix.ptySlaves[key], -1, -1)
}

// othersThan appends to b the ends but descriptor fd of process pid.
func othersThan(b []byte, ends []endpoint, pid, fd int) string {
	for _, e := range ends {
		if e.pid != pid || e.fd != fd {
			b = e.appendTo(b)
		}
	}
	return string(b)
}

// unixEnds returns what lsof's -E adds to the NAME of unix socket s
// after its address: its peer's inode and the descriptors that are the
// peer, then the same of a listener's first pending connection. lsof
// names the descriptors of a socket last seen first.
func (ix *endpointIndex) unixEnds(s *netsock.Socket) string {
	var b []byte
	for _, ino := range [2]uint64{s.Peer, s.Pending} {
		if ino == 0 {
			continue
		}
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendUint(append(b, "->INO="...), ino, 10)
		ends := ix.socks[ino]
		for i := len(ends) - 1; i >= 0; i-- {
			b = ends[i].appendTo(b)
		}
	}
	return string(b)
}

// inetEnds returns what lsof's -E adds to the NAME of an Internet
// socket whose peer is on this host: the descriptors that are the peer,
// the one last seen first.
func (ix *endpointIndex) inetEnds(peer uint64) string {
	var b []byte
	ends := ix.socks[peer]
	for i := len(ends) - 1; i >= 0; i-- {
		b = ends[i].appendTo(b)
	}
	return string(b)
}

// inetPeer returns the peer of Internet socket s in the tables t of its
// network namespace, pairing that namespace's sockets once.
func (ix *endpointIndex) inetPeer(netns uint64, t *netsock.Tables, s *netsock.Socket) uint64 {
	if t == nil {
		return 0
	}
	if ix.inetPeers == nil {
		ix.inetPeers = map[uint64]map[uint64]uint64{}
	}
	peers, ok := ix.inetPeers[netns]
	if !ok {
		peers = t.InetPeers()
		ix.inetPeers[netns] = peers
	}
	return peers[s.Inode]
}

// appendTo appends an end as lsof names it, PID,COMMAND,FDmode, after a
// blank when b holds something.
func (e endpoint) appendTo(b []byte) []byte {
	if len(b) > 0 {
		b = append(b, ' ')
	}
	b = strconv.AppendInt(b, int64(e.pid), 10)
	b = append(append(append(b, ','), e.cmd...), ',')
	b = strconv.AppendInt(b, int64(e.fd), 10)
	if e.mode != ' ' {
		b = append(b, e.mode)
	}
	return b
}
