//go:build linux

package netsock

import (
	"path/filepath"
	"strconv"
	"sync"
)

// Resolver finds sockets by network namespace and inode, reading each
// namespace's tables once, from the first member process it is asked
// about. It is safe for concurrent use: namespaces are read at once, and
// a caller asking for one being read waits for it.
type Resolver struct {
	// Protos, when set, limits the tables read to those protocols: a
	// search for TCP ports need not read the unix table.
	Protos []Proto
	// UnixPeers asks for the peers and pending connections of unix
	// sockets (lsof's -E).
	UnixPeers bool
	// Own is the network namespace this process is in, whose UDP tables
	// are then dumped through sock_diag, far cheaper than /proc/net/udp;
	// 0 when the proc root is not the running system's.
	Own uint64

	procRoot string
	mu       sync.Mutex
	byNS     map[uint64]*nsTables
	// Reads counts namespaces whose tables were read, and Files the table
	// files read, so that callers and tests can see the cost.
	Reads, Files int
}

// nsTables is one namespace's tables, or their reading under way: t is
// set when ready is closed, nil if they could not be read.
type nsTables struct {
	ready chan struct{}
	t     *Tables
}

// NewResolver returns a Resolver reading tables under procRoot.
func NewResolver(procRoot string) *Resolver {
	return &Resolver{procRoot: procRoot, byNS: map[uint64]*nsTables{}}
}

// Lookup returns socket inode in network namespace netns, reading the
// namespace's tables from process pid's net directory if they have not
// been read yet. A namespace whose member could not be read is tried
// again with the next member asked about.
func (r *Resolver) Lookup(netns uint64, pid int, inode uint64) (Socket, bool) {
	t := r.Tables(netns, pid)
	if t == nil {
		return Socket{}, false
	}
	return t.Lookup(inode)
}

// Tables returns the tables of network namespace netns, reading them from
// process pid's net directory if they have not been read yet, or nil
// when they cannot be read.
func (r *Resolver) Tables(netns uint64, pid int) *Tables {
	for {
		e, mine := r.entry(netns)
		if mine {
			r.read(netns, r.netDir(pid), e)
			return e.t
		}
		<-e.ready
		if e.t != nil {
			return e.t
		}
		// Another member could not be read; try this one.
	}
}

// EachNamespace calls fn with the tables of every network namespace a
// process of pids is in, but except (0 for none), once each: read from
// the first member whose tables can be read, a member they cannot be
// read from being passed over for the next. netnsOf gives a process's
// namespace (fdscan.Scanner.NetNS, whose reading a scan of the same
// listing reuses); a process it fails on is passed over.
func (r *Resolver) EachNamespace(pids []int, netnsOf func(pid int) (uint64, error), except uint64, fn func(*Tables)) {
	done := map[uint64]bool{}
	for _, pid := range pids {
		ns, err := netnsOf(pid)
		if err != nil || ns == 0 || ns == except || done[ns] {
			continue
		}
		if t := r.Tables(ns, pid); t != nil {
			done[ns] = true
			fn(t)
		}
	}
}

// TablesAt returns the tables of network namespace netns, reading them
// from dir (a net directory: /proc/net for our own namespace) if they
// have not been read yet. The error, when no table could be read, is
// the first one's; the tables returned are then empty, say by Err why
// each could not be read, and are not kept, so that the next caller
// reads them again.
func (r *Resolver) TablesAt(netns uint64, dir string) (*Tables, error) {
	for {
		e, mine := r.entry(netns)
		if mine {
			return r.read(netns, dir, e)
		}
		<-e.ready
		if e.t != nil {
			return e.t, nil
		}
	}
}

// Prefetch starts reading the tables of network namespace netns from
// process pid's net directory, if nobody has yet, so that they are ready
// by the time the first socket in it is looked up: a scan need not wait
// for tables, which can take long to read (a big UDP table).
func (r *Resolver) Prefetch(netns uint64, pid int) {
	if e, mine := r.entry(netns); mine {
		go r.read(netns, r.netDir(pid), e)
	}
}

// netDir returns the net directory of process pid.
func (r *Resolver) netDir(pid int) string {
	return filepath.Join(r.procRoot, strconv.Itoa(pid), "net")
}

// entry returns netns's entry, and whether it is new: the caller must
// then read it.
func (r *Resolver) entry(netns uint64) (*nsTables, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.byNS[netns]; ok {
		return e, false
	}
	e := &nsTables{ready: make(chan struct{})}
	r.byNS[netns] = e
	return e, true
}

// read reads the tables of e's namespace from dir. When they cannot be
// read, the entry is dropped, so that the next member asked about is
// tried.
func (r *Resolver) read(netns uint64, dir string, e *nsTables) (*Tables, error) {
	t, err := readTables(dir, r.Own != 0 && netns == r.Own, r.UnixPeers, r.Protos)
	r.mu.Lock()
	if err != nil {
		delete(r.byNS, netns)
	} else {
		e.t = t
		r.Reads++
		r.Files += t.Files
	}
	r.mu.Unlock()
	close(e.ready)
	return t, err
}

// Counts returns how many namespaces' tables were read, and how many
// table files.
func (r *Resolver) Counts() (namespaces, files int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Reads, r.Files
}
