package main

import (
	"os"
	"strconv"

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

// mountTable returns our mount namespace's mount table, read on first
// use; empty, after a message, when it cannot be read.
func (f *fuser) mountTable() *fdscan.Mounts {
	if f.mountTab == nil {
		f.mountTab = f.e.mountTab
	}
	if f.mountTab == nil {
		b, err := os.ReadFile(f.e.mounts)
		if err != nil {
			f.out.errorf("Cannot open %s\n", f.e.mounts)
		}
		f.mountTab = fdscan.ParseMountinfo(b)
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
