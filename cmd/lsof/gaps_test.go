//go:build linux

package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestSummaryNamesCause lists the fixture, one of whose processes
// refuses its descriptors and another its descriptor directory: the summary says to run as root only when we
// are not root, and says root was refused too when we are.
func TestSummaryNamesCause(t *testing.T) {
	for _, root := range []bool{false, true} {
		e := fixtureEnv(t, "basic", false)
		e.root = root
		var stdout, stderr bytes.Buffer
		code := run([]string{"--strict"}, &stdout, &stderr, e)
		want := "lsof: 2 processes not fully inspected (1 with no descriptors listed): permission denied; run as root to see them\n"
		if root {
			want = "lsof: 2 processes not fully inspected (1 with no descriptors listed): permission denied even to root (a security module or user namespace refuses access)\n"
		}
		if code != 2 || !strings.Contains(stderr.String(), want) {
			t.Errorf("as root %v: exit %d, stderr %q; want 2 and %q", root, code, stderr.String(), want)
		}
	}
}
