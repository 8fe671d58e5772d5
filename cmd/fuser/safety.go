package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"

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
	var points []string
	for _, n := range f.names {
		if n.space != spaceFile || !n.ok || n.removed || n.id.isBlock() {
			continue
		}
		if points == nil {
			points = f.mountPoints()
		}
		holder := mountPointHolding(points, n.text)
		if holder == n.text {
			continue
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

// mountPoints returns the mount points listed in the mounts file,
// unescaped, in its order.
func (f *fuser) mountPoints() []string {
	points := []string{}
	fl, err := os.Open(f.e.mounts)
	if err != nil {
		return points
	}
	defer fl.Close()
	sc := bufio.NewScanner(fl)
	for sc.Scan() {
		if p, ok := mountPoint(sc.Text()); ok {
			points = append(points, unescapeMount(p))
		}
	}
	return points
}

// mountPointHolding returns the mount point whose file system holds
// path, judged by the text of the paths: the longest that path is under
// (the last listed, when one is mounted over another), or "".
func mountPointHolding(points []string, path string) string {
	best := ""
	for _, p := range points {
		under := path == p || p == "/" || strings.HasPrefix(path, p+"/")
		if under && len(p) >= len(best) {
			best = p
		}
	}
	return best
}

// unescapeMount undoes the kernel's octal escapes (\040 for a blank,
// \011, \012, \134) in a mount point from /proc/mounts.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b = append(b, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

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
