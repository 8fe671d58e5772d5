//go:build linux

// Command lsof lists the open files of processes, as lsof(8) does, read
// from /proc.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/openfiles/openfiles/internal/profile"
	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/join"
	"github.com/openfiles/openfiles/pkg/netsock"
	"github.com/openfiles/openfiles/pkg/pathlookup"
	"github.com/openfiles/openfiles/pkg/render"
)

// env is what a run reads from outside its arguments: where /proc and the
// passwd file are, and how to escape names. Tests point it at fixtures.
type env struct {
	trace     *trace // when set, receives counts of the work done
	watchOut  bool   // stop when standard output's reader goes away
	stderrTTY bool   // a person reads stderr: summarize what could not be inspected
	root      bool   // we run as root, which the summary's advice depends on
	procRoot  string
	kernel    fdscan.Kernel // a fixture's, in tests; nil for the running one
	source    fdscan.Source // where descriptors are read from: the environment's choice unless set
	passwd    string
	hosts     string
	services  string
	dns       bool
	esc       render.Escaper
}

// trace records how much work a run did, for tests.
type trace struct {
	netnsReads, tableFiles int
}

// uid returns the user ID of a login name or number, from the env's
// passwd file.
func (e env) uid(name string) (uint32, bool) {
	if n, err := strconv.ParseUint(name, 10, 32); err == nil {
		return uint32(n), true
	}
	for id, n := range fdscan.LoadUsers(e.passwd) {
		if n == name {
			return id, true
		}
	}
	return 0, false
}

// lookupService returns the port of a service name from the env's
// services file.
func (e env) lookupService(name, proto string) (int, bool) {
	return netsock.ServicePort(e.services, name, proto)
}

func main() {
	pathlookup.Serve()
	e := env{
		watchOut: true, stderrTTY: render.IsTerminal(2), root: os.Geteuid() == 0, procRoot: "/proc", passwd: "/etc/passwd",
		hosts: "/etc/hosts", services: "/etc/services", dns: true,
		esc: render.LocaleEscaper(),
	}
	os.Exit(profile.Run(func() int { return run(os.Args[1:], os.Stdout, os.Stderr, e) }))
}

func run(args []string, stdout, stderr io.Writer, e env) int {
	opts, err := parseArgs(args, e)
	if err != nil {
		e.esc.Fprintf(stderr, "lsof: %v\n", err)
		fmt.Fprint(stderr, shortUsage)
		return 1
	}
	for _, w := range opts.warnings {
		e.esc.Fprintf(stderr, "lsof: %s\n", w)
	}
	switch {
	case opts.help:
		fmt.Fprint(stderr, longUsage)
		return 0
	case opts.version:
		fmt.Fprint(stderr, versionText())
		return 0
	case opts.fields != nil && opts.fields.help:
		fmt.Fprint(stderr, fieldHelp())
		return 0
	}
	var sel *selection
	var sockets *netsock.Resolver // the current listing's
	holes := &render.Gaps{}
	so := fdscan.Options{
		Root: e.procRoot, Kernel: e.kernel, Source: e.source,
		// Open flags and positions of every descriptor, where the
		// output shows them.
		Fdinfo: opts.json || opts.fields != nil || opts.offset || opts.sizeAndOffset || opts.flags != render.FlagsHidden,
		// Every output copies what it needs of a file before the next
		// process: the records can be reused.
		Reuse: true,
		// Every process's namespace and cgroup, where the output shows
		// them; otherwise the namespace of those holding a socket only.
		NetNS:  opts.netns || opts.fields.has('w'),
		Cgroup: opts.container || opts.fields.has('j'),
		// The summary shows each process's limit beside its count.
		FDLimits: opts.summary,
	}
	// One mount table for the names and the first listing; an empty
	// one when it cannot be read.
	so.Mounts, _ = fdscan.ReadMounts(e.procRoot, "self")
	if opts.exempt != nil {
		if err := opts.checkExempt(so.Mounts); err != nil {
			e.esc.Fprintf(stderr, "lsof: %v\n", err)
			fmt.Fprint(stderr, shortUsage)
			return 1
		}
		so.Exempt = func(path string) bool { _, ok := opts.exemptedBy(path); return ok }
	}
	// Names are looked up where no stalled file system can hold us: in
	// a helper process, with -S's deadline, unless nothing mounted may
	// stall.
	lookup := &pathlookup.Lookup{Timeout: time.Duration(opts.statWait) * time.Second, Mounts: so.Mounts}
	files, usable, dirsOK := newFileSearch(&opts, lookup, so.Mounts, stderr, e.esc)
	lookup.Close()
	switch {
	case !dirsOK:
		fmt.Fprint(stderr, shortUsage)
		return 1
	case (opts.names != nil || opts.dirs != nil) && !usable && !opts.quiet:
		return 1
	}
	if opts.listMounts {
		if err := writeMountList(stdout, so.Mounts); err != nil {
			return 1
		}
		return 0
	}
	sel = newSelection(&opts, files)
	if opts.nfs {
		sel.nfsDevs = nfsDevices(so.Mounts)
	}
	if sel.filesOnly() && len(files.sockets) == 0 && !opts.summary && opts.endpoints == endpointsNone {
		// Only the files' descriptors are listed, of no process the
		// listing reads as a whole (a summary counts them, -E follows
		// pipes to their other ends): the kernel's source reports
		// those alone. A unix socket bound to a name is found by its
		// path in the tables, not by a device and inode.
		so.Search = func() *fdscan.Search {
			return &fdscan.Search{Files: files.wanted.IDs(), Devs: files.wanted.Devs()}
		}
	}
	// A summary counts each process once: its tasks share its files.
	so.Tasks = sel.tasks() && !opts.summary
	// The join stage: sockets with their tables (the resolver is new
	// for each listing), and the names of what is selected; -X leaves
	// TCP, UDP and raw IPv6 sockets unjoined.
	j := &join.Joiner{RawHosts: opts.json}
	if opts.skipInet {
		j.Skip, j.SkipNote = skippedByX, "-X specified"
	}
	if sel.socketsOnly() {
		so.Probe = fdscan.ProbeSockets
		if sel.socketsDecide() {
			// Decide from the links alone, against the sockets
			// selected in the tables as the scan starts (listOnce), and
			// read nothing more of processes without one.
			sel.wantSocket = func(s *netsock.Socket) bool {
				return j.Keeps(s) && sel.socketSelected(s)
			}
			so.Keep = func(p *fdscan.Process, f *fdscan.File) bool {
				if f.Err != nil {
					holes.Note(p.PID, f)
					return false
				}
				return sel.wanted(f.Inode)
			}
		}
	}
	sc, err := fdscan.New(so)
	if err != nil {
		e.esc.Fprintf(stderr, "lsof: can't open %s: %v\n", e.procRoot, err)
		return 1
	}
	defer sc.Close()
	names := netsock.NewNamer(opts.noHosts, opts.noPorts)
	names.HostsFile, names.ServicesFile = e.hosts, e.services
	if !e.dns {
		names.Timeout = 0
	}
	j.Protocols, j.Users, j.Names = sc.SocketProtocol, fdscan.LoadUsers(e.passwd), names
	out := newOutput(&opts, e, stdout)
	if opts.summary {
		out = newSummaryOutput(&opts, e, stdout, sc)
	}
	if _, table := out.(*tableOutput); table && sel.all && os.Getenv("GOGC") == "" {
		// A full listing holds its table to the end: collect more often
		// than Go's default to keep the peak memory low. The table's rows
		// hold no pointers, so a collection costs little: at 1000 x 160,
		// 50 costs 2% of the time of 100 and saves 2 MB; 25 saves 1 MB
		// more for another 3%. GOGC in the environment has the last word.
		debug.SetGCPercent(50)
	}
	var ownNetNS uint64 // our network namespace, on a live system
	if e.kernel == nil {
		ownNetNS, _ = sc.NetNS(os.Getpid())
	}
	// end says what could not be inspected, to a person or with --strict,
	// where it is also exit status 2, and returns the exit status: 1 when
	// a search item found nothing, or a listing of everything listed
	// nothing.
	end := func(listed bool) int {
		if holes.Any() && (opts.strict || e.stderrTTY) {
			holes.Report(stderr, "lsof", e.root)
		}
		if opts.verbose {
			sel.writeMisses(stdout, e.esc)
		}
		if os.Getenv(fdscan.DebugEnv) != "" {
			fmt.Fprintf(stderr, "lsof: descriptors read from %v\n", sc.Source())
		}
		switch {
		case sel.missed() || (sel.all && !listed):
			return 1
		case opts.strict && holes.Any():
			return 2
		}
		return 0
	}
	listedEver := false
	for n := 1; ; n++ {
		repeat := n > 1
		if repeat {
			sc.Refresh()
		}
		sockets = netsock.NewResolver(e.procRoot)
		j.Sockets = sockets
		sockets.Protos, sockets.Own, sockets.UnixPeers = sel.socketProtos(), ownNetNS, opts.endpoints != endpointsNone
		if opts.endpoints != 0 {
			if sel.ends, err = scanEndpoints(so, lookup.Helpers(), opts.cmdWidth); err != nil {
				e.esc.Fprintf(stderr, "lsof: can't read %s: %v\n", e.procRoot, err)
				return 1
			}
		}
		if opts.endpoints == endpointsListed {
			// What the listing holds, from a listing of its own: the
			// other ends are listed too, wherever they are.
			sel.endsListed = nil
			collected := &endCollector{ends: newEndSet()}
			// The same tables serve both listings: the sockets-only Keep
			// looks them up.
			// Nothing of it is shown: nothing needs a name.
			unnamed := *j
			unnamed.Users, unnamed.Names = nil, nil
			if _, err := listOnce(sc, sel, collected, &unnamed, &render.Gaps{}, lookup.Helpers(), e); err != nil {
				e.esc.Fprintf(stderr, "lsof: %v\n", err)
				return 1
			}
			sel.endsListed = collected.ends
			sc.Refresh()
		}
		listed, err := listOnce(sc, sel, out, j, holes, lookup.Helpers(), e)
		if err != nil {
			if errors.Is(err, syscall.EPIPE) {
				return 1
			}
			e.esc.Fprintf(stderr, "lsof: %v\n", err)
			return 1
		}
		listedEver = listedEver || listed > 0
		r := opts.repeat
		if r == nil || r.interval == 0 {
			status := end(listed > 0)
			if r != nil && r.untilEmpty && status == 0 {
				status = 1 // as lsof exits after +r0, whatever it listed
			}
			return status
		}
		if r.untilEmpty && listed == 0 {
			if listedEver {
				return 0
			}
			return 1
		}
		if err := out.marker(r.marker(time.Now())); err != nil {
			return 1
		}
		time.Sleep(r.interval)
		if n == r.count {
			return end(listedEver)
		}
	}
}

// listOnce scans and writes one listing, returning how many files it
// listed. The processes in skip, our lookup helpers, are not listed.
func listOnce(sc *fdscan.Scanner, sel *selection, out output, j *join.Joiner, holes *render.Gaps, skip []int, e env) (int, error) {
	sockets := j.Sockets
	pids := sel.scanPIDs()
	if sel.endsListed != nil {
		pids = nil // +E: the ends may be in any process
	}
	if pids == nil && sockets.Own != 0 && (sel.all || sel.socketsOnly()) {
		// Most sockets are in our own network namespace: read its tables
		// while the scan starts, not when it meets the first socket.
		sockets.Prefetch(sockets.Own, os.Getpid())
	}
	if pids == nil {
		var err error
		if pids, err = sc.PIDs(); err != nil {
			return 0, fmt.Errorf("can't read %s: %w", e.procRoot, err)
		}
	}
	if len(skip) > 0 {
		pids = slices.DeleteFunc(slices.Clone(pids), func(pid int) bool { return slices.Contains(skip, pid) })
	}
	if sel.wantSocket != nil {
		sel.wanted = join.WantedSockets(sc, sockets, pids, sel.wantSocket)
	}
	watch := newStdoutWatch(e.watchOut)
	// One socket and one entry for the whole scan: outputs copy what
	// they need, and an entry made per file would be garbage per file.
	var s netsock.Socket
	var en join.Entry
	err := sc.Scan(pids, func(p *fdscan.Process) error {
		if watch.gone() {
			return syscall.EPIPE // nobody reads the listing any more
		}
		sel.process(p)
		if sel.excluded && sel.endsListed == nil {
			return nil
		}
		for i := range p.Files {
			f := &p.Files[i]
			holes.Note(p.PID, f)
			en = j.Join(p, f, &s)
			if sel.ends != nil {
				switch sock := en.Socket; {
				case sock == nil:
					en.Endpoints = sel.ends.fileEnds(p.PID, f)
				case sock.Proto == netsock.ProtoUnix:
					en.Endpoints = sel.ends.unixEnds(sock)
				case sock.Proto.Inet():
					sock.Peer = sel.ends.inetPeer(p.NetNS, sockets.Tables(p.NetNS, p.PID), sock)
					if sock.Peer != 0 {
						en.Endpoints = sel.ends.inetEnds(sock.Peer)
					}
				}
			}
			if f.Exempt {
				ex, _ := sel.o.exemptedBy(f.Link)
				en.Note = string(ex.sign) + "e " + ex.path
			}
			ok, name := false, ""
			if !sel.excluded {
				ok, name = sel.file(p, f, en.Socket)
			}
			if !ok && sel.endsListed != nil && sel.endsListed.has(f, en.Socket) {
				ok = true // +E: an end of a file listed
			}
			if !ok {
				continue
			}
			if name != "" {
				named := *f
				named.Link, named.PathInode = name, 0
				en.File = &named
			}
			j.Name(&en)
			if err := out.add(&en); err != nil {
				return err
			}
		}
		return nil
	})
	if sel.wanted != nil {
		sel.wanted(0) // the tables are read: nothing reads on past the listing
	}
	if e.trace != nil {
		e.trace.netnsReads, e.trace.tableFiles = sockets.Counts()
	}
	listed, ferr := out.finish()
	if err == nil {
		err = ferr
	}
	return listed, err
}
