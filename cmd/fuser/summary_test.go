//go:build linux

package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestSummaryForPeople checks that, when a person reads stderr, the
// descriptors fuser could not read are summed up in one line instead of
// psmisc's line for each, and that scripts still get psmisc's lines.
func TestSummaryForPeople(t *testing.T) {
	for _, tty := range []bool{false, true} {
		e := fixtureEnv(t, "")
		e.stderrTTY = tty
		var stdout, stderr bytes.Buffer
		run([]string{"/srv"}, &stdout, &stderr, e)
		perFD := strings.Count(stderr.String(), "Cannot stat file")
		summary := strings.Contains(stderr.String(), "2 processes not fully inspected (1 with no descriptors listed): permission denied; run as root to see them\n")
		if tty && (perFD != 0 || !summary) {
			t.Errorf("for a person: %d per-descriptor lines, summary %v:\n%s", perFD, summary, stderr.String())
		}
		if !tty && (perFD == 0 || summary) {
			t.Errorf("for a script: %d per-descriptor lines, summary %v:\n%s", perFD, summary, stderr.String())
		}
	}
}

// TestSummaryAsRoot: when root is refused too, the summary does not tell
// the user to run as root.
func TestSummaryAsRoot(t *testing.T) {
	e := fixtureEnv(t, "")
	e.stderrTTY, e.root = true, true
	var stdout, stderr bytes.Buffer
	run([]string{"/srv"}, &stdout, &stderr, e)
	want := "2 processes not fully inspected (1 with no descriptors listed): permission denied even to root (a security module or user namespace refuses access)\n"
	if !strings.Contains(stderr.String(), want) || strings.Contains(stderr.String(), "run as root") {
		t.Errorf("as root: stderr %q; want %q", stderr.String(), want)
	}
}
