package main

import (
	"slices"
	"strconv"
	"strings"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
	"github.com/openfiles/openfiles/pkg/render"
)

// endpoint is one open end of a pipe, in the process holding it, for
// lsof's -E.
type endpoint struct {
	pid  int
	cmd  string // as COMMAND shows it
	fd   int
	mode byte
}

// endpointIndex holds the ends of every pipe and socket open on the
// system, by inode, in PID then descriptor order.
type endpointIndex struct {
	pipes, socks map[uint64][]endpoint
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

// pipeCollector is an output that keeps only the inodes of the pipes
// listed, and of the sockets at the other ends of those listed, for +E.
type pipeCollector struct {
	inodes, unixEnds map[uint64]bool
	n                int
}

func (c *pipeCollector) add(_ *fdscan.Process, f *fdscan.File, sock *netsock.Socket) error {
	c.n++
	switch {
	case isPipe(f):
		c.inodes[f.Inode] = true
	case sock != nil && (sock.Proto == netsock.ProtoUnix || sock.Proto.Inet()):
		c.unixEnds[sock.Peer], c.unixEnds[sock.Pending] = true, true
		delete(c.unixEnds, 0)
	}
	return nil
}

func (c *pipeCollector) finish() (int, error) { n := c.n; c.n = 0; return n, nil }
func (c *pipeCollector) marker(string) error  { return nil }

// isPipe reports whether f is an unnamed pipe.
func isPipe(f *fdscan.File) bool {
	return f.Err == nil && f.Type == fdscan.TypeFIFO && strings.HasPrefix(f.Link, "pipe:[")
}

// scanEndpoints reads the pipe and socket descriptors of every process
// but those in skip, from their links, into an index. Only -E asks for it: a listing
// without -E reads nothing more.
func scanEndpoints(so fdscan.Options, skip []int, cmdWidth int) (*endpointIndex, error) {
	so.Probe, so.Tasks, so.Exempt = fdscan.ProbeLinks, false, nil
	so.Keep = func(_ *fdscan.Process, f *fdscan.File) bool {
		return f.Err == nil && (strings.HasPrefix(f.Link, "pipe:[") || strings.HasPrefix(f.Link, "socket:["))
	}
	sc, err := fdscan.New(so)
	if err != nil {
		return nil, err
	}
	pids, err := sc.PIDs()
	if err != nil {
		return nil, err
	}
	pids = slices.DeleteFunc(pids, func(pid int) bool { return slices.Contains(skip, pid) })
	ix := &endpointIndex{pipes: map[uint64][]endpoint{}, socks: map[uint64][]endpoint{}}
	err = sc.Scan(pids, func(p *fdscan.Process) error {
		cmd, _ := render.Command(p.Command, cmdWidth)
		for i := range p.Files {
			f := &p.Files[i]
			e := endpoint{pid: p.PID, cmd: cmd, fd: f.FD, mode: render.Mode(f)}
			switch {
			case isPipe(f):
				ix.pipes[f.Inode] = append(ix.pipes[f.Inode], e)
			case f.Err == nil && f.Type == fdscan.TypeSock:
				ix.socks[f.Inode] = append(ix.socks[f.Inode], e)
			}
		}
		return nil
	})
	return ix, err
}

// pipeEnds returns what lsof's -E appends to the NAME of pipe f of
// process pid: its other ends, each as PID,COMMAND,FDmode.
func (ix *endpointIndex) pipeEnds(pid int, f *fdscan.File) string {
	var b []byte
	for _, e := range ix.pipes[f.Inode] {
		if e.pid != pid || e.fd != f.FD {
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
