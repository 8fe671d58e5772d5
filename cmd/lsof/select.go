package main

import (
	"slices"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
)

// selection decides which files are listed, combining lsof's options as
// lsof does: ORed by default, ANDed with -a.
type selection struct {
	o     *options
	all   bool // no selection: everything, tasks included
	found map[int]bool
	proc  bool // the current process is selected by -p
}

func newSelection(o *options) *selection {
	return &selection{
		o:     o,
		all:   o.pids == nil && o.inet == nil && !o.unix,
		found: map[int]bool{},
	}
}

// fileSelectors reports whether selections by file (-i, -U) are given.
func (s *selection) fileSelectors() bool { return s.o.inet != nil || s.o.unix }

// scanPIDs returns the processes to read, or nil for all of them.
func (s *selection) scanPIDs() []int {
	if s.o.pids != nil && (s.o.and || !s.fileSelectors()) {
		return s.o.pids
	}
	return nil
}

// socketsOnly reports whether only socket descriptors can be selected,
// so the scanner may skip every other file.
func (s *selection) socketsOnly() bool {
	return s.fileSelectors() && (s.o.pids == nil || s.o.and)
}

// process notes the process whose files come next.
func (s *selection) process(p *fdscan.Process) {
	s.proc = s.o.pids != nil && slices.Contains(s.o.pids, p.PID)
	if s.proc {
		s.found[p.PID] = true
	}
}

// file reports whether a file of the current process is listed; sock is
// the socket it is, if any.
func (s *selection) file(p *fdscan.Process, sock *netsock.Socket) bool {
	if sock != nil && !s.o.states.pass(sock) {
		return false
	}
	if s.all {
		return true
	}
	var matched []*inetSpec
	if sock != nil {
		for _, sp := range s.o.inet {
			if sp.match(sock) {
				matched = append(matched, sp)
			}
		}
	}
	unix := s.o.unix && sock != nil && sock.Proto == netsock.ProtoUnix
	var ok bool
	if s.o.and {
		ok = (s.o.pids == nil || s.proc) && (s.o.inet == nil || matched != nil) && (!s.o.unix || unix)
	} else {
		ok = s.proc || matched != nil || unix
	}
	if ok {
		for _, sp := range matched {
			sp.found = true
		}
	}
	return ok
}

// missed reports whether a search item matched nothing: a PID that was
// not found, an -i spec no file matched, or a state -s asked for that no
// socket was in. lsof then exits with status 1.
func (s *selection) missed() bool {
	for _, pid := range s.o.pids {
		if !s.found[pid] {
			return true
		}
	}
	for _, sp := range s.o.inet {
		if !sp.found {
			return true
		}
	}
	return s.o.states.missed()
}
