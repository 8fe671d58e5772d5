//go:build linux

package main

import (
	"slices"
	"strings"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
	"github.com/openfiles/openfiles/pkg/selector"
)

// selection decides which files are listed, combining lsof's options as
// lsof does: exclusions (^) first, then the inclusions, ORed by default
// and ANDed with -a. With no inclusion, everything is listed.
type selection struct {
	o     *options
	files *fileSearch
	all   bool         // no inclusion: every file
	found map[int]bool // -p and -g items found
	// nfsDevs are the devices of the NFS file systems, for -N.
	nfsDevs map[uint64]bool
	// wantSocket, set when the sockets alone decide, selects a socket
	// of the tables; wanted reports whether it selected the socket of
	// an inode, for the scan's Keep (join.WantedSockets, made anew for
	// each listing).
	wantSocket func(*netsock.Socket) bool
	wanted     func(inode uint64) bool
	nfsFound   bool
	// ends are the ends of pipes, sockets, ptys, eventfds and message
	// queues of the current listing, for -E.
	ends *endpointIndex
	// endsListed are the other ends of the files listed, for +E: they
	// are listed too.
	endsListed *endSet

	// The current process.
	excluded bool
	procOK   []bool // per process-level group: does the process match?
}

func newSelection(o *options, files *fileSearch) *selection {
	return &selection{o: o, files: files, all: !o.selects(), found: map[int]bool{}}
}

// tasks reports whether tasks are listed: in a listing with no
// selection, and with -K.
func (s *selection) tasks() bool {
	return s.o.tasks == tasksSelect || (s.all && s.o.tasks == tasksDefault)
}

// procGroups reports whether process-level inclusions are given.
func (s *selection) procGroups() bool {
	o := s.o
	return o.pids != nil || o.pgids != nil || o.users != nil || o.commands != nil
}

// fileGroups reports whether file-level inclusions are given.
func (s *selection) fileGroups() bool {
	o := s.o
	return o.fds != nil && !o.fds.Exclude || o.inet != nil || o.unix || s.files.active() || o.linkSelect || o.nfs ||
		(o.tasks == tasksSelect && !o.and)
}

// scanPIDs returns the processes to read, or nil for all of them.
func (s *selection) scanPIDs() []int {
	if s.o.pids != nil && (s.o.and || (!s.fileGroups() && s.o.pgids == nil && s.o.users == nil && s.o.commands == nil)) {
		return s.o.pids
	}
	return nil
}

// socketsOnly reports whether only socket descriptors can be selected,
// so the scanner may skip every other file.
func (s *selection) socketsOnly() bool {
	return (s.o.inet != nil || s.o.unix) && s.onlyGroup(true, false)
}

// filesOnly reports whether only descriptors of the files named (and of
// +d/+D trees) can be selected, as far as descriptors go: the kernel's
// source may then report no other.
func (s *selection) filesOnly() bool {
	return s.files.active() && s.onlyGroup(false, true)
}

// onlyGroup reports whether a file must be in a group given among the
// sockets' (-i, -U) when sockets is set and the files' (names, +d/+D)
// when files is: with -a every group must match, and otherwise no group
// of another kind is given.
func (s *selection) onlyGroup(sockets, files bool) bool {
	o := s.o
	if o.and {
		return true
	}
	return !s.procGroups() && !(o.fds != nil && !o.fds.Exclude) && !o.linkSelect && !o.nfs && o.tasks != tasksSelect &&
		(sockets || o.inet == nil && !o.unix) && (files || !s.files.active())
}

// socketProtos returns the socket tables worth reading: when only
// sockets are selected, those of the protocols the selections name, and
// nil, for all of them, otherwise.
func (s *selection) socketProtos() []netsock.Proto {
	if !s.socketsOnly() {
		return nil
	}
	var protos []netsock.Proto
	if s.o.unix {
		protos = append(protos, netsock.ProtoUnix)
	}
	for _, sp := range s.o.inet {
		switch sp.Proto {
		case "TCP":
			protos = append(protos, netsock.ProtoTCP)
		case "UDP":
			protos = append(protos, netsock.ProtoUDP)
		case "UDPLITE":
			protos = append(protos, netsock.ProtoUDPLite)
		default:
			protos = append(protos, netsock.ProtoTCP, netsock.ProtoUDP, netsock.ProtoUDPLite)
		}
	}
	return protos
}

// socketsDecide reports whether the socket selections alone decide what
// is listed, so that a process without a selected socket need not be
// read at all: no process-level inclusion (whose processes must be found
// even with no socket) is given.
func (s *selection) socketsDecide() bool {
	return s.socketsOnly() && !s.procGroups()
}

// socketSelected reports, without noting anything, whether socket sock
// passes the socket selections and -s: the scanner's early test.
func (s *selection) socketSelected(sock *netsock.Socket) bool {
	if !s.o.states.Allows(sock) {
		return false
	}
	unix := s.o.unix && sock.Proto == netsock.ProtoUnix
	inet := false
	for _, sp := range s.o.inet {
		inet = inet || sp.Match(sock)
	}
	if s.o.and {
		return (s.o.inet == nil || inet) && (!s.o.unix || unix)
	}
	return inet || unix
}

// process notes the process whose files come next.
func (s *selection) process(p *fdscan.Process) {
	o := s.o
	cmd := p.Command
	s.excluded = slices.Contains(o.notPIDs, p.PID) || slices.Contains(o.notPGIDs, p.PGID) ||
		slices.Contains(o.notUsers, p.UID) || slices.ContainsFunc(o.notCommands, func(c string) bool {
		return strings.HasPrefix(cmd, c)
	})
	if s.excluded {
		return
	}
	s.procOK = s.procOK[:0]
	if o.pids != nil {
		ok := slices.Contains(o.pids, p.PID)
		s.procOK = append(s.procOK, ok)
		if ok {
			s.found[p.PID] = true
		}
	}
	if o.pgids != nil {
		ok := slices.Contains(o.pgids, p.PGID)
		s.procOK = append(s.procOK, ok)
		if ok {
			s.found[-p.PGID-1] = true
		}
	}
	if o.users != nil {
		s.procOK = append(s.procOK, slices.Contains(o.users, p.UID))
	}
	if o.commands != nil {
		ok := false
		for i := range o.commands {
			c := &o.commands[i]
			if (c.re != nil && c.re.MatchString(cmd)) || (c.re == nil && strings.HasPrefix(cmd, c.prefix)) {
				c.found, ok = true, true
			}
		}
		s.procOK = append(s.procOK, ok)
	}
}

// file reports whether a file of the current process is listed; sock is
// the socket it is, if any. It also returns the name a file argument
// gives the file, or "".
func (s *selection) file(p *fdscan.Process, f *fdscan.File, sock *netsock.Socket) (bool, string) {
	o := s.o
	if s.excluded {
		return false, ""
	}
	if o.noWarn && f.Err != nil && f.Err.Op != "stat" {
		return false, ""
	}
	if o.fds != nil && o.fds.Exclude && o.fds.Contains(f) {
		return false, ""
	}
	if sock != nil && !o.states.Pass(sock) {
		return false, ""
	}
	if s.all {
		return true, ""
	}
	// Each inclusion given is a group; a file is listed when any group
	// matches (all of them, with -a).
	some, every := false, true
	note := func(ok bool) {
		some = some || ok
		every = every && ok
	}
	for _, ok := range s.procOK {
		note(ok)
	}
	var matched []*selector.InetSpec
	if o.inet != nil {
		if sock != nil {
			for _, sp := range o.inet {
				if sp.Match(sock) {
					matched = append(matched, sp)
				}
			}
		}
		note(matched != nil)
	}
	if o.unix {
		note(sock != nil && sock.Proto == netsock.ProtoUnix)
	}
	if o.fds != nil && !o.fds.Exclude {
		note(o.fds.Contains(f))
	}
	var item *searchItem
	sockItem := false
	if s.files.active() {
		item = s.files.match(f)
		if item == nil && sock != nil {
			item, sockItem = s.files.matchSocket(sock), true
		}
		note(item != nil)
	}
	nfs := false
	if o.nfs {
		nfs = f.Err == nil && f.Type != fdscan.TypeSock && s.nfsDevs[f.Dev]
		note(nfs)
	}
	if o.linkSelect {
		note(f.Err == nil && !f.Exempt && f.Kind != fdscan.KindDel && f.PathInode == 0 && f.Type != fdscan.TypeSock && f.NLink < uint64(o.maxLinks))
	}
	if o.tasks == tasksSelect && !o.and {
		note(p.TID != 0)
	}
	ok := some
	if o.and {
		ok = every
	}
	if !ok {
		return false, ""
	}
	for _, sp := range matched {
		sp.Found = true
	}
	s.nfsFound = s.nfsFound || nfs
	if item != nil {
		item.found = true
		if sockItem {
			return true, "" // a socket keeps its own name
		}
		return true, item.display
	}
	return true, ""
}

// missed reports whether a search item matched nothing: a PID, process
// group or command not found, an -i spec or a file no file matched, or
// a state -s asked for that no socket was in. lsof then exits with
// status 1. As in lsof, users and descriptors that matched nothing do not
// count.
func (s *selection) missed() bool {
	if s.o.quiet {
		return false
	}
	for _, pid := range s.o.pids {
		if !s.found[pid] {
			return true
		}
	}
	for _, g := range s.o.pgids {
		if !s.found[-g-1] {
			return true
		}
	}
	for _, c := range s.o.commands {
		if !c.found {
			return true
		}
	}
	for _, sp := range s.o.inet {
		if !sp.Found {
			return true
		}
	}
	return s.files.missed() || s.o.states.Missed() || (s.o.nfs && !s.nfsFound)
}
