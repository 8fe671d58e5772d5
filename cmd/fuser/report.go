//go:build linux

package main

import (
	"bufio"
	"cmp"
	"errors"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/render"
)

// report prints each name with what was found for it, as psmisc's
// print_matches does, and with -k signals its processes right after
// printing it. The status is 0 when something was found (with -k: was
// signalled) and 1 otherwise.
func (f *fuser) report() int {
	users := fdscan.LoadUsers(f.e.passwd)
	var stdin *bufio.Reader
	if f.e.stdin != nil {
		stdin = bufio.NewReader(f.e.stdin)
	}
	layout := render.FuserLayout{Verbose: f.verbose, User: f.user, All: f.all, Esc: f.out.esc}
	haveMatch, haveKill := false, false
	var uses []render.FuserUse
	for _, n := range f.names {
		if n.removed {
			continue
		}
		if f.silent || f.json {
			for _, m := range n.procs {
				if m.kind == procNormal {
					haveMatch = true
				}
			}
		} else {
			uses = uses[:0]
			for _, m := range n.procs {
				u := render.FuserUse{PID: m.pid, Access: m.access, Command: m.command, Kernel: kernelUses[m.kind]}
				if name, ok := users.Lookup(m.uid); ok && (f.verbose || f.user) {
					u.User = name
				}
				if f.otherNetNS(m) {
					u.NetNS = m.netns
				}
				uses = append(uses, u)
			}
			if layout.Name(f.out, n.text, uses) {
				haveMatch = true
			}
		}
		if f.kill && f.signal(n, stdin) {
			haveKill = true
		}
	}
	if f.json {
		f.writeJSON(users)
	} else if f.kill && f.dryRun {
		f.writePlan(users)
	}
	if f.kill {
		// Signalled something, and nothing that was to be signalled
		// failed: psmisc says 0 when any one was signalled.
		haveMatch = haveKill && !f.signalFailed
	}
	if haveMatch {
		return 0
	}
	return 1
}

// kernelUses name the kernel's uses of a path, as -v shows them.
var kernelUses = [...]string{procMount: "mount", procKnfsd: "knfsd", procSwap: "swap"}

// signal sends the signal to the processes of a name, as psmisc's
// kill_matched_proc does: with -w only to writers, with -i only when
// the user says yes; never to the processes fuser runs under, and with
// --dry-run to none, only planning what it would do (see writePlan). It reports
// whether any was signalled.
func (f *fuser) signal(n *name, stdin *bufio.Reader) bool {
	ok := false
	for _, m := range n.procs {
		if m.kind != procNormal || m.pid == f.e.self {
			continue
		}
		var why string
		switch {
		case f.writeOnly && m.access&accessFileWr == 0:
			why = planNotWriting
		case f.spare(m):
			why = planSpared
		case f.spareNetNS(n, m):
			why = planOtherNetNS(m.netns)
		case f.interactive && !f.ask(m.pid, stdin):
			why = planDeclined
		}
		if f.dryRun {
			f.planned(n, m, cmp.Or(why, signalName(f.sig)))
		}
		if why != "" {
			continue
		}
		if f.dryRun {
			// Planned above: signal nothing.
		} else if err := f.signalProcess(m); err != nil {
			f.out.errorf("Could not kill process %d: %s\n", m.pid, errText(err))
			// One gone since it was read needed no signal.
			f.signalFailed = f.signalFailed || !errors.Is(err, unix.ESRCH)
			continue
		}
		m.signalled = true
		ok = true
	}
	return ok
}

// ask is -i: it asks on standard error and reads a line from standard
// input until the answer starts with y or n, as rpmatch(3) reads it in
// the C locale; an empty line or the end of input is no.
func (f *fuser) ask(pid int, stdin *bufio.Reader) bool {
	for {
		f.out.errorf("Kill process %d ? (y/N) ", pid)
		f.out.flush()
		if stdin == nil {
			return false
		}
		line, err := stdin.ReadString('\n')
		if line == "" && err != nil {
			return false
		}
		switch {
		case line == "\n":
			return false
		case line[0] == 'y' || line[0] == 'Y':
			return true
		case line[0] == 'n' || line[0] == 'N':
			return false
		}
	}
}

// foreignNetNS reports whether m holds its socket for port name n in a
// network namespace not ours, which fuser finds and psmisc does not see.
func (f *fuser) foreignNetNS(n *name, m *match) bool {
	return n.space != spaceFile && f.otherNetNS(m)
}

// otherNetNS reports whether m's process is known to be in a network
// namespace other than ours, which -v and --json show whatever the name.
func (f *fuser) otherNetNS(m *match) bool {
	return m.netns != 0 && f.ownNetNS != 0 && m.netns != f.ownNetNS
}

// spareNetNS reports whether -k must leave m alone: a holder of a socket
// in another network namespace (on a host running containers, their
// servers on the same port), unless --all-netns says otherwise. It says
// so the first time.
func (f *fuser) spareNetNS(n *name, m *match) bool {
	if f.allNetNS || !f.foreignNetNS(n, m) {
		return false
	}
	if !f.told[m.pid] {
		if f.told == nil {
			f.told = map[int]bool{}
		}
		f.told[m.pid] = true
		f.out.errorf("Spared process %d (%s): its socket is in network namespace %d, not ours; --all-netns signals it\n",
			m.pid, commandOrUnknown(m.command), m.netns)
	}
	return true
}

// signalProcess sends the signal to the process m names: the one the
// scan read. A pidfd is opened first, then checked to name the process
// read: by its pidfs identity, which the scan pinned with a pidfd of its
// own (Linux 6.9 and later), and by its start time. The start time alone
// is in clock ticks, so a process that took the PID within the tick the
// one read started in would pass it; the identity does not. One
// descriptor is open at a time, however many processes there are and
// whatever ulimit -n says.
// Where the kernel has no pidfds (or forbids them), kill(2) follows the
// same check, as psmisc's kill does with none. A process gone since it
// was read is ESRCH.
func (f *fuser) signalProcess(m *match) error {
	fd, err := unix.PidfdOpen(m.pid, 0)
	noPidfd := errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM)
	if err != nil && !noPidfd {
		return err
	}
	if err == nil {
		defer unix.Close(fd)
	}
	if p, err := f.scanner.Identity(m.pid); err != nil || p.StartTime != m.start {
		return unix.ESRCH
	}
	if m.id != 0 && !noPidfd {
		if id, ok := fdscan.PidfdID(fd); !ok || id != m.id {
			return unix.ESRCH
		}
	}
	if noPidfd {
		return unix.Kill(m.pid, unix.Signal(f.sig))
	}
	return unix.PidfdSendSignal(fd, unix.Signal(f.sig), nil, 0)
}
