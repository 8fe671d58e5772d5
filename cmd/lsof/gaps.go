package main

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"golang.org/x/sys/unix"
)

// gaps counts the processes a listing could not fully inspect, by why,
// for one summary line each instead of silence (lsof) or a line per
// descriptor (fuser).
type gaps struct {
	mu     sync.Mutex
	denied map[int]bool // permission
	// unlooked are the processes with a mapped file left unstat'ed: its
	// path runs through a mount that may stall (fdscan.ErrNotLookedUp).
	unlooked map[int]bool
}

// note records entry f of process pid if it could not be inspected. It
// is safe for concurrent use.
func (g *gaps) note(pid int, f *fdscan.File) {
	if f.Err == nil {
		return
	}
	var set *map[int]bool
	switch {
	case errors.Is(f.Err, unix.EACCES) || errors.Is(f.Err, unix.EPERM):
		set = &g.denied
	case errors.Is(f.Err, fdscan.ErrNotLookedUp):
		set = &g.unlooked
	default:
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if *set == nil {
		*set = map[int]bool{}
	}
	(*set)[pid] = true
}

// any reports whether some process was not fully inspected.
func (g *gaps) any() bool { return len(g.denied)+len(g.unlooked) > 0 }

// report writes the summary lines.
func (g *gaps) report(w io.Writer) {
	plural := func(n int) string {
		if n == 1 {
			return "1 process"
		}
		return fmt.Sprintf("%d processes", n)
	}
	if n := len(g.denied); n > 0 {
		fmt.Fprintf(w, "lsof: %s not fully inspected: permission denied; run as root to see them\n", plural(n))
	}
	if n := len(g.unlooked); n > 0 {
		fmt.Fprintf(w, "lsof: %s not fully inspected: mapped files on a file system that may not answer were not stat'ed; run as root to see them\n", plural(n))
	}
}

// isTerminal reports whether fd is a terminal.
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}
