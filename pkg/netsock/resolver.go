package netsock

import (
	"path/filepath"
	"strconv"
	"sync"
)

// Resolver finds sockets by network namespace and inode, reading each
// namespace's tables once, from the first member process it is asked
// about. It is safe for concurrent use.
type Resolver struct {
	// Protos, when set, limits the tables read to those protocols: a
	// search for TCP ports need not read the unix table.
	Protos []Proto

	procRoot string
	mu       sync.Mutex
	byNS     map[uint64]*Tables
	// Reads counts namespaces whose tables were read, and Files the table
	// files read, so that callers and tests can see the cost.
	Reads, Files int
}

// NewResolver returns a Resolver reading tables under procRoot.
func NewResolver(procRoot string) *Resolver {
	return &Resolver{procRoot: procRoot, byNS: map[uint64]*Tables{}}
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
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.byNS[netns]
	if !ok {
		var err error
		t, err = ReadTables(filepath.Join(r.procRoot, strconv.Itoa(pid), "net"), r.Protos...)
		if err != nil {
			return nil
		}
		r.byNS[netns] = t
		r.Reads++
		r.Files += t.Files
	}
	return t
}

// Counts returns how many namespaces' tables were read, and how many
// table files.
func (r *Resolver) Counts() (namespaces, files int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Reads, r.Files
}
