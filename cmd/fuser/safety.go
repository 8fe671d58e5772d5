//go:build linux

package main

import (
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// refuseWidening is the check psmisc lacks before -k -m: a NAME that is
// neither a mount point nor a block device stands, with -m, for the
// whole file system holding it, so that "fuser -k -m /home/me/dir"
// signals every process using the root file system. Unless --widen says
// that is meant, the run stops before anything is read, with status 1.
// It reports true when it refused.
func (f *fuser) refuseWidening() bool {
	if !f.kill || !f.mounts || f.widen {
		return false
	}
	for _, n := range f.names {
		if n.space != spaceFile || !n.ok || n.removed || n.id.isBlock() {
			continue
		}
		// The root of a mount, in our mount namespace or another's
		// (a path through /proc/PID/root), is what -m is for.
		if n.id.mountRoot {
			continue
		}
		holder := ""
		if m := f.mountTable().Holding(n.text); m != nil {
			holder = m.Point
		}
		w := f.out.err()
		w.WriteString(f.e.argv0 + ": not signalling: " + n.text + " is not a mount point, and -m would widen it to ")
		if holder != "" {
			w.WriteString("the whole file system mounted on " + holder)
		} else {
			w.WriteString("the whole file system holding it")
		}
		w.WriteString(".\nName the mount point, or add --widen to signal every process using that file system.\n")
		return true
	}
	return false
}

// refuseBindMount is the same check for a NAME that is a mount point,
// but of a bind mount of part of a file system: -m then still means the
// whole file system, everything on it, mounted there or not. It runs
// after the search, so that the message can say how many processes that
// is, and before any signal. It reports true when it refused.
func (f *fuser) refuseBindMount() bool {
	if !f.kill || !f.mounts || f.widen {
		return false
	}
	for _, n := range f.names {
		if n.space != spaceFile || !n.ok || n.removed || !n.id.mountRoot {
			continue
		}
		m := f.mountTable().ByID(int(n.id.mntID))
		if m == nil || m.Root == "/" {
			continue // the whole file system, or not ours to tell
		}
		procs := 0
		for _, p := range n.procs {
			if p.kind == procNormal {
				procs++
			}
		}
		where := "not mounted whole in our mount namespace"
		for _, w := range f.mountTable().List() {
			if w.Dev == m.Dev && w.Root == "/" {
				where = "mounted whole on " + w.Point
			}
		}
		f.out.errorf("%s: not signalling: %s is a bind mount of %s of the file system on %d:%d (%s, %s), and -m would signal every process using that file system: %d.\n"+
			"Name its mount point, or add --widen to signal them.\n",
			f.e.argv0, n.text, m.Root, unix.Major(m.Dev), unix.Minor(m.Dev), m.Source, where, procs)
		return true
	}
	return false
}

// mountTable returns our mount namespace's mount table, read on first
// use; empty, after a message, when it cannot be read.
func (f *fuser) mountTable() *fdscan.Mounts {
	if f.mountTab == nil {
		f.mountTab = f.e.mountTab
	}
	if f.mountTab == nil {
		m, err := fdscan.LoadMounts(f.e.mounts)
		if err != nil {
			f.out.errorf("Cannot open %s\n", f.e.mounts)
		}
		f.mountTab = m
	}
	return f.mountTab
}

// ancestors returns the processes fuser runs under, which -k never
// signals: its parent, the parent's parent and so on up to the first
// process of the PID namespace. psmisc signals them like any other, so
// that "fuser -k -m /home" ends the shell that ran it.
func (f *fuser) ancestors(sc *fdscan.Scanner) map[int]bool {
	a := map[int]bool{}
	for pid := f.e.parent; pid > 0 && !a[pid]; {
		a[pid] = true
		p, err := sc.Identity(pid)
		if err != nil {
			break
		}
		pid = p.PPID
	}
	return a
}

// spare reports whether m is a process -k must not signal, saying so
// the first time.
func (f *fuser) spare(m *match) bool {
	if !f.spared[m.pid] {
		return false
	}
	if !f.told[m.pid] {
		if f.told == nil {
			f.told = map[int]bool{}
		}
		f.told[m.pid] = true
		f.out.errorf("Spared process %d (%s): fuser runs under it\n", m.pid, commandOrUnknown(m.command))
	}
	return true
}

// signalName names a signal as the messages of --dry-run do.
func signalName(sig int) string {
	if sig >= 1 && sig <= len(signalNames) {
		return "SIG" + signalNames[sig-1]
	}
	return "signal " + strconv.Itoa(sig)
}

func commandOrUnknown(c string) string {
	if c == "" {
		return "???"
	}
	return c
}
