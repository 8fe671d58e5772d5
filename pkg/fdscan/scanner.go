//go:build linux

package fdscan

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Options configure a Scanner. The zero value scans /proc with one worker
// per CPU.
type Options struct {
	Root    string // proc root; "/proc" when empty
	Workers int    // processes scanned at once; runtime.NumCPU() when 0
	// Kernel answers what the files under Root cannot: stats, links,
	// kcmp. The running kernel when nil; package fdscantest gives one
	// for a fixture tree.
	Kernel Kernel
	// Tasks lists each task (thread) of a process after it, with all of
	// its files, as lsof does in a listing with no selection.
	Tasks bool
	// Probe says how much of each entry is read before Keep decides on
	// it; ProbeFull by default.
	Probe Probe
	// Keep, when set with a probe, decides on each entry after it: on
	// the link text (and socket inode) with ProbeSockets, on the link
	// text with ProbeLinks, on the stat
	// with ProbeStat (a mapped file's, as the maps give it, on its
	// device and inode alone: its path is found once kept); also on entries that could not be read (Err set),
	// which lsof and fuser report differently. A rejected entry is
	// dropped before any further
	// system call, and a process none of whose entries is kept is not
	// reported at all: not even its status is read. Keep is called from
	// several goroutines at once.
	Keep func(p *Process, f *File) bool
	// Fdinfo reads every descriptor's fdinfo (open flags, mount ID,
	// position). Without it, fdinfo is read only where the listing needs
	// it: devices other than /dev/null (their offset) and anonymous
	// inodes (their details);
	// regular files, directories, pipes and sockets take their access
	// mode from the link's permissions, and pipes and sockets, whose
	// offset is always 0, need no position.
	Fdinfo bool
	// Exempt, when set, names the files the scanner must not stat, by
	// their path (lsof's -e: a file system that may block): their
	// entries have Exempt set and only what their links and the maps
	// say. It is called from several goroutines at once.
	Exempt func(path string) bool
	// Reuse lets Scan reuse the Files of a process, once fn has returned
	// for it, for a process read later: a long listing then allocates
	// its records once rather than for every process. fn must not keep
	// p.Files, or pointers into it, after it returns.
	Reuse bool
	// Mounts is the mount table of our own mount namespace, when the
	// caller has read it already: the first Scan uses it rather than
	// read it again. Later scans read their own.
	Mounts *Mounts
	// NetNS reads the network namespace of every process, not only of
	// those holding a socket (Process.NetNS).
	NetNS bool
	// Cgroup reads every process's cgroup file (Process.Cgroup).
	Cgroup bool
	// ProcessIDs pins each process's identity (Process.ProcessID) with
	// a pidfd opened before its directory is read: what a command that
	// signals later checks the process against.
	ProcessIDs bool
	// FDLimits reads every process's limit on open descriptors from
	// its limits file (Process.FDLimit).
	FDLimits bool
	// Source is where descriptors are read from (source.go). With
	// SourceAuto, the kernel's iterators serve a live scan of many
	// processes when they load, and proc the rest, silently;
	// $OPENFILES_SOURCE can force either. SourceKernel makes New fail
	// when they cannot be loaded (with a Search, the first Scan).
	Source Source
	// Search, when set, names every descriptor Keep may keep: the
	// kernel's source then gets from the kernel only those, and the
	// files whose stat may show another device or inode than the
	// kernel's, or fail (those not on a kiter.Plain file system), which
	// it stats; a search costs a walk of the kernel's tables, not a
	// record per descriptor. Keep decides on each still.
	// It leaves out no working or root directory, program or mapping.
	// It is called once, when the first scan from the kernel starts, so
	// that what is searched for may be found with the scanner's help.
	Search func() *Search
}

// Probe is how much the scanner reads of an entry before Options.Keep
// decides on it.
type Probe uint8

// Probes.
const (
	// ProbeFull reads every entry in full.
	ProbeFull Probe = iota
	// ProbeSockets reads only socket descriptors, and of them the link
	// text first (Keep sees Link, Inode and the process's NetNS): no
	// cwd, root, program text or mapped files.
	ProbeSockets
	// ProbeLinks reads only descriptors, and of them the link text
	// first (Keep sees Link): no cwd, root, program text or mapped
	// files.
	ProbeLinks
	// ProbeStat stats every entry first (Keep sees Dev, Inode, Rdev,
	// Type and Size; mapped files the device and inode of the maps) and
	// reads the rest only of kept entries.
	ProbeStat
)

// Scanner reads processes and their open files from a proc root. It is safe
// for one Scan at a time.
type Scanner struct {
	root    string
	workers int
	kernel  Kernel
	tasks   bool
	probe   Probe
	keep    func(*Process, *File) bool
	fdinfo  bool
	// netNSAll, cgroup, fdLimits and processIDs are Options.NetNS,
	// .Cgroup, .FDLimits and .ProcessIDs.
	netNSAll, cgroup, fdLimits, processIDs bool
	exempt                                 func(path string) bool
	// spare holds Files slices given back after delivery, with
	// Options.Reuse; nil without it.
	spare chan []File

	pseudoDevs pseudoDevs

	// source is the one asked for, SourceProc where the kernel's cannot
	// serve; used is the one the last Scan read from; iter is the
	// kernel iterator, loaded on first use.
	source, used Source
	iter         kernelState
	narrowToo    bool // SourceAuto uses the kernel's for any scan
	search       func() *Search

	// cur is what the scanner knows of the machine for one listing.
	cur *listingState
}

// listingState is what holds for one listing, read again for each: a
// mount that answers again, a lock taken since, are then seen.
type listingState struct {
	mounts *Mounts // of our own mount namespace

	locksOnce sync.Once
	locks     map[lockKey]byte

	// netNS holds what Scanner.NetNS read, by PID (0 for a link it
	// could not read): a scan takes it from there rather than read the
	// link again.
	netNS sync.Map
}

func (s *Scanner) newListing(mounts *Mounts) {
	if mounts == nil {
		// An empty table when it cannot be read.
		mounts, _ = ReadMounts(s.root, "self")
	}
	s.cur = &listingState{mounts: mounts}
}

// Refresh starts a new listing: what the scanner knows of the machine
// beyond the processes, their mounts and locks, is read again when next
// needed. A repeating listing calls it before each repeat.
func (s *Scanner) Refresh() { s.newListing(nil) }

// listing returns the current listing's state.
func (s *Scanner) listing() *listingState { return s.cur }

// Mounts returns the mount table of our own mount namespace, as read for
// the current listing.
func (s *Scanner) Mounts() *Mounts { return s.cur.mounts }

// New returns a Scanner for the proc root in opts. It fails when the root
// cannot be opened as a proc file system.
func New(opts Options) (*Scanner, error) {
	root := opts.Root
	if root == "" {
		root = "/proc"
	}
	if st, err := os.Stat(root); err != nil {
		return nil, err
	} else if !st.IsDir() {
		return nil, &os.PathError{Op: "open", Path: root, Err: unix.ENOTDIR}
	}
	w := opts.Workers
	if w <= 0 {
		w = runtime.NumCPU()
	}
	k := opts.Kernel
	if k == nil {
		k = liveKernel{}
	}
	s := &Scanner{root: root, workers: w, kernel: k, tasks: opts.Tasks, probe: opts.Probe, keep: opts.Keep, fdinfo: opts.Fdinfo,
		netNSAll: opts.NetNS, cgroup: opts.Cgroup, fdLimits: opts.FDLimits, processIDs: opts.ProcessIDs, exempt: opts.Exempt,
		source: opts.Source, used: SourceProc, search: opts.Search}
	if s.source == SourceAuto {
		env, err := sourceFromEnv()
		if err != nil {
			return nil, err
		}
		// The environment's "kernel" makes every scan the kernel's can
		// serve read from it, however few processes it reads; where it
		// cannot, proc serves as with SourceAuto.
		s.narrowToo = env == SourceKernel
		if env == SourceProc {
			s.source = SourceProc
		}
	}
	if !kernelAllowed(root, k) {
		if s.source == SourceKernel {
			return nil, fmt.Errorf("%s: the kernel's iterators read the running kernel's processes, in our own PID namespace", root)
		}
		s.source = SourceProc
	}
	if s.source == SourceKernel && s.search == nil {
		// With a search, the first scan loads it, and fails if it
		// cannot.
		if _, err := s.iter.load(s.kernel, nil); err != nil {
			return nil, err
		}
	}
	s.newListing(opts.Mounts)
	if opts.Reuse {
		// Enough for every process in flight: the window, and one
		// being read by each worker.
		s.spare = make(chan []File, 5*w+1)
	}
	return s, nil
}

// files returns an empty Files slice for a process to fill: a given-back
// one when there is any.
func (s *Scanner) files() []File {
	select {
	case f := <-s.spare:
		return f
	default:
		return nil
	}
}

// giveBack makes the Files of the processes in list, those they do not
// share with another, available again, with Options.Reuse.
func (s *Scanner) giveBack(list []*Process) {
	if s.spare == nil {
		return
	}
	for _, p := range list {
		if !p.ownFiles || cap(p.Files) == 0 {
			continue
		}
		// Let go of what the entries point to: those in use, and the one
		// past them, where a descriptor dropped while it was read may
		// have been. Beyond, the slice is still clear from before.
		f := p.Files[:min(len(p.Files)+1, cap(p.Files))]
		clear(f)
		select {
		case s.spare <- f[:0]:
		default:
		}
	}
}

// PIDs returns the IDs of all processes under the proc root, in ascending
// order.
//
// It reads the directory with getdents, as the scanner reads descriptor
// directories: measured with 1,076 processes (BenchmarkPIDs), 0.80 ms,
// 25 KB and 10 allocations against 1.07 ms, 198 KB and 1,255 for
// prometheus/procfs's AllProcs, which makes a Proc of each entry.
func (s *Scanner) PIDs() ([]int, error) {
	fd, err := unix.Open(s.root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: s.root, Err: err}
	}
	defer unix.Close(fd)
	r := &reader{s: s, ents: make([]byte, 16<<10)}
	return r.numbers(fd, nil), nil
}

// Scan inspects the processes in pids and calls fn with each, in the order
// of pids; with Options.Tasks, each process is followed by its other tasks
// in the order of their IDs. Processes are read in parallel, a bounded
// number ahead of the one being delivered, and fn is called by the
// scan's own goroutines, one call at a time. A process that does not
// exist, or exits while it is read, is skipped. Scan stops at the first
// error fn returns and returns it.
func (s *Scanner) Scan(pids []int, fn func(*Process) error) error {
	if len(pids) == 0 {
		return nil
	}
	workers := min(s.workers, len(pids))
	walks, err := s.walkFor(pids)
	if err != nil {
		return err
	}
	defer walks.end()
	// A worker takes a credit before it claims the next process, and
	// one is given back for each process delivered: workers run no more
	// than window ahead of delivery, so memory stays bounded however
	// many processes there are.
	window := 4 * workers
	d := &delivery{s: s, fn: fn, lists: make([][]*Process, len(pids)), ready: make([]bool, len(pids)),
		credit: make(chan struct{}, window), done: make(chan struct{})}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newReader(s)
			r.walk, r.mapsWalk, r.tasks = walks.files, walks.maps, walks.tasks
			for {
				select {
				case d.credit <- struct{}{}:
				case <-d.done:
					return
				}
				i := int(next.Add(1) - 1)
				if i >= len(pids) {
					return
				}
				d.put(i, r.process(pids[i]))
			}
		}()
	}
	wg.Wait()
	return d.err
}

// delivery hands the processes read to fn in order. Whichever worker
// finds the next process due ready delivers it, and every one after it
// that is ready too, while the others read on: no goroutine waits to be
// woken for each process.
type delivery struct {
	s      *Scanner
	fn     func(*Process) error
	credit chan struct{}
	done   chan struct{} // closed when fn fails: the workers stop

	mu         sync.Mutex
	lists      [][]*Process // what each process read to, until delivered
	ready      []bool
	next       int  // the index due next
	delivering bool // a worker is delivering: others only leave theirs
	err        error
}

// put leaves what process i read to, and delivers what is due if no other
// worker is at it.
func (d *delivery) put(i int, list []*Process) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lists[i], d.ready[i] = list, true
	if d.delivering {
		return
	}
	d.delivering = true
	for d.err == nil && d.next < len(d.ready) && d.ready[d.next] {
		list := d.lists[d.next]
		d.lists[d.next] = nil
		d.next++
		d.mu.Unlock()
		err := d.deliver(list)
		<-d.credit
		d.mu.Lock()
		if err != nil {
			d.err = err
			close(d.done)
		}
	}
	d.delivering = false
}

// deliver calls fn with the processes of one entry of pids, then gives
// their Files back (Options.Reuse).
func (d *delivery) deliver(list []*Process) error {
	defer d.s.giveBack(list)
	for _, p := range list {
		if err := d.fn(p); err != nil {
			return err
		}
	}
	return nil
}

// vanished reports whether err means the process or entry went away.
func vanished(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, errESRCH)
}
