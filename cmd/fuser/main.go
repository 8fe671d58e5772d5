//go:build linux

// Command fuser shows which processes use the named files, file systems
// or sockets, and can signal them, as psmisc's fuser 23.6 does: the PIDs
// on standard output, the names and access letters on standard error,
// with psmisc's options, messages and exit statuses.
//
// Unlike psmisc it signals through a pidfd opened before the process
// was read, so that a PID reused after the scan is never hit; it never
// signals the processes it runs under; it refuses -k -m on a name that
// is not a mount point unless --widen says so; it finds sockets in
// every network namespace; and it has --dry-run and --json. For names
// that are only ports it reads descriptor links alone.
package main

import (
	"bufio"
	"io"
	"os"

	"github.com/openfiles/openfiles/internal/profile"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/pathlookup"
	"github.com/openfiles/openfiles/pkg/render"
)

// env is what a run reads from outside its arguments. Tests point it at
// fixture trees and give it their own input.
type env struct {
	procRoot string // processes: /proc
	netDir   string // socket tables of our own network namespace: /proc/net
	// ownNetDir says netDir is the running system's, whose unix sockets
	// sock_diag can confirm.
	ownNetDir bool
	mounts    string // our mount namespace's mountinfo: /proc/self/mountinfo
	// mountTab is the table read from mounts already, or nil.
	mountTab *fdscan.Mounts
	swaps    string // /proc/swaps
	exports  string // /proc/fs/nfs/exports
	passwd   string
	services string
	argv0    string // the name fuser was called by, for its messages
	// stderrTTY says a person reads stderr: the "Cannot stat file" line
	// psmisc prints for each unreadable descriptor becomes one summary.
	stderrTTY bool
	root      bool // we run as root, which the summary's advice depends on
	self      int  // our PID, which is neither listed nor signalled
	// parent is our parent's PID: it and its ancestors are never
	// signalled. 0 spares none.
	parent int
	stdin  io.Reader

	// lookup resolves the names: stat, readlink and the working
	// directory. Its helpers are neither listed nor signalled.
	lookup *pathlookup.Lookup
	kernel fdscan.Kernel // a fixture proc tree's, in tests; nil for the running one
	source fdscan.Source // where descriptors are read from: the environment's choice unless set
	// netDev is the device of socket inodes; 0 asks the kernel.
	netDev uint64
	// netNS is the inode of our own network namespace, whose tables are
	// in netDir; 0 reads it from our process's ns/net link.
	netNS uint64
	// workers bounds the processes scanned at once; 0 is one per CPU.
	workers int
	trace   *trace // when set, receives what the run did
}

// trace records how a run searched, for tests.
type trace struct {
	linkSearch bool // descriptors were matched by their link text alone
	fullScan   bool // processes were read by pkg/fdscan
	// netnsTables and tableFiles count the network namespaces whose
	// socket tables were read, ours included, and their table files.
	netnsTables, tableFiles int
}

func main() {
	pathlookup.Serve()
	e := env{
		procRoot: "/proc", netDir: "/proc/net", ownNetDir: true, mounts: "/proc/self/mountinfo",
		swaps: "/proc/swaps", exports: "/proc/fs/nfs/exports",
		passwd: "/etc/passwd", services: "/etc/services",
		argv0: os.Args[0], self: os.Getpid(), parent: os.Getppid(), stdin: os.Stdin,
		stderrTTY: render.IsTerminal(2), root: os.Geteuid() == 0,
	}
	if m, err := fdscan.ReadMounts(e.procRoot, "self"); err == nil {
		e.mountTab = m
	}
	e.lookup = &pathlookup.Lookup{Mounts: e.mountTab}
	code := profile.Run(func() int { return run(os.Args[1:], os.Stdout, os.Stderr, e) })
	e.lookup.Close()
	os.Exit(code)
}

// run is one fuser command: it parses args, finds the processes, prints
// them and signals them, and returns the exit status.
func run(args []string, stdout, stderr io.Writer, e env) int {
	out := newStreams(stdout, stderr)
	code := runOn(out, args, e)
	if err := out.flush(); err != nil {
		// What was not written was not said: say so, as lsof does.
		out.esc.Fprintf(stderr, "%s: write error: %s\n", e.argv0, errText(err))
		return 1
	}
	return code
}

// runOn is run, writing to out.
func runOn(out *streams, args []string, e env) int {
	f := &fuser{e: e, out: out, sig: 9}
	f.uninspected.Others = true
	if code, done := f.parseArgs(args); done {
		return code
	}
	if f.refuseWidening() {
		return 1
	}
	if !f.search() || f.refuseBindMount() {
		return 1
	}
	code := f.report()
	f.uninspected.Report(f.out.err(), f.e.argv0, f.e.root)
	return code
}

// streams writes standard output and standard error in the order the
// writes were made, as psmisc's flush of stdout after each PID keeps
// them on a terminal, with few system calls: a stream's buffer is
// flushed before the other is written to.
type streams struct {
	stdout, stderr *bufio.Writer
	last           *bufio.Writer
	esc            render.Escaper
}

func newStreams(stdout, stderr io.Writer) *streams {
	return &streams{stdout: bufio.NewWriter(stdout), stderr: bufio.NewWriter(stderr), esc: render.LocaleEscaper()}
}

func (s *streams) to(w *bufio.Writer) *bufio.Writer {
	if s.last != nil && s.last != w {
		s.last.Flush()
	}
	s.last = w
	return w
}

// out and err return the writer for standard output or error.
func (s *streams) out() *bufio.Writer { return s.to(s.stdout) }
func (s *streams) err() *bufio.Writer { return s.to(s.stderr) }

// Out and Err are out and err for render.FuserLayout.
func (s *streams) Out() io.Writer { return s.out() }
func (s *streams) Err() io.Writer { return s.err() }

// errorf writes a message to standard error, with its string and error
// arguments (names the user gave, paths read from /proc) escaped as
// lsof escapes names.
func (s *streams) errorf(format string, a ...any) {
	s.esc.Fprintf(s.err(), format, a...)
}

// flush writes out what is buffered, and returns the first error of
// either stream, from any write so far.
func (s *streams) flush() error {
	err := s.stdout.Flush()
	if e := s.stderr.Flush(); err == nil {
		err = e
	}
	return err
}
