//go:build linux

package fdscan

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
)

// Source is where a Scanner reads processes' descriptors from. Working
// and root directories, program text, mappings and threads with their
// own descriptor tables come from proc either way.
type Source uint8

// Sources.
const (
	// SourceAuto uses the kernel's iterators for a scan of many
	// processes when they load, and proc otherwise.
	// $OPENFILES_SOURCE=proc makes it use proc always, and
	// $OPENFILES_SOURCE=kernel the kernel's for every scan they can
	// serve (a live one, when they load), however narrow.
	SourceAuto Source = iota
	// SourceProc reads each process's fd directory, a link and a stat
	// (and at times an fdinfo file) per descriptor.
	SourceProc
	// SourceKernel walks the kernel's tables once a scan with a BPF
	// iterator (package kiter): no system call per descriptor, and no
	// file system asked anything. It needs root, or CAP_BPF with
	// CAP_PERFMON, and Linux 5.12 or later with BTF.
	SourceKernel
)

func (s Source) String() string {
	switch s {
	case SourceProc:
		return "proc"
	case SourceKernel:
		return "kernel"
	}
	return "auto"
}

// SourceEnv is the environment variable that chooses the source for
// SourceAuto: "proc", "kernel" or "auto".
const SourceEnv = "OPENFILES_SOURCE"

// DebugEnv, set to anything, makes the commands say on stderr which
// source their scan read from.
const DebugEnv = "OPENFILES_DEBUG"

// sourceFromEnv is the source $OPENFILES_SOURCE asks for.
func sourceFromEnv() (Source, error) {
	switch v := os.Getenv(SourceEnv); v {
	case "", "auto":
		return SourceAuto, nil
	case "proc":
		return SourceProc, nil
	case "kernel":
		return SourceKernel, nil
	default:
		return SourceAuto, fmt.Errorf("%s=%q: want proc, kernel or auto", SourceEnv, v)
	}
}

// wideScan is the fewest processes SourceAuto reads from the kernel:
// loading the program costs about 45 ms, and reading fewer processes'
// descriptors from proc costs less than that.
const wideScan = 64

// walkAhead is how many records the walk holds for the workers at most:
// some 2 MB, a hundred processes of 160 descriptors.
const walkAhead = 16 << 10

// kernelState is the iterator a Scanner loaded, once, on its first scan
// that wanted it.
type kernelState struct {
	once sync.Once
	it   *kiter.Iter
	err  error
}

// load loads the iterator, the one reporting only what searchFor names
// when it is set, or returns why it cannot be.
func (k *kernelState) load(searchFor func() *Search) (*kiter.Iter, error) {
	k.once.Do(func() {
		var search *Search
		if searchFor != nil {
			search = searchFor()
		}
		if search == nil {
			k.it, k.err = kiter.Open()
			return
		}
		ks := kiter.Search{Devs: search.Devs}
		for _, id := range search.Files {
			ks.Files = append(ks.Files, kiter.FileID{Dev: id.Dev, Ino: id.Ino})
		}
		k.it, k.err = kiter.OpenWanted(ks)
	})
	return k.it, k.err
}

// Search names the descriptors a scan looks for (Options.Search): files
// by device and inode, and every file of file systems by device.
type Search struct {
	Files []FileID
	Devs  []uint64
}

// FileID names a file as stat does: st_dev and st_ino.
type FileID struct {
	Dev, Ino uint64
}

// kernelAllowed reports whether the kernel's PIDs and paths are the
// ones proc at root shows: the running kernel's proc of our own PID
// namespace, not a fixture.
func kernelAllowed(root string, k Kernel) bool {
	if _, live := k.(liveKernel); !live {
		return false
	}
	self, err := os.Readlink(root + "/self")
	return err == nil && self == strconv.Itoa(os.Getpid())
}

// walkFor returns the kernel walk a scan of pids uses, started, or nil
// when the scan reads proc. It fails only where SourceKernel was asked
// for and cannot serve.
func (s *Scanner) walkFor(pids []int) (*kernelWalk, error) {
	s.used = SourceProc
	if s.source == SourceProc || s.source == SourceAuto && len(pids) < wideScan && !s.narrowToo {
		return nil, nil
	}
	it, err := s.iter.load(s.search)
	if err != nil {
		if s.source == SourceKernel {
			return nil, err
		}
		return nil, nil
	}
	s.used = SourceKernel
	return startWalk(it, pids, walkAhead), nil
}

// Source reports where the last Scan read descriptors from: SourceProc
// or SourceKernel.
func (s *Scanner) Source() Source { return s.used }

// Close releases what the Scanner holds: the kernel iterator it loaded.
func (s *Scanner) Close() error {
	if s.iter.it != nil {
		return s.iter.it.Close()
	}
	return nil
}

// kernelWalk is one walk of the kernel's tables, running beside a
// scan's workers. It groups the records by process, in PID order as the
// kernel gives them, and hands each process's to the worker that reads
// the process; it runs no more than a bounded number of processes
// ahead of them.
type kernelWalk struct {
	// start is when the walk started, in clock ticks after boot as
	// stat's starttime: a process started since may have been passed
	// over, and its descriptors are read from proc.
	start uint64
	limit int // the most records held at once, beyond one process's
	want  []int

	// spare holds record slices the workers are done with, for the
	// walk to fill again: a listing's records are allocated once.
	spare chan []kiter.Record

	mu      sync.Mutex
	cond    sync.Cond
	batches map[int][]kiter.Record
	held    int  // the records in batches
	walked  int  // every process up to this PID has its records, if any, in batches
	done    bool // the walk ended, cleanly or not
	stop    bool // the scan ended: the walk is to stop
	exited  chan struct{}
}

// errWalkStopped stops a walk whose scan ended.
var errWalkStopped = errors.New("walk stopped")

func startWalk(it *kiter.Iter, pids []int, limit int) *kernelWalk {
	if !slices.IsSorted(pids) {
		// Workers take processes in the order of pids, and the walk
		// runs in PID order: it must not wait for them.
		limit = math.MaxInt
	}
	w := &kernelWalk{start: bootTicks(), limit: limit, batches: map[int][]kiter.Record{}, walked: -1,
		want: slices.Sorted(slices.Values(pids)), exited: make(chan struct{}), spare: make(chan []kiter.Record, 256)}
	w.cond.L = &w.mu
	go w.run(it)
	return w
}

// bootTicks is the time since boot in clock ticks (USER_HZ, 100 a
// second), as stat's starttime counts.
func bootTicks() uint64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts) != nil {
		return 0
	}
	return uint64(ts.Sec)*100 + uint64(ts.Nsec)/10_000_000
}

func (w *kernelWalk) run(it *kiter.Iter) {
	defer close(w.exited)
	var batch []kiter.Record
	pid := -1
	err := it.Files(func(r kiter.Record) error {
		if r.PID != pid {
			if r.PID < pid {
				return fmt.Errorf("kiter: PID %d after %d", r.PID, pid)
			}
			if err := w.finish(pid, batch, r.PID-1); err != nil {
				return err
			}
			pid, batch = r.PID, nil
			select {
			case batch = <-w.spare:
			default:
			}
		}
		if _, wanted := slices.BinarySearch(w.want, pid); wanted {
			batch = append(batch, r)
		}
		return nil
	})
	if err == nil {
		// The last process's records are complete too. The walk ends
		// either way: the error says only that the scan stopped it.
		_ = w.finish(pid, batch, math.MaxInt)
	}
	// A walk that failed leaves its last process without records: it
	// is read from proc, as are those the walk did not reach.
	w.mu.Lock()
	w.done = true
	w.cond.Broadcast()
	w.mu.Unlock()
}

// finish hands over the records of process pid and says that every
// process up to walked has its own, then waits while too many are held.
func (w *kernelWalk) finish(pid int, batch []kiter.Record, walked int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(batch) > 0 {
		w.batches[pid] = batch
		w.held += len(batch)
	}
	w.walked = walked
	w.cond.Broadcast()
	for w.held > w.limit && len(w.batches) > 1 && !w.stop {
		w.cond.Wait()
	}
	if w.stop {
		return errWalkStopped
	}
	return nil
}

// take returns the records of process pid once the walk has passed it:
// none where it had no descriptor (or none a search wants), or started
// after the walk passed. It reports false where the walk failed before
// it, and proc is to be read instead.
func (w *kernelWalk) take(pid int) ([]kiter.Record, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for !w.done && w.walked < pid {
		w.cond.Wait()
	}
	b, ok := w.batches[pid]
	if ok {
		delete(w.batches, pid)
		w.held -= len(b)
		w.cond.Broadcast()
	}
	return b, ok || w.walked >= pid
}

// giveBack makes the records of a process, once read, the walk's to
// fill again.
func (w *kernelWalk) giveBack(recs []kiter.Record) {
	if cap(recs) == 0 {
		return
	}
	clear(recs)
	select {
	case w.spare <- recs[:0]:
	default:
	}
}

// end stops the walk, if it is still going, and waits for it.
func (w *kernelWalk) end() {
	w.mu.Lock()
	w.stop = true
	w.cond.Broadcast()
	w.mu.Unlock()
	<-w.exited
}
