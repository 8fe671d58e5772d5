//go:build linux

// Package join is the stage between the scan and selection: it joins
// each file the scanner found with what other sources know of it (a
// socket with its entry in its network namespace's socket tables) into an
// Entry, and, for the entries selected, names what they hold in numbers
// (the user, hosts, ports), so that rendering only formats.
//
// The stages, in the order records pass them:
//
//	fdscan (scan) -> join.Join -> selection -> join.Name -> render
package join

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
)

// Entry is one open file of one process, with what the join stage
// learned of it.
type Entry struct {
	Process *fdscan.Process
	File    *fdscan.File
	// Socket is the file's entry in its network namespace's socket
	// tables; nil when the file is no socket or no table has it.
	Socket *netsock.Socket
	// Protocol is the protocol name the kernel gives a socket no table
	// has (system.sockprotoname: "TCP", "UNIX-STREAM", ...); "" when it
	// is unknown or the file is no socket.
	Protocol string
	// Endpoints is what lsof's -E adds to NAME after a blank: the other
	// ends of a pipe, socket, pty, eventfd or message queue.
	Endpoints string
	// Note is a note lsof adds to NAME in parentheses: "-X specified",
	// "+e /mnt".
	Note string

	// Set by Name.

	// User is the login name of the process's user; "" when the
	// password database has none.
	User string
	// Local and Remote name an Internet socket's ends.
	Local, Remote Names
}

// Names are the names of one end of an Internet socket, each "" when it
// has none (or naming is off) and the number stands.
type Names struct {
	Host    string // the host's name: from the hosts file or DNS
	Service string // the port's service name, for TCP and UDP
}

// Joiner makes Entries.
type Joiner struct {
	// Sockets finds sockets in the tables of their network namespace.
	Sockets *netsock.Resolver
	// Protocols, when set, names the protocol of a socket no table
	// has. It is asked only for those (rare) sockets: reading the name
	// of every socket during the scan would cost a getxattr each, about
	// 5 us, which a listing of 40,000 sockets pays for nothing.
	Protocols func(p *fdscan.Process, f *fdscan.File) string
	// Skip, when set, leaves a socket found in the tables out of the
	// join as if no table had it (lsof's -X leaves TCP, UDP and raw
	// IPv6 sockets unidentified).
	Skip func(*netsock.Socket) bool
	// SkipNote is the Note of a socket Skip left out.
	SkipNote string

	// Users and Names name what Name names.
	Users fdscan.Users
	Names *netsock.Namer
	// RawHosts names the hosts of raw and ICMP sockets' ends too, for
	// outputs that show them apart from the table's address text.
	RawHosts bool
}

// Join returns the entry of file f of process p. The entry's Socket
// points into s, which the caller keeps for as long as the entry: one
// Socket serves a whole scan when each entry is done with before the
// next.
func (j *Joiner) Join(p *fdscan.Process, f *fdscan.File, s *netsock.Socket) Entry {
	e := Entry{Process: p, File: f}
	if f.Type != fdscan.TypeSock || f.Err != nil {
		return e
	}
	found := false
	if p.NetNS != 0 && j.Sockets != nil {
		*s, found = j.Sockets.Lookup(p.NetNS, p.PID, f.Inode)
	}
	switch {
	case found && j.Keeps(s):
		e.Socket = s
	case j.Skip != nil:
		e.Note = j.SkipNote
	case j.Protocols != nil:
		e.Protocol = j.Protocols(p, f)
	}
	return e
}

// Keeps reports whether Join joins a socket found in the tables with
// its file: unless Skip leaves it out.
func (j *Joiner) Keeps(s *netsock.Socket) bool { return j.Skip == nil || !j.Skip(s) }

// Name names e's user and, for an Internet socket, its ends' hosts and
// services.
func (j *Joiner) Name(e *Entry) {
	if name, ok := j.Users.Lookup(e.Process.UID); ok {
		e.User = name
	}
	s := e.Socket
	if s == nil || j.Names == nil {
		return
	}
	raw := s.Proto == netsock.ProtoRaw || s.Proto == netsock.ProtoICMP
	if !s.Proto.Inet() && !(raw && j.RawHosts) {
		return
	}
	proto := ""
	switch s.Proto {
	case netsock.ProtoTCP:
		proto = "tcp"
	case netsock.ProtoUDP:
		proto = "udp"
	}
	e.Local = j.names(s.Local, proto)
	e.Remote = j.names(s.Remote, proto)
}

func (j *Joiner) names(ap netip.AddrPort, proto string) Names {
	var n Names
	if a := ap.Addr().Unmap(); a.IsValid() && !a.IsUnspecified() {
		if h, ok := j.Names.Host(a); ok {
			n.Host = h
		}
	}
	if proto != "" && ap.Port() != 0 {
		if s := j.Names.Port(ap.Port(), proto); s != strconv.Itoa(int(ap.Port())) {
			n.Service = s
		}
	}
	return n
}

// WantedSockets returns, at once, a function that reports whether a
// socket inode is one want accepts, among the sockets of the network
// namespaces of processes pids: what a scan for sockets alone keeps of
// the processes it reads (fdscan's Keep). The tables are read and the
// set made in a goroutine of its own, while the scan starts; the first
// calls wait for it. So the scan's workers ask nothing of the tables or
// of selection, only of the set. Each namespace's tables are read once,
// from the first of its members whose tables can be read; each
// process's namespace is read once, and the scan reuses it.
func WantedSockets(sc *fdscan.Scanner, r *netsock.Resolver, pids []int, want func(*netsock.Socket) bool) func(inode uint64) bool {
	// A sorted slice, not a map: a listing of every Internet socket
	// wants tens of thousands, at 8 bytes each rather than about 40.
	var wanted []uint64
	ready := make(chan struct{})
	go func() {
		defer close(ready)
		r.EachNamespace(pids, sc.NetNS, 0, func(t *netsock.Tables) {
			t.Each(func(s *netsock.Socket) {
				if want(s) {
					wanted = append(wanted, s.Inode)
				}
			})
		})
		slices.Sort(wanted)
		wanted = slices.Clip(slices.Compact(wanted))
	}()
	return func(inode uint64) bool {
		<-ready
		_, found := slices.BinarySearch(wanted, inode)
		return found
	}
}
