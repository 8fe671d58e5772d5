package main

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/openfiles/openfiles/pkg/fdscan"
)

// nameField is psmisc's NAME_FIELD: the names column is this wide.
const nameField = 20

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
	haveMatch, haveKill, head := false, false, false
	var num []byte
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
			col := 0
			hasProcs := false
			if !f.all {
				for _, m := range n.procs {
					if f.verbose || m.kind == procNormal {
						hasProcs = true
						break
					}
				}
			}
			if hasProcs || f.all {
				if !head && f.verbose {
					fmt.Fprintf(f.out.err(), "%*s USER        PID ACCESS COMMAND\n", nameField, "")
					head = true
				}
				w := f.out.err()
				w.WriteString(n.text)
				w.WriteByte(':')
				col = len(n.text) + 1
			}
			first := true
			for _, m := range n.procs {
				if !f.verbose && m.kind != procNormal {
					continue
				}
				haveMatch = true
				user, known := "", false
				if f.verbose || f.user {
					user, known = users.Lookup(m.uid)
				}
				w := f.out.err()
				if col > nameField && f.verbose {
					w.WriteByte('\n')
					col = 0
				}
				if f.verbose || first {
					for ; col < nameField; col++ {
						w.WriteByte(' ')
					}
				}
				if f.verbose {
					if !known {
						user = "(unknown)"
					}
					fmt.Fprintf(w, " %-8s ", user)
				}
				if m.kind == procNormal {
					num = append(num[:0], ' ')
					s := strconv.Itoa(m.pid)
					num = append(num, strings.Repeat(" ", max(0, 5-len(s)))...)
					num = append(num, s...)
					f.out.out().Write(num)
				} else {
					f.out.out().WriteString("kernel")
				}
				w = f.out.err()
				if f.verbose {
					switch m.kind {
					case procKnfsd:
						w.WriteString(" knfsd ")
					case procMount:
						w.WriteString(" mount ")
					case procSwap:
						w.WriteString(" swap  ")
					default:
						w.WriteString(verboseAccess(m.access))
					}
				} else {
					w.WriteString(accessLetters(m.access))
				}
				if f.user {
					if known {
						fmt.Fprintf(w, "(%s)", user)
					} else {
						fmt.Fprintf(w, " %-8s ", "(unknown)")
					}
				}
				if f.verbose {
					if m.command == "" {
						w.WriteString("???\n")
					} else {
						w.WriteString(m.command)
						w.WriteByte('\n')
					}
				}
				col, first = 0, false
			}
			if f.verbose {
				if len(n.procs) == 0 && f.all {
					f.out.err().WriteByte('\n')
				}
			} else if hasProcs || f.all {
				f.out.err().WriteByte('\n')
			}
		}
		if f.kill && f.signal(n, stdin) {
			haveKill = true
		}
	}
	if f.json {
		f.writeJSON(users)
	}
	if f.kill {
		haveMatch = haveKill
	}
	if haveMatch {
		return 0
	}
	return 1
}

// verboseAccess is the ACCESS column of -v: f or F, r, c, e, m, each a
// dot when absent, m hidden by e.
func verboseAccess(a uint8) string {
	b := []byte(" ..... ")
	if a&accessFile != 0 {
		b[1] = 'f'
		if a&accessFileWr != 0 {
			b[1] = 'F'
		}
	}
	if a&accessRoot != 0 {
		b[2] = 'r'
	}
	if a&accessCWD != 0 {
		b[3] = 'c'
	}
	if a&accessExe != 0 {
		b[4] = 'e'
	}
	if a&accessMmap != 0 && a&accessExe == 0 {
		b[5] = 'm'
	}
	return string(b)
}

// accessLetters are the letters shown after a PID without -v: r, c, and
// e or else m. Open files show nothing.
func accessLetters(a uint8) string {
	var b []byte
	if a&accessRoot != 0 {
		b = append(b, 'r')
	}
	if a&accessCWD != 0 {
		b = append(b, 'c')
	}
	if a&accessExe != 0 {
		b = append(b, 'e')
	} else if a&accessMmap != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// signal sends the signal to the processes of a name, as psmisc's
// kill_matched_proc does: with -w only to writers, with -i only when
// the user says yes; never to the processes fuser runs under, and with
// --dry-run to none, only saying which it would signal. It reports
// whether any was signalled.
func (f *fuser) signal(n *name, stdin *bufio.Reader) bool {
	ok := false
	for _, m := range n.procs {
		if m.kind != procNormal || m.pid == f.e.self {
			continue
		}
		if f.writeOnly && m.access&accessFileWr == 0 {
			continue
		}
		if f.spare(m) {
			continue
		}
		if f.interactive && !f.ask(m.pid, stdin) {
			continue
		}
		if f.dryRun {
			f.out.errorf("Would send %s to process %d (%s)\n", signalName(f.sig), m.pid, commandOrUnknown(m.command))
		} else if err := f.targets.signal(m.pid, f.sig); err != nil {
			f.out.errorf("Could not kill process %d: %s\n", m.pid, errText(err))
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

// targets are the processes fuser may signal, each by the pidfd opened
// before the process was read.
type targets struct {
	byPID map[int]*target
}

type target struct {
	fd  int   // the pidfd, or -1
	err error // why there is no pidfd
}

// open opens the pidfd of pid, before its process is read.
func (t *targets) open(pid int) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		fd = -1
	}
	t.byPID[pid] = &target{fd: fd, err: err}
}

// drop forgets pid, which matched nothing.
func (t *targets) drop(pid int) {
	if tg, ok := t.byPID[pid]; ok {
		if tg.fd >= 0 {
			unix.Close(tg.fd)
		}
		delete(t.byPID, pid)
	}
}

func (t *targets) close() {
	for pid := range t.byPID {
		t.drop(pid)
	}
}

// signal sends sig to the process read as pid. Through its pidfd, the
// signal cannot reach another process that took the PID since: it fails
// with ESRCH. Only where the kernel has no pidfds (or forbids them) does
// it fall back to kill(2), as psmisc does.
func (t *targets) signal(pid, sig int) error {
	tg, ok := t.byPID[pid]
	switch {
	case !ok:
		return unix.ESRCH
	case tg.fd >= 0:
		return unix.PidfdSendSignal(tg.fd, unix.Signal(sig), nil, 0)
	case errors.Is(tg.err, unix.ENOSYS) || errors.Is(tg.err, unix.EPERM):
		return unix.Kill(pid, unix.Signal(sig))
	default:
		return tg.err // ESRCH: gone before it was read
	}
}
