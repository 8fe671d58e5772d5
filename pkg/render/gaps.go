//go:build linux

package render

import (
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// Gaps counts the processes a listing could not fully inspect, by
// cause, for one summary line each instead of silence (lsof) or a line
// per descriptor (fuser). Its zero value is ready to use, and it is safe
// for concurrent use.
type Gaps struct {
	// Others, when set, counts entries that failed for other reasons
	// too, by error: for a listing that shows no errors of its own.
	Others bool

	mu sync.Mutex
	// denied are the processes the kernel refused something; blind
	// those of them whose descriptor directory could not be read at all.
	denied, blind map[int]bool
	// unlooked are the processes with a mapped file left unstat'ed: its
	// path runs through a mount that may stall, and its map_files link
	// could not be read (fdscan.ErrNotLookedUp).
	unlooked map[int]bool
	other    map[string]map[int]bool // by error text
}

// Note records entry f of process pid if it could not be inspected.
func (g *Gaps) Note(pid int, f *fdscan.File) {
	if f.Err == nil {
		return
	}
	var sets []*map[int]bool
	switch {
	case errors.Is(f.Err, fdscan.ErrNotLookedUp):
		sets = append(sets, &g.unlooked)
	case errors.Is(f.Err, unix.EACCES) || errors.Is(f.Err, unix.EPERM):
		sets = append(sets, &g.denied)
		if f.Kind == fdscan.KindNoFD {
			sets = append(sets, &g.blind)
		}
	case errors.Is(f.Err, unix.ENOENT) || errors.Is(f.Err, unix.ESRCH):
		return // gone while it was read: nothing was hidden
	case g.Others:
		g.mu.Lock()
		defer g.mu.Unlock()
		text := Strerror(f.Err.Err)
		if g.other == nil {
			g.other = map[string]map[int]bool{}
		}
		if g.other[text] == nil {
			g.other[text] = map[int]bool{}
		}
		g.other[text][pid] = true
		return
	default:
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, set := range sets {
		if *set == nil {
			*set = map[int]bool{}
		}
		(*set)[pid] = true
	}
}

// Any reports whether some process was not fully inspected.
func (g *Gaps) Any() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.denied)+len(g.unlooked)+len(g.other) > 0
}

// Report writes the summary lines, each starting with prog. root says
// we run as root: the advice to run as root is then left out, and a
// refusal is said to be one that root gets too.
func (g *Gaps) Report(w io.Writer, prog string, root bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if n := len(g.denied); n > 0 {
		line := prog + ": " + processes(n) + " not fully inspected"
		if b := len(g.blind); b > 0 {
			line += " (" + strconv.Itoa(b) + " with no descriptors listed)"
		}
		if root {
			// Root passes the permission checks; what is left is the
			// kernel's ptrace access check, refused by a security
			// module or a user namespace we have no rights in.
			line += ": permission denied even to root (a security module or user namespace refuses access)\n"
		} else {
			line += ": permission denied; run as root to see them\n"
		}
		io.WriteString(w, line)
	}
	if n := len(g.unlooked); n > 0 {
		line := prog + ": " + processes(n) + " not fully inspected: mapped files on a file system that may not answer were not stat'ed"
		if root {
			line += " (their map_files links could not be read)\n"
		} else {
			line += "; run as root to see them\n"
		}
		io.WriteString(w, line)
	}
	for _, text := range slices.Sorted(maps.Keys(g.other)) {
		io.WriteString(w, prog+": "+processes(len(g.other[text]))+" not fully inspected: "+text+"\n")
	}
}

func processes(n int) string {
	if n == 1 {
		return "1 process"
	}
	return strconv.Itoa(n) + " processes"
}

// IsTerminal reports whether fd is a terminal: a person reads what is
// written to it.
func IsTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}
