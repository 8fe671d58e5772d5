//go:build linux

package fdscan

import (
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/openfiles/openfiles/pkg/fdscan/kiter"
)

// Source is where a Scanner reads processes' descriptors from (and
// those of threads with a descriptor table of their own), and, for a
// scan that reads them (ProbeFull, ProbeStat), their mappings. The paths
// of working and root directories and program text come from proc
// either way; with SourceKernel their stats, and a process's network
// namespace, come from the kernel's walk of processes.
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
// some 450 KB, 25 processes of 160 descriptors. The workers are the
// slower: more only waits longer in memory.
const walkAhead = 4 << 10

// mapsAhead is how many mappings the walk of them holds for the workers
// at most: a few hundred processes' files.
const mapsAhead = 8 << 10

// kernelState is the kernel's tables a Scanner opened, once, on its
// first scan that wanted them.
type kernelState struct {
	once  sync.Once
	table FileTable
	err   error
}

// load opens k's tables, the ones reporting only what searchFor names
// when it is set, or returns why they cannot be.
func (ks *kernelState) load(k Kernel, searchFor func() *Search) (FileTable, error) {
	ks.once.Do(func() {
		var search *Search
		if searchFor != nil {
			search = searchFor()
		}
		ks.table, ks.err = k.OpenFiles(search)
	})
	return ks.table, ks.err
}

// Search names the descriptors a scan looks for (Options.Search): files
// by device and inode, and every file of file systems by device. It is
// what the kernel's iterator filters by.
type Search = kiter.Search

// FileID names a file as stat does: st_dev and st_ino.
type FileID = kiter.FileID

// kernelAllowed reports whether the kernel's PIDs and paths are the
// ones proc at root shows: for the running kernel, its proc of our own
// PID namespace. A fixture's Kernel has its tables made from its tree.
func kernelAllowed(root string, k Kernel) bool {
	if _, live := k.(liveKernel); !live {
		return true
	}
	self, err := os.Readlink(root + "/self")
	return err == nil && self == strconv.Itoa(os.Getpid())
}

// kernelWalks are the kernel walks a scan reads beside proc.
type kernelWalks struct {
	files *kiter.Walk[kiter.Record]
	// maps, of the mappings, is nil where the scan does not read them
	// (a probe but ProbeFull or ProbeStat).
	maps *mapsWalk
	// tasks, of the processes' directories, program files and network
	// namespaces, is nil where the scan uses none of them (ProbeLinks).
	tasks *kiter.TaskWalk
}

// walkFor returns the kernel walks a scan of pids uses, started, or
// none (the zero kernelWalks) when the scan reads proc. It fails only
// where SourceKernel was asked for and cannot serve.
func (s *Scanner) walkFor(pids []int) (kernelWalks, error) {
	s.used = SourceProc
	if s.source == SourceProc || s.source == SourceAuto && len(pids) < wideScan && !s.narrowToo {
		return kernelWalks{}, nil
	}
	t, err := s.iter.load(s.kernel, s.search)
	if err != nil {
		if s.source == SourceKernel {
			return kernelWalks{}, err
		}
		return kernelWalks{}, nil
	}
	s.used = SourceKernel
	var w kernelWalks
	if s.probe != ProbeLinks {
		w.tasks = kiter.StartTaskWalk(t)
	}
	if s.probe == ProbeFull || s.probe == ProbeStat {
		w.maps = &mapsWalk{walk: kiter.StartMapsWalk(t, pids, mapsAhead)}
	}
	w.files = kiter.StartWalk(t, pids, walkAhead)
	return w, nil
}

// end stops the walks that are still going.
func (w kernelWalks) end() {
	if w.files != nil {
		w.files.End()
	}
	if w.maps != nil {
		w.maps.walk.End()
	}
}

// Source reports where the last Scan read descriptors from: SourceProc
// or SourceKernel.
func (s *Scanner) Source() Source { return s.used }

// Close releases what the Scanner holds: the kernel's tables it opened
// (the iterator it loaded).
func (s *Scanner) Close() error {
	if s.iter.table != nil {
		return s.iter.table.Close()
	}
	return nil
}
