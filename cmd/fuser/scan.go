//go:build linux

package main

import (
	"os"
	"slices"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/netsock"
)

// search finds the processes using the names: the sockets matching the
// PORT/tcp and PORT/udp names first, in our own network namespace and
// then in every other one (each namespace's tables read once, through a
// netsock.Resolver, and each process's ns/net link once, shared with the
// scan), then the processes, then the kernel's own uses. Like psmisc it reads no process at all when no name came to
// anything to look for. It reports false, after the message, when /proc
// cannot be read.
func (f *fuser) search() bool {
	var netdev uint64
	if f.hasConns() || f.needUnix || f.files.WholeFS() {
		netdev = f.netDevice()
	}
	if !f.hasConns() && f.files.Empty() {
		return true
	}
	pm := &processMatcher{f: f, netdev: netdev, probe: fdscan.ProbeStat}
	if f.onlySockets() {
		pm.probe = fdscan.ProbeSockets
	}
	sc, err := fdscan.New(fdscan.Options{
		Root: f.e.procRoot, Kernel: f.e.kernel, Source: f.e.source, Workers: f.e.workers,
		Probe: pm.probe, Keep: pm.keep,
		// The mount table main read already, not a second reading.
		Mounts: f.e.mountTab,
		// -v and --json show the network namespace of every process
		// outside ours, not only of those holding a socket.
		NetNS: f.verbose || f.json,
		// -k checks each process it signals against the one read.
		ProcessIDs: f.kill,
		// What the names are, for the kernel's iterators to look for:
		// asked when the scan starts, once every socket is found.
		Search: func() *fdscan.Search { return pm.search() },
	})
	f.ownNetNS = f.e.netNS
	if f.ownNetNS == 0 && err == nil {
		f.ownNetNS, _ = sc.NetNS(os.Getpid())
	}
	res := netsock.NewResolver(f.e.procRoot)
	res.Protos = f.connProtos()
	if f.hasConns() {
		f.findSockets(res)
	}
	var pids []int
	if err == nil {
		pids, err = sc.PIDs()
	}
	if err != nil {
		if len(f.sockets) == 0 && f.files.Empty() {
			return true // nothing was to be found anyway
		}
		f.out.errorf("Cannot open /proc directory: %s\n", errText(err))
		return false
	}
	// Never ourselves, nor our lookup helpers.
	skip := append([]int{f.e.self}, f.e.lookup.Helpers()...)
	pids = slices.DeleteFunc(pids, func(pid int) bool { return slices.Contains(skip, pid) })
	if f.hasConns() {
		f.findSocketsElsewhere(res, sc, pids)
	}
	if len(f.sockets) == 0 && f.files.Empty() {
		return true
	}
	if f.kill {
		f.spared = f.ancestors(sc)
	}
	if f.e.trace != nil {
		f.e.trace.linkSearch = pm.probe == fdscan.ProbeSockets
		f.e.trace.fullScan = pm.probe == fdscan.ProbeStat
	}
	if f.needUnix || f.files.WholeFS() {
		pm.unix = f.unixSockets()
	}
	f.scanner = sc
	_ = sc.Scan(pids, func(p *fdscan.Process) error {
		pm.match(p)
		return nil
	})
	sc.Close()
	if os.Getenv(fdscan.DebugEnv) != "" {
		f.out.errorf("fuser: descriptors read from %v\n", sc.Source())
	}
	f.specials()
	return true
}

func (f *fuser) hasConns() bool {
	for _, c := range f.conns {
		if len(c) > 0 {
			return true
		}
	}
	return false
}

// onlySockets reports whether every name is a PORT/tcp or PORT/udp one,
// so that only socket descriptors can match and their links say which:
// the scan then reads the link of each descriptor and nothing else.
func (f *fuser) onlySockets() bool {
	if f.files.WholeFS() {
		return false
	}
	for _, n := range f.names {
		if n.space == spaceFile && n.ok {
			return false
		}
	}
	return true
}

// search names the descriptors keep can keep, for the kernel's iterators
// to look for in the kernel: the names' files and file systems, the
// sockets of the ports, and the unix sockets bound to the names' files.
// It is nil, no search, where the socket file system's device is unknown.
func (pm *processMatcher) search() *fdscan.Search {
	f := pm.f
	if pm.netdev == ^uint64(0) || pm.netdev == 0 && (len(f.sockets) > 0 || pm.unix != nil) {
		return nil
	}
	s := &fdscan.Search{Files: f.files.IDs(), Devs: f.files.Devs()}
	for ino := range f.sockets {
		s.Files = append(s.Files, fdscan.FileID{Dev: pm.netdev, Ino: ino})
	}
	for ino, bound := range pm.unix {
		if f.files.Has(bound.Dev, bound.Ino) {
			s.Files = append(s.Files, fdscan.FileID{Dev: pm.netdev, Ino: ino})
		}
	}
	return s
}
