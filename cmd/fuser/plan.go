//go:build linux

package main

import (
	"bytes"
	"strconv"

	"github.com/openfiles/openfiles/pkg/fdscan"
	"github.com/openfiles/openfiles/pkg/render"
)

// planStep is what -k --dry-run would do to one process for one name.
type planStep struct {
	name    string
	pid     int
	uid     uint32
	command string
	// action is the signal it would get, or why it would get none.
	action string
}

// Why -k leaves a process found alone.
const (
	planSpared     = "none: fuser runs under it"
	planNotWriting = "none: not open for writing (-w)"
	planDeclined   = "none: declined (-i)"
)

func planOtherNetNS(ns uint64) string {
	return "none: its socket is in network namespace " + strconv.FormatUint(ns, 10) + " (--all-netns)"
}

// planned records a step of --dry-run's plan.
func (f *fuser) planned(n *name, m *match, action string) {
	f.plan = append(f.plan, planStep{name: n.text, pid: m.pid, uid: m.uid, command: commandOrUnknown(m.command), action: action})
}

// writePlan prints --dry-run's plan on standard error: for each name and
// each process found for it, the signal it would get or why none.
func (f *fuser) writePlan(users fdscan.Users) {
	w := f.out.err()
	if len(f.plan) == 0 {
		w.WriteString("Plan (--dry-run): no process to signal\n")
		return
	}
	signalled, alone := map[int]bool{}, map[int]bool{}
	for _, s := range f.plan {
		if s.action == signalName(f.sig) {
			signalled[s.pid] = true
		}
	}
	for _, s := range f.plan {
		if !signalled[s.pid] {
			alone[s.pid] = true
		}
	}
	var b bytes.Buffer
	b.WriteString("Plan (--dry-run, nothing was signalled): " + signalName(f.sig) + " to " + processes(len(signalled)))
	if len(alone) > 0 {
		b.WriteString(", " + processes(len(alone)) + " left alone")
	}
	b.WriteString("\n")
	rows := make([][]string, 0, len(f.plan))
	for _, s := range f.plan {
		user, _ := users.Lookup(s.uid)
		rows = append(rows, []string{s.name, strconv.Itoa(s.pid), user, s.command, s.action})
	}
	render.WriteReport(&b, []render.Column{{Header: "NAME"}, {Header: "PID", Right: true}, {Header: "USER"}, {Header: "COMMAND"}, {Header: "SIGNAL"}}, rows)
	w.Write(b.Bytes())
}

func processes(n int) string {
	if n == 1 {
		return "1 process"
	}
	return strconv.Itoa(n) + " processes"
}
