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
		summary := strings.Contains(stderr.String(), "1 process not fully inspected: permission denied; run as root to see them")
		if tty && (perFD != 0 || !summary) {
			t.Errorf("for a person: %d per-descriptor lines, summary %v:\n%s", perFD, summary, stderr.String())
		}
		if !tty && (perFD == 0 || summary) {
			t.Errorf("for a script: %d per-descriptor lines, summary %v:\n%s", perFD, summary, stderr.String())
		}
	}
}
